"""A mergeable quantile sketch of metric samples (DDSketch's logarithmic buckets).

A value x > 0 falls in bucket i = ceil(log_γ x) with γ = (1 + α) / (1 − α); every value of
bucket i lies in (γ^(i−1), γ^i], and its representative 2γ^i / (γ + 1) is within a relative
α of each of them. Negative values use the mirror buckets, zero its own. A bucket is stored
as one integer code, increasing with the value: 0 for zero, ±(i + OFFSET) otherwise, so a
sketch is a {code: count} map and two sketches merge by adding counts.

`quantile` interpolates between the representatives of the two ranks around q·(n − 1), as
PostgreSQL's percentile_cont interpolates between the two values: when both values have the
same sign, the result is within a relative α of percentile_cont's. With α = 1 %, buckets
are 2 % wide; a day of one metric for one service holds a few dozen of them.

Stored (MetricRollup.sketch) as bytes: one ENTRY (code: little-endian int32, count: int64)
per bucket, codes ascending. `encode` and `decode` convert from and to a {code: count} map.
"""

from __future__ import annotations

import math

import numpy as np

ALPHA = 0.01
GAMMA = (1 + ALPHA) / (1 - ALPHA)
_LOG_GAMMA = math.log(GAMMA)
OFFSET = 40_000  # i + OFFSET > 0 for every finite positive double (i >= -37 300)
CODE_SPAN = 1 << 18  # codes lie in (-CODE_SPAN / 2, CODE_SPAN / 2)
ENTRY = np.dtype([("code", "<i4"), ("count", "<i8")])


def encode(buckets: dict[int, int]) -> bytes:
    """The stored form of a {code: count} map."""
    entries = np.zeros(len(buckets), dtype=ENTRY)
    entries["code"] = sorted(buckets)
    entries["count"] = [buckets[code] for code in entries["code"].tolist()]
    return entries.tobytes()


def decode(data) -> dict[int, int]:
    """The {code: count} map of a stored sketch (bytes or memoryview)."""
    entries = np.frombuffer(data, dtype=ENTRY)
    return dict(zip(entries["code"].tolist(), entries["count"].tolist(), strict=True))


def codes(values: np.ndarray) -> np.ndarray:
    """The bucket code of each value (int64)."""
    magnitude = np.abs(values)
    with np.errstate(divide="ignore"):
        index = np.ceil(np.log(np.where(magnitude > 0, magnitude, 1.0)) / _LOG_GAMMA)
    return (np.sign(values) * (index + OFFSET)).astype(np.int64)


def representative(code: int) -> float:
    if code == 0:
        return 0.0
    index = abs(code) - OFFSET
    value = 2 * math.exp(index * _LOG_GAMMA) / (GAMMA + 1)
    return value if code > 0 else -value


def quantile(buckets: dict[int, int], q: float, *, low=None, high=None) -> float | None:
    """The q-quantile (0 ≤ q ≤ 1) of the values counted in `buckets`, interpolated like
    percentile_cont; `low` and `high` (the exact min and max) bound the estimate."""
    n = sum(buckets.values())
    if not n:
        return None
    rank = q * (n - 1)
    below = int(rank)
    wanted = (below, min(below + 1, n - 1))
    found: list[float] = []
    seen = 0
    for code in sorted(buckets):
        seen += buckets[code]
        while len(found) < 2 and wanted[len(found)] < seen:
            found.append(representative(code))
        if len(found) == 2:
            break
    estimate = found[0] + (found[1] - found[0]) * (rank - below)
    if low is not None:
        estimate = max(estimate, low)
    if high is not None:
        estimate = min(estimate, high)
    return estimate
