"""Realistic report data for one organisation: a year of responses plus the month's work."""

import datetime
import random
from zoneinfo import ZoneInfo

from experience.models import SurveyResponse
from experience.rollups import process_new
from reports.drafting import month_range
from tests.factories import (
    ActionItemFactory,
    BreachFactory,
    EvaluationFactory,
    FeedbackTagFactory,
    ImprovementInitiativeFactory,
    IndicatorFactory,
    PersonaFactory,
    ScoreDropFactory,
    ServiceFactory,
    TagFactory,
    UserFactory,
    XLAFactory,
    XLAScoreFactory,
    XLAVersionFactory,
    enqueue_responses,
)

MONTH = datetime.date(2026, 10, 1)

SERVICES = [
    ("service-desk", "Service desk"),
    ("laptops", "Laptops & computers"),
    ("collaboration", "Collaboration"),
    ("remote-work", "Remote work"),
]
PERSONAS = [("doers", "Doers"), ("prioritizers", "Prioritizers"), ("supported", "Supported")]
FACTORS = ["Speed of resolution", "Knowledge of staff", "Had to repeat myself", "Kept informed"]
COMMENTS = [
    "The VPN dropped three times during my client call and nobody called back.",
    "Quick and friendly, my laptop was swapped within the hour.",
    "I had to explain the problem again to every agent I spoke to.",
    "Teams kept freezing for a whole morning; I lost half a day of work.",
    "Great follow-up from the service desk, thank you!",
    "The portal form asks for information the system already has.",
]


def add_responses(org, month, count, *, rng, score_shift=0, services=None, start_index=0):
    """Bulk-create `count` responses spread over the local month."""
    tz = ZoneInfo(org.time_zone)
    services = services or [ServiceFactory(organisation=org, slug=s, name=n) for s, n in SERVICES]
    personas = [PersonaFactory(organisation=org, slug=s, name=n) for s, n in PERSONAS]
    days = (
        month.replace(month=month.month % 12 + 1, year=month.year + month.month // 12) - month
    ).days
    rows = []
    for i in range(count):
        score = max(0, min(10, round(rng.gauss(8.3 + score_shift, 1.9))))
        submitted = datetime.datetime.combine(
            month + datetime.timedelta(days=rng.randrange(days)),
            datetime.time(rng.randrange(7, 19), rng.randrange(60)),
            tzinfo=tz,
        )
        rows.append(
            SurveyResponse(
                organisation=org,
                external_id=f"{month:%Y%m}-{start_index + i}",
                service=rng.choice(services),
                persona=rng.choice(personas + [None]),
                score=score,
                lost_time_minutes=(
                    None
                    if rng.random() < 0.25
                    else int(rng.expovariate(1 / (60 + 40 * (10 - score))))
                ),
                factors=rng.sample(FACTORS, rng.randrange(0, 3)),
                comment=rng.choice(COMMENTS) if rng.random() < 0.3 else "",
                touchpoint=rng.choice(["incident", "incident", "request"]),
                channel=rng.choice(["portal", "phone", "email", "chat"]),
                submitted_at=submitted,
            )
        )
    enqueue_responses(SurveyResponse.objects.bulk_create(rows))
    process_new(org)  # figures come from rollups, as after the rollups job in production
    return services


def build_report_data(org, month=MONTH, *, per_month=60, seed=7):
    """Thirteen months of responses up to `month`, and the month's XLAs, breaches, drops..."""
    rng = random.Random(seed)
    services = None
    current = month
    months = [current]
    for _ in range(12):
        current = (current - datetime.timedelta(days=1)).replace(day=1)
        months.append(current)
    for index, m in enumerate(reversed(months)):
        shift = -1.2 if m == month else (0.2 * ((index % 4) - 1.5))
        services = add_responses(
            org,
            m,
            per_month,
            rng=rng,
            score_shift=shift,
            services=services,
            start_index=index * 10_000,
        )
    owner = UserFactory(username=f"{org.slug}-owner")
    month_responses = list(
        SurveyResponse.objects.filter(organisation=org).exclude(comment="").order_by("id")
    )
    month_responses = [r for r in month_responses if r.external_id.startswith(f"{month:%Y%m}")]
    tags = [
        TagFactory(organisation=org, name=name, slug=slug)
        for name, slug in [("VPN", "vpn"), ("Repeat contact", "repeat"), ("Laptop", "laptop")]
    ]
    for i, response in enumerate(month_responses):
        FeedbackTagFactory(response=response, tag=tags[i % 3])
        if i % 2 == 0 and i % 3:
            FeedbackTagFactory(response=response, tag=tags[0])
    for response in month_responses[:4]:
        response.highlighted = True
        response.save(update_fields=["highlighted"])
    # XLAs with a month evaluation and score
    for name, status, score in [
        ("Service desk experience", "missed", 50.0),
        ("Remote work", "met", 100.0),
    ]:
        xla = XLAFactory(organisation=org, name=name, owner=owner)
        version = XLAVersionFactory(xla=xla, number=1)
        happy = IndicatorFactory(
            version=version, key="happiness", name="Happiness", target=70, warning=60
        )
        lost = IndicatorFactory(
            version=version,
            key="lost-time",
            name="Mean lost time",
            measure="lost_time_mean",
            direction="lower",
            target=120,
            warning=150,
        )
        EvaluationFactory(
            indicator=happy,
            period_start=month,
            period_end=month_range(month)[1],
            status=status,
            value=55.0 if status == "missed" else 74.0,
        )
        EvaluationFactory(
            indicator=lost,
            period_start=month,
            period_end=month_range(month)[1],
            status="met",
            value=98.0,
        )
        XLAScoreFactory(version=version, period_start=month, score=score, is_closed=True)
        if status == "missed":
            BreachFactory(
                indicator=happy,
                period_start=month,
                value=55.0,
                target=70.0,
                severity="high",
                root_cause="VPN gateway capacity after the client migration.",
            )
    ScoreDropFactory(
        organisation=org,
        week_start=month + datetime.timedelta(days=(7 - month.weekday()) % 7 + 7),
        segment_kind="service",
        segment_value="remote-work",
        segment_label="Remote work",
        value=38.0,
        baseline_value=71.0,
        delta=-33.0,
        drivers={
            "factors": [
                {"factor": "Had to repeat myself", "delta": 18.0},
                {"factor": "Speed of resolution", "delta": 9.5},
            ],
            "tags": [{"tag": "VPN", "delta": 12.0}],
            "mix_rate": {
                "mix": -4.0,
                "rate": -29.0,
                "total": -33.0,
                "dominant": "rate",
                "child": "channel",
                "children": [
                    {
                        "key": "virtual_agent",
                        "weight_before": 0.2,
                        "weight_after": 0.4,
                        "value_before": 50.0,
                        "value_after": 0.0,
                    },
                    {
                        "key": "walk_in",
                        "weight_before": 0.8,
                        "weight_after": 0.6,
                        "value_before": 70.0,
                        "value_after": 55.0,
                    },
                ],
            },
        },
    )
    ImprovementInitiativeFactory(
        organisation=org,
        title="VPN capacity upgrade",
        status="active",
        owner=owner,
        started_on=month - datetime.timedelta(days=20),
    )
    ImprovementInitiativeFactory(
        organisation=org,
        title="Laptop swap in one hour",
        status="done",
        owner=owner,
        started_on=month - datetime.timedelta(days=90),
        finished_on=month + datetime.timedelta(days=10),
    )
    ActionItemFactory(
        organisation=org,
        title="Call back VPN users",
        status="open",
        due_on=month + datetime.timedelta(days=5),
    )
    ActionItemFactory(
        organisation=org,
        title="Review desk scripts",
        status="in_progress",
        due_on=month + datetime.timedelta(days=60),
    )
    ActionItemFactory(organisation=org, title="Publish FAQ", status="done")
    return {"services": services, "tags": tags, "highlighted": month_responses[:4], "month": month}
