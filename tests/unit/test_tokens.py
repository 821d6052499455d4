"""Bearer tokens: only the issuer's private key mints one a service accepts. Forged tokens
(another key, ``alg: none``, HS256 keyed with the public key), tokens for another service, expired
or not yet valid ones are refused; keys rotate with an overlap and retire; production starts only
with a key of its own (docs/SECURITY.md)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI
from pydantic import SecretStr

from contracts.roles import Role
from services.assessment.entrypoints.keys import Issuer, router
from services.assessment.settings import AssessmentSettings
from services.notifications.settings import NotificationsSettings
from services.runtime import clock
from services.runtime.auth import AUDIENCES, InvalidToken, Principal, TokenVerifier, issue_token
from services.runtime.clock import wall
from services.runtime.settings import ServiceSettings
from services.runtime.token_keys import JwksFile, KeyRing, LocalKeys, parse_jwks
from tests.support.keys import keys_in

DEPUTY = Principal("p002", "binh-dong", Role.VICE_CHAIRMAN, "vp", ("kt", "vhxh"))
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": "ward5s",
        "sub": "p001",
        "aud": list(AUDIENCES),
        "ward": "binh-dong",
        "role": "admin",
        "unit": "vp",
        "units": [],
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "jti": "j1",
        **overrides,
    }


def unsigned(header: dict[str, Any], payload: dict[str, Any]) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"


@pytest.fixture
def ring(tmp_path: Path) -> KeyRing:
    ring = KeyRing(tmp_path / "keys")
    ring.rotate(prefix="test-")
    return ring


def verifier(ring: KeyRing, audience: str = "scoring") -> TokenVerifier:
    return TokenVerifier(audience, LocalKeys(ring))


async def test_a_token_names_its_key_audience_times_and_id_and_verifies(ring: KeyRing) -> None:
    token = issue_token(ring.current(), DEPUTY, HOUR)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "EdDSA", "kid": ring.current().kid, "typ": "JWT"}
    body = jwt.decode(token, options={"verify_signature": False})
    assert body["aud"] == ["assessment", "scoring", "notifications"]
    assert body["exp"] - body["iat"] == 3600 and body["nbf"] == body["iat"]
    assert (
        len(body["jti"]) == 32
        and body["jti"]
        != jwt.decode(
            issue_token(ring.current(), DEPUTY, HOUR), options={"verify_signature": False}
        )["jti"]
    )
    for service in AUDIENCES:
        assert await verifier(ring, service).verify(token) == DEPUTY


async def test_a_service_refuses_a_token_for_another(ring: KeyRing) -> None:
    kiosk = Principal("kiosk-01", "binh-dong", Role.KIOSK, "ttphcc")
    token = issue_token(ring.current(), kiosk, HOUR, audience=("assessment",))
    assert await verifier(ring, "assessment").verify(token) == kiosk
    for service in ("scoring", "notifications"):
        with pytest.raises(InvalidToken, match=r"(?i)audience"):
            await verifier(ring, service).verify(token)


async def test_expired_and_not_yet_valid_tokens_are_refused(ring: KeyRing) -> None:
    now = datetime.now(UTC)
    expired = issue_token(ring.current(), DEPUTY, HOUR, now=now - 2 * HOUR)
    with pytest.raises(InvalidToken, match="expired"):
        await verifier(ring).verify(expired)
    early = issue_token(ring.current(), DEPUTY, HOUR, now=now + HOUR)
    with pytest.raises(InvalidToken, match="not yet valid"):
        await verifier(ring).verify(early)
    # within the tolerated clock difference it is fine
    await verifier(ring).verify(
        issue_token(ring.current(), DEPUTY, HOUR, now=now + timedelta(seconds=10))
    )


async def test_tokens_are_minted_and_checked_by_the_moved_wall_clock(
    ring: KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A demo or test process whose wall clock is moved (``WARD5S_WALL_CLOCK_START``: here to
    1 December 2026, 00:30 in Vietnam, a year on) accepts the tokens it mints now, by its own
    clock (the machine's would find them not yet valid), and refuses one expired by that clock
    though valid by the machine's."""
    moved = datetime(2026, 12, 1, 0, 30, tzinfo=timezone(timedelta(hours=7))) + 365 * DAY
    monkeypatch.setattr(clock, "_WALL_OFFSET", moved - datetime.now(UTC))
    fresh = issue_token(ring.current(), DEPUTY, HOUR)
    assert jwt.decode(fresh, options={"verify_signature": False})["iat"] >= moved.timestamp()
    assert await verifier(ring).verify(fresh) == DEPUTY
    # Minted by the machine's clock: valid by it, long expired by the process's.
    expired = issue_token(ring.current(), DEPUTY, HOUR, now=datetime.now(UTC))
    with pytest.raises(InvalidToken, match="expired"):
        await verifier(ring).verify(expired)
    # expired 10 s ago by the moved clock: within the tolerated clock difference
    within = issue_token(ring.current(), DEPUTY, HOUR, now=wall() - HOUR - timedelta(seconds=10))
    assert await verifier(ring).verify(within) == DEPUTY


async def test_a_token_signed_with_another_key_is_refused(ring: KeyRing, tmp_path: Path) -> None:
    stranger = KeyRing(tmp_path / "stranger")
    stranger.rotate()
    with pytest.raises(InvalidToken, match="unknown key"):
        await verifier(ring).verify(issue_token(stranger.current(), DEPUTY, HOUR))
    # the same kid as the issuer's, a different key: the signature does not hold
    forged = issue_token(
        type(ring.current())(ring.current().kid, stranger.current().private_key), DEPUTY, HOUR
    )
    with pytest.raises(InvalidToken, match="Signature verification failed"):
        await verifier(ring).verify(forged)
    # a genuine token whose claims were changed afterwards
    head, _, signature = issue_token(ring.current(), DEPUTY, HOUR).split(".")
    promoted = b64(json.dumps(claims(role="admin", sub="p002")).encode())
    with pytest.raises(InvalidToken):
        await verifier(ring).verify(f"{head}.{promoted}.{signature}")


async def test_alg_none_is_refused(ring: KeyRing) -> None:
    kid = ring.current().kid
    for alg in ("none", "None", "NONE"):
        token = unsigned({"alg": alg, "kid": kid, "typ": "JWT"}, claims()) + "."
        with pytest.raises(InvalidToken):
            await verifier(ring).verify(token)


async def test_hs256_keyed_with_the_public_key_is_refused(ring: KeyRing) -> None:
    """The classic confusion attack: the public key (known to all) used as an HMAC secret."""
    kid = ring.current().kid
    public = ring.current().private_key.public_key()
    jwk = ring.jwks()["keys"][0]
    secrets = [
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
        json.dumps(jwk).encode(),
        jwk["x"].encode(),
    ]
    for secret in secrets:
        signing_input = unsigned({"alg": "HS256", "kid": kid, "typ": "JWT"}, claims())
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        with pytest.raises(InvalidToken, match="algorithm"):
            await verifier(ring).verify(f"{signing_input}.{b64(mac)}")


async def test_a_token_missing_a_required_claim_is_refused(ring: KeyRing) -> None:
    key = ring.current()
    for missing in ("aud", "exp", "iat", "nbf", "jti", "sub", "iss"):
        body = claims()
        del body[missing]
        token = jwt.encode(body, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})
        with pytest.raises(InvalidToken):
            await verifier(ring).verify(token)
    no_kid = jwt.encode(claims(), key.private_key, algorithm="EdDSA")
    with pytest.raises(InvalidToken, match="key id"):
        await verifier(ring).verify(no_kid)
    with pytest.raises(InvalidToken):
        await verifier(ring).verify("not a token")


async def test_keys_rotate_with_an_overlap_and_retire(ring: KeyRing) -> None:
    old = ring.current()
    before = issue_token(old, DEPUTY, HOUR)
    new = ring.rotate(prefix="test-")
    assert ring.current().kid == new.kid and new.kid > old.kid
    after = issue_token(ring.current(), DEPUTY, HOUR)
    assert jwt.get_unverified_header(after)["kid"] == new.kid
    assert [k["kid"] for k in ring.jwks()["keys"]] == [old.kid, new.kid]
    # both verify during the overlap
    assert await verifier(ring).verify(before) == await verifier(ring).verify(after)
    with pytest.raises(ValueError, match="rotate first"):
        ring.retire(new.kid)
    ring.retire(old.kid)
    with pytest.raises(InvalidToken, match="unknown key"):
        await verifier(ring).verify(before)
    assert await verifier(ring).verify(after) == DEPUTY
    with pytest.raises(KeyError):
        ring.retire(old.kid)
    for _ in range(20):  # made in the same second or not, the newest key is the one that signs
        assert ring.rotate(prefix="test-").kid == ring.current().kid


async def test_the_jwks_holds_public_keys_only_and_a_file_of_it_is_read_again(
    tmp_path: Path,
) -> None:
    keys = keys_in(tmp_path, prefix="test-")
    document = json.loads(keys.jwks_file.read_text())
    assert all("d" not in key for key in document["keys"])
    assert {k["kty"] for k in document["keys"]} == {"OKP"}
    with pytest.raises(ValueError, match="public keys only"):
        parse_jwks({"keys": [{**document["keys"][0], "d": "secret"}]})
    source = JwksFile(keys.jwks_file)
    file_verifier = TokenVerifier("notifications", source)
    assert await file_verifier.verify(keys.sign(DEPUTY)) == DEPUTY
    newer = keys.ring.rotate(prefix="test-")
    token = issue_token(newer, DEPUTY, HOUR)
    with pytest.raises(InvalidToken, match="unknown key"):
        await file_verifier.verify(token)
    keys.jwks_file.write_text(json.dumps(keys.ring.jwks()))  # the operator installs the new set
    assert await file_verifier.verify(token) == DEPUTY


async def test_the_issuer_publishes_its_keys_openly_and_cacheably(tmp_path: Path) -> None:
    settings = AssessmentSettings(
        service="assessment", http_port=1, environment="test", var_dir=tmp_path
    )
    ring = settings.key_ring()  # a test stack makes its key when there is none
    assert [kid[:5] for kid in ring.signing_keys()] == ["test-"]
    app = FastAPI()
    app.include_router(router)
    app.state.issuer = Issuer.of(ring, settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.get("/.well-known/jwks.json")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=300"
    published = parse_jwks(answer.json())
    assert list(published) == list(ring.signing_keys())
    issuer: Issuer = app.state.issuer
    device = Principal("kiosk-01", "binh-dong", Role.KIOSK, "ttphcc")
    body = jwt.decode(issuer.device(device), options={"verify_signature": False})
    assert body["aud"] == ["assessment"] and body["exp"] - body["iat"] == 365 * 86400
    body = jwt.decode(issuer.demo(DEPUTY), options={"verify_signature": False})
    assert body["aud"] == list(AUDIENCES) and body["exp"] - body["iat"] >= 12 * 3600


def test_production_starts_only_with_a_signing_key_of_its_own(tmp_path: Path) -> None:
    settings = AssessmentSettings(
        service="assessment",
        http_port=1,
        environment="production",
        signing_keys_dir=tmp_path / "keys",
    )
    with pytest.raises(SystemExit, match="no signing key"):
        settings.key_ring()
    assert not (tmp_path / "keys").exists()  # production never makes a key by itself
    demo = KeyRing(tmp_path / "keys")
    demo.rotate(prefix="demo-")
    with pytest.raises(SystemExit, match="demo or test signing keys"):
        settings.key_ring()
    own = demo.rotate()
    with pytest.raises(SystemExit, match="demo or test signing keys"):  # even if not current
        settings.key_ring()
    (
        tmp_path / "keys" / f"{next(k for k in demo.signing_keys() if k.startswith('demo-'))}.pem"
    ).unlink()
    assert settings.key_ring().current().kid == own.kid


def test_production_refuses_short_or_demo_secrets_and_a_jwks_trusting_test_keys(
    tmp_path: Path,
) -> None:
    base = NotificationsSettings(
        service="notifications",
        http_port=1,
        environment="production",
        sign_in_mail_key=SecretStr("k" * 32),
    )
    for weak in ("short-secret", "x" * 31, "my-own-but-change-me-in-production-please"):
        with pytest.raises(SystemExit, match="SIGNING_SECRET"):
            base.model_copy(update={"signing_secret": SecretStr(weak)}).check_production()
    base.model_copy(update={"signing_secret": SecretStr("s" * 32)}).check_production()
    test_keys = keys_in(tmp_path / "test", prefix="test-")
    scoring = ServiceSettings(service="scoring", http_port=1, environment="production")
    with pytest.raises(SystemExit, match="trusts demo or test keys"):
        scoring.model_copy(update={"jwks_file": test_keys.jwks_file}).check_production()
    with pytest.raises(SystemExit, match="no JWKS file"):
        scoring.model_copy(update={"jwks_file": tmp_path / "absent.json"}).check_production()
    own = keys_in(tmp_path / "own")
    scoring.model_copy(update={"jwks_file": own.jwks_file}).check_production()
    scoring.check_production()  # the JWKS URL: its keys are checked when fetched
