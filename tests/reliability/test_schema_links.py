"""The OpenAPI schema links its operations, so clients (and stateful tools) can follow them:
a created service, persona or metric is read, replaced and patched by its id."""

import schemathesis


def test_the_schema_links_operations():
    from xmo.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    workflow = schema.as_state_machine()
    assert workflow.bundles, "no links between operations"
    names = " ".join(str(bundle) for bundle in workflow.bundles)
    for resource in ("services", "personas", "metrics"):
        assert resource in names, (resource, names)
