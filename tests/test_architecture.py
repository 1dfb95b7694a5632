"""The app layers of pyproject.toml's import-linter contracts hold: xmo (the ground floor)
imports no domain app, and every app imports only from the apps below it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_templates_hold_no_css():
    """Styles live in static/xmo/*.css; a template links them, never inlines them."""
    inline = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if "<style" in path.read_text()
    ]
    assert inline == []


def test_only_shared_field_and_pager_partials():
    """Every form field and every pager renders through templates/partials/."""
    copies = [
        str(path.relative_to(ROOT))
        for name in ("_field.html", "_pagination.html")
        for path in (ROOT / "templates").rglob(name)
        if path.parent.name != "partials"
    ]
    assert copies == []
