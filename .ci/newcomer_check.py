"""Log in to a running XMO as each demo user and fetch their pages; exit 1 on any failure.

Used by .ci/newcomer after `make run` on a fresh clone. Standard library only, so it runs
with any Python 3.11 before or after the clone's own .venv exists.

    python .ci/newcomer_check.py http://127.0.0.1:8123 [password]
"""

import http.cookiejar
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

# username -> pages that must answer 200 once signed in
PAGES = {
    "leader": ["/", "/dashboard/"],
    "officer": ["/"],
    "member": ["/"],
    "owner": ["/"],
    "viewer": ["/"],
    "admin": ["/"],
}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def fetch(opener, url: str, data: dict | None = None, referer: str = ""):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    headers = {"Referer": referer} if referer else {}
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 (http only)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.geturl(), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, url, exc.read().decode("utf-8", "replace")


def check_user(base: str, username: str, password: str, pages: list[str]) -> list[str]:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    login = f"{base}/login/"
    status, _, html = fetch(opener, login)
    if status != 200:
        return [f"{username}: GET /login/ answered {status}"]
    token = TOKEN.search(html)
    if token is None:
        return [f"{username}: no CSRF token on the log-in page"]
    data = {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
    status, final, _ = fetch(opener, login, data, referer=login)
    if status != 200 or urllib.parse.urlparse(final).path == "/login/":
        return [f"{username}: log-in failed ({status}, ended on {final})"]
    problems = []
    for page in pages:
        status, final, _ = fetch(opener, base + page)
        if status != 200 or urllib.parse.urlparse(final).path != page:
            problems.append(f"{username}: GET {page} answered {status} (ended on {final})")
        else:
            print(f"newcomer: {username} {page} 200")
    return problems


def main(argv: list[str]) -> int:
    base = argv[1].rstrip("/")
    if urllib.parse.urlparse(base).scheme not in {"http", "https"}:
        print(f"newcomer: {base!r} is not an http(s) address")
        return 2
    password = argv[2] if len(argv) > 2 else "xmo-demo-2026"
    problems = []
    for username, pages in PAGES.items():
        problems += check_user(base, username, password, pages)
    for problem in problems:
        print(f"newcomer: FAILED {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
