"""XLA periods acknowledged in advance by a declared disruption (experience.disruptions).

An evaluation or breach of an XLA's period is acknowledged when a declared window overlaps
the period and its services and personas meet the XLA's (the rule is
`experience.disruptions.selectors.covering`). Acknowledged periods are still evaluated and
shown; their breaches are neither notified nor escalated.
"""

from __future__ import annotations

import datetime

from experience.disruptions.selectors import covering, local_span, windows


class Acknowledger:
    """Reads the register once for [first_day, last_day) and answers per XLA period."""

    def __init__(self, org, first_day: datetime.date, last_day: datetime.date):
        self.org = org
        self.windows = windows(org, *local_span(org, first_day, last_day))

    def disruption_id(self, xla, start: datetime.date, end: datetime.date) -> int | None:
        if not self.windows:
            return None
        span_start, span_end = local_span(self.org, start, end)
        window = covering(
            self.windows,
            start=span_start,
            end=span_end,
            services=[s.slug for s in xla.services.all()],
            personas=[p.slug for p in xla.personas.all()],
        )
        return window.id if window else None
