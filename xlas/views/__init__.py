"""XLA governance and breach pages, one module per page family.

`xla`: the XLA list, review list, detail and creation; `versions`: drafts, proposals,
approval; `breaches`: the breach list, detail and work panel. Reads go through
xlas.selectors, writes through xlas.services; actions on a breach belong to meetings.
"""
