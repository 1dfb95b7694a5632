"""`.ci/audit.py`: what its last line says for a pip-audit report, and its exit status."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def audit_module():
    spec = importlib.util.spec_from_file_location("ci_audit", ROOT / ".ci" / "audit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def unreachable(name):
    return {
        "name": name,
        "version": "1.0",
        "skip_reason": f"Dependency not found on PyPI and could not be audited: {name} (1.0)",
    }


def checked(name, vulns=()):
    return {"name": name, "version": "1.0", "vulns": list(vulns)}


EDITABLE = {"name": "xmo", "skip_reason": "distribution marked as editable"}


def test_nothing_looked_up_is_not_run_never_clean():
    lines, status = audit_module().summary(
        {"dependencies": [unreachable("django"), unreachable("celery"), EDITABLE]}
    )
    assert lines[-1] == "dependency audit: NOT RUN, advisory data unreachable"
    assert "audit: 2 distributions, 0 checked, 2 not checked" in lines
    assert not any("no known vulnerabilit" in line for line in lines)
    assert status == 0


def test_an_empty_report_is_not_run():
    lines, status = audit_module().summary({"dependencies": []})
    assert lines[-1] == "dependency audit: NOT RUN, advisory data unreachable"
    assert status == 0


def test_everything_checked_and_clean():
    lines, status = audit_module().summary({"dependencies": [checked("django"), EDITABLE]})
    assert lines[-1] == "dependency audit: no known vulnerability in 1 checked"
    assert status == 0


def test_partly_checked_says_incomplete():
    lines, status = audit_module().summary(
        {"dependencies": [checked("django"), unreachable("celery")]}
    )
    assert lines[-1] == "dependency audit: no known vulnerability in 1 checked, INCOMPLETE"
    assert status == 0


def test_a_vulnerability_fails():
    vuln = {"id": "PYSEC-2099-1", "fix_versions": ["1.1"], "description": ""}
    lines, status = audit_module().summary(
        {"dependencies": [checked("django", [vuln]), unreachable("celery")]}
    )
    assert "audit: VULNERABLE django 1.0: PYSEC-2099-1" in lines
    assert lines[-1] == "dependency audit: FAILED, 1 vulnerable"
    assert status == 1
