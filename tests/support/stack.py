"""The three services as separate processes, on a test's NATS server and databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.keys import session_keys
from tools.processes import ROOT, ServiceProcess, free_port

SERVICE_NAMES = ("assessment", "scoring", "notifications")


@dataclass
class Stack:
    nats_url: str
    databases: Mapping[str, str]
    workdir: Path
    extra_env: Mapping[str, str] = field(default_factory=dict)
    #: How the services find the token keys: by default assessment signs with the session's
    #: test key and the others read its JWKS file (``tests.support.keys``).
    token_keys: Mapping[str, str] = field(default_factory=lambda: session_keys().env())
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    #: Each service's port, chosen before any starts so each can be told where the others are.
    ports: dict[str, int] = field(default_factory=dict)

    def port(self, name: str) -> int:
        return self.ports.setdefault(name, free_port())

    def env(self, name: str) -> dict[str, str]:
        # Assessment reads scoring's figures (a periodic review's, the period report's).
        peers = (
            {"WARD5S_ASSESSMENT_SCORING_URL": f"http://127.0.0.1:{self.port('scoring')}"}
            if name == "assessment"
            else {}
        )
        return {
            "WARD5S_NATS_URL": self.nats_url,
            "WARD5S_ENVIRONMENT": "test",
            "WARD5S_VAR_DIR": str(self.workdir),
            f"WARD5S_{name.upper()}_DATABASE_URL": self.databases[name],
            "WARD5S_RELAY_POLL_S": "0.2",
            **peers,
            **self.token_keys,
            **self.extra_env,
        }

    def load_demo(self, tokens: Path, mode: str = "org") -> list[dict[str, str | None]]:
        """The demo ward written to assessment's database (its outbox publishes it once the
        service runs); returns the demo tokens."""
        command = ["demo", "--mode", mode, "--tokens", str(tokens)]
        subprocess.run(
            [sys.executable, "-m", "services.assessment", *command],
            cwd=ROOT,
            env={**os.environ, **self.env("assessment")},
            check=True,
            capture_output=True,
        )
        return json.loads(tokens.read_text(encoding="utf-8"))

    def start(self, *names: str) -> Stack:
        for name in names or SERVICE_NAMES:
            process = self.services.get(name) or ServiceProcess(
                name, self.port(name), self.env(name), log=self.workdir / f"{name}.log"
            )
            self.services[name] = process.start()
        return self

    def url(self, name: str) -> str:
        return self.services[name].base_url

    def stop(self) -> None:
        for process in self.services.values():
            process.stop()

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""
