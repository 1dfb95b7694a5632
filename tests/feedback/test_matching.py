import pytest

from feedback.matching import match_spans, rule_matches, search_terms
from feedback.models import TagRule


def rule(patterns, match="any"):
    return TagRule(patterns=patterns, match=match)


@pytest.mark.parametrize(
    "comment,expected",
    [
        ("The VPN keeps dropping", True),
        ("vpn was down", True),
        ("My Vpn, again!", True),
        ("(vpn)", True),
        ("vpns are many", False),  # whole words only
        ("openvpn client", False),
        ("", False),
    ],
)
def test_keyword_is_a_whole_word_ignoring_case(comment, expected):
    assert rule_matches(rule("vpn"), comment) is expected


def test_any_line_of_the_patterns_matches():
    r = rule("vpn\ntunnel\n\n  ")
    assert rule_matches(r, "the tunnel broke")
    assert rule_matches(r, "VPN")
    assert not rule_matches(r, "the printer broke")


@pytest.mark.parametrize(
    "comment,expected",
    [
        ("Remote access failed", True),
        ("remote   access failed", True),  # spacing between words may vary
        ("REMOTE ACCESS", True),
        ("access remote", False),  # order matters
        ("remote accessibility", False),  # word-bounded
        ("I was remote; access was fine", False),
    ],
)
def test_phrase_matches_the_exact_phrase(comment, expected):
    assert rule_matches(rule("remote access", match="phrase"), comment) is expected


def test_patterns_with_regex_characters_are_literal():
    r = rule("c++\n.net", match="phrase")
    assert rule_matches(r, "our C++ build")
    assert rule_matches(r, "the .NET runtime")
    assert not rule_matches(r, "the xnet runtime")


def test_match_spans_for_highlighting():
    assert match_spans(rule("vpn"), "VPN and vpn") == [(0, 3), (8, 11)]
    assert match_spans(rule(""), "VPN") == []


@pytest.mark.parametrize(
    "comment,expected",
    [
        ("laptop freezes", True),
        ("FREEZING all day", True),
        ("it will freez", True),
        ("antifreeze", False),  # a stem still starts at a word edge
        ("free", False),
    ],
)
def test_a_word_ending_in_a_star_is_a_stem(comment, expected):
    assert rule_matches(rule("freez*"), comment) is expected
    assert rule_matches(rule("laptop freez*", match="phrase"), "Laptop freezes daily")
    assert rule_matches(rule("call* me back", match="phrase"), "nobody called me back")


def test_a_star_alone_or_inside_a_word_is_literal():
    assert rule_matches(rule("*", match="phrase"), "rated * out of 5")
    assert not rule_matches(rule("*", match="phrase"), "rated 1 out of 5")
    assert rule_matches(rule("c*t", match="phrase"), "a c*t")
    assert not rule_matches(rule("c*t", match="phrase"), "a cat")


@pytest.mark.parametrize(
    "comment,expected",
    [
        ("the laptop is slow", True),
        ("not slow at all", False),
        ("Not   SLOW, really", False),
        ("not slow on Monday, slow on Friday", True),  # the second match counts
        ("slower than ever", False),
    ],
)
def test_a_match_inside_an_exclusion_does_not_count(comment, expected):
    assert rule_matches(rule("slow\n-not slow", match="phrase"), comment) is expected


def test_exclusions_alone_match_nothing_and_are_left_out_of_spans():
    assert not rule_matches(rule("-not slow", match="phrase"), "slow and not slow")
    r = rule("teams\n-between teams", match="phrase")
    text = "passed between teams; Teams calls drop"
    assert match_spans(r, text) == [(22, 27)]
    assert rule_matches(rule("vpn\n-"), "VPN")  # a lone mark is no exclusion


def test_search_terms_narrow_without_marks():
    assert search_terms("laptop freez*\n-not slow\nvpn\n*") == ["laptop", "vpn", "*"]
