"""What the XLA writes share: the audited fields, a version's snapshot, telling leaders
and officers, and creating indicators."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from xmo.models import Membership
from xmo.notifying import notify
from xmo.services import snapshot

from ..models import Indicator, XLAVersion

INDICATOR_FIELDS = [
    "key",
    "name",
    "kind",
    "measure",
    "metric",
    "aggregation",
    "direction",
    "target",
    "warning",
    "weight",
    "period",
    "min_sample",
    "consecutive_misses",
]
VERSION_FIELDS = [
    "number",
    "status",
    "effective_from",
    "effective_to",
    "rationale",
    "proposed_by",
    "approved_by",
    "decision_note",
    "review_due",
]


def _version_snapshot(version: XLAVersion) -> dict:
    data = snapshot(version, VERSION_FIELDS)
    data["indicators"] = [snapshot(i, INDICATOR_FIELDS) for i in version.indicators.all()]
    return data


def _leaders(organisation):
    return [
        m.user
        for m in Membership.objects.filter(
            organisation=organisation, role__in=["leader"]
        ).select_related("user")
    ]


def _notify_governance(version: XLAVersion, *, kind: str, title, body, extra=()):
    """Tell the owner and leaders (and `extra`); title and body are lazy (xlas.notices), so
    each reads their own language."""
    xla = version.xla
    recipients = [xla.owner, *_leaders(xla.organisation), *extra]
    notify(
        organisation=xla.organisation,
        recipients=recipients,
        kind=kind,
        title=title,
        body=body,
        url=reverse("xlas:version_detail", args=[version.pk]),
        dedupe_key=f"{kind}:{version.pk}",
    )


def _validate_indicator(data: dict) -> None:
    if data["kind"] == "sentiment":
        if not data.get("measure") or data.get("metric"):
            raise ValidationError(_("A sentiment indicator needs a measure and no metric."))
    elif not data.get("metric") or not data.get("aggregation"):
        raise ValidationError(_("An operational indicator needs a metric and an aggregation."))
    if data["direction"] == "higher" and data["warning"] > data["target"]:
        raise ValidationError(
            _("%(name)s: the warning level must not be above the target.") % {"name": data["name"]}
        )
    if data["direction"] == "lower" and data["warning"] < data["target"]:
        raise ValidationError(
            _("%(name)s: the warning level must not be below the target.") % {"name": data["name"]}
        )


def _create_indicators(version: XLAVersion, indicators: list[dict]) -> None:
    if not indicators:
        raise ValidationError(_("An XLA needs at least one indicator."))
    keys = [i["key"] for i in indicators]
    if len(set(keys)) != len(keys):
        raise ValidationError(_("Indicator keys must be unique within a version."))
    for order, data in enumerate(indicators):
        _validate_indicator(data)
        values = {f: data.get(f) for f in INDICATOR_FIELDS}
        if values["kind"] == "sentiment":
            values.update(metric=None, aggregation="")
        else:
            values["measure"] = ""
        Indicator.objects.create(version=version, order=order, **values)
