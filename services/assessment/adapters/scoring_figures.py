"""A unit's figures for a period as scoring computes them, read from scoring's API as a given
reader: a token minted for that reader's seat (a periodic review: the writer's own seat and
session, so scoring answers exactly what they may see, and a signed-out session is refused there
too; the period report: the committee's view of the ward, ``domain/period_reports.py``).

Scoring owns the numbers (exact sums, any month, quarter or year); a periodic review attaches
them as they stand when it is written, and the period report shows them, rather than
recomputing them here.

What scoring answers becomes one thing here (:func:`upstream_refusal`): a refusal that is the
request's (403, 404, 422) is a refusal of the same kind to the caller, never "try again later";
only scoring being away or failing (no answer, 5xx, 429, or 401 while it has not fetched the key
that signed this service's token yet) is :class:`ScoringUnavailable`, 503.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from services.runtime.auth import Principal
from services.runtime.refusals import KIND_OF_STATUS, Kind, Refusal


class ScoringUnavailable(Refusal):
    """Scoring did not answer, or failed on its side: 503 ``scores_unavailable`` (try again
    later). ``reason`` (the transport error's class, or the status) is for the log only."""

    def __init__(self, reason: str) -> None:
        super().__init__(Kind.UNAVAILABLE, "scores_unavailable")
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


#: Scoring's refusals that are the request's, as the caller gets them: the reader may not read
#: those figures (403), scoring holds nothing by that name (404: :meth:`ScoringFigures.rankings`;
#: a unit's figures answer None instead), the period is one it does not take (422).
#: Each as (code, field); its kind is the status's (the runtime's ``KIND_OF_STATUS``).
REFUSED_UPSTREAM: Mapping[int, tuple[str, str | None]] = {
    403: ("scores_forbidden", None),
    404: ("scores_not_found", "period"),
    422: ("bad_format", "period"),
}


def upstream_refusal(status: int) -> Refusal:
    """What an answer of scoring's with the HTTP ``status`` (not 200) is to the caller: the
    :data:`REFUSED_UPSTREAM` refusal of its status, else :class:`ScoringUnavailable` (503:
    scoring failing, overloaded, or not yet knowing this service's signing key; a retry may
    succeed)."""
    if status not in REFUSED_UPSTREAM:
        return ScoringUnavailable(f"HTTP {status}")
    return Refusal(KIND_OF_STATUS[status], *REFUSED_UPSTREAM[status])


@dataclass(frozen=True)
class ScoringFigures:
    base_url: str
    #: A token for ``principal`` that scoring accepts (the issuer's access token).
    mint: Callable[[Principal], str]
    timeout_s: float = 5.0

    async def unit_figures(self, reader: Principal, unit_id: str, period: str) -> Any:
        """Scoring's ``GET /v1/units/{unit_id}/scores?period=`` answer for ``reader`` (pillars
        S1–S5 with percent, total_percent, satisfaction_percent and _index, ratings, change,
        provisional), or None when scoring has no such unit yet (404). Errors (Refusal, by
        :func:`upstream_refusal`): 403 ``scores_forbidden`` when scoring refuses the unit to
        ``reader``; 422 ``bad_format`` (``period``); 503 :class:`ScoringUnavailable`."""
        answer = await self._read(reader, f"/v1/units/{unit_id}/scores", period)
        return None if answer.status_code == 404 else _answered(answer)

    async def rankings(self, reader: Principal, period: str) -> Any:
        """Scoring's ``GET /v1/rankings?period=`` answer for ``reader``: ``{period, units:
        [{unit_id, rank, total_percent, satisfaction_percent, satisfaction_index, ratings}]}``.
        Errors as :meth:`unit_figures`, and 404 ``scores_not_found`` (``period``) for a 404."""
        return _answered(await self._read(reader, "/v1/rankings", period))

    async def _read(self, reader: Principal, path: str, period: str) -> httpx.Response:
        url = f"{self.base_url.rstrip('/')}{path}"
        headers = {"Authorization": f"Bearer {self.mint(reader)}"}
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as http:
                return await http.get(url, params={"period": period}, headers=headers)
        except httpx.HTTPError as error:
            raise ScoringUnavailable(type(error).__name__) from None


def _answered(answer: httpx.Response) -> Any:
    """The JSON of a 200 answer; the refusal its status stands for otherwise."""
    if answer.status_code != 200:
        raise upstream_refusal(answer.status_code)
    return answer.json()
