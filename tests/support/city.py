"""A city official's token (role ``city``: their city, no ward) and the sweep that every write
endpoint of a service refuses it."""

from __future__ import annotations

import re
import uuid

import httpx
from fastapi import FastAPI

from tests.conftest import token

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Sign-in's open routes: they take no bearer token (the password, the link's secret or the
#: refresh token in the body is the credential), so a city's token means nothing to them.
OPEN_WRITES = frozenset(
    f"/v1/auth/{name}" for name in ("sign-in", "refresh", "sign-out", "password", "reset")
)


def city_bearer(city: str = "hcmc", subject_id: str = "city-officer") -> dict[str, str]:
    return {"Authorization": f"Bearer {token('city', subject_id, ward='', city=city)}"}


def write_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) of the app's OpenAPI that writes, path parameters filled with an
    id."""
    found = []
    for template, operations in app.openapi()["paths"].items():
        path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), template)
        if template in OPEN_WRITES:
            continue
        found += [(m.upper(), path) for m in sorted(operations) if m.upper() in WRITES]
    return found


async def answers_to_a_city(app: FastAPI, http: httpx.AsyncClient) -> dict[str, int]:
    """What each write endpoint answers a city's token with a plausible body."""
    answers = {}
    for method, path in write_routes(app):
        answer = await http.request(method, path, json={}, headers=city_bearer())
        answers[f"{method} {path}"] = answer.status_code
    return answers
