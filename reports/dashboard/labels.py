"""The dashboard's words in the reader's language, over figures cached for every reader.

The figures (dashboard_data, segment_data) are computed once per organisation, data version
and filters, whoever asks first; the few words stored with them (choice labels, period
names, statuses) are written again here, at render time, from the codes kept beside them.
So a German reader reads German even when an English reader filled the cache.
"""

from __future__ import annotations

import datetime

from django.utils import dates
from django.utils.formats import get_format
from django.utils.text import capfirst
from django.utils.translation import get_language, pgettext_lazy

from experience.choices import Channel, SegmentKind, Touchpoint
from xmo.periods import period_label

CHOICE_LABELS = {"channel": Channel, "touchpoint": Touchpoint}
# A dimension named inside a sentence ("Hotspots: service × channel"): lower case in English,
# a noun in German.
IN_SENTENCE = {
    "all": pgettext_lazy("in a sentence", "whole organisation"),
    "service": pgettext_lazy("in a sentence", "service"),
    "persona": pgettext_lazy("in a sentence", "persona"),
    "touchpoint": pgettext_lazy("in a sentence", "touchpoint"),
    "channel": pgettext_lazy("in a sentence", "channel"),
    "location": pgettext_lazy("in a sentence", "location"),
    "assignment_group": pgettext_lazy("in a sentence", "assignment group"),
    "": pgettext_lazy("in a sentence", "sub-segment"),
}


def dimension_word(dimension: str | None) -> str:
    """A dimension's name inside a sentence, in the active language."""
    word = IN_SENTENCE.get(dimension or "")
    return str(word) if word is not None else str(dimension).replace("_", " ")


def dimension_heading(dimension: str | None) -> str:
    """A dimension's name as a column heading: "Channel" / "Kanal"."""
    return capfirst(dimension_word(dimension))


def _choice_label(dimension: str, key, fallback):
    choices = CHOICE_LABELS.get(dimension)
    if choices is None or key not in choices.values:
        return fallback
    return str(choices(key).label)


def _kind_label(kind: str, fallback: str = "") -> str:
    return str(SegmentKind(kind).label) if kind in SegmentKind.values else fallback


def _status_label(status, fallback):
    from xlas.scores import STATUS_LABELS

    return str(STATUS_LABELS.get(status, fallback)) if status else fallback


def _xla_row(row: dict) -> dict:
    row = {**row, "status_label": _status_label(row.get("status"), row.get("status_label", ""))}
    if row.get("period_start"):
        row["period_label"] = period_label(
            row.get("period") or "month", datetime.date.fromisoformat(row["period_start"])
        )
    row["indicators"] = [
        {**ind, "status_label": _status_label(ind.get("status"), ind.get("status_label", ""))}
        for ind in row.get("indicators") or []
    ]
    return row


def localised(data: dict) -> dict:
    """A copy of cached dashboard (or segment) figures with their words in the active language;
    the cached value itself is never changed."""
    data = dict(data)
    heat = data.get("heatmap")
    if heat:
        dimension = heat.get("dimension")
        data["heatmap"] = {
            **heat,
            "cols": [
                {**c, "label": _choice_label(dimension, c["key"], c["label"])} for c in heat["cols"]
            ],
        }
    if "improvements" in data:
        data["improvements"] = [
            {
                **r,
                "dimension_label": _kind_label(r["dimension"], r.get("dimension_label", "")),
                "dimension_word": dimension_word(r["dimension"]),
                "label": _choice_label(r["dimension"], r["key"], r["label"]),
            }
            for r in data["improvements"]
        ]
    if "drops" in data:
        data["drops"] = [
            {
                **d,
                "segment_kind_label": _kind_label(
                    d["segment_kind"], d.get("segment_kind_label", "")
                ),
                "segment_kind_word": dimension_word(d["segment_kind"]),
                "segment_label": _choice_label(
                    d["segment_kind"], d["segment_value"], d.get("segment_label")
                ),
            }
            for d in data["drops"]
        ]
    if "xla_table" in data:
        data["xla_table"] = [_xla_row(row) for row in data["xla_table"]]
    return data


def plotly_locale() -> dict | None:
    """Plotly's locale for the active language (month names, separators) for date axes and
    hover labels; None in English, Plotly's own."""
    language = (get_language() or "en").split("-")[0]
    if language == "en":
        return None
    return {
        "moduleType": "locale",
        "name": language,
        "dictionary": {},
        "format": {
            "days": [str(dates.WEEKDAYS[i]) for i in (6, 0, 1, 2, 3, 4, 5)],
            "shortDays": [str(dates.WEEKDAYS_ABBR[i]) for i in (6, 0, 1, 2, 3, 4, 5)],
            "months": [str(dates.MONTHS[i]) for i in range(1, 13)],
            "shortMonths": [str(dates.MONTHS_3[i]).capitalize() for i in range(1, 13)],
            "decimal": get_format("DECIMAL_SEPARATOR"),
            "thousands": get_format("THOUSAND_SEPARATOR"),
            "date": "%d.%m.%Y",
        },
    }
