"""Units of the measures XMO shows: one table, used by pages, reports and the API."""

MEASURE_UNITS = {
    "happiness": "points",
    "avg_score": "/ 10",
    "positive_share": "%",
    "negative_share": "%",
    "lost_time_mean": "min",
    "lost_time_median": "min",
    "response_count": "responses",
}


def indicator_unit(indicator) -> str:
    """The unit of an XLA indicator's values: the measure's, or the metric's own."""
    if indicator is None:
        return ""
    if getattr(indicator, "kind", "") == "operational":
        metric = getattr(indicator, "metric", None)
        return getattr(metric, "unit", "") or ""
    return MEASURE_UNITS.get(getattr(indicator, "measure", ""), "")
