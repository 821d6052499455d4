"""What the assessment service says when it refuses: ``code -> (vi, en)`` templates, kept as
data in ``messages.yaml`` beside this module (submissions and the org chart upload; corrections,
reviews, periods, calendars and the admin API; sign-in; photo evidence), registered by the
composition root (``bootstrap.py``) at start-up."""

from collections.abc import Mapping
from pathlib import Path

from services.runtime.refusals import read_messages

MESSAGES: Mapping[str, tuple[str, str]] = read_messages(Path(__file__).with_name("messages.yaml"))
