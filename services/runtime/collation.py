"""Lists of people in the order a Vietnamese office keeps them: by given name (tên), then family
name (họ), then middle name (tên đệm), each compared by the Vietnamese alphabet (a ă â b c d đ
e ê ... o ô ơ ... u ư ...; tones after the letter) with ICU's Vietnamese collation (PyICU over
the system's libicu).

A full name is written family name first: "Nguyễn Thị Ánh Tuyết" is family "Nguyễn", middle
"Thị Ánh", given "Tuyết". A name of one word is a given name alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import TypeVar

import icu

from contracts.text import nfc

T = TypeVar("T")


@cache
def _collator() -> icu.Collator:
    collator = icu.Collator.createInstance(icu.Locale("vi_VN"))
    # Letters with marks are letters of their own (ă after a), tones then case break ties.
    collator.setStrength(icu.Collator.TERTIARY)
    return collator


def text_key(text: str) -> bytes:
    """The Vietnamese collation key of ``text`` (compare keys to order texts)."""
    return bytes(_collator().getSortKey(nfc(text)))


def name_parts(full_name: str) -> tuple[str, str, str]:
    """``(given, family, middle)`` of a full name written family name first."""
    words = nfc(full_name).split()
    if not words:
        return "", "", ""
    if len(words) == 1:
        return words[0], "", ""
    return words[-1], words[0], " ".join(words[1:-1])


def name_key(full_name: str) -> tuple[bytes, bytes, bytes, bytes]:
    """The sort key of a person's name: given, family, middle name, then the whole name."""
    given, family, middle = name_parts(full_name)
    return text_key(given), text_key(family), text_key(middle), text_key(full_name)


def by_name(items: Iterable[T], name: Callable[[T], str | None]) -> list[T]:
    """``items`` ordered by :func:`name_key` of ``name(item)`` (no name: last)."""
    return sorted(items, key=lambda item: (name(item) is None, name_key(name(item) or "")))
