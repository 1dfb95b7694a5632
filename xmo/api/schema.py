"""OpenAPI pieces shared by every endpoint: the error bodies and the Bearer scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers


class ErrorItemSerializer(serializers.Serializer):
    index = serializers.IntegerField(allow_null=True, help_text="Position in the batch.")
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ValidationErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = ErrorItemSerializer(many=True, required=False)


def error(description: str, serializer=ErrorSerializer) -> OpenApiResponse:
    return OpenApiResponse(response=serializer, description=description)


BAD_REQUEST = error("Invalid input; `errors` lists each problem.", ValidationErrorSerializer)
UNAUTHORIZED = error("No token, or an invalid or revoked one.")
FORBIDDEN = error("The token lacks the scope, or the role lacks the capability.")
NOT_FOUND = error("Unknown object, or another organisation's.")
THROTTLED = error("Too many requests; retry after `Retry-After` seconds.")
TOO_LARGE = error("Body or batch too large.")
URI_TOO_LONG = error("The request line is longer than the server accepts (XMO_MAX_URL_BYTES).")
NOT_JSON = error("The body is not JSON (Content-Type must be application/json).")

READ_ERRORS = {400: BAD_REQUEST, 401: UNAUTHORIZED, 403: FORBIDDEN, 429: THROTTLED}
DETAIL_ERRORS = {**READ_ERRORS, 404: NOT_FOUND}
WRITE_ERRORS = {**DETAIL_ERRORS, 413: TOO_LARGE, 415: NOT_JSON}


def paginated(name: str, item):
    """Schema of a page of `item`."""
    return inline_serializer(
        name=name,
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "xmo.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token: `Authorization: Bearer xmo_...` "
            "(created with `manage.py create_api_token` or on the organisation settings page).",
        }


class XmoAutoSchema(AutoSchema):
    """Adds every error an operation can answer, so the schema matches real behaviour."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        extra = {401: UNAUTHORIZED, 403: FORBIDDEN, 429: THROTTLED, 400: BAD_REQUEST}
        # Any operation, given enough query parameters (xmo.middleware).
        extra[414] = URI_TOO_LONG
        # Lists answer 404 for a page past the end; detail routes for unknown objects.
        extra[404] = NOT_FOUND
        if self.method in ("POST", "PUT", "PATCH"):
            extra[415] = NOT_JSON
        for code, response in sorted(extra.items()):
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    response, str(code), direction=direction
                )
        responses["429"].setdefault("headers", {})["Retry-After"] = {
            "schema": {"type": "integer"},
            "description": "Seconds to wait before the next request.",
        }
        return responses
