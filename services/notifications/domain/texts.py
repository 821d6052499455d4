"""Alert texts as data: titles and bodies in Vietnamese and English live in ``texts.yaml``
beside this module (shipped with the code, read once like the catalogue), one entry a text, and
:meth:`Message.fill` is the one place that writes a message out (pure but for that read)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from contracts.common import Text
from contracts.yamlfile import read_yaml

TEXTS_FILE = Path(__file__).with_name("texts.yaml")


@dataclass(frozen=True)
class Message:
    """An alert as people read it: a title and a body in both languages. An entry of
    ``texts.yaml`` is one whose texts are ``str.format`` patterns, written out by :meth:`fill`."""

    title: Text
    body: Text

    def fill(self, **values: Text | str | int) -> Message:
        """The message with each ``{name}`` replaced: a :class:`Text` value by its text in the
        pattern's language, anything else as it is. Raises ``KeyError`` for a name not given."""

        def text(pattern: Text) -> Text:
            filled = {}
            for lang in ("vi", "en"):
                words = {k: v.pick(lang) if isinstance(v, Text) else v for k, v in values.items()}
                filled[lang] = pattern.pick(lang).format(**words)
            return Text(**filled)

        return Message(title=text(self.title), body=text(self.body))


@cache
def templates() -> dict[str, Message]:
    """Every entry of ``texts.yaml`` by its key (a deadline rule's name, ``low_score``,
    ``dissatisfaction_spike``, ``low_satisfaction``)."""
    raw = read_yaml(TEXTS_FILE)
    return {
        key: Message(title=Text(**entry["title"]), body=Text(**entry["body"]))
        for key, entry in raw.items()
    }
