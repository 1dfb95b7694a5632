"""Tag-rule matching: does a rule's keyword or phrase occur in a comment?

A rule holds one pattern per line. With match "any" each line is a keyword that must occur
as a whole word; with "phrase" each line is a phrase that must occur as it is written
(spacing between its words may vary), bounded by word edges. Case is ignored in both.

Two marks make a few lines cover what people write:
- a word ending in "*" is a stem: "freez*" matches freeze, freezes, freezing, freezy;
- a line starting with "-" is an exclusion: a match that lies inside an exclusion's match
  does not count ("slow" with "-not slow" leaves "not slow at all" unmatched, and "teams"
  with "-between teams" leaves "passed between teams" unmatched), while another match in
  the same comment still counts.
Every other character is literal: patterns are escaped, never run as regular expressions.

A rule may also be limited to a score band (min_score..max_score) and to responses naming
one of its factors; `rule_applies` checks all three, so the job, the preview and the
labelled-sample evaluation judge a comment the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .choices import RuleMatch

EXCLUDE = "-"
STEM = "*"


def _patterns(patterns: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in patterns.splitlines() if p.strip())


def _word(word: str) -> str:
    if len(word) > 1 and word.endswith(STEM):
        return re.escape(word.rstrip(STEM)) + r"\w*"
    return re.escape(word)


def _compile(lines, match: str) -> re.Pattern | None:
    parts = []
    for pattern in lines:
        # A keyword is a single word; a phrase's words must follow each other (any spacing).
        words = pattern.split() if match == RuleMatch.PHRASE else [pattern]
        parts.append(r"\s+".join(_word(w) for w in words))
    if not parts:
        return None
    # (?<!\w) / (?!\w) instead of \b so patterns that start or end with punctuation still work.
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def _split(patterns: str) -> tuple[list[str], list[str]]:
    """(including lines, excluding lines without their mark)."""
    include, exclude = [], []
    for line in _patterns(patterns):
        if line.startswith(EXCLUDE) and line[1:].strip():
            exclude.append(line[1:].strip())
        elif not line.startswith(EXCLUDE):
            include.append(line)
    return include, exclude


@lru_cache(maxsize=512)
def compile_rule(patterns: str, match: str) -> re.Pattern | None:
    """One regular expression for a rule's including lines, or None when it has none."""
    return _compile(_split(patterns)[0], match)


@lru_cache(maxsize=512)
def compile_exclusions(patterns: str) -> re.Pattern | None:
    """One regular expression for a rule's exclusions (always phrases), or None."""
    return _compile(_split(patterns)[1], RuleMatch.PHRASE)


def search_terms(patterns: str) -> list[str]:
    """Per including line, its longest word without the stem mark: a substring every match
    of the line contains (for narrowing candidates in the database)."""
    terms = []
    for line in _split(patterns)[0]:
        longest = max((w.rstrip(STEM) for w in line.split()), key=len)
        terms.append(longest or line)
    return terms


def match_spans(rule, comment: str) -> list[tuple[int, int]]:
    """(start, end) of every match of the rule in the comment that no exclusion covers."""
    regex = compile_rule(rule.patterns, rule.match)
    if not regex or not comment:
        return []
    spans = [m.span() for m in regex.finditer(comment)]
    excluding = compile_exclusions(rule.patterns)
    if spans and excluding:
        covers = [m.span() for m in excluding.finditer(comment)]
        spans = [
            (start, end)
            for start, end in spans
            if not any(lo <= start and end <= hi for lo, hi in covers)
        ]
    return spans


def rule_matches(rule, comment: str) -> bool:
    return bool(match_spans(rule, comment))


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
