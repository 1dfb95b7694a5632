"""Tag-rule matching: does a rule's keyword or phrase occur in a comment?

A rule holds one pattern per line. With match "any" each line is a keyword that must occur
as a whole word; with "phrase" each line is a phrase that must occur as it is written
(spacing between its words may vary), bounded by word edges. Case is ignored in both.

A rule may also be limited to a score band (min_score..max_score) and to responses naming
one of its factors; `rule_applies` checks all three, so the job, the preview and the
labelled-sample evaluation judge a comment the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .choices import RuleMatch


def _patterns(patterns: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in patterns.splitlines() if p.strip())


@lru_cache(maxsize=512)
def compile_rule(patterns: str, match: str) -> re.Pattern | None:
    """One regular expression for a rule's patterns, or None when it has none."""
    parts = []
    for pattern in _patterns(patterns):
        # A keyword is a single word; a phrase's words must follow each other (any spacing).
        words = pattern.split() if match == RuleMatch.PHRASE else [pattern]
        parts.append(r"\s+".join(re.escape(w) for w in words))
    if not parts:
        return None
    # (?<!\w) / (?!\w) instead of \b so patterns that start or end with punctuation still work.
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def rule_matches(rule, comment: str) -> bool:
    regex = compile_rule(rule.patterns, rule.match)
    return bool(regex and comment and regex.search(comment))


def in_band(rule, score) -> bool:
    if rule.min_score is not None and (score is None or score < rule.min_score):
        return False
    return not (rule.max_score is not None and (score is None or score > rule.max_score))


def names_factor(rule, factors) -> bool:
    wanted = {f.casefold() for f in rule.factor_list}
    return not wanted or any(str(f).casefold() in wanted for f in factors or ())


def rule_applies(rule, comment: str, score=None, factors=()) -> bool:
    """Does the rule suggest its tag for this comment, given the response's score and factors?"""
    return in_band(rule, score) and names_factor(rule, factors) and rule_matches(rule, comment)


def match_spans(rule, comment: str) -> list[tuple[int, int]]:
    """(start, end) of every match of the rule in the comment, for highlighting."""
    regex = compile_rule(rule.patterns, rule.match)
    if not regex or not comment:
        return []
    return [m.span() for m in regex.finditer(comment)]
