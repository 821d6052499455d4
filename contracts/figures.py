"""How a figure is written for a person to read: the one display-rounding rule of every service
and page (pure).

Official figures are exact (ratios of integer sums, kept as fractions); they are rounded once,
here, half up, to the digits shown, from the exact value. Rounding a figure already rounded
(46.15, itself 600/13 = 46.1538… to two decimals) again to one decimal gives 46,1 under
round-half-even or a float's error where the exact value reads 46,2: so scoring's answers carry
each figure's exact value beside the rounded one (``exact``, a fraction "600/13"), and a page
writes from that.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

#: A figure as it comes: exact (Fraction, int, Decimal, a string "600/13" or "46.25"), or a
#: float taken as the shortest decimal that prints as it (62.3 is 623/10).
Figure = int | float | str | Decimal | Fraction

#: Decimals shown on the pages, in the alerts and in the exports' texts.
SHOWN_DIGITS = 1


def exact_of(value: Figure) -> Fraction:
    """``value`` as the rational it stands for (a float as its shortest decimal)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return Fraction(value)


def rounded(value: Figure, digits: int = SHOWN_DIGITS) -> Decimal:
    """``value`` rounded half up (away from zero at a half) to ``digits`` decimals, from its
    exact value: 600/13 -> 46.2, 12.5 at 0 -> 13, -12.25 at 1 -> -12.3."""
    rational = exact_of(value)
    quantum = Decimal(1).scaleb(-digits)
    # Enough digits that the division's own rounding cannot move a half: the exact value is
    # compared with the half-way point instead of trusting a long decimal.
    scaled = rational * 10**digits
    whole = abs(scaled.numerator) // scaled.denominator
    if abs(scaled) - whole >= Fraction(1, 2):
        whole += 1
    signed = -whole if scaled < 0 else whole
    return (Decimal(signed) * quantum).quantize(quantum)


def written(value: Figure | None, lang: str, digits: int = SHOWN_DIGITS, none: str = "—") -> str:
    """A figure as an official writes it: ``digits`` decimals rounded half up from the exact
    value, with a decimal comma in Vietnamese ("46,2") and a point in English ("46.2");
    ``none`` for no figure."""
    if value is None:
        return none
    shown = rounded(value, digits)
    text = str(abs(shown) if shown == 0 else shown)  # no "-0,0"
    return text.replace(".", ",") if lang == "vi" else text


def exact_figures(answer: Any) -> Any:
    """A service's answer with each figure scoring gave exactly (an ``exact`` map beside the
    rounded ones: ``{"percent": 46.15, "exact": {"percent": "600/13"}}``) put in place of its
    rounded value, as a :class:`~fractions.Fraction` (``{"percent": Fraction(600, 13)}``), at
    every depth, whether scoring answered or another service passed scoring's figures on: a
    reader then rounds each figure once, from its exact value, never the two decimals scoring
    rounded for display (46.15 -> "46,1" where 600/13 reads "46,2")."""
    if isinstance(answer, list):
        return [exact_figures(item) for item in answer]
    if not isinstance(answer, dict):
        return answer
    found = {key: exact_figures(value) for key, value in answer.items() if key != "exact"}
    exact = answer.get("exact")
    if isinstance(exact, dict):
        for key, value in exact.items():
            found[key] = None if value is None else Fraction(value)
    return found
