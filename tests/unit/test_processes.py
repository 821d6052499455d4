"""The process helpers the bench and the tests share."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tools.processes import cpu_seconds

#: They start processes that burn CPU for a while: not part of the fast tier.
pytestmark = pytest.mark.slow

BURN = "import time\nend = time.process_time() + {seconds}\nwhile time.process_time() < end: pass"


def burn(seconds: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", BURN.format(seconds=seconds)])


def test_a_process_s_cpu_time_counts_its_children_live_and_ended() -> None:
    before = cpu_seconds(os.getpid())
    ended = burn(0.4)
    ended.wait()  # reaped: its time is now in ours
    after_ended = cpu_seconds(os.getpid())
    assert after_ended - before >= 0.35

    own = time.process_time()
    running = burn(30)
    try:
        while cpu_seconds(running.pid) < 0.4:
            time.sleep(0.02)  # its time shows while it runs
        children = cpu_seconds(os.getpid()) - after_ended - (time.process_time() - own)
        # /proc counts in clock ticks while process_time() does not: wait for 0.4 s and ask
        # for 0.3, so that a loaded machine's rounding cannot fail a count that is right.
        assert children >= 0.3
    finally:
        running.kill()
        running.wait()


def test_a_process_that_is_gone_used_no_cpu() -> None:
    gone = burn(0)
    gone.wait()
    assert cpu_seconds(gone.pid) == 0
