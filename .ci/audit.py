"""Dependency audit for CI: fail on any known vulnerability; say plainly what was not checked.

pip-audit looks each installed distribution up in an advisory service (PyPI's JSON API by
default). Where that service cannot be reached, or a package index mirror does not serve it,
pip-audit skips the package rather than failing. A skipped package is not a clean one, so
this wrapper counts them and prints how many were, and why, instead of a bare "no known
vulnerabilities". When not one package could be looked up, the last line says the audit did
not run at all.
"""

import json
import subprocess
import sys

NOT_RUN = "dependency audit: NOT RUN, advisory data unreachable"


def summary(report: dict) -> tuple[list[str], int]:
    """The lines to print for a pip-audit JSON report, and the exit status (1 = vulnerable)."""
    # The project itself is installed editable: it is the code under test, not a dependency.
    dependencies = [
        d for d in report.get("dependencies", []) if "editable" not in d.get("skip_reason", "")
    ]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    checked = len(dependencies) - len(skipped)
    lines = []
    for dep in vulnerable:
        ids = ", ".join(v["id"] for v in dep["vulns"])
        lines.append(f"audit: VULNERABLE {dep['name']} {dep['version']}: {ids}")
    lines.append(
        f"audit: {len(dependencies)} distributions, {checked} checked, {len(skipped)} not checked"
    )
    if skipped:
        reasons = sorted({d["skip_reason"].split(":")[0] for d in skipped})
        lines.append(
            "audit: NOT CHECKED (no advisory data reachable from this machine): "
            + "; ".join(reasons)
        )
    if vulnerable:
        lines.append(f"dependency audit: FAILED, {len(vulnerable)} vulnerable")
        return lines, 1
    if checked == 0:
        lines.append(NOT_RUN)
    elif skipped:
        lines.append(f"dependency audit: no known vulnerability in {checked} checked, INCOMPLETE")
    else:
        lines.append(f"dependency audit: no known vulnerability in {checked} checked")
    return lines, 0


def main() -> int:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--skip-editable",
            "--progress-spinner",
            "off",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        print(done.stdout, done.stderr, sep="\n")
        print("audit: pip-audit did not produce a report")
        return 1
    lines, status = summary(report)
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main())
