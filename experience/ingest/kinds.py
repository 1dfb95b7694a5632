"""What a pushed item is: the msgspec structs, the limits, the two kinds (responses and
samples: their rules and rows), the error and the result."""

from __future__ import annotations

import datetime
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import msgspec
from django.conf import settings
from django.utils.translation import gettext
from msgspec import Meta, Struct

from ..choices import Channel, Touchpoint
from ..models import (
    MetricSample,
    OperationalMetric,
    Persona,
    Service,
    SurveyResponse,
)

FUTURE_TOLERANCE = datetime.timedelta(minutes=5)
EARLIEST = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
FLOAT_MAX = sys.float_info.max
INT_MAX = 2_147_483_647  # the database's integer column

Text128 = Annotated[str, Meta(max_length=128)]
Slug = Annotated[str, Meta(min_length=1, max_length=64)]
ExternalId = Annotated[str, Meta(min_length=1, max_length=128)]
AwareDateTime = Annotated[datetime.datetime, Meta(tz=True)]
TouchpointValue = Literal["incident", "request", "proactive"]
ChannelValue = Literal["portal", "phone", "email", "chat", "walk_in", "virtual_agent", "other"]

assert set(TouchpointValue.__args__) == set(Touchpoint.values)
assert set(ChannelValue.__args__) == set(Channel.values)


class ResponseIn(Struct, forbid_unknown_fields=True):
    """One survey response as pushed by a client."""

    external_id: ExternalId
    service: Slug
    score: Annotated[int, Meta(ge=0, le=10)]
    submitted_at: AwareDateTime
    touchpoint: TouchpointValue = "incident"
    channel: ChannelValue = "other"
    persona: Slug | None = None
    lost_time_minutes: Annotated[int, Meta(ge=0, le=100_000)] | None = None
    factors: Annotated[list[Annotated[str, Meta(max_length=100)]], Meta(max_length=20)] = []
    comment: Annotated[str, Meta(max_length=10_000)] = ""
    location: Text128 = ""
    assignment_group: Text128 = ""
    ticket_ref: Text128 = ""
    reassignments: Annotated[int, Meta(ge=0, le=INT_MAX)] | None = None
    resolution_hours: Annotated[float, Meta(ge=0, le=FLOAT_MAX)] | None = None


class SampleIn(Struct, forbid_unknown_fields=True):
    """One sample of an operational metric."""

    metric: Slug
    service: Slug
    value: Annotated[float, Meta(ge=-FLOAT_MAX, le=FLOAT_MAX)]
    measured_at: AwareDateTime
    external_id: ExternalId | None = None


class IngestError(Exception):
    """A rejected batch: `status` with either a `detail` or per-item `errors`."""

    def __init__(self, status: int, detail: str = "", errors: list[dict] | None = None):
        super().__init__(detail or "invalid items")
        self.status = status
        self.detail = detail
        self.errors = errors or []

    def as_body(self) -> dict:
        if self.errors:
            return {
                "detail": self.detail or gettext("The batch has invalid items."),
                "errors": self.errors,
            }
        return {"detail": self.detail}


@dataclass
class IngestResult:
    received: int
    created: int
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def duplicates(self) -> int:
        return self.received - self.created

    def as_body(self) -> dict:
        return {"received": self.received, "created": self.created, "duplicates": self.duplicates}

    def server_timing(self) -> str:
        return ", ".join(f"{name};dur={ms:.1f}" for name, ms in self.timings.items())


@dataclass(frozen=True)
class Kind:
    """What differs between the two pushes: the item struct, its rules and how rows are stored."""

    struct: type
    model: type
    time_field: str
    # Fields holding slugs → the model they name.
    slug_fields: dict[str, type]
    text_fields: tuple[str, ...]
    external_id_required: bool
    # Staging/insert column list, and how an item becomes a row of those columns.
    columns: tuple[str, ...]
    row: Callable[[Any, dict[str, dict[str, int]]], tuple]


def _response_row(item: ResponseIn, ids: dict[str, dict[str, int]]) -> tuple:
    return (
        item.external_id,
        ids["service"][item.service],
        ids["persona"][item.persona] if item.persona is not None else None,
        item.score,
        item.lost_time_minutes,
        msgspec.json.encode(item.factors).decode(),
        item.comment,
        item.touchpoint,
        item.channel,
        item.location,
        item.assignment_group,
        item.ticket_ref,
        item.reassignments,
        item.resolution_hours,
        item.submitted_at.astimezone(datetime.UTC),
    )


def _sample_row(item: SampleIn, ids: dict[str, dict[str, int]]) -> tuple:
    return (
        item.external_id,
        ids["metric"][item.metric],
        ids["service"][item.service],
        item.value,
        item.measured_at.astimezone(datetime.UTC),
    )


RESPONSES = Kind(
    struct=ResponseIn,
    model=SurveyResponse,
    time_field="submitted_at",
    slug_fields={"service": Service, "persona": Persona},
    text_fields=(
        "external_id",
        "service",
        "persona",
        "comment",
        "location",
        "assignment_group",
        "ticket_ref",
    ),
    external_id_required=True,
    columns=(
        "external_id",
        "service_id",
        "persona_id",
        "score",
        "lost_time_minutes",
        "factors",
        "comment",
        "touchpoint",
        "channel",
        "location",
        "assignment_group",
        "ticket_ref",
        "reassignments",
        "resolution_hours",
        "submitted_at",
    ),
    row=_response_row,
)

SAMPLES = Kind(
    struct=SampleIn,
    model=MetricSample,
    time_field="measured_at",
    slug_fields={"metric": OperationalMetric, "service": Service},
    text_fields=("external_id", "metric", "service"),
    external_id_required=False,
    columns=("external_id", "metric_id", "service_id", "value", "measured_at"),
    row=_sample_row,
)


def max_items() -> int:
    return settings.XMO_MAX_BATCH_ITEMS
