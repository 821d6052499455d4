"""Keeping ``make run``'s services running: a service that dies is started again after a pause
that doubles with each failure in a row (1 s, 2 s, 4 s ... at most 30 s), each restart said on
the launcher's output and in ``var/logs/launcher.log``; after five failures in a row (a service
that cannot stay up: a broken setting, a port taken) it is left stopped with a message that says
where to look, and the rest of the stack keeps running. A service that stayed up a minute has
its count of failures cleared."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


class Supervised(Protocol):
    """A process the supervisor can watch and start again (``tools.processes.ServiceProcess``)."""

    name: str
    process: Any  # subprocess.Popen, None before the first start

    def start(self, wait: bool = True) -> Any: ...


@dataclass(frozen=True)
class Backoff:
    first_s: float = 1.0
    most_s: float = 30.0
    give_up_after: int = 5  # failures in a row
    healthy_after_s: float = 60.0  # up this long: its failures are forgotten

    def delay(self, failures: int) -> float:
        """The pause before restarting after the ``failures``-th failure in a row."""
        return float(min(self.first_s * 2 ** (failures - 1), self.most_s))


@dataclass
class _State:
    started: float
    failures: int = 0
    restart_at: float | None = None
    gave_up: bool = False


class Supervisor:
    """Watches ``processes``; :meth:`check` (called every half second) restarts the dead."""

    def __init__(
        self,
        processes: Sequence[Supervised],
        backoff: Backoff = Backoff(),
        say: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
        logs: Path | None = None,
    ) -> None:
        self.processes = list(processes)
        self.backoff = backoff
        self.say = say
        self.clock = clock
        self.logs = logs
        self.states = {p.name: _State(started=clock()) for p in self.processes}

    def check(self) -> None:
        """One round: restart what is due, schedule a restart of what died."""
        now = self.clock()
        for process in self.processes:
            state = self.states[process.name]
            if state.gave_up:
                continue
            if state.restart_at is not None:
                if now >= state.restart_at:
                    state.restart_at, state.started = None, now
                    process.start(wait=False)
                    self.say(f"{process.name} restarted (pid {process.process.pid})")
                continue
            if process.process is None or process.process.poll() is None:
                if now - state.started >= self.backoff.healthy_after_s:
                    state.failures = 0
                continue
            self._died(process, state, now)

    def _died(self, process: Supervised, state: _State, now: float) -> None:
        code = process.process.returncode
        state.failures += 1
        log = self._log_of(process.name)
        if state.failures > self.backoff.give_up_after:
            state.gave_up = True
            self.say(
                f"{process.name} failed {state.failures - 1} times in a row and is left stopped; "
                f"the rest of the stack keeps running. See {log} for why (the last lines), fix "
                "it, then restart the stack (Ctrl-C and make run)."
            )
            return
        delay = self.backoff.delay(state.failures)
        state.restart_at = now + delay
        self.say(
            f"{process.name} exited with {code}; restarting in {delay:g} s "
            f"(failure {state.failures} of {self.backoff.give_up_after} in a row; log: {log})"
        )

    def _log_of(self, name: str) -> str:
        return str(self.logs / f"{name}.log") if self.logs else f"the {name} log"

    @property
    def given_up(self) -> list[str]:
        return [name for name, state in self.states.items() if state.gave_up]


def logged(path: Path) -> Callable[[str], None]:
    """A ``say`` that prints a line and appends it, with the time, to ``path``."""

    def say(line: str) -> None:
        print(line, flush=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}\n")

    return say
