#!/usr/bin/env bash
# The dependency locks, compiled from pyproject.toml with hashes (uv pip compile):
#   requirements/runtime.lock  the app's own dependencies (the Docker image)
#   requirements/dev.lock      plus the `dev` extra (tests, lint, make run / make test)
# `.ci/lock.sh` (or `make lock`) rewrites both, keeping every version already locked that
# still satisfies pyproject.toml; `--upgrade` moves everything to the newest allowed.
# `.ci/lock.sh --check` fails when a lock no longer matches pyproject.toml: it recompiles
# into a temporary folder and compares the pinned requirements (not the hashes, which PyPI
# may extend when a project uploads another wheel of the same version).
set -euo pipefail
cd "$(dirname "$0")/.."
UV="${UV:-.venv/bin/uv}"
command -v "$UV" >/dev/null 2>&1 || UV=uv

compile() {  # compile OUT_DIR [extra uv arguments]
  local out="$1"; shift
  local common=(pyproject.toml --universal --python-version 3.11 --generate-hashes
    --custom-compile-command "make lock" --quiet "$@")
  "$UV" pip compile "${common[@]}" -o "$out/runtime.lock"
  "$UV" pip compile "${common[@]}" --extra dev -o "$out/dev.lock"
}

pins() { grep -E '^[A-Za-z0-9]' "$1" | sed -e 's/ *\\$//' | sort; }

case "${1:-}" in
  --check)
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    cp requirements/runtime.lock requirements/dev.lock "$tmp/"
    compile "$tmp"
    status=0
    for lock in runtime dev; do
      if ! diff -u <(pins "requirements/$lock.lock") <(pins "$tmp/$lock.lock") \
          --label "requirements/$lock.lock" --label "compiled from pyproject.toml"; then
        status=1
      fi
    done
    if [ "$status" -ne 0 ]; then
      echo "The lock files no longer match pyproject.toml: run 'make lock' and commit them." >&2
    fi
    exit "$status"
    ;;
  --upgrade) compile requirements --upgrade ;;
  "") compile requirements ;;
  *) echo "usage: $0 [--check|--upgrade]" >&2; exit 2 ;;
esac
