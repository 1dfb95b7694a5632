"""xmo.i18n.later_number: a number in the separators of the language active when rendered."""

from django.utils import translation

from xmo.i18n import later, later_number


def _both(value):
    with translation.override("en-gb"):
        english = str(value)
    with translation.override("de"):
        german = str(value)
    return english, german


def test_numbers_follow_the_language_active_when_rendered():
    assert _both(later_number(1234.5, 1)) == ("1,234.5", "1.234,5")
    assert _both(later_number(1234)) == ("1,234", "1.234")
    assert _both(later_number(3.5)) == ("3.5", "3,5")
    # Without decimal_pos a float keeps the decimals it needs, at most two.
    assert _both(later_number(70.0)) == ("70", "70")
    assert _both(later_number(2 / 3)) == ("0.67", "0,67")
    assert _both(later_number(69.0, 1)) == ("69.0", "69,0")
    assert _both(later_number(-3.14159, 1)) == ("\u22123.1", "\u22123,1")
    assert _both(later_number(None)) == ("—", "—")


def test_a_number_inside_a_later_sentence():
    sentence = later("%(count)s responses", count=later_number(12345))
    assert _both(sentence) == ("12,345 responses", "12.345 responses")
