"""Token keys with the services as processes: scoring holds no private key and no secret, and
verifies with the JWKS it fetches from assessment (``WARD5S_JWKS_URL``). Started before
assessment it answers tokens 503 (not ready, not "invalid"); once assessment is up it verifies;
a key rotated in (``python -m services.assessment keys rotate``) is fetched on its first token,
the old key keeps verifying until retired, then is refused; with assessment down, the cached keys
still verify. Production refuses to start assessment without a key of its own."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from contracts.common import LOCAL_TZ
from contracts.periods import Month
from contracts.roles import Role
from services.runtime.auth import Principal, issue_token
from services.runtime.token_keys import KeyRing, parse_jwks
from tests.support.http import eventually
from tests.support.stack import Stack
from tools.processes import ROOT, NatsServer, ServiceProcess, free_port, wait_until_ready

pytestmark = pytest.mark.slow

CHAIRMAN = Principal("p001", "binh-dong", Role.CHAIRMAN, "vp")


def keys_command(stack: Stack, *arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "services.assessment", "keys", *arguments],
        cwd=ROOT,
        env={**os.environ, **stack.env("assessment")},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


async def test_scoring_verifies_with_the_keys_assessment_publishes(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    keys_dir = tmp_path / "token-keys"
    assessment_port = free_port()
    jwks_url = f"http://127.0.0.1:{assessment_port}/.well-known/jwks.json"
    stack = Stack(
        nats_server.url,
        {name: f"sqlite+aiosqlite:///{tmp_path / name}.db" for name in ("assessment", "scoring")},
        tmp_path,
        token_keys={
            "WARD5S_ASSESSMENT_SIGNING_KEYS_DIR": str(keys_dir),
            "WARD5S_JWKS_URL": jwks_url,
            "WARD5S_JWKS_REFRESH_S": "0.5",
            "WARD5S_JWKS_MAX_AGE_S": "2",
        },
    )
    tokens = stack.load_demo(tmp_path / "tokens.json")  # makes assessment's first (test) key
    chairman = next(t["token"] for t in tokens if t["role"] == "chairman")
    first = KeyRing(keys_dir).current()
    scoring = ServiceProcess("scoring", free_port(), stack.env("scoring"), tmp_path / "s.log")
    stack.services["scoring"] = scoring.start(wait=False)
    rankings = f"{scoring.base_url}/v1/rankings?period={Month.of(datetime.now(LOCAL_TZ)).key}"
    try:
        wait_until_ready(f"{scoring.base_url}/healthz", process=scoring.process)
        async with httpx.AsyncClient(timeout=10) as http:

            async def ask(token: str, url: str = rankings) -> httpx.Response:
                return await http.get(url, headers={"Authorization": f"Bearer {token}"})

            # assessment is not up: not ready, and a token cannot be checked yet (503, not 401)
            ready = await http.get(f"{scoring.base_url}/readyz")
            assert ready.status_code == 503
            assert any(p.startswith("tokens:") for p in ready.json()["problems"])
            unavailable = await ask(str(chairman))
            assert unavailable.status_code == 503, unavailable.text
            assert unavailable.json()["error"]["code"] == "token_keys_unavailable"

            assessment = ServiceProcess(
                "assessment", assessment_port, stack.env("assessment"), tmp_path / "a.log"
            )
            stack.services["assessment"] = assessment.start()
            published = await http.get(jwks_url)  # open, no token
            assert published.status_code == 200
            assert published.headers["cache-control"].startswith("public, max-age=")
            assert list(parse_jwks(published.json())) == [first.kid]
            wait_until_ready(f"{scoring.base_url}/readyz", process=scoring.process)
            assert (await ask(str(chairman))).status_code == 200

            # a rotation: the new key signs, scoring fetches it on the first token naming it
            assert "new signing key" in keys_command(stack, "rotate")
            second = KeyRing(keys_dir).current()
            assert second.kid != first.kid
            newer = issue_token(second, CHAIRMAN, timedelta(hours=1))
            await asyncio.sleep(0.6)  # past WARD5S_JWKS_REFRESH_S since the last fetch
            assert (await ask(newer)).status_code == 200
            assert (await ask(str(chairman))).status_code == 200  # the old key still verifies

            # retired: refused by assessment at once, by scoring once its cache is refetched
            assert f"retired {first.kid}" in keys_command(stack, "retire", first.kid)
            catalog = f"{assessment.base_url}/v1/catalog"
            assert (await ask(str(chairman), catalog)).status_code == 401
            assert (await ask(newer, catalog)).status_code == 200

            async def refused() -> bool:
                return (await ask(str(chairman))).status_code == 401

            await eventually(refused, within=10, interval=0.3)

            # a token for assessment alone is refused by scoring
            kiosk = Principal("kiosk-01", "binh-dong", Role.KIOSK, "ttphcc")
            device = issue_token(second, kiosk, timedelta(hours=1), audience=("assessment",))
            assert (await ask(device)).status_code == 401

            # assessment down: the keys scoring has keep verifying
            assessment.stop()
            await asyncio.sleep(2.1)  # past the cache's age: the refetch fails, the cache stays
            assert (await ask(newer)).status_code == 200
    finally:
        stack.stop()


def test_production_refuses_to_start_without_a_key_of_its_own(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "WARD5S_ENVIRONMENT": "production",
        "WARD5S_ASSESSMENT_SIGNING_KEYS_DIR": str(tmp_path / "keys"),
        "WARD5S_ASSESSMENT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'a.db'}",
        "WARD5S_ASSESSMENT_HTTP_PORT": str(free_port()),
    }

    def run(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "services.assessment", *arguments],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    missing = run("serve")
    assert missing.returncode != 0 and "no signing key" in missing.stderr
    demo = KeyRing(tmp_path / "keys")
    demo.rotate(prefix="demo-")
    with_demo_key = run("serve")
    assert with_demo_key.returncode != 0 and "demo or test signing keys" in with_demo_key.stderr
    demo_tokens = run("demo", "--tokens", str(tmp_path / "tokens.json"))
    assert demo_tokens.returncode != 0 and "demo and test stacks only" in demo_tokens.stderr
    assert not (tmp_path / "tokens.json").exists()
    # the operator's first key, made in production: no prefix, and the service would start
    made = run("keys", "rotate")
    assert made.returncode == 0, made.stderr
    kids = json.dumps(sorted(p.stem for p in (tmp_path / "keys").glob("*.pem")))
    assert '"2' in kids  # named by its UTC creation time
