"""Bulk ingestion of survey responses and metric samples (the fast path of the push API).

A batch goes through four steps, each timed for the `Server-Timing` header:
parse (msgspec decodes and validates the whole batch into structs in one call), check (rules a
type cannot say: dates, text the database refuses), resolve (slugs → ids, one query per kind,
scoped to the organisation) and write. On PostgreSQL the write is a COPY into a temporary
staging table followed by one `INSERT ... SELECT ... ON CONFLICT DO NOTHING`; on SQLite it is
`bulk_create(ignore_conflicts=True)`. Either way the batch is stored whole or not at all; each
new response and sample gets its queue row (PendingResponse, PendingSample: the durable
"still to roll up" marker) in the same transaction. The rollups job is queued
after commit (the periodic rollups run sweeps up anything whose queueing failed).
"""

from __future__ import annotations

import datetime
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import msgspec
from django.conf import settings
from django.db import DataError, IntegrityError, OperationalError, transaction
from django.utils import timezone
from msgspec import Meta, Struct

from xmo.api.parsers import lone_surrogate, surrogate_message

from .choices import Channel, Touchpoint
from .models import (
    MetricSample,
    OperationalMetric,
    PendingResponse,
    PendingSample,
    Persona,
    Service,
    SurveyResponse,
)
from .rollups.queue import enqueue, enqueue_all_samples

logger = logging.getLogger(__name__)

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
            return {"detail": self.detail or "The batch has invalid items.", "errors": self.errors}
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


def ingest(kind: Kind, *, organisation, body: bytes, token=None, on_commit=None) -> IngestResult:
    """Validate and store one pushed batch; raises IngestError when it is rejected."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        items = parse(kind, body)
    except _ItemErrors as exc:
        # Report the other rules too (unknown slugs...) for the items that were well-formed.
        errors = exc.errors + _rule_errors(kind, exc.valid, check_text=True)
        try:
            resolve(kind, organisation, exc.valid)
        except IngestError as slug_errors:
            errors += slug_errors.errors
        errors.sort(key=lambda e: (e["index"], e["field"] or ""))
        raise IngestError(400, "The batch has invalid items; nothing was stored.", errors) from None
    check(kind, items, body)
    timings["parse"] = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    ids = resolve(kind, organisation, list(enumerate(items)))
    timings["resolve"] = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    created = write(kind, organisation, items, ids, token=token, on_commit=on_commit)
    timings["write"] = (time.perf_counter() - started) * 1000
    return IngestResult(received=len(items), created=created, timings=timings)


# --- parse -------------------------------------------------------------------------------


def parse(kind: Kind, body: bytes) -> list:
    """Decode the whole batch in one msgspec call; on failure, report every item's errors."""
    try:
        decoded = msgspec.json.decode(body, type=list[kind.struct] | kind.struct)
    except RecursionError:
        raise IngestError(400, TOO_DEEP) from None
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError) as exc:
        if isinstance(exc, msgspec.ValidationError):
            _raise_item_errors(kind, body)
        raise IngestError(400, _decode_error(exc, body)) from exc
    items = decoded if isinstance(decoded, list) else [decoded]
    if len(items) > max_items():
        raise IngestError(
            413, f"A batch holds at most {max_items()} items; this one has {len(items)}."
        )
    if not items:
        raise IngestError(400, "The batch is empty.")
    return items


TOO_DEEP = "The body is not valid JSON for this endpoint: it is nested too deeply."


def _plain(exc: Exception) -> str:
    return str(exc).split(" - at `", 1)[0]


def _decode_error(exc: Exception, body: bytes) -> str:
    # msgspec reports half a surrogate pair as "Input data was truncated" or "invalid utf-16
    # surrogate pair": name what is wrong and where (only on this error path).
    where = lone_surrogate(body)
    if where:
        return surrogate_message(where)
    return f"The body is not valid JSON: {_plain(exc)}"


def _raise_item_errors(kind: Kind, body: bytes) -> None:
    """Slow path, only for rejected batches: validate field by field to collect every error."""
    try:
        raw = msgspec.json.decode(body)
    except RecursionError:
        # Thousands of nested arrays: no item can be like that, and reporting it must not
        # take the server down.
        raise IngestError(400, TOO_DEEP) from None
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise IngestError(400, _decode_error(exc, body)) from exc
    if isinstance(raw, dict):
        raw_items = [raw]
    elif isinstance(raw, list):
        raw_items = raw
    else:
        raise IngestError(400, "The body must be a JSON object or an array of objects.")
    if len(raw_items) > max_items():
        raise IngestError(
            413, f"A batch holds at most {max_items()} items; this one has {len(raw_items)}."
        )
    fields = {f.encode_name: f for f in msgspec.structs.fields(kind.struct)}
    errors: list[dict] = []
    valid: list[tuple[int, Any]] = []
    for index, raw_item in enumerate(raw_items):
        item_errors = _field_errors(index, raw_item, fields)
        if item_errors:
            errors.extend(item_errors)
        else:
            try:
                valid.append((index, msgspec.convert(raw_item, kind.struct)))
            except msgspec.ValidationError as exc:
                errors.append({"index": index, "field": None, "message": _plain(exc)})
    raise _ItemErrors(errors, valid)


class _ItemErrors(Exception):
    def __init__(self, errors: list[dict], valid: list[tuple[int, Any]]):
        super().__init__("invalid items")
        self.errors = errors
        self.valid = valid


def _field_errors(index: int, raw_item: Any, fields: dict) -> list[dict]:
    if not isinstance(raw_item, dict):
        return [{"index": index, "field": None, "message": "Expected an object."}]
    errors = []
    for name, value in raw_item.items():
        spec = fields.get(name)
        if spec is None:
            errors.append({"index": index, "field": name, "message": "Unknown field."})
            continue
        try:
            msgspec.convert(value, spec.type)
        except msgspec.ValidationError as exc:
            errors.append({"index": index, "field": name, "message": _plain(exc)})
    for name, spec in fields.items():
        required = spec.default is msgspec.NODEFAULT and spec.default_factory is msgspec.NODEFAULT
        if required and name not in raw_item:
            errors.append({"index": index, "field": name, "message": "This field is required."})
    return errors


# --- check -------------------------------------------------------------------------------


def check(kind: Kind, items: list, body: bytes) -> None:
    # NUL characters are valid JSON but no database text column stores them: only look for
    # them when the body contains the escape at all.
    errors = _rule_errors(kind, enumerate(items), check_text=b"\\u0000" in body)
    if errors:
        raise IngestError(400, "The batch has invalid items; nothing was stored.", errors)


def _rule_errors(kind: Kind, indexed_items, *, check_text: bool) -> list[dict]:
    latest = timezone.now() + FUTURE_TOLERANCE
    time_field = kind.time_field
    errors = []
    for index, item in indexed_items:
        moment = getattr(item, time_field)
        if moment > latest:
            errors.append(
                {
                    "index": index,
                    "field": time_field,
                    "message": "Must not be more than 5 minutes in the future.",
                }
            )
        elif moment < EARLIEST:
            errors.append(
                {"index": index, "field": time_field, "message": "Must be after 1970-01-01."}
            )
        if check_text:
            errors.extend(_text_errors(kind, index, item))
    return errors


def _text_errors(kind: Kind, index: int, item) -> list[dict]:
    errors = []
    for name in kind.text_fields:
        value = getattr(item, name)
        if isinstance(value, str) and "\x00" in value:
            errors.append(
                {"index": index, "field": name, "message": "NUL characters are not allowed."}
            )
    for value in getattr(item, "factors", ()):
        if "\x00" in value:
            errors.append(
                {"index": index, "field": "factors", "message": "NUL characters are not allowed."}
            )
            break
    return errors


# --- resolve -----------------------------------------------------------------------------


def resolve(kind: Kind, organisation, indexed_items) -> dict[str, dict[str, int]]:
    """{field: {slug: id}} with one query per slug kind, scoped to the organisation."""
    ids: dict[str, dict[str, int]] = {}
    errors = []
    items = [item for _, item in indexed_items]
    for name, model in kind.slug_fields.items():
        wanted = {getattr(item, name) for item in items}
        wanted.discard(None)
        found = (
            dict(
                model.objects.filter(organisation=organisation, slug__in=wanted).values_list(
                    "slug", "id"
                )
            )
            if wanted
            else {}
        )
        ids[name] = found
        if len(found) < len(wanted):
            label = model._meta.verbose_name
            for index, item in indexed_items:
                slug = getattr(item, name)
                if slug is not None and slug not in found:
                    errors.append(
                        {"index": index, "field": name, "message": f"Unknown {label} '{slug}'."}
                    )
    if errors:
        errors.sort(key=lambda e: (e["index"], e["field"]))
        raise IngestError(400, "The batch has invalid items; nothing was stored.", errors)
    return ids


# --- write -------------------------------------------------------------------------------


def _first_occurrences(items: list) -> list:
    """Drop repeats of an external_id inside the batch, keeping the first occurrence."""
    seen: set[str] = set()
    unique = []
    for item in items:
        key = item.external_id
        if key is None:
            unique.append(item)
        elif key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def write(kind: Kind, organisation, items, ids, *, token=None, on_commit=None) -> int:
    """Store the batch in one transaction; returns how many rows were created."""
    rows = [kind.row(item, ids) for item in _first_occurrences(items)]
    writer = _write_postgres if settings.IS_POSTGRES else _write_portable
    for attempt in range(3):
        try:
            with transaction.atomic():
                created = writer(kind, organisation, rows, token)
                if on_commit is not None:
                    transaction.on_commit(on_commit)
            return created
        except OperationalError as exc:
            # Overlapping batches are inserted in external_id order, so deadlocks should not
            # happen; retry a couple of times anyway rather than fail the client.
            if attempt == 2 or getattr(getattr(exc, "__cause__", None), "sqlstate", "") not in {
                "40P01",
                "40001",
            }:
                raise
            logger.warning("ingest retried after %s", exc)
        except (DataError, IntegrityError) as exc:
            raise IngestError(400, f"The data could not be stored: {exc}".strip()) from exc
    raise AssertionError("unreachable")  # pragma: no cover


_STAGING_TYPES = {
    "external_id": "varchar(128)",
    "service_id": "bigint",
    "persona_id": "bigint",
    "metric_id": "bigint",
    "score": "smallint",
    "lost_time_minutes": "integer",
    "factors": "jsonb",
    "comment": "text",
    "touchpoint": "varchar(12)",
    "channel": "varchar(16)",
    "location": "varchar(128)",
    "assignment_group": "varchar(128)",
    "ticket_ref": "varchar(128)",
    "reassignments": "integer",
    "resolution_hours": "double precision",
    "submitted_at": "timestamptz",
    "value": "double precision",
    "measured_at": "timestamptz",
}


def _write_postgres(kind: Kind, organisation, rows: list[tuple], token) -> int:
    from django.db import connection

    table = kind.model._meta.db_table
    staging = f"xmo_staging_{table}"
    columns = ", ".join(kind.columns)
    definition = ", ".join(f"{c} {_STAGING_TYPES[c]}" for c in kind.columns)
    if kind is RESPONSES:
        extra_columns = ", triage_status, highlighted"
        extra_values = ", 'new', false"
        conflict = "(organisation_id, external_id)"
    else:
        extra_columns = ""
        extra_values = ""
        # The unique index is partial: ON CONFLICT must name the same predicate.
        conflict = "(organisation_id, external_id) WHERE external_id IS NOT NULL"
    with connection.cursor() as cursor:
        # The staging table lives as long as the connection and is emptied at every commit.
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} ({definition}) ON COMMIT DELETE ROWS"
        )
        # Inside an enclosing transaction nothing has committed yet: start from empty.
        cursor.execute(f"DELETE FROM {staging}")  # noqa: S608
        with cursor.cursor.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        insert = (
            f"INSERT INTO {table} (organisation_id, {columns}, received_at, source_token_id"  # noqa: S608
            f"{extra_columns})"
            f" SELECT %s, {columns}, %s, %s{extra_values} FROM {staging}"
            f" ORDER BY external_id"
            f" ON CONFLICT {conflict} DO NOTHING"
        )
        params = [organisation.pk, timezone.now(), token.pk if token is not None else None]
        # Each new row is queued for the rollups in the same statement; the outer INSERT's
        # row count is the number of rows created.
        queue, queued = (
            (PendingResponse._meta.db_table, "response_id")
            if kind is RESPONSES
            else (PendingSample._meta.db_table, "sample_id")
        )
        insert = (
            f"WITH inserted AS ({insert} RETURNING id) "  # noqa: S608
            f"INSERT INTO {queue} ({queued}, organisation_id) SELECT id, %s FROM inserted"
        )
        params.append(organisation.pk)
        cursor.execute(insert, params)
        return cursor.rowcount


def _write_portable(kind: Kind, organisation, rows: list[tuple], token) -> int:
    model = kind.model
    now = timezone.now()
    keys = [row[0] for row in rows if row[0] is not None]
    existing = _existing_ids(model, organisation, keys)
    objects = []
    for row in rows:
        if row[0] is not None and row[0] in existing:
            continue
        values = dict(zip(kind.columns, row, strict=True))
        if "factors" in values:
            values["factors"] = msgspec.json.decode(values["factors"])
        objects.append(
            model(
                organisation_id=organisation.pk,
                received_at=now,
                source_token_id=token.pk if token is not None else None,
                **values,
            )
        )
    # SQLite writes one transaction at a time (BEGIN IMMEDIATE): the samples above the
    # highest id before the insert are this batch's.
    last_id = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    model.objects.bulk_create(objects, ignore_conflicts=True, batch_size=500)
    after = _existing_ids(model, organisation, keys)
    created = after - existing
    if kind is RESPONSES:
        # bulk_create(ignore_conflicts=True) sets no primary keys here: find the new rows.
        enqueue(organisation.pk, _response_pks(organisation, sorted(created)))
    else:
        enqueue_all_samples(organisation.pk, after_id=last_id)
    return len(created) + sum(1 for row in rows if row[0] is None)


def _response_pks(organisation, keys: list[str]) -> list[int]:
    pks: list[int] = []
    for start in range(0, len(keys), 5000):
        chunk = keys[start : start + 5000]
        pks.extend(
            SurveyResponse.objects.filter(
                organisation=organisation, external_id__in=chunk
            ).values_list("pk", flat=True)
        )
    return pks


def _existing_ids(model, organisation, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 5000):
        chunk = keys[start : start + 5000]
        found.update(
            model.objects.filter(organisation=organisation, external_id__in=chunk).values_list(
                "external_id", flat=True
            )
        )
    return found
