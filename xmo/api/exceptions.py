"""Every API error is JSON: {"detail": "..."} (or {"errors": [...]} for bad items)."""

import contextlib
import logging

from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

# The database went away (restart, failover, network): nothing was stored, so the client
# may simply send the same request again.
DATABASE_UNAVAILABLE = _("The database is unavailable; nothing was stored. Retry shortly.")
RETRY_AFTER_SECONDS = 5

logger = logging.getLogger(__name__)


def database_unavailable_body() -> dict:
    return {"detail": DATABASE_UNAVAILABLE}


def exception_handler(exc, context):
    if isinstance(exc, OperationalError | InterfaceError):
        logger.error("database unavailable: %s", exc, exc_info=exc)
        with contextlib.suppress(Exception):  # the connection may already be gone
            set_rollback()
        return Response(
            database_unavailable_body(),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError) and not (
        isinstance(data, dict) and ("errors" in data or "detail" in data)
    ):
        response.data = {"errors": _flatten(data), "detail": gettext("Invalid input.")}
    elif isinstance(data, dict) and "detail" in data:
        response.data = {
            "detail": str(data["detail"]),
            **{k: v for k, v in data.items() if k != "detail"},
        }
    elif isinstance(data, list):
        response.data = {"detail": " ".join(str(d) for d in data)}
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS and "Retry-After" not in response:
        response["Retry-After"] = "1"
    return response


def _flatten(data, prefix=""):
    errors = []
    if isinstance(data, dict):
        for key, value in data.items():
            field = f"{prefix}.{key}" if prefix else str(key)
            errors.extend(_flatten(value, field))
    elif isinstance(data, list):
        for item in data:
            if isinstance(item, dict | list):
                errors.extend(_flatten(item, prefix))
            else:
                errors.append(
                    {"index": None, "field": prefix or "non_field_errors", "message": str(item)}
                )
    else:
        errors.append({"index": None, "field": prefix or "non_field_errors", "message": str(data)})
    return errors
