"""Office pages: the office itself (`office`), objectives (`objectives`), people (`people`).

Every member of the organisation reads them (view_office); admins and officers change them
(edit_office), always through office.services, which audit each change.
"""
