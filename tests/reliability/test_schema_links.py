"""The OpenAPI schema links its operations, so clients (and stateful tools) can follow them:
a created service, persona or metric is read, replaced and patched by its id."""

import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections


def test_the_schema_links_operations():
    from xmo.wsgi import application

    # Serving the schema needs no database; the connection cleanup that every request fires
    # would touch the test session's connection, which this test has no access to.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    workflow = schema.as_state_machine()
    assert workflow.bundles, "no links between operations"
    names = " ".join(str(bundle) for bundle in workflow.bundles)
    for resource in ("services", "personas", "metrics"):
        assert resource in names, (resource, names)
