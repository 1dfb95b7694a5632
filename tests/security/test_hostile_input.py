"""Hostile input: never a 5xx, a clear 4xx, and nothing stored when it is invalid.

Two parts. The push endpoints get oversized bodies, deeply nested JSON, huge strings, NaN
and Infinity, invalid UTF-8 and wrong content types. Every form of the UI (found by reading
every page of the access matrix as a role allowed to see it, plus every POST rule of the
matrix) gets hostile values in each of its fields, and every page gets hostile query strings.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import reverse

from experience.models import MetricSample, SurveyResponse
from tests.factories import ApiTokenFactory, OperationalMetricFactory, ServiceFactory
from tests.security.test_access_matrix import ACCESS, world  # noqa: F401 - fixture

# --- the push endpoints ------------------------------------------------------------------

PUSH_URLS = ["/api/v1/survey-responses/", "/api/v1/metric-samples/"]
ITEM = {
    "/api/v1/survey-responses/": {
        "external_id": "x-1",
        "service": "service-desk",
        "score": 5,
        "submitted_at": "2026-01-01T10:00:00+00:00",
    },
    "/api/v1/metric-samples/": {
        "external_id": "x-1",
        "metric": "resolution-time",
        "service": "service-desk",
        "value": 1.5,
        "measured_at": "2026-01-01T10:00:00+00:00",
    },
}


def _hostile_bodies(url):
    item = ITEM[url]
    number = "score" if "score" in item else "value"
    text = "external_id"
    return {
        "nested 100 000 arrays": b"[" * 100_000 + b"]" * 100_000,
        "nested 100 000 objects": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        "nested inside an item": json.dumps(
            [{**item, "factors": json.loads("[" * 500 + "]" * 500)}]
        ).encode(),
        "huge string": json.dumps({**item, text: "x" * 5_000_000}).encode(),
        "huge comment": json.dumps({**item, "comment": "é" * 2_000_000}).encode(),
        "NaN": json.dumps(item).replace(f'"{number}": ', f'"{number}": NaN, "_": ').encode(),
        "Infinity": json.dumps(item)
        .replace(f'"{number}": ', f'"{number}": Infinity, "_": ')
        .encode(),
        "-Infinity literal": json.dumps(item)
        .replace(f'"{number}": ', f'"{number}": -Infinity, "_": ')
        .encode(),
        "1e999": json.dumps(item).replace(f'"{number}": ', f'"{number}": 1e999, "_": ').encode(),
        "huge integer": json.dumps({**item, number: 10**400}).encode(),
        "invalid UTF-8": json.dumps(item).encode().replace(b"x-1", b"x-\xff\xfe"),
        "overlong UTF-8": json.dumps(item).encode().replace(b"x-1", b"x-\xc0\xaf"),
        "lone surrogate": json.dumps(item).encode().replace(b"x-1", b"x-\\ud800"),
        "NUL in text": json.dumps(item).encode().replace(b"x-1", b"x-\\u0000"),
        "truncated": json.dumps([item] * 3).encode()[:-7],
        "empty": b"",
        "a string": b'"hello"',
        "null": b"null",
        "array of nulls": b"[null, null]",
        "a number where text goes": json.dumps({**item, text: -(2**63)}).encode(),
        "BOM first": b"\xef\xbb\xbf" + json.dumps(item).encode(),
    }


@pytest.fixture
def pusher(org_a, client):
    ServiceFactory(organisation=org_a, slug="service-desk")
    OperationalMetricFactory(organisation=org_a, slug="resolution-time")
    _, key = ApiTokenFactory.create_with_key(organisation=org_a, scopes=["ingest"])

    def push(url, body, content_type="application/json"):
        return client.generic(
            "POST", url, body, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {key}"
        )

    return push


def _stored():
    return SurveyResponse.objects.count() + MetricSample.objects.count()


def _assert_clear_4xx(response, expected=None):
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    if expected:
        assert response.status_code in expected, response.status_code
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUSH_URLS)
def test_hostile_json_bodies_get_a_clear_400_and_store_nothing(pusher, url):
    for name, body in _hostile_bodies(url).items():
        response = pusher(url, body)
        assert response.status_code < 500, name
        # (The test client sends no Content-Type with an empty body: 415 is right then.)
        expected = {400, 413, 415} if not body else {400, 413}
        assert response.status_code in expected, (name, response.status_code)
        _assert_clear_4xx(response)
        assert _stored() == 0, name


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUSH_URLS)
def test_a_body_over_the_limit_is_413_and_stores_nothing(pusher, url, settings):
    settings.XMO_MAX_BODY_BYTES = 100_000
    body = json.dumps([{**ITEM[url], "external_id": f"x-{n}"} for n in range(2000)]).encode()
    assert len(body) > 100_000
    _assert_clear_4xx(pusher(url, body), {413})
    assert _stored() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUSH_URLS)
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "application/xml",
        "application/json-patch+json",
        "",
    ],
)
def test_wrong_content_types_get_415_and_store_nothing(pusher, url, content_type):
    response = pusher(url, json.dumps(ITEM[url]).encode(), content_type=content_type)
    _assert_clear_4xx(response, {415})
    assert _stored() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUSH_URLS)
def test_the_same_item_is_accepted_once_it_is_clean(pusher, url):
    """The hostile variants above differ from a valid push only where they are hostile."""
    response = pusher(url, json.dumps(ITEM[url]).encode())
    assert response.status_code == 201, response.content
    assert _stored() == 1


# --- every form and every page of the UI -------------------------------------------------

PREFERRED_ROLES = ["admin", "officer", "leader", "member", "service_owner", "viewer"]
GENERIC_FIELDS = [
    "name",
    "title",
    "text",
    "notes",
    "comment",
    "status",
    "role",
    "tag",
    "ids",
    "action",
    "patterns",
    "narrative",
    "date",
    "due_on",
    "owner",
    "target",
    "value",
    "organisation",
]
TEN_MB = "A" * (10 * 1024 * 1024)


class _Forms(HTMLParser):
    """Collects (method, action, field names) of every form, and hx-post targets."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._current = {
                "method": (a.get("method") or "get").lower(),
                "action": a.get("action") or a.get("hx-post") or "",
                "fields": set(),
            }
            if a.get("hx-post"):
                self._current["method"] = "post"
            self.forms.append(self._current)
        elif tag in {"input", "select", "textarea", "button"} and a.get("name") and self._current:
            self._current["fields"].add(a["name"])
        if tag != "form" and a.get("hx-post"):
            self.forms.append({"method": "post", "action": a["hx-post"], "fields": set()})

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def _role_for(rule):
    allowed = rule.allowed_roles()
    return next(r for r in PREFERRED_ROLES if r in allowed)


def _page_rules():
    return sorted(name for name, rule in ACCESS.items() if rule.method == "get" and not rule.api)


def _post_rules():
    return sorted(name for name, rule in ACCESS.items() if rule.method == "post" and not rule.api)


def _url(name, w):
    rule = ACCESS[name]
    return reverse(name, kwargs=rule.kwargs(w) if rule.kwargs else {})


def _other_org_ids(org_b):
    """Ids of organisation B's objects, to put where an id of A's is expected."""
    from tests.factories import TagFactory, XLAFactory

    return [
        str(ServiceFactory(organisation=org_b, slug="b-desk").pk),
        str(TagFactory(organisation=org_b).pk),
        str(XLAFactory(organisation=org_b).pk),
        str(org_b.pk),
    ]


def _hostile_values(other_ids):
    return {
        "1 MB string": "x" * 1_000_000,
        "NaN": "NaN",
        "Infinity": "Infinity",
        "negative id": "-1",
        "zero": "0",
        "huge number": "9" * 40,
        "other org id": other_ids[0],
        "unknown choice": "not-a-choice\u202e",
        "bad date": "2026-13-45",
        "NUL": "a\x00b",
        "markup": "<script>alert(1)</script>",
    }


def _row_counts():
    counts = {}
    for model in apps.get_models():
        if model._meta.app_label in {
            "xmo",
            "experience",
            "xlas",
            "feedback",
            "meetings",
            "reports",
        }:
            if model.__name__ in {"JobRun", "JobLock", "AuditEvent"}:
                continue
            counts[model._meta.label] = model.objects.count()
    return counts


def _send(client, user, method, url, data=None, body=None, content_type=None):
    """One request as `user`, rolled back afterwards so requests never interfere."""
    client.raise_request_exception = False  # a crash is a 500 to report, not an exception
    with transaction.atomic():
        client.force_login(user)
        if body is not None:
            response = client.generic(method.upper(), url, body, content_type=content_type)
        elif method == "post":
            response = client.post(url, data or {})
        else:
            response = client.get(url)
        transaction.set_rollback(True)
    return response


def _discover_forms(client, users, w, name):
    rule = ACCESS[name]
    user = users[_role_for(rule)]
    url = _url(name, w)
    response = _send(client, user, "get", url)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return url, []
    parser = _Forms()
    parser.feed(response.content.decode())
    return url, parser.forms


def _targets(client, users, w):
    """{path: field names} for every POST target reachable from the pages and the matrix."""
    targets: dict[str, set] = {}
    for name in _page_rules():
        page_url, forms = _discover_forms(client, users, w, name)
        for form in forms:
            if form["method"] != "post":
                continue
            path = urlsplit(form["action"]).path or page_url
            if not path.startswith("/") or path.startswith(("/api/", "/admin/")):
                continue
            targets.setdefault(path, set()).update(form["fields"])
    for name in _post_rules():
        rule = ACCESS[name]
        data = rule.data(w) if rule.data else {}
        targets.setdefault(_url(name, w), set()).update(data)
    targets.pop(reverse("logout"), None)
    return targets


def _user_for_path(users, path):
    from django.urls import resolve

    match = resolve(path)
    rule = ACCESS.get(match.view_name)
    return users[_role_for(rule)] if rule else users["admin"]


@pytest.mark.django_db
@pytest.mark.slow
def test_every_form_survives_hostile_values(client, world, users, org_b):  # noqa: F811
    other_ids = _other_org_ids(org_b)
    targets = _targets(client, users, world)
    assert len(targets) >= 40, sorted(targets)
    values = _hostile_values(other_ids)
    failures = []
    before = _row_counts()
    for path, fields in sorted(targets.items()):
        user = _user_for_path(users, path)
        names = sorted((fields - {"csrfmiddlewaretoken"}) or set(GENERIC_FIELDS))
        for label, value in values.items():
            data = {n: value for n in names}
            status = _send(client, user, "post", path, data).status_code
            if status >= 500:
                failures.append(f"{path} {label}: {status}")
        # A 10 MB value in one field at a time (the first three fields).
        for n in names[:3]:
            status = _send(client, user, "post", path, {n: TEN_MB}).status_code
            if status >= 500:
                failures.append(f"{path} 10 MB in {n}: {status}")
        # Bytes that are not UTF-8, url-encoded and raw, and inside a multipart body.
        field = names[0]
        for body, content_type in _invalid_utf8_bodies(field):
            response = _send(client, user, "post", path, body=body, content_type=content_type)
            if response.status_code >= 500:
                failures.append(f"{path} invalid UTF-8 ({content_type}): {response.status_code}")
    assert not failures, "\n".join(failures)
    assert _row_counts() == before  # every request was rolled back; sanity of the harness


def _invalid_utf8_bodies(field):
    boundary = "hostile"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"\r\n\r\n'.encode()
        + b"\xff\xfe\xfd bad \xc0\xaf"
        + f"\r\n--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="\xff\xfe"\r\n\r\nx\r\n'
        + f"--{boundary}--\r\n".encode()
    )
    return [
        (f"{field}=%FF%FE%C0%AF".encode(), "application/x-www-form-urlencoded"),
        (field.encode() + b"=\xff\xfe\xc0\xaf&\xff=1", "application/x-www-form-urlencoded"),
        (multipart, f"multipart/form-data; boundary={boundary}"),
    ]


QUERY_VALUES = [
    "page=-1",
    "page=0",
    "page=99999999999999999999",
    "page=NaN",
    "page_size=100000000",
    "date=2026-13-45",
    "from=2026-13-45&to=0000-00-00",
    "start=9999-12-31&end=0001-01-01",
    "month=2026-13",
    "q=" + "x" * 20_000,
    "service=-1&persona=NaN&xla=999999999999999999999",
    "status=not-a-status&period=eon&measure=%00",
    "sort=-;drop table&order=%FF%FE",
    "%FF%FE=%C0%AF",
]


@pytest.mark.django_db
@pytest.mark.slow
def test_every_page_survives_hostile_query_strings(client, world, users, org_b):  # noqa: F811
    other_ids = _other_org_ids(org_b)
    failures = []
    pages = _page_rules()
    for name in pages:
        rule = ACCESS[name]
        user = users[_role_for(rule)]
        url = _url(name, world)
        # The page's own filter fields, each with hostile values.
        _, forms = _discover_forms(client, users, world, name)
        filter_fields = sorted(
            {f for form in forms if form["method"] == "get" for f in form["fields"]}
        )
        queries = list(QUERY_VALUES)
        for field in filter_fields:
            for value in ("-1", "2026-13-45", "9" * 40, other_ids[0], "\x00"):
                queries.append(urlencode({field: value}))
        for query in queries:
            status = _send(client, user, "get", f"{url}?{query}").status_code
            if status >= 500:
                failures.append(f"{name} ?{query[:60]}: {status}")
    assert len(pages) >= 40
    assert not failures, "\n".join(failures)


# --- invalid submissions store nothing ---------------------------------------------------


@pytest.mark.django_db
def test_invalid_form_submissions_store_nothing(client, world, users, org_b):  # noqa: F811
    """Forms that create things: hostile values are refused and no row appears."""
    from feedback.models import Tag, TagRule
    from meetings.models import MeetingSeries
    from xlas.models import XLA

    other_ids = _other_org_ids(org_b)
    cases = [
        ("feedback:tags", {"name": TEN_MB}, Tag),
        ("feedback:tags", {"name": "", "colour": "x"}, Tag),
        ("feedback:rule_create", {"name": "r", "tag": other_ids[1], "patterns": "vpn"}, TagRule),
        ("feedback:rule_create", {"name": "r", "tag": "-1", "patterns": "vpn"}, TagRule),
        ("xlas:xla_create", {"name": "X", "effective_from": "2026-13-45"}, XLA),
        ("xlas:xla_create", {"name": TEN_MB}, XLA),
        ("meetings:series_create", {"name": "S", "cadence": "fortnightly"}, MeetingSeries),
        (
            "meetings:series_create",
            {"name": "S", "cadence": "weekly", "weekday": "NaN"},
            MeetingSeries,
        ),
    ]
    failures = []
    for name, data, model in cases:
        before = model.objects.count()
        client.force_login(users["admin"])
        response = client.post(_url(name, world), data)
        if response.status_code >= 500 or model.objects.count() != before:
            failures.append(f"{name} {list(data)}: {response.status_code}")
        elif response.status_code == 200:
            assert re.search(rb"error|invalid|required|enter|select", response.content, re.I)
    assert not failures, failures
