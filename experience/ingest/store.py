"""Steps three and four of a push: resolve (slugs → ids, one query per kind, scoped to the
organisation) and write (PostgreSQL: COPY into a staging table, then one statement that claims
the responses' keys and inserts the rows they claimed, or INSERT ... ON CONFLICT DO NOTHING for
samples; SQLite: bulk_create), with the queue rows, in one transaction."""

from __future__ import annotations

import logging

import msgspec
from django.conf import settings
from django.db import DataError, IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import partitions
from ..models import (
    PendingResponse,
    PendingSample,
    ResponseKey,
    SurveyResponse,
)
from ..rollups.queue import enqueue, enqueue_all_samples
from .kinds import RESPONSES, IngestError, Kind

logger = logging.getLogger(__name__)


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
        raise IngestError(400, _("The batch has invalid items; nothing was stored."), errors)
    return ids


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
            raise IngestError(
                400, (_("The data could not be stored: %(error)s") % {"error": exc}).strip()
            ) from exc
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
        params = [organisation.pk, timezone.now(), token.pk if token is not None else None]
        if kind is RESPONSES:
            # The responses table is partitioned (experience.partitions): the batch claims
            # its external ids in ResponseKey, and only the rows whose key it claimed are
            # stored. A concurrent batch with the same id waits on the key, then skips it.
            claim = (
                f"claimed AS (INSERT INTO {ResponseKey._meta.db_table}"  # noqa: S608
                f" (organisation_id, external_id) SELECT %s, external_id FROM {staging}"
                " ORDER BY external_id ON CONFLICT DO NOTHING RETURNING external_id), "
            )
            source = f"{staging} JOIN claimed USING (external_id)"
            extra_columns, extra_values, conflict = (
                ", triage_status, highlighted",
                ", 'new', false",
                "",
            )
            queue, queued = PendingResponse._meta.db_table, "response_id"
            params.insert(0, organisation.pk)
        else:
            claim, source, extra_columns, extra_values = "", staging, "", ""
            # The unique index is partial: ON CONFLICT must name the same predicate.
            conflict = (
                " ON CONFLICT (organisation_id, external_id) WHERE external_id IS NOT NULL"
                " DO NOTHING"
            )
            queue, queued = PendingSample._meta.db_table, "sample_id"
        # Each new row is queued for the rollups in the same statement; the outer INSERT's
        # row count is the number of rows created.
        insert = (
            f"WITH {claim}inserted AS (INSERT INTO {table}"  # noqa: S608
            f" (organisation_id, {columns}, received_at, source_token_id{extra_columns})"
            f" SELECT %s, {columns}, %s, %s{extra_values} FROM {source}"
            f" ORDER BY external_id{conflict} RETURNING id) "
            f"INSERT INTO {queue} ({queued}, organisation_id) SELECT id, %s FROM inserted"
        )
        params.append(organisation.pk)
        if kind is RESPONSES:
            partitions.keys_off(cursor)
        cursor.execute(insert, params)
        created = cursor.rowcount
        if kind is RESPONSES:
            partitions.keys_on(cursor)
        return created


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
