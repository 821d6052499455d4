"""Vietnamese text at the boundary: every text that comes in is normalised to NFC before it is
checked or stored, so one letter is one code point however the keyboard composed it ("ế" typed
as e + circumflex + acute, as macOS and some Windows input methods send it, or precomposed), a
length limit counts letters the same way for everybody, and equal names compare equal.

:data:`NFC` is the one validator: put it after a ``str``'s constraints in ``Annotated`` and it
runs first (a before-validator wraps what precedes it), so ``max_length`` counts the normalised
text: ``Annotated[str, StringConstraints(max_length=200), NFC]``. A text kept without the spaces
around it (a title, an account someone wrote) adds :data:`STRIPPED` after it, and is checked and
arrives stripped.

:func:`clip` shortens a text without cutting a letter from its marks; :func:`fold` is the key
of a search that ignores case and tone marks (what a person typing "nguyen van an" expects to
find "Nguyễn Văn An" by), and :func:`matches` the search itself.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator


def nfc(value: str) -> str:
    """``value`` in Unicode normal form C (composed)."""
    return unicodedata.normalize("NFC", value)


def _nfc_input(value: Any) -> Any:
    # Anything but a string goes on unchanged, for the type check after to refuse.
    return nfc(value) if isinstance(value, str) else value


#: The boundary's normalisation: a string is made NFC before the checks that follow it.
NFC = BeforeValidator(_nfc_input)


def _stripped_input(value: Any) -> Any:
    # Anything but a string goes on unchanged, for the type check after to refuse.
    return value.strip() if isinstance(value, str) else value


#: A text that comes in without the spaces around it, once, at the boundary: put after
#: :data:`NFC`, it runs first, so the constraints check the text as it is kept: a text of spaces
#: only is refused by its ``min_length`` (a title or an account left blank, not an empty one
#: stored), and ``max_length`` does not count the spaces around it.
STRIPPED = BeforeValidator(_stripped_input)

#: Any text that comes in, NFC, unbounded (bound it where it is used).
Words = Annotated[str, NFC]


def clip(value: str, limit: int) -> str:
    """``value`` (made NFC) cut to at most ``limit`` code points, never between a letter and
    the combining marks that belong to it (a mark left without its letter would show on the
    next one, or alone): the cut moves back to the start of that letter."""
    text = nfc(value)
    if len(text) <= limit:
        return text
    end = limit
    while end > 0 and unicodedata.combining(text[end]):
        end -= 1
    return text[:end]


#: Letters that decomposition does not reduce to a base letter plus marks.
_BASE = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})


def fold(value: str) -> str:
    """A search key insensitive to case and to every Vietnamese mark (tones, breve, circumflex,
    horn, đ): ``fold("Nguyễn Văn Đức") == "nguyen van duc"``; spaces collapsed."""
    decomposed = unicodedata.normalize("NFD", value.translate(_BASE))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().translate(_BASE).split())


def matches(query: str, name: str) -> bool:
    """Whether a search ``query`` finds ``name``: every word of the query, folded
    (:func:`fold`), is the start of a word of the folded name, in any order; a query that
    carries marks must match them ("Lệ" does not find "Lê"; "le" finds both)."""
    wanted = fold(query).split()
    words = fold(name).split()
    if not wanted or not all(any(w.startswith(q) for w in words) for q in wanted):
        return False
    if fold(query) == " ".join(nfc(query).casefold().split()):
        return True  # the query has no marks: marks are not asked for
    marked = nfc(name).casefold().split()
    return all(any(w.startswith(q) for w in marked) for q in nfc(query).casefold().split())
