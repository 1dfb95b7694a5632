import pytest

from feedback.matching import match_spans, rule_matches
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
