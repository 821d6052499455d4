"""A unit's figures for a period as scoring computes them, read from scoring's API on behalf of
the person who asks (a token minted for their own seat and session, so scoring answers exactly
what they may see, and a signed-out session is refused there too).

Scoring owns the numbers (exact sums, any month, quarter or year); a periodic review attaches
them as they stand when it is written rather than recomputing them here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from services.runtime.auth import Principal
from services.runtime.refusals import Kind, Refusal


class ScoringUnavailable(Exception):
    """Scoring did not answer, or answered with an error that is not the caller's."""


@dataclass(frozen=True)
class ScoringFigures:
    base_url: str
    #: A token for ``principal`` that scoring accepts (the issuer's access token).
    mint: Callable[[Principal], str]
    timeout_s: float = 5.0

    async def unit_figures(self, principal: Principal, unit_id: str, period: str) -> Any:
        """Scoring's ``GET /v1/units/{unit_id}/scores?period=`` answer (pillars S1–S5 with
        percent, total_percent, satisfaction_percent and _index, ratings, provisional), or None
        when scoring has no such unit yet (404). Errors: :class:`ScoringUnavailable`; ``Refusal``
        ``bad_format`` (``period``) when scoring refuses the period (422)."""
        return await self._read(principal, f"/v1/units/{unit_id}/scores", period)

    async def rankings(self, principal: Principal, period: str) -> Any:
        """Scoring's ``GET /v1/rankings?period=`` answer: ``{period, units: [{unit_id, rank,
        total_percent, satisfaction_percent, satisfaction_index, ratings}]}``. Errors:
        :class:`ScoringUnavailable` (a 404 included); ``Refusal`` ``bad_format`` as above."""
        answer = await self._read(principal, "/v1/rankings", period)
        if answer is None:
            raise ScoringUnavailable("HTTP 404")
        return answer

    async def _read(self, principal: Principal, path: str, period: str) -> Any:
        url = f"{self.base_url.rstrip('/')}{path}"
        headers = {"Authorization": f"Bearer {self.mint(principal)}"}
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as http:
                answer = await http.get(url, params={"period": period}, headers=headers)
        except httpx.HTTPError as error:
            raise ScoringUnavailable(type(error).__name__) from None
        if answer.status_code == 404:
            return None
        if answer.status_code == 422:
            # Scoring refuses the period itself (e.g. a year it cannot hold): the caller's
            # mistake, not scoring being away.
            raise Refusal(Kind.INVALID, "bad_format", "period")
        if answer.status_code != 200:
            raise ScoringUnavailable(f"HTTP {answer.status_code}")
        return answer.json()
