"""Precision and recall of the demo's tag rules on the labelled sample of demo comments.

    python -m bench.tag_stats [--sample tests/feedback/data/labelled_comments.csv]

The sample's expected tags were given by meaning (bench/labelled_comments.py); the rules
are the ones `seed_demo` creates (demo.feedback.tag_rules), judged by the same matcher the
suggest_tags job uses. Exits non-zero when precision < 0.8 or recall < 0.5.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

MIN_PRECISION = 0.8
MIN_RECALL = 0.5
SAMPLE = Path(__file__).resolve().parent.parent / "tests/feedback/data/labelled_comments.csv"


def _pct(value) -> str:
    return "   n/a" if value is None else f"{100 * value:5.1f} %"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xmo.settings")
    import django

    django.setup()
    from demo.feedback import tag_rules
    from feedback.evaluation import evaluate, load_labelled

    result = evaluate(tag_rules(), load_labelled(args.sample))
    print(f"Tag suggestions on {result['comments']} labelled comments ({args.sample.name})")
    print(
        f"{'tag':<20} {'suggested':>9} {'expected':>9} {'right':>6} {'precision':>9} {'recall':>8}"
    )
    for slug, row in result["per_tag"].items():
        print(
            f"{slug:<20} {row['suggested']:>9} {row['expected']:>9} {row['right']:>6}"
            f" {_pct(row['precision']):>9} {_pct(row['recall']):>8}"
        )
    ok = (result["precision"] or 0) >= MIN_PRECISION and (result["recall"] or 0) >= MIN_RECALL
    print(
        f"{'all tags':<20} {result['suggested']:>9} {result['expected']:>9} {result['right']:>6}"
        f" {_pct(result['precision']):>9} {_pct(result['recall']):>8}"
    )
    print(
        f"goal: precision >= {MIN_PRECISION:.0%}, recall >= {MIN_RECALL:.0%}:"
        f" {'met' if ok else 'NOT MET'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
