"""OpenAPI request bodies of the push endpoints, generated from the msgspec structs."""

import copy

import msgspec

from experience.ingest import ResponseIn, SampleIn

MAX_ITEMS = 10_000

_DESCRIPTIONS = {
    "external_id": "Idempotency key, unique per organisation.",
    "service": "Slug of a service of the token's organisation.",
    "persona": "Slug of a persona of the token's organisation.",
    "metric": "Slug of an operational metric of the token's organisation.",
    "submitted_at": "ISO 8601 with an offset; at most 5 minutes in the future.",
    "measured_at": "ISO 8601 with an offset; at most 5 minutes in the future.",
    "value": "A finite number.",
}


def _openapi_30(schema: dict) -> dict:
    """JSON Schema as msgspec writes it → OpenAPI 3.0 (nullable instead of type null)."""
    schema = copy.deepcopy(schema)
    schema.pop("title", None)
    for name, prop in schema["properties"].items():
        options = prop.get("anyOf")
        if options and {"type": "null"} in options:
            (other,) = [o for o in options if o != {"type": "null"}]
            default = prop.get("default", msgspec.UNSET)
            prop.clear()
            prop.update(other)
            prop["nullable"] = True
            if default is not msgspec.UNSET:
                prop["default"] = default
        if "enum" in prop:
            prop["type"] = "string"
        if name in _DESCRIPTIONS:
            prop["description"] = _DESCRIPTIONS[name]
    return schema


_, _COMPONENTS = msgspec.json.schema_components(
    [ResponseIn, SampleIn], ref_template="#/components/schemas/{name}"
)


def one_or_many(struct) -> dict:
    item = _openapi_30(_COMPONENTS[struct.__name__])
    return {
        "oneOf": [
            item,
            {"type": "array", "items": item, "minItems": 1, "maxItems": MAX_ITEMS},
        ]
    }


RESPONSES_BODY = one_or_many(ResponseIn)
SAMPLES_BODY = one_or_many(SampleIn)
