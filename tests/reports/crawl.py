"""A small crawler over the app's pages as one signed-in person (GET only)."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

HREF = re.compile(r'href="(/[^"]*)"')
XLA_SCORE = re.compile(r'data-xla-id="(\d+)" data-xla-period="([0-9-]*)" data-xla-score="([^"]*)"')
START = ("/", "/dashboard/", "/xlas/", "/xlas/breaches/", "/reports/", "/meetings/")
SKIP = ("/api/", "/static/", "/admin/", "/logout/", "/login/", "/switch/", "/media/")
SKIP_PARTS = ("export", ".csv", "/print", "download", "/delete", "/schema")


def _shape(url: str) -> str:
    """Pages that differ only in ids or query values share a shape."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+/", "/N/", parts.path)
    keys = sorted({q.split("=")[0] for q in parts.query.split("&") if q})
    return path + "?" + "&".join(keys)


def crawl(client, *, start=START, per_shape: int = 4, limit: int = 250) -> dict[str, str]:
    """{url: html} of every page reachable from `start` (a few of each shape)."""
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    pages: dict[str, str] = {}
    queue = deque(start)
    while queue and len(pages) < limit:
        url = urldefrag(queue.popleft().replace("&amp;", "&"))[0]
        if url in seen or url.startswith(SKIP) or any(p in url for p in SKIP_PARTS):
            continue
        seen.add(url)
        shape = _shape(url)
        if shapes.get(shape, 0) >= per_shape:
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[url] = html
        queue.extend(HREF.findall(html))
    return pages


def xla_scores(pages: dict[str, str]) -> dict[tuple[int, str], set[tuple[str, str]]]:
    """{(xla id, period start): {(score, url)}} for every element showing an XLA's score."""
    found: dict = {}
    for url, html in pages.items():
        for xla_id, period, score in XLA_SCORE.findall(html):
            found.setdefault((int(xla_id), period), set()).add((score, url))
    return found


SCRIPT = re.compile(r"<(script|style|template)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")


def visible_text(html: str) -> str:
    import html as html_lib

    return html_lib.unescape(TAG.sub(" ", SCRIPT.sub(" ", html)))


APPS = {"xmo", "experience", "xlas", "feedback", "meetings", "reports"}


def choice_codes() -> set[str]:
    """Every stored choice value that is a code rather than a word (has an underscore)."""
    from django.apps import apps

    codes = set()
    for model in apps.get_models():
        if model._meta.app_label not in APPS:
            continue
        for f in model._meta.get_fields():
            for value, _label in getattr(f, "flatchoices", None) or []:
                if isinstance(value, str) and "_" in value:
                    codes.add(value)
    return codes


def raw_words(pages: dict[str, str], codes: set[str]) -> dict[str, set[str]]:
    """{url: raw codes or None shown as text on the page}."""
    alternatives = "|".join(sorted(map(re.escape, codes), key=len, reverse=True))
    pattern = re.compile(r"(?<![\w/.-])(None|" + alternatives + r")(?![\w/.-])")
    found = {}
    for url, html in pages.items():
        hits = set(pattern.findall(visible_text(html)))
        if hits:
            found[url] = hits
    return found
