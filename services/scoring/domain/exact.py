"""Exact figures (pure, no I/O): every official figure is a ratio of integer sums, kept and
compared as a fraction, and rounded only for display.

A float cannot hold 60 % of a 5S checklist exactly (0.6 has no binary form): the sum of five
pillar percentages divided by five comes out as 59.999999999999986 and a unit at exactly the
threshold would be "below" it. So every percentage, score and threshold is a
:class:`fractions.Fraction`; a number that comes from a file or a message as a decimal (a
threshold of 60, task points of 62.3) is taken as the decimal it was written as. Every
threshold of the policy (a pillar, the total, a person's points, satisfaction, a band) is
compared through :func:`below` and :func:`at_least`, and nowhere else.
"""

from __future__ import annotations

from fractions import Fraction

from contracts.figures import Figure, exact_of, rounded

#: A number as it comes from a file, a message or a sum.
Number = Figure

#: Digits shown after the decimal point by default (scores to the hundredth).
DISPLAY_DIGITS = 2

#: ``value`` as the exact rational it stands for: a float as the shortest decimal that prints
#: as it (``62.3`` is 623/10, not the binary float nearest to it); ``str`` and ``Decimal`` as
#: written. Raises ``ValueError`` for a string that is not a number. (The contracts' rule, the
#: one the pages round from.)
exact = exact_of


def ratio_percent(numerator: int, denominator: int) -> Fraction | None:
    """100 · numerator / denominator exactly; None when there is nothing to divide by."""
    if denominator <= 0:
        return None
    return Fraction(100 * numerator, denominator)


def below(value: Number, threshold: Number) -> bool:
    """Whether ``value`` is strictly under ``threshold``, compared exactly."""
    return exact(value) < exact(threshold)


def at_least(value: Number, threshold: Number) -> bool:
    """Whether ``value`` reaches ``threshold`` (equal counts), compared exactly."""
    return exact(value) >= exact(threshold)


def display(value: Number | None, digits: int = DISPLAY_DIGITS) -> float | None:
    """``value`` rounded half up to ``digits`` decimals for a person to read (89.996 shows as
    90.0 but stays "tốt": band and compare on the exact value, never on this). Never round
    this again to fewer digits: write from :func:`exact_text` instead."""
    if value is None:
        return None
    return float(rounded(value, digits))  # the one rule (exact from value): contracts.figures


def exact_text(value: Number | None) -> str | None:
    """``value`` exactly, as a fraction a reader can parse ("600/13", "47"): what a page
    rounds once for display (contracts.figures), never the rounded :func:`display`."""
    return None if value is None else str(exact(value))


def figures(**values: Number | None) -> dict[str, object]:
    """An answer's figures: each rounded for display (:func:`display`) under its name, and
    all of them exactly under ``exact`` (:func:`exact_text`), for a page to round once
    itself: ``figures(percent=Fraction(600, 13))`` -> ``{"percent": 46.15, "exact":
    {"percent": "600/13"}}``."""
    return {
        **{name: display(value) for name, value in values.items()},
        "exact": {name: exact_text(value) for name, value in values.items()},
    }
