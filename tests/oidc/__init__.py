"""A real OpenID Connect provider for the single sign-on tests.

tests/oidc/idp/ holds panva/oidc-provider (pinned by its package-lock.json; `make test` and
.ci/run install it with `npm ci`) and provider.mjs, which serves one client and the people of
a JSON file that a test may rewrite between two sign-ins. Tests marked `oidc` skip without
Node.js or without the installed package, unless XMO_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

IDP_DIR = Path(__file__).resolve().parent / "idp"
CLIENT_ID = "xmo-test"
CLIENT_SECRET = "a-client-secret-for-the-tests-only"
# Node starts in 1–3 s; under a loaded 2-core CI run with two test workers it has taken
# over 20 s.
START_SECONDS = 60


def provider_missing() -> str | None:
    if shutil.which("node") is None:
        return "needs Node.js (node) to run the OpenID Connect provider"
    if not (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
        return "needs the test provider installed: npm ci --prefix tests/oidc/idp"
    return None


@dataclass
class Provider:
    issuer: str
    accounts_file: Path
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    def set_people(self, people: dict) -> None:
        """{login: {"password", "email", "name", "groups"}}; read at every request."""
        self.accounts_file.write_text(json.dumps(people))


@contextmanager
def running_provider(*, redirect_uri: str, workdir: Path, people: dict):
    accounts = workdir / "idp-accounts.json"
    accounts.write_text(json.dumps(people))
    log = (workdir / "idp.log").open("w")
    env = {
        **os.environ,
        "OIDC_PORT": "0",
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URI": redirect_uri,
        "OIDC_ACCOUNTS": str(accounts),
        # Tokens dated by this process's clock, which XMO_TEST_CLOCK may have moved.
        "OIDC_NOW_MS": str(int(time.time() * 1000)),
    }
    process = subprocess.Popen(
        ["node", "provider.mjs"],
        cwd=IDP_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        issuer = _wait_for_ready(process, workdir / "idp.log")
        yield Provider(issuer=issuer, accounts_file=accounts)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_for_ready(process, log_path: Path) -> str:
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if selector.select(timeout=0.2):
            line = process.stdout.readline()
            if line.startswith("ready "):
                return line.split()[1]
        if process.poll() is not None:
            break
    raise RuntimeError(f"the OpenID Connect provider did not start: {log_path.read_text()}")
