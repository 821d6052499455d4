"""``make run``: the whole stack on one machine, with nothing installed by hand.

Starts ``nats-server`` with JetStream (data under ``var/nats``), creates the streams, loads the
demo ward, starts the three services and the web pages as separate processes (SQLite files under
``var/``), prints where to look (with a sign-in link per demo role), restarts a service that dies
(``tools.supervisor``: with a growing pause, and a message after five failures in a row), and
stops everything on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from services.assessment.demo.credentials import DEMO_PASSWORD, DEMO_PASSWORD_PERSON
from services.assessment.demo.loader import read_org_chart
from services.runtime.streams import create as create_streams
from tools.processes import (
    ROOT,
    NatsServer,
    ProcessFailed,
    ServiceProcess,
    load_demo,
    port_taken,
)
from tools.supervisor import Supervisor, logged

SERVICES = {"assessment": 8001, "scoring": 8002, "notifications": 8003, "web": 8000}
#: The demo roles with a page, in the order the guide lists their sign-in links.
DEMO_ROLES = ("auditor", "staff", "unit_head", "vice_chairman", "chairman", "admin", "kiosk")
#: The demo's QR link whose rating page the guide links to (Phòng Kinh tế's counter).
DEMO_QR = "qr-kt"


def setting(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def check_ports(ports: dict[str, tuple[str, int]]) -> None:
    taken = [(what, variable, port) for what, (variable, port) in ports.items() if port_taken(port)]
    if not taken:
        return
    lines = ["These ports are already in use:"]
    for what, variable, port in taken:
        lines.append(f"  {port} ({what}): stop what uses it, or pick another port, e.g.")
        lines.append(f"      make run {variable}={port + 100}")
    lines.append(
        "(`ss -ltnp` shows which program holds a port; an earlier `make run` may still be running.)"
    )
    raise SystemExit("\n".join(lines))


def main() -> None:
    """Run the stack until Ctrl-C; a process that does not start stops it with a message naming
    the log to read and its last lines (exit status 1), never a bare traceback."""
    try:
        run()
    except ProcessFailed as failed:
        raise SystemExit(f"\n{failed}") from None


def run() -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.devstack")
    parser.add_argument("--demo", choices=["full", "org"], default="full")
    arguments = parser.parse_args()
    # Ctrl-C stops the stack however this was started: a shell starts a background command with
    # SIGINT ignored, and Python then leaves it ignored (so the stack would never stop on it).
    signal.signal(signal.SIGINT, signal.default_int_handler)

    nats_port = setting("WARD5S_NATS_PORT", 4222)
    ports = {"NATS": ("WARD5S_NATS_PORT", nats_port)}
    service_ports = {}
    for name, default in SERVICES.items():
        variable = f"WARD5S_{name.upper()}_HTTP_PORT"
        service_ports[name] = setting(variable, default)
        ports[name] = (variable, service_ports[name])
    check_ports(ports)

    var = Path(os.environ.get("WARD5S_VAR_DIR") or ROOT / "var").resolve()
    var.mkdir(exist_ok=True)
    logs = var / "logs"
    logs.mkdir(exist_ok=True)
    nats = NatsServer(var / "nats", nats_port, log=logs / "nats.log").start()
    env = {
        "WARD5S_NATS_URL": nats.url,
        "WARD5S_VAR_DIR": str(var),
        "WARD5S_ENVIRONMENT": os.environ.get("WARD5S_ENVIRONMENT", "demo"),
        # Only assessment signs tokens (its demo key is kept in var/token-keys); the others
        # verify with the public keys it publishes.
        "WARD5S_JWKS_URL": (
            f"http://127.0.0.1:{service_ports['assessment']}/.well-known/jwks.json"
        ),
    }
    # The web pages call the services where this launcher started them; in the demo they sign a
    # demo person in by id with the demo loader's tokens (GET /demo/sign-in/{id}).
    for name in ("assessment", "scoring", "notifications"):
        env[f"WARD5S_WEB_{name.upper()}_URL"] = f"http://127.0.0.1:{service_ports[name]}"
    processes: list[ServiceProcess] = []
    try:
        asyncio.run(create_streams(nats.url, 1, None, None))
        print(f"NATS with JetStream on {nats.url} (data in {var / 'nats'})")
        tokens = var / "demo-tokens.json"
        env["WARD5S_WEB_DEMO_TOKENS"] = str(tokens)
        try:
            load_demo(
                arguments.demo,
                tokens,
                env,
                stdout=(logs / "demo.log").open("ab"),
                stderr=subprocess.STDOUT,
            )
        except subprocess.CalledProcessError as error:
            why = f"it exited with {error.returncode}"
            raise ProcessFailed("the demo ward's loader", why, logs / "demo.log") from None
        print(f"demo ward binh-dong loaded ({arguments.demo}); tokens in {tokens}")
        for name, port in service_ports.items():
            process = ServiceProcess(name, port, env, log=logs / f"{name}.log")
            processes.append(process.start(wait=False))
        for process in processes:
            process.wait_ready()
            print(f"  {process.name:<14} {process.base_url}   API docs: {process.base_url}/docs")
        print_guide(service_ports, logs)
        if env["WARD5S_ENVIRONMENT"] != "production":
            print_demo_links(service_ports["web"], tokens)
        wait_for_interrupt(Supervisor(processes, say=logged(logs / "launcher.log"), logs=logs))
    finally:
        print("\nstopping…")
        for process in reversed(processes):
            process.stop()
        nats.stop()
        print("stopped")


def print_guide(ports: dict[str, int], logs: Path) -> None:
    print(f"""
The stack is up. Logs are in {logs}. Press Ctrl-C to stop everything.

Try it: an auditor submits a poor audit of Phòng Kinh tế; its head sees the score and the alert.
  AUDITOR=$(.venv/bin/python -m tools.demo token --role auditor --not-unit kt)
  HEAD=$(.venv/bin/python -m tools.demo token --role unit_head --unit kt)
  .venv/bin/python -m tools.demo audit kt --score 1 > var/audit.json
  curl -s -X POST localhost:{ports["assessment"]}/v1/audits -H "Authorization: Bearer $AUDITOR" \\
       -H 'Content-Type: application/json' -d @var/audit.json
  MONTH=$(TZ=Asia/Ho_Chi_Minh date +%Y-%m)   # the ward's month, in Vietnam time
  curl -s "localhost:{ports["scoring"]}/v1/units/kt/scores?period=$MONTH" \\
       -H "Authorization: Bearer $HEAD"
  curl -s localhost:{ports["notifications"]}/v1/alerts -H "Authorization: Bearer $HEAD"
""")


def print_demo_links(port: int, tokens: Path) -> None:
    """One sign-in link per demo role: opening it signs that demo person or device in on the web
    pages and lands on their home page (demo stacks only)."""
    entries = json.loads(tokens.read_text(encoding="utf-8"))
    print(f"The web pages: http://127.0.0.1:{port}  (sign in as a demo person or device:)")
    for role in DEMO_ROLES:
        entry = next((e for e in entries if e["role"] == role), None)
        if entry is None:
            continue
        subject = entry["person_id"] or entry["device_id"]
        who = entry.get("name") or subject
        print(f"  {role:<14} http://127.0.0.1:{port}/demo/sign-in/{subject}   ({who})")
    if any(e["device_id"] == DEMO_QR for e in entries):
        link = f"http://127.0.0.1:{port}/demo/qr/{DEMO_QR}"
        print(f"  {'QR page':<14} {link}   (a citizen rates Phòng Kinh tế, no login)")
    rows, _ = read_org_chart()
    person = next((row for row in rows if row.person_id == DEMO_PASSWORD_PERSON), None)
    if person is not None:
        print(
            f"The sign-in page http://127.0.0.1:{port}/sign-in with a password: {person.email}, "
            f"password «{DEMO_PASSWORD}» ({person.full_name}; demo only)"
        )
    print()


def wait_for_interrupt(supervisor: Supervisor) -> None:
    """Until Ctrl-C or SIGTERM, restarting a service that dies (``tools.supervisor``)."""
    stop = {"now": False}

    def _stop(*_: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stop["now"]:
            supervisor.check()
            time.sleep(0.5)
    except KeyboardInterrupt:
        return


if __name__ == "__main__":
    main()
