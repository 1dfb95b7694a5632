"""Response rollups on PostgreSQL aggregated in the worker, in one ordered pass over responses.

Used by the full rebuild (every rolled-up response; rows written with delta = false) and by
each incremental chunk (the chunk's ids; one row per key appended with delta = true).

SQLite (and the fallback) aggregate in SQL (experience.rollups.statements). There the exact
lost-time histograms are expensive: grouping by rollup key *and* lost-time value turns nearly every
response into its own group at the day grains, which costs PostgreSQL about five times the
plain statistics. So this pass instead

1. copies the rollup columns of the responses (a rebuild: every response without a queue
   row; a chunk: its ids), in time order, to a temporary file: one COPY statement, one
   snapshot, and the worker holds none of it in memory;
2. reads that file back in chunks and aggregates each chunk with NumPy on integer keys
   (statistics with sorted reductions, histogram and factor counts by sorting key × value);
   a day's or a month's partial figures wait in memory only until its period is complete,
   which the time order tells;
3. writes every finished rollup row with COPY.

The rows are exactly those of the SQL path (tests/experience compare them). Memory is bounded
by the chunk size and by the segments × lost-time values of one period, not by the number
of responses. Data outside what the integer keys can hold (dates before 1970 or after 2328,
millions of segments) raises `OutOfRange`, and the caller falls back to the SQL path.
"""

from __future__ import annotations

import datetime
import functools
import tempfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..models import FactorRollup, ResponseRollup
from .columns import KEY_COLUMNS, STAT_COLUMNS
from .engine_parts import (
    codes as _codes,
)
from .engine_parts import (
    copy_in as _copy_in,
)
from .engine_parts import (
    count as _count,
)
from .engine_parts import (
    escape as _escape,
)
from .engine_parts import (
    factor_names as _factor_names,
)
from .engine_parts import (
    retained_periods,
)
from .engine_parts import (
    runs as _runs,
)
from .engine_parts import (
    source_query as _source_query,
)

CHUNK_ROWS = 100_000
FACTOR_SETS_CACHED = 50_000
COPY_BLOCK = 1 << 20
GRAIN_NAMES = ("service", "fine", "location", "group")
# Which of (persona, touchpoint, channel, location, assignment group) each grain keeps.
GRAIN_KEEPS = {
    "service": (False, False, False, False, False),
    "fine": (True, True, True, False, False),
    "location": (False, False, False, True, False),
    "group": (False, False, False, False, True),
}
SEG_BITS = 22  # segments per grain
VALUE_BITS = 17  # lost-time values (0-100 000) and distinct factors
TIME_BITS = 17  # days since 1970-01-01 (to 2328)
_EPOCH = datetime.date(1970, 1, 1)
_EPOCH64 = np.datetime64("1970-01-01", "D")
MAX_LOST = 100_000

RESPONSE_COLUMNS = (*KEY_COLUMNS, *STAT_COLUMNS, "lost_hist")
FACTOR_COLUMNS = (*KEY_COLUMNS, "factor", "count")
_NAMES = ("d", "s", "p", "tp", "ch", "loc", "grp", "score", "lost", "fac")
_DTYPES = {
    "d": np.int64,
    "s": np.int64,
    "p": np.int64,
    "tp": object,
    "ch": object,
    "loc": object,
    "grp": object,
    "score": np.int64,
    "lost": np.float64,
    "fac": object,
}


@functools.cache
def _lost_text() -> np.ndarray:
    """The JSON text '"minutes":' of every lost-time value (built once per process)."""
    return np.array([f'"{v}":' for v in range(MAX_LOST + 1)], dtype=object)


class OutOfRange(Exception):
    """The data does not fit the integer keys of the fast path (use the SQL path)."""


@dataclass
class _Partial:
    """Figures of not yet complete periods of one span: key arrays and their sums."""

    keys: list = field(default_factory=list)
    stats: list = field(default_factory=list)
    hist: list = field(default_factory=list)
    factors: list = field(default_factory=list)

    def add(self, keys, stats, hist, factors) -> None:
        self.keys.append(keys)
        self.stats.append(stats)
        self.hist.append(hist)
        self.factors.append(factors)
        if len(self.keys) > 4:  # keep the waiting figures compact
            self.keys, self.stats, self.hist, self.factors = ([x] for x in self._merged(None))

    def _merged(self, before):
        """Merged figures (keys, stats, hist, factors); with `before`, only earlier periods
        are returned and the rest stays waiting."""
        keys = np.concatenate(self.keys)
        stats = np.concatenate(self.stats)
        hist_keys = np.concatenate([h[0] for h in self.hist])
        hist_counts = np.concatenate([h[1] for h in self.hist])
        fac_keys = np.concatenate([f[0] for f in self.factors])
        fac_counts = np.concatenate([f[1] for f in self.factors])
        order = np.argsort(keys, kind="stable")
        keys, stats = keys[order], stats[order]
        starts = _runs(keys)
        keys = keys[starts]
        stats = np.add.reduceat(stats, starts, axis=0) if len(starts) else stats
        hist = _count(hist_keys, hist_counts)
        factors = _count(fac_keys, fac_counts)
        if before is None:
            return keys, stats, hist, factors
        limit = before << (2 + SEG_BITS)
        cut = np.searchsorted(keys, limit)
        hcut = np.searchsorted(hist[0], limit << VALUE_BITS)
        fcut = np.searchsorted(factors[0], limit << VALUE_BITS)
        self.keys, self.stats = [keys[cut:]], [stats[cut:]]
        self.hist = [(hist[0][hcut:], hist[1][hcut:])]
        self.factors = [(factors[0][fcut:], factors[1][fcut:])]
        return (
            keys[:cut],
            stats[:cut],
            (hist[0][:hcut], hist[1][:hcut]),
            (
                factors[0][:fcut],
                factors[1][:fcut],
            ),
        )

    def take(self, before: int | None):
        """Finished figures of the periods before `before` (all with None); they leave."""
        if not self.keys:
            return None
        if before is None:
            merged = self._merged(None)
            self.keys, self.stats, self.hist, self.factors = [], [], [], []
            return merged
        return self._merged(before)


class _Rebuild:
    """One ordered pass over responses: all rolled-up ones (a rebuild, rows written with
    delta = false) or the chunk `ids` (rows appended with delta = true)."""

    def __init__(self, cursor, org, ids: list[int] | None = None, kept_from=None):
        self.cursor = cursor
        self.org = org
        self.ids = ids
        # Retention dropped the responses before `kept_from`: read from there, and write only
        # the periods that no retired response belongs to (first_periods, in days).
        self.kept_from = kept_from
        self.first_periods = retained_periods(kept_from) if kept_from else None
        self.row_start = f"{'t' if ids is not None else 'f'}\t{org.pk}\t"
        self.segments: dict[tuple, int] = {}
        self.grain_ids = {g: {} for g in GRAIN_NAMES}
        self.grain_rows: dict[str, list[tuple]] = {g: [] for g in GRAIN_NAMES}
        self.grain_of: dict[str, list[int]] = {g: [] for g in GRAIN_NAMES}
        self.factor_ids: dict[str, int] = {}
        self.factor_list: list[str] = []
        self.fac_cache: dict[str, list[int]] = {}
        self.partial = {"day": _Partial(), "month": _Partial()}
        self.grain_texts: dict[str, list[str]] = {g: [] for g in GRAIN_NAMES}
        self.factor_texts: list[str] = []
        self.count_text = np.zeros(0, dtype=object)
        self.out = self.factor_out = None
        self.responses = 0

    # --- reading --------------------------------------------------------------------------

    def run(self) -> int:
        with tempfile.TemporaryFile() as spool, tempfile.TemporaryFile() as factor_spool:
            with self.cursor.cursor.copy(_source_query(self.org, self.ids, self.kept_from)) as copy:
                for block in copy:
                    spool.write(block)
            if not spool.tell():
                return 0
            spool.seek(0)
            reader = pd.read_csv(
                spool,
                header=None,
                names=_NAMES,
                dtype=_DTYPES,
                keep_default_na=False,
                na_values={"lost": [""], "fac": [""]},
                chunksize=CHUNK_ROWS,
            )
            # Response rollup rows stream to PostgreSQL while the next chunk is aggregated;
            # factor rows wait in a file for their own COPY (one COPY at a time).
            self.factor_out = factor_spool
            with self.cursor.cursor.copy(
                _copy_in(ResponseRollup, ("delta", *RESPONSE_COLUMNS))
            ) as out:
                self.out = out
                for frame in reader:
                    self._chunk(frame)
                for span in ("day", "month"):
                    self._write(span, self.partial[span].take(None))
            if factor_spool.tell():
                factor_spool.seek(0)
                columns = ("delta", *FACTOR_COLUMNS)
                with self.cursor.cursor.copy(_copy_in(FactorRollup, columns)) as copy:
                    while block := factor_spool.read(COPY_BLOCK):
                        copy.write(block)
        return self.responses

    def _segments(self, frame) -> np.ndarray:
        """Each row's segment id (stable across chunks) and the grain projections."""
        columns = [frame[c].to_numpy() for c in ("s", "p", "tp", "ch", "loc", "grp")]
        combined, _ = _codes(columns[0])
        for column in columns[1:]:
            codes, size = _codes(column)
            combined, _ = _codes(combined * size + codes)
        first = np.unique(combined, return_index=True)[1]  # codes are 0..k-1
        local_map = np.empty(len(first), dtype=np.int64)
        for code, row in enumerate(first.tolist()):
            values = (int(columns[0][row]), int(columns[1][row]), *(c[row] for c in columns[2:]))
            seg = self.segments.get(values)
            local_map[code] = self._new_segment(values) if seg is None else seg
        return local_map[combined]

    def _new_segment(self, values: tuple) -> int:
        seg = len(self.segments)
        self.segments[values] = seg
        service, *dims = values
        for grain, keeps in GRAIN_KEEPS.items():
            projected = (
                service,
                dims[0] if keeps[0] else 0,
                *(value if keep else "" for value, keep in zip(dims[1:], keeps[1:], strict=True)),
            )
            ids = self.grain_ids[grain]
            gid = ids.get(projected)
            if gid is None:
                gid = ids[projected] = len(ids)
                self.grain_rows[grain].append(projected)
                if gid >= 1 << SEG_BITS:
                    raise OutOfRange("too many segments")
            self.grain_of[grain].append(gid)
        return seg

    def _factors(self, frame) -> tuple[np.ndarray, np.ndarray]:
        """(row index, factor id) for every distinct factor each row names."""
        texts = frame["fac"].to_numpy()
        rows = np.flatnonzero(pd.notna(texts))
        if not len(rows):
            return rows, rows
        codes, uniques = pd.factorize(texts[rows])
        if len(self.fac_cache) > FACTOR_SETS_CACHED:  # distinct factor lists: usually few
            self.fac_cache.clear()
        ids = []
        for text in uniques:
            found = self.fac_cache.get(text)
            if found is None:
                found = self.fac_cache[text] = [self._factor_id(n) for n in _factor_names(text)]
            ids.append(found)
        lengths = np.array([len(i) for i in ids], dtype=np.int64)
        per_row = lengths[codes]
        row_index = np.repeat(rows, per_row)
        offsets = np.concatenate(([0], np.cumsum(lengths)))
        flat = np.array([f for i in ids for f in i], dtype=np.int64)
        # Position of each exploded item within its row's list of factors.
        starts = np.repeat(np.cumsum(per_row) - per_row, per_row)
        within = np.arange(len(row_index)) - starts
        return row_index, flat[np.repeat(offsets[codes], per_row) + within]

    def _factor_id(self, name: str) -> int:
        fid = self.factor_ids.get(name)
        if fid is None:
            fid = self.factor_ids[name] = len(self.factor_list)
            self.factor_list.append(name)
            if fid >= 1 << VALUE_BITS:
                raise OutOfRange("too many distinct factors")
        return fid

    # --- aggregating ----------------------------------------------------------------------

    def _chunk(self, frame) -> None:
        days = frame["d"].to_numpy()
        if len(days) and (days.min() < 0 or days.max() >= 1 << TIME_BITS):
            raise OutOfRange("response dates outside 1970-2328")
        self.responses += len(days)
        seg = self._segments(frame)
        score = frame["score"].to_numpy()
        lost_f = frame["lost"].to_numpy()
        has_lost = ~np.isnan(lost_f)
        lost = np.where(has_lost, lost_f, 0).astype(np.int64)
        if len(lost) and lost.max() > MAX_LOST:
            raise OutOfRange("lost time above the allowed range")
        values = np.column_stack(
            (
                np.ones(len(score), dtype=np.int64),
                score >= 9,
                score <= 6,
                score,
                score * score,
                has_lost,
                lost,
                lost * lost,
            )
        ).astype(np.int64)
        fac_rows, fac_ids = self._factors(frame)
        months = (
            (_EPOCH64 + days).astype("datetime64[M]").astype("datetime64[D]") - _EPOCH64
        ).astype(np.int64)
        lost_rows = np.flatnonzero(has_lost)
        for span, times in (("day", days), ("month", months)):
            keys_all, stats_all, hist_all, fac_all = [], [], [], []
            for g, grain in enumerate(GRAIN_NAMES):
                gseg = np.asarray(self.grain_of[grain], dtype=np.int64)[seg]
                key = ((times << 2) + g) << SEG_BITS | gseg
                order = np.argsort(key, kind="stable")
                ordered = key[order]
                starts = _runs(ordered)
                keys_all.append(ordered[starts])
                stats_all.append(np.add.reduceat(values[order], starts, axis=0))
                hist_all.append(_count(key[lost_rows] << VALUE_BITS | lost[lost_rows]))
                fac_all.append(_count(key[fac_rows] << VALUE_BITS | fac_ids))
            self.partial[span].add(
                np.concatenate(keys_all),
                np.concatenate(stats_all),
                (
                    np.concatenate([h[0] for h in hist_all]),
                    np.concatenate([h[1] for h in hist_all]),
                ),
                (
                    np.concatenate([f[0] for f in fac_all]),
                    np.concatenate([f[1] for f in fac_all]),
                ),
            )
            # Rows come in time order: periods before the last one seen are complete.
            self._write(span, self.partial[span].take(int(times[-1])))

    # --- writing --------------------------------------------------------------------------

    def _prefix(self, span: str, key: int) -> str:
        """The COPY text of a rollup row's key columns, with the trailing tab."""
        gseg = key & ((1 << SEG_BITS) - 1)
        grain = GRAIN_NAMES[(key >> SEG_BITS) & 3]
        day = _EPOCH + datetime.timedelta(days=key >> (SEG_BITS + 2))
        texts = self.grain_texts[grain]
        while len(texts) <= gseg:
            service, persona, *dims = self.grain_rows[grain][len(texts)]
            texts.append("\t".join((str(service), str(persona), *map(_escape, dims))))
        return f"{self.row_start}{span}\t{grain}\t{day.isoformat()}\t{texts[gseg]}\t"

    def _hist_texts(self, keys, hist) -> list[str]:
        hist_keys, counts = hist
        owner = hist_keys >> VALUE_BITS
        lost = hist_keys & ((1 << VALUE_BITS) - 1)
        top = int(counts.max()) if len(counts) else 0
        if top >= len(self.count_text):  # counts are small: look their text up
            self.count_text = np.array([str(v) for v in range(max(top + 1, 1024))], dtype=object)
        entries = _lost_text()[lost] + self.count_text[counts]
        low = np.searchsorted(owner, keys, side="left").tolist()
        high = np.searchsorted(owner, keys, side="right").tolist()
        return ["{" + ",".join(entries[a:b]) + "}" for a, b in zip(low, high, strict=True)]

    def _write(self, span: str, finished) -> None:
        if finished is None:
            return
        if self.first_periods is not None:
            finished = _from_period(finished, self.first_periods[span])
        keys, stats, hist, factors = finished
        if not len(keys):
            return
        prefixes = np.array([self._prefix(span, key) for key in keys.tolist()], dtype=object)
        texts = self._hist_texts(keys, hist)
        tab = "\t"
        lines = [
            f"{prefix}{tab.join(map(str, row))}{tab}{text}\n"
            for prefix, row, text in zip(prefixes.tolist(), stats.tolist(), texts, strict=True)
        ]
        self.out.write("".join(lines).encode())
        fac_keys, fac_counts = factors
        if not len(fac_keys):
            return
        while len(self.factor_texts) < len(self.factor_list):
            self.factor_texts.append(_escape(self.factor_list[len(self.factor_texts)]) + "\t")
        names = np.array(self.factor_texts, dtype=object)
        owners = np.searchsorted(keys, fac_keys >> VALUE_BITS)
        lines = (
            prefixes[owners]
            + names[fac_keys & ((1 << VALUE_BITS) - 1)]
            + np.char.add(fac_counts.astype(str), "\n").astype(object)
        )
        self.factor_out.write("".join(lines.tolist()).encode())


def _from_period(finished, first: int):
    """The finished figures of the periods from day number `first` on (arrays are sorted)."""
    keys, stats, hist, factors = finished
    limit = first << (2 + SEG_BITS)
    cut = np.searchsorted(keys, limit)
    hcut = np.searchsorted(hist[0], limit << VALUE_BITS)
    fcut = np.searchsorted(factors[0], limit << VALUE_BITS)
    return (
        keys[cut:],
        stats[cut:],
        (hist[0][hcut:], hist[1][hcut:]),
        (factors[0][fcut:], factors[1][fcut:]),
    )


def rebuild_responses(cursor, org, kept_from=None) -> int:
    """Write every ResponseRollup and FactorRollup row of `org` (tables emptied first; with
    `kept_from`, the rows of retained periods only, see retained_periods).

    Returns the number of responses rolled up. Raises OutOfRange before writing anything
    only for the date check; the caller runs it in a savepoint and falls back on any
    OutOfRange.
    """
    return _Rebuild(cursor, org, kept_from=kept_from).run()


def append_deltas(cursor, org, ids: list[int]) -> int:
    """Append one delta row per key (ResponseRollup and FactorRollup) for the responses `ids`.

    Raises OutOfRange as rebuild_responses does; the caller runs it in a savepoint.
    """
    return _Rebuild(cursor, org, ids).run()
