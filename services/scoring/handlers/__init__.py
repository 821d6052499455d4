"""The scoring service layer: the consumer's handler (:mod:`.projection`), the fold of each
kind of event (:mod:`.audits`, :mod:`.reviews`, :mod:`.feedback`, :mod:`.org`), the
announcement of what a batch changed (:mod:`.announce`) and the ward's classification with the
chairman's decisions (:mod:`.classification`)."""

from services.scoring.handlers.projection import Scoring

__all__ = ["Scoring"]
