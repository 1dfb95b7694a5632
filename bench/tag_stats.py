"""Precision and recall of the demo's tag rules on the labelled samples of comments.

    python -m bench.tag_stats [--sample PATH] [--out bench/stats.json]

- **demo**: tests/feedback/data/labelled_comments.csv, 420 comments from the demo's own
  generator, their expected tags given by the meaning of each sentence of the demo
  vocabulary (bench/labelled_comments.py);
- **free text**: tests/feedback/data/labelled_freetext.csv, comments written by hand as
  people write them, not from the demo's vocabulary, labelled by meaning (see the README
  next to it); the demo's rules were revised with this sample in view;
- **free text 2**: labelled_freetext_2.csv, written the same way after that revision (held
  out then), then used for a second revision;
- **free text, held out**: labelled_freetext_holdout.csv, written after the second revision
  and not used to revise the rules: reported, not held to the goal.

The rules are the ones `seed_demo` creates (demo.feedback.tag_rules), judged by the same
matcher the suggest_tags job uses. The figures are merged into bench/stats.json under
"tags_demo", "tags_freetext", "tags_freetext_2" and "tags_freetext_holdout" (the other
keys are kept). `--sample` measures one other file instead, printed only. Exits non-zero
when precision < 0.8 or recall < 0.5 on a sample other than the held-out one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

MIN_PRECISION = 0.8
MIN_RECALL = 0.5
ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests/feedback/data"
SAMPLES = {
    "tags_demo": DATA / "labelled_comments.csv",
    "tags_freetext": DATA / "labelled_freetext.csv",
    "tags_freetext_2": DATA / "labelled_freetext_2.csv",
    "tags_freetext_holdout": DATA / "labelled_freetext_holdout.csv",
}
# The held-out sample is reported, not held to the goal: the rules were revised on the other
# free-text samples, so this one shows how they do on text they were not fitted to.
NO_GOAL = {"tags_freetext_holdout"}
OUT = Path(__file__).resolve().parent / "stats.json"


def _pct(value) -> str:
    return "   n/a" if value is None else f"{100 * value:5.1f} %"


def _met(result) -> bool:
    return (result["precision"] or 0) >= MIN_PRECISION and (result["recall"] or 0) >= MIN_RECALL


def table(result: dict, name: str, goal: bool = True) -> str:
    lines = [
        f"Tag suggestions on {result['comments']} labelled comments ({name})",
        f"{'tag':<20} {'suggested':>9} {'expected':>9} {'right':>6} {'precision':>9} {'recall':>8}",
    ]
    rows = [*result["per_tag"].items(), ("all tags", result)]
    for slug, row in rows:
        lines.append(
            f"{slug:<20} {row['suggested']:>9} {row['expected']:>9} {row['right']:>6}"
            f" {_pct(row['precision']):>9} {_pct(row['recall']):>8}"
        )
    lines.append(
        f"goal: precision >= {MIN_PRECISION:.0%}, recall >= {MIN_RECALL:.0%}:"
        f" {'met' if _met(result) else 'NOT MET'}"
        + ("" if goal else " (held out: reported, not required)")
    )
    return "\n".join(lines)


def merge(out: Path, figures: dict) -> None:
    """Write `figures` into the JSON file at `out`, keeping its other keys."""
    result = json.loads(out.read_text()) if out.exists() else {}
    result.update(figures)
    out.write_text(json.dumps(result, indent=2) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, help="measure this file only (not written)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xmo.settings")
    import django

    django.setup()
    from demo.feedback import tag_rules
    from feedback.evaluation import evaluate, load_labelled

    samples = {"sample": args.sample} if args.sample else SAMPLES
    figures = {}
    for key, path in samples.items():
        result = evaluate(tag_rules(), load_labelled(path))
        where = path.resolve()
        figures[key] = {
            "sample": str(where.relative_to(ROOT) if where.is_relative_to(ROOT) else where)
        }
        figures[key] |= result
        print(table(result, path.name, goal=key not in NO_GOAL), end="\n\n")
    if not args.sample:
        merge(args.out, figures)
        print(f"written to {args.out} ({', '.join(figures)})")
    return 0 if all(_met(f) for k, f in figures.items() if k not in NO_GOAL) else 1


if __name__ == "__main__":
    sys.exit(main())
