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
