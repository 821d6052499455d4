"""What the pages say, in Vietnamese (first, whatever the browser asks) and English, and how they
write dates: dd/mm/yyyy in the ward's time (Asia/Ho_Chi_Minh).

The texts are data: ``texts.yaml`` (the pages everyone sees), ``leader_texts.yaml`` (the
leaders' pages) and ``programme_texts.yaml`` (the rest of the programme) beside this module,
``key: {vi: ..., en: ...}`` each, read by the one reader of text tables
(``services.runtime.refusals.read_messages``)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

from contracts.common import LOCAL_TZ
from services.runtime.refusals import read_messages
from services.web.domain.sessions import NAVIGATION

LANGUAGES = ("vi", "en")
HERE = Path(__file__).parent

#: key -> (Vietnamese, English) of ``texts.yaml``. NFC-normalised when read out (``text``), so
#: diacritics typed in either composed or decomposed form compare and render the same.
TEXTS: Mapping[str, tuple[str, str]] = MappingProxyType(read_messages(HERE / "texts.yaml"))
#: The other files, merged with it in :data:`ALL_TEXTS`.
OTHER_TEXTS = ("leader_texts.yaml", "programme_texts.yaml")


def merged(*tables: Mapping[str, tuple[str, str]]) -> Mapping[str, tuple[str, str]]:
    """The pages' text tables as one; ValueError on a key two tables define, so that neither
    silently hides the other's words."""
    texts: dict[str, tuple[str, str]] = {}
    for table in tables:
        if clash := texts.keys() & table.keys():
            raise ValueError(f"text keys defined twice: {sorted(clash)}")
        texts.update(table)
    return MappingProxyType(texts)


ALL_TEXTS = merged(TEXTS, *(read_messages(HERE / name) for name in OTHER_TEXTS))


def text(key: str, lang: str) -> str:
    """The text ``key`` in ``lang`` (``vi`` for anything but ``en``) of :data:`ALL_TEXTS`;
    KeyError for an unknown key, so a page never shows a raw key."""
    vi, en = ALL_TEXTS[key]
    return unicodedata.normalize("NFC", en if lang == "en" else vi)


def page_key(path: str) -> str:
    """The text key of the title of the page at ``path`` (``/board/live`` -> ``board``, a
    page of the bar, ``sessions.NAVIGATION``), for a page saying it could not be shown;
    ``refused_page`` for any other address."""
    first = path.strip("/").split("/", 1)[0]
    name = "plus" if first == "self-assessment" else first
    pages = {page for role_pages in NAVIGATION.values() for page in role_pages}
    key = name.replace("-", "")
    return key if name in pages and key in ALL_TEXTS else "refused_page"


def language(chosen: str | None) -> str:
    """The language the person chose with the switch (remembered in a cookie), else
    Vietnamese, whatever the browser's own preference."""
    return chosen if chosen in LANGUAGES else "vi"


def local_date(moment: datetime | str | None) -> str:
    """dd/mm/yyyy HH:MM in the ward's time; ``""`` for None. An ISO text is read first."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


def day_label(day: str | None) -> str:
    """``2026-03-05`` -> ``05/03/2026``; ``""`` for None."""
    if not day:
        return ""
    year, month, dom = day[:10].split("-")
    return f"{dom}/{month}/{year}"


def month_label(key: str) -> str:
    """``2026-03`` -> ``03/2026``, as a Vietnamese reader writes a month."""
    year, month = key.split("-")
    return f"{month}/{year}"
