"""What people told us in a month: praise and complaints apart, themes, and quotes.

- **Polarity of factors.** The survey asks its reasons by score band: "what went well?"
  of answers scoring 9–10 and "what went wrong?" of those scoring 0–6 (the happiness
  formula's promoters and detractors). A factor named in a 9–10 answer is praise, in a 0–6
  answer a complaint; the same factor ("Service personnel's attitude") can be both. Passive
  answers (7–8) may be shown either list, so their factors count in neither side.
- **Themes** put factors and tags on one scale, the number of responses: a factor side
  (e.g. complaint "Could not work during the ticket") counts the answers naming it, a tag
  the comments carrying it or suggested it by a rule and not declined. Most responses first.
- **Quotes** ("In their words") are distinct comments: the month's incidents' own comments
  first (the unhappiest answers of the headline segment in the incident's week), then the
  worst and the best of the month, so a report quotes both ends. Highlighted comments are
  preferred within each group.

The side split reads the month's responses that name factors (the rollups keep factor
counts without scores), so its cost follows one month's answers, not all stored; PostgreSQL
counts them (at 10 000 000 responses a month is about 830 000 answers).
"""

from __future__ import annotations

import datetime
import re
from collections import Counter

from django.db import connections
from django.db.models import Q

from experience.models import Incident, SurveyResponse
from experience.segments import Segment, responses
from experience.selectors import summary_stats
from feedback.models import FeedbackTag, Tag, TagSuggestion
from xmo.periods import utc_range

PRAISE_MIN = 9  # 9–10: asked what went well
COMPLAINT_MAX = 6  # 0–6: asked what went wrong
SIDE_LIMIT = 8
THEME_LIMIT = 10
INCIDENT_QUOTES = 2
SCAN = 400  # comments read per group when looking for distinct quotes

_SEGMENT_FIELD = {
    "service": "services",
    "persona": "personas",
    "touchpoint": "touchpoints",
    "channel": "channels",
    "location": "locations",
    "assignment_group": "assignment_groups",
}


def factor_sides(org, *, start, end, segment: Segment | None = None, limit=SIDE_LIMIT) -> dict:
    """{praise: [...], complaints: [...], promoters, detractors} for [start, end).

    Each item is {factor, count, share}: share in percent of the answers of that side
    (praise: of answers scoring 9–10; complaints: of answers scoring 0–6).
    """
    month = responses(org, start, end, segment)
    # The sides' sizes are the happiness formula's promoters and detractors, from the rollups.
    stats = summary_stats(org, start=start, end=end, segment=segment)
    sizes = {"promoters": stats.promoters, "detractors": stats.detractors}
    rows = month.filter(Q(score__gte=PRAISE_MIN) | Q(score__lte=COMPLAINT_MAX))
    postgres = connections[rows.db].vendor == "postgresql"
    praise, complaints = (_side_counts_pg if postgres else _side_counts)(rows)

    def ranked(counts: Counter, n: int) -> list[dict]:
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [
            {"factor": f, "count": c, "share": round(100 * c / n, 2) if n else 0.0}
            for f, c in ordered
        ]

    return {
        "praise": ranked(praise, sizes["promoters"]),
        "complaints": ranked(complaints, sizes["detractors"]),
        "promoters": sizes["promoters"],
        "detractors": sizes["detractors"],
    }


def _side_counts(rows) -> tuple[Counter, Counter]:
    """(praise, complaints): answers naming each factor, each factor once per answer."""
    praise, complaints = Counter(), Counter()
    for score, factors in rows.values_list("score", "factors").iterator(chunk_size=5000):
        if factors:
            (praise if score >= PRAISE_MIN else complaints).update(set(factors))
    return praise, complaints


def _side_counts_pg(rows) -> tuple[Counter, Counter]:
    """_side_counts counted by PostgreSQL: a month of a large organisation is hundreds of
    thousands of answers, too many to parse in the web process."""
    subquery, params = rows.values("score", "factors").query.sql_with_params()
    sql = (
        "SELECT s.score >= %s, f.name, count(*) FROM ("  # noqa: S608 (the ORM's own SQL)
        + subquery
        + ") s CROSS JOIN LATERAL (SELECT DISTINCT value AS name FROM jsonb_array_elements_text("
        "CASE WHEN jsonb_typeof(s.factors) = 'array' THEN s.factors ELSE '[]' END)) f"
        " WHERE f.name IS NOT NULL GROUP BY 1, 2"
    )
    praise, complaints = Counter(), Counter()
    # The queryset's database: the read replica when the router chose it.
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, [PRAISE_MIN, *params])
        for is_praise, name, count in cursor.fetchall():
            (praise if is_praise else complaints)[name] = count
    return praise, complaints


def tag_counts(org, start, end) -> list[dict]:
    """[{slug, name, count}]: comments of the month tagged, or suggested and not declined."""
    lo, hi = utc_range(org, start, end)
    month = {
        "response__organisation": org,
        "response__submitted_at__gte": lo,
        "response__submitted_at__lt": hi,
        "tag__organisation": org,
    }
    pairs = set(FeedbackTag.objects.filter(**month).values_list("tag__slug", "response_id"))
    pairs |= set(
        TagSuggestion.objects.filter(**month)
        .exclude(status="declined")
        .values_list("tag__slug", "response_id")
    )
    counts = Counter(slug for slug, _ in pairs)
    names = dict(Tag.objects.filter(organisation=org, slug__in=counts).values_list("slug", "name"))
    return [
        {"slug": slug, "name": names.get(slug, slug), "count": count}
        for slug, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def theme_figures(org, start, end, limit: int = THEME_LIMIT) -> dict:
    """Themes (factors by side and tags, by responses), the two factor sides, tag counts."""
    sides = factor_sides(org, start=start, end=end, limit=None)
    tags = tag_counts(org, start, end)
    n = responses(org, start, end).count()
    themes = [
        {"kind": "complaint", "name": f["factor"], "responses": f["count"]}
        for f in sides["complaints"]
    ]
    themes += [
        {"kind": "praise", "name": f["factor"], "responses": f["count"]} for f in sides["praise"]
    ]
    themes += [{"kind": "tag", "name": t["name"], "responses": t["count"]} for t in tags]
    order = {"complaint": 0, "tag": 1, "praise": 2}
    themes.sort(key=lambda t: (-t["responses"], order[t["kind"]], t["name"]))
    for theme in themes:
        theme["share"] = round(100 * theme["responses"] / n, 2) if n else 0.0
    return {
        "themes": themes[:limit],
        "praise": sides["praise"][:SIDE_LIMIT],
        "complaints": sides["complaints"][:SIDE_LIMIT],
        "promoters": sides["promoters"],
        "detractors": sides["detractors"],
        "responses": n,
        "tags": tags[:limit],
    }


# Quotes -------------------------------------------------------------------------------------


def highlighted_quotes(org, start, end):
    """Highlighted comments of the month, the candidates an officer can quote."""
    lo, hi = utc_range(org, start, end)
    return (
        SurveyResponse.objects.filter(
            organisation=org, highlighted=True, submitted_at__gte=lo, submitted_at__lt=hi
        )
        .exclude(comment="")
        .select_related("service", "persona")
        .order_by("-submitted_at", "-id")
    )


def _text_key(comment: str) -> str:
    """Comments that differ only in case, spacing or punctuation are the same quote."""
    return " ".join(re.sub(r"[^\w\s]", " ", comment.casefold()).split())


def _incident_comments(org, start, end):
    """Per incident of the month (worst first): its unhappiest comments, highlighted first."""
    incidents = Incident.objects.filter(
        organisation=org, week_start__gte=start, week_start__lt=end
    ).order_by("change", "week_start", "id")
    groups = []
    for incident in incidents:
        field = _SEGMENT_FIELD.get(incident.headline_kind)
        segment = Segment(**{field: (incident.headline_value,)}) if field else None
        week_end = incident.week_start + datetime.timedelta(days=7)
        groups.append(
            responses(org, incident.week_start, week_end, segment)
            .exclude(comment="")
            .filter(score__lte=COMPLAINT_MAX)
            .order_by("-highlighted", "score", "-id")
            .values_list("id", "comment")[:SCAN]
        )
    return groups


def choose_quotes(org, start, end, *, limit: int = 4) -> list[int]:
    """Distinct comments to quote: the incidents' own first, then the worst and the best."""
    lo, hi = utc_range(org, start, end)
    month = (
        SurveyResponse.objects.filter(organisation=org, submitted_at__gte=lo, submitted_at__lt=hi)
        .exclude(comment="")
        .values_list("id", "comment")
    )
    worst = month.filter(score__lte=COMPLAINT_MAX).order_by("-highlighted", "score", "-id")
    best = month.filter(score__gte=PRAISE_MIN).order_by("-highlighted", "-score", "-id")
    chosen: list[int] = []
    seen: set[str] = set()

    def take(rows, wanted: int) -> int:
        taken = 0
        for response_id, comment in rows:
            if taken >= wanted or len(chosen) >= limit:
                break
            key = _text_key(comment)
            if key and key not in seen:
                seen.add(key)
                chosen.append(response_id)
                taken += 1
        return taken

    groups = _incident_comments(org, start, end)
    from_incidents = 0
    for _round in range(INCIDENT_QUOTES):  # one per incident, then a second of the worst
        for group in groups:
            from_incidents += take(group, min(1, INCIDENT_QUOTES - from_incidents))
    # Half the quotes are complaints (the incidents' count), the other half praise; when
    # one end has too few distinct comments the other fills in.
    take(worst[:SCAN], max(0, limit // 2 - from_incidents))
    take(best[:SCAN], limit - len(chosen))
    take(worst[:SCAN], limit - len(chosen))
    return chosen


def quote_candidates(org, start, end, chosen=()):
    """What an officer may quote: highlighted comments, the suggested quotes, those chosen."""
    lo, hi = utc_range(org, start, end)
    suggested = choose_quotes(org, start, end)
    return (
        SurveyResponse.objects.filter(organisation=org, submitted_at__gte=lo, submitted_at__lt=hi)
        .filter(Q(highlighted=True) | Q(pk__in=[*suggested, *chosen]))
        .exclude(comment="")
        .select_related("service", "persona")
        .order_by("-highlighted", "-submitted_at", "-id")
    )
