"""Rendering a page: one Jinja2 environment (HTML autoescaped) with the texts in the page's
language and the ward's date formats."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from contracts.figures import written
from services.web.domain.sessions import NAVIGATION
from services.web.domain.texts import day_label, local_date, month_label, text

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
#: The charting library as npm installs it from ``services/web/charts/package-lock.json``.
CHART_LIBRARY = Path(__file__).parents[1] / "charts/node_modules/chart.js/dist/chart.umd.min.js"


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local_date"] = local_date
    env.filters["month_label"] = month_label
    env.filters["day_label"] = day_label
    env.filters["month_option"] = lambda key: (key, month_label(key))
    env.filters["zip_with"] = lambda keys, words: list(zip(keys, words, strict=True))
    env.globals["nav"] = lambda role: NAVIGATION.get(role, ())
    return env


def render(name: str, lang: str, **context: Any) -> str:
    """The template ``name`` in ``lang``: ``t('key')`` gives a text, ``decimal(figure, places=1)``
    writes a figure as ``contracts.figures.written`` does (85,5 in Vietnamese; — for none),
    ``lang`` sets ``<html lang>``."""
    return (
        environment()
        .get_template(name)
        .render(
            lang=lang,
            t=functools.partial(_text, lang=lang),
            decimal=lambda figure, places=1: written(figure, lang, places),
            **context,
        )
    )


def _text(key: str, lang: str) -> str:
    return text(key, lang)
