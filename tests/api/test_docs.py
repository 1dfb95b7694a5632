"""Interactive API docs: served from the app's own files, working under the CSP."""

import pytest


@pytest.mark.django_db
def test_docs_page_and_script_are_local(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "<script>" not in html  # no inline script: the CSP would block it
    assert "http://" not in html and "https://" not in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert b"SwaggerUIBundle" in script.content


@pytest.mark.django_db
def test_schema_is_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    push = schema["paths"]["/api/v1/survey-responses/"]["post"]
    assert set(push["responses"]) >= {"201", "400", "401", "403", "413", "415", "429"}
    assert "Retry-After" in push["responses"]["429"]["headers"]
    body = push["requestBody"]["content"]["application/json"]["schema"]
    assert body["oneOf"][1]["maxItems"] == 10_000
    assert body["oneOf"][0]["additionalProperties"] is False


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_without_csp_violations_or_external_requests(live_server):
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM

    external, problems = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on(
            "request",
            lambda r: (
                external.append(r.url)
                if not r.url.startswith(live_server.url) and not r.url.startswith("data:")
                else None
            ),
        )
        page.on(
            "console",
            lambda m: problems.append(m.text) if m.type == "error" else None,
        )
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector("text=/api/v1/survey-responses/", timeout=20_000)
        page.screenshot(path="var/api-docs.png")
        browser.close()
    assert external == []
    # Any blocked script or style would be reported as "Refused to ..." by Chromium.
    assert [m for m in problems if "invalid source" not in m] == []
