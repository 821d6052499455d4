"""``make run`` as a user meets it: the launcher brings up NATS, the demo ward and the three
services, the demo submissions reach the scoring and notifications services, a service killed is
restarted with the same figures, Ctrl-C stops every process, and a port already in use is
reported with the variable that moves it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from services.assessment.demo.loader import last_closed_quarter
from services.assessment.settings import shipped_policy
from services.runtime.clock import wall
from tests.support.http import eventually
from tools.processes import ROOT, free_port, port_taken, wait_for, wait_until_ready

pytestmark = [pytest.mark.e2e, pytest.mark.nats]


def launcher_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "WARD5S_VAR_DIR": str(tmp_path / "var"),
        "WARD5S_NATS_PORT": str(free_port()),
        "WARD5S_ASSESSMENT_HTTP_PORT": str(free_port()),
        "WARD5S_SCORING_HTTP_PORT": str(free_port()),
        "WARD5S_NOTIFICATIONS_HTTP_PORT": str(free_port()),
        "WARD5S_WEB_HTTP_PORT": str(free_port()),
    }


def as_a_background_job() -> None:
    """Start the launcher as a shell starts a background command: with SIGINT ignored (which
    Ctrl-C must still stop)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def service_pid(name: str, var: Path) -> int | None:
    """The pid of ``python -m services.<name>`` started with ``var`` as its data directory."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            environment = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"services.{name}".encode() in command and (
            f"WARD5S_VAR_DIR={var}".encode() in environment
        ):
            return int(entry.name)
    return None


def start_launcher(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tools.devstack", "--demo", "full"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=as_a_background_job,
        start_new_session=True,  # its own process group, which a failed test can stop whole
    )


async def test_demo_stack_comes_up_with_data_and_stops_cleanly(tmp_path: Path) -> None:
    env = launcher_env(tmp_path)
    launcher = start_launcher(env)
    ports = {
        name: int(env[f"WARD5S_{name.upper()}_HTTP_PORT"])
        for name in ("assessment", "scoring", "notifications", "web")
    }
    try:
        for port in ports.values():
            wait_until_ready(f"http://127.0.0.1:{port}/readyz", timeout=90, process=launcher)
        tokens = json.loads((tmp_path / "var" / "demo-tokens.json").read_text("utf-8"))
        assert len([t for t in tokens if t["person_id"]]) >= 30
        assert {t["role"] for t in tokens} >= {
            "admin",
            "chairman",
            "vice_chairman",
            "unit_head",
            "auditor",
            "staff",
            "kiosk",
        }
        assert all(set(t) >= {"person_id", "role", "unit_id", "token"} for t in tokens)
        chairman = next(t["token"] for t in tokens if t["role"] == "chairman")
        head = next(t for t in tokens if t["role"] == "unit_head" and t["unit_id"] == "dvcu")

        # The demo's whole closed quarter: audited whatever the day (a year named here had no
        # audit once the demo's months left it, nor on 1 January).
        first = last_closed_quarter(wall(), shipped_policy())[0]
        quarter = f"{first.year}-Q{first.quarter}"
        async with httpx.AsyncClient(timeout=5) as http:
            # The demo's past months reach scoring: last quarter has figures for a unit.
            async def scored() -> dict | None:
                reply = await http.get(
                    f"http://127.0.0.1:{ports['scoring']}/v1/units/vp/scores",
                    params={"period": quarter},
                    headers={"Authorization": f"Bearer {chairman}"},
                )
                figures = reply.json()
                return figures if figures.get("total_percent") is not None else None

            figures = await eventually(scored, within=30)
            assert 0 < figures["total_percent"] <= 100

            async def alerted() -> list | None:
                reply = await http.get(
                    f"http://127.0.0.1:{ports['notifications']}/v1/alerts",
                    headers={"Authorization": f"Bearer {head['token']}"},
                )
                return reply.json()["alerts"] or None

            assert await eventually(alerted, within=30)

            # The web pages sign a demo auditor in by id and land them on "audit a unit".
            signed = await http.get(f"http://127.0.0.1:{ports['web']}/demo/sign-in/p005")
            assert signed.status_code == 303 and signed.headers["location"] == "/audit"

            # A service killed as a crash would is started again by the launcher.
            killed = service_pid("scoring", tmp_path / "var")
            os.kill(killed, signal.SIGKILL)
            await asyncio.to_thread(
                wait_for,
                lambda: service_pid("scoring", tmp_path / "var") not in (None, killed),
                "scoring restarted",
                30,
            )
            await asyncio.to_thread(
                wait_until_ready, f"http://127.0.0.1:{ports['scoring']}/readyz", 60, launcher
            )
            again = await http.get(
                f"http://127.0.0.1:{ports['scoring']}/v1/units/vp/scores",
                params={"period": quarter},
                headers={"Authorization": f"Bearer {chairman}"},
            )
            assert again.json()["total_percent"] == figures["total_percent"]
    finally:
        launcher.send_signal(signal.SIGINT)
        try:
            output, _ = launcher.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, signal.SIGKILL)  # the launcher and every process it started
            launcher.wait()
            raise
    assert "stopped" in output
    assert "scoring exited with -9; restarting in 1 s (failure 1 of 5 in a row" in output
    assert "scoring restarted (pid" in output
    assert "scoring exited with -9" in (tmp_path / "var" / "logs" / "launcher.log").read_text()
    assert launcher.returncode == 0, output
    # One demo sign-in link per role, on the web pages' port.
    web = f"http://127.0.0.1:{ports['web']}/demo/sign-in/"
    for subject in ("p005", "p007", "p004", "p001", "kiosk-01"):
        assert web + subject in output
    for port in ports.values():
        assert not port_taken(port), f"port {port} still in use after Ctrl-C"


def test_a_taken_port_is_reported_with_the_way_out(tmp_path: Path) -> None:
    env = launcher_env(tmp_path)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", int(env["WARD5S_SCORING_HTTP_PORT"])))
        squatter.listen()
        result = subprocess.run(
            [sys.executable, "-m", "tools.devstack"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    message = result.stderr + result.stdout
    assert f"{env['WARD5S_SCORING_HTTP_PORT']} (scoring)" in message
    assert "WARD5S_SCORING_HTTP_PORT=" in message
