"""The audit log's writes: `audit` one event, `snapshot` a model's fields, and
`audit_change` the usual sequence around a save (snapshot before, save, snapshot after,
one event with both)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.forms.models import model_to_dict

from .models import ApiToken, AuditEvent


def snapshot(obj, fields: list[str] | None = None) -> dict:
    """A JSON-safe picture of a model instance for the audit log."""
    data = model_to_dict(obj, fields=fields)
    safe = {}
    for key, value in data.items():
        if hasattr(value, "pk"):
            value = value.pk
        elif isinstance(value, list | tuple):
            value = [v.pk if hasattr(v, "pk") else v for v in value]
        elif value is not None and not isinstance(value, str | int | float | bool | dict):
            value = str(value)
        safe[key] = value
    return safe


def audit(
    *,
    organisation,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
    token=None,
) -> AuditEvent:
    if token is None and isinstance(getattr(actor, "token", None), ApiToken):
        # An API request's user stands for its token (see xmo.api.authentication.TokenUser).
        actor, token = None, actor.token
    return AuditEvent.objects.create(
        organisation=organisation,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_token=token,
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        before=before,
        after=after,
    )


class Change:
    """What the `with audit_change(...) as change:` block may add to its event: `extra`
    (merged into "after": a reason, the rows a change ended), or a different `action` or
    `object_repr` decided inside the block."""

    def __init__(self, action: str, object_repr: str):
        self.action = action
        self.object_repr = object_repr
        self.extra: dict = {}


@contextmanager
def audit_change(
    obj,
    *,
    actor,
    action: str,
    created_action: str | None = None,
    fields: list[str] | None = None,
    organisation=None,
    object_repr: str | Callable[[object], str] = "",
    reread: bool = False,
    only_changes: bool = False,
    picture: Callable[[object], dict] | None = None,
) -> Iterator[Change]:
    """Audit the change the `with` block makes to `obj` (and saves).

    The snapshot of `fields` is taken before the block and again after it (an unsaved
    object, created by the block, has no "before", and its event is `created_action` when
    given); the event is written only when the block finishes (an exception writes
    nothing). `organisation` defaults to the object's. `object_repr` (text, or a function
    of the saved object) replaces `str(obj)` in the log. `reread` takes "before" from the
    database (a bound ModelForm has already changed the instance in memory);
    `only_changes` writes no event when nothing changed. `picture(obj)` replaces the
    snapshot of `fields` where the change spans more than one row (a version with its
    indicators). The block receives a `Change` to add facts to "after".
    """

    def take(instance) -> dict:
        return picture(instance) if picture is not None else snapshot(instance, fields)

    stored = obj.pk is not None
    before = take(type(obj).objects.get(pk=obj.pk) if reread else obj) if stored else None
    change = Change(action if stored or created_action is None else created_action, "")
    yield change
    after = {**take(obj), **change.extra}
    if only_changes and before == after:
        return
    label = change.object_repr or (object_repr(obj) if callable(object_repr) else object_repr)
    audit(
        organisation=organisation if organisation is not None else obj.organisation,
        actor=actor,
        action=change.action,
        obj=obj,
        object_repr=label,
        before=before,
        after=after,
    )


def audit_delete(
    obj, *, actor, action: str, fields: list[str] | None = None, organisation=None, extra=None
) -> None:
    """Audit, then delete, `obj`: the event keeps the snapshot of `fields` (plus `extra`)
    as "before"."""
    audit(
        organisation=organisation if organisation is not None else obj.organisation,
        actor=actor,
        action=action,
        obj=obj,
        before={**snapshot(obj, fields), **(extra or {})},
    )
    obj.delete()
