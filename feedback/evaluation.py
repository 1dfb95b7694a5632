"""How well tag rules suggest: precision and recall against comments labelled by people.

A labelled comment holds its text, score, factors and the tags a person gave it by its
meaning. A rule's suggestion is right when the comment carries that tag. Precision is the
share of suggestions that are right; recall the share of expected tags that were suggested.
Both are counted over (comment, tag) pairs, all tags together, and per tag.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .matching import rule_applies


@dataclass(frozen=True)
class LabelledComment:
    text: str
    score: int
    factors: tuple[str, ...]
    expected: frozenset[str]


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split("|") if part.strip()]


def load_labelled(path: Path | str) -> list[LabelledComment]:
    """Rows of a CSV with columns text, score, factors, expected_tags (lists split on "|")."""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        return [
            LabelledComment(
                text=row["text"],
                score=int(row["score"]),
                factors=tuple(_split(row["factors"])),
                expected=frozenset(_split(row["expected_tags"])),
            )
            for row in csv.DictReader(handle)
        ]


def suggested_tags(rules, comment: LabelledComment) -> set[str]:
    """The tag slugs that `rules` [(tag slug, rule)] suggest for one comment."""
    return {
        slug
        for slug, rule in rules
        if rule_applies(rule, comment.text, comment.score, comment.factors)
    }


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def evaluate(rules, comments) -> dict:
    """{precision, recall, suggested, expected, right, per_tag: {slug: {...}}, comments}."""
    right, suggested, expected = Counter(), Counter(), Counter()
    for comment in comments:
        got = suggested_tags(rules, comment)
        suggested.update(got)
        expected.update(comment.expected)
        right.update(got & comment.expected)
    per_tag = {
        slug: {
            "suggested": suggested[slug],
            "expected": expected[slug],
            "right": right[slug],
            "precision": _ratio(right[slug], suggested[slug]),
            "recall": _ratio(right[slug], expected[slug]),
        }
        for slug in sorted(set(suggested) | set(expected))
    }
    total_right, total_suggested = sum(right.values()), sum(suggested.values())
    total_expected = sum(expected.values())
    return {
        "comments": len(comments),
        "suggested": total_suggested,
        "expected": total_expected,
        "right": total_right,
        "precision": _ratio(total_right, total_suggested),
        "recall": _ratio(total_right, total_expected),
        "per_tag": per_tag,
    }
