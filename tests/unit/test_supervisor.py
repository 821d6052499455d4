"""``make run``'s supervisor (tools.supervisor): a service that dies is restarted after a pause
that doubles with each failure in a row, a minute up clears the count, and after five failures
in a row it is left stopped with a message, the others untouched. A clock and processes of the
test's own."""

from __future__ import annotations

from dataclasses import dataclass, field

from tools.supervisor import Backoff, Supervisor


@dataclass
class Exited:
    returncode: int | None = None
    pid: int = 4242

    def poll(self) -> int | None:
        return self.returncode


@dataclass
class Service:
    name: str
    process: Exited = field(default_factory=Exited)
    starts: int = 0

    def start(self, wait: bool = True) -> Service:
        self.starts += 1
        self.process = Exited()
        return self

    def crash(self, code: int = -9) -> None:
        self.process.returncode = code


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_restarts_with_a_doubling_pause_then_gives_up_and_leaves_the_rest() -> None:
    clock, said = Clock(), []
    scoring, web = Service("scoring"), Service("web")
    supervisor = Supervisor([scoring, web], Backoff(), said.append, clock)
    pauses = []
    for failure in range(1, 6):
        scoring.crash()
        supervisor.check()
        assert f"failure {failure} of 5 in a row" in said[-1]
        pause = supervisor.states["scoring"].restart_at - clock.now
        pauses.append(pause)
        clock.now += pause - 0.1
        supervisor.check()
        assert scoring.starts == failure - 1  # not before its time
        clock.now += 0.1
        supervisor.check()
        assert scoring.starts == failure
        assert said[-1] == "scoring restarted (pid 4242)"
    assert pauses == [1, 2, 4, 8, 16]
    assert "scoring exited with -9; restarting in 1 s" in said[0]
    scoring.crash(3)
    supervisor.check()
    assert supervisor.given_up == ["scoring"]
    assert "scoring failed 5 times in a row and is left stopped" in said[-1]
    clock.now += 100
    supervisor.check()
    assert scoring.starts == 5 and web.starts == 0  # left alone, and the other never touched


def test_a_minute_up_forgets_the_failures() -> None:
    clock, said = Clock(), []
    scoring = Service("scoring")
    supervisor = Supervisor([scoring], Backoff(), said.append, clock)
    for _ in range(3):
        scoring.crash()
        supervisor.check()
        clock.now = supervisor.states["scoring"].restart_at
        supervisor.check()
    clock.now += 61
    supervisor.check()
    scoring.crash()
    supervisor.check()
    assert "restarting in 1 s (failure 1 of 5" in said[-1]
