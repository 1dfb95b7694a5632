"""Steps one and two of a push: parse (msgspec decodes and validates the whole batch) and
check (rules a type cannot say: dates, text the database refuses); errors name the item
and the field."""

from __future__ import annotations

from typing import Any

import msgspec
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from xmo.api.parsers import lone_surrogate, surrogate_message

from .kinds import EARLIEST, FUTURE_TOLERANCE, IngestError, Kind, max_items


def parse(kind: Kind, body: bytes) -> list:
    """Decode the whole batch in one msgspec call; on failure, report every item's errors."""
    try:
        decoded = msgspec.json.decode(body, type=list[kind.struct] | kind.struct)
    except RecursionError:
        raise IngestError(400, _(TOO_DEEP)) from None
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError) as exc:
        if isinstance(exc, msgspec.ValidationError):
            _raise_item_errors(kind, body)
        raise IngestError(400, _decode_error(exc, body)) from exc
    items = decoded if isinstance(decoded, list) else [decoded]
    if len(items) > max_items():
        raise IngestError(413, _(TOO_MANY) % {"limit": max_items(), "count": len(items)})
    if not items:
        raise IngestError(400, _("The batch is empty."))
    return items


TOO_DEEP = gettext_noop("The body is not valid JSON for this endpoint: it is nested too deeply.")
TOO_MANY = gettext_noop("A batch holds at most %(limit)s items; this one has %(count)s.")


def _plain(exc: Exception) -> str:
    return str(exc).split(" - at `", 1)[0]


def _decode_error(exc: Exception, body: bytes) -> str:
    # msgspec reports half a surrogate pair as "Input data was truncated" or "invalid utf-16
    # surrogate pair": name what is wrong and where (only on this error path).
    where = lone_surrogate(body)
    if where:
        return surrogate_message(where)
    return _("The body is not valid JSON: %(error)s") % {"error": _plain(exc)}


def _raise_item_errors(kind: Kind, body: bytes) -> None:
    """Slow path, only for rejected batches: validate field by field to collect every error."""
    try:
        raw = msgspec.json.decode(body)
    except RecursionError:
        # Thousands of nested arrays: no item can be like that, and reporting it must not
        # take the server down.
        raise IngestError(400, _(TOO_DEEP)) from None
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise IngestError(400, _decode_error(exc, body)) from exc
    if isinstance(raw, dict):
        raw_items = [raw]
    elif isinstance(raw, list):
        raw_items = raw
    else:
        raise IngestError(400, _("The body must be a JSON object or an array of objects."))
    if len(raw_items) > max_items():
        raise IngestError(413, _(TOO_MANY) % {"limit": max_items(), "count": len(raw_items)})
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
        raise IngestError(400, _("The batch has invalid items; nothing was stored."), errors)


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
