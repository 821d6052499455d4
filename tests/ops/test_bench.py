"""``make bench`` once, at its tiny size: every row of the table is printed (the figures
themselves are the bench's business, not a test's: a loaded machine is slow)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.__main__ import MEASURES
from tools.processes import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.postgres]


def test_the_bench_prints_every_row_of_its_table() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--size", "tiny"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    rows = [line for line in run.stdout.splitlines() if line.startswith("| ")][1:]
    names = [row.split("|")[1].strip() for row in rows]
    assert len(names) == len(MEASURES), run.stdout
    for name, measure in zip(names, MEASURES, strict=True):
        assert name.startswith(measure), (name, measure)
    # Every row has a figure and a baseline beside it.
    for row in rows:
        figure, baseline = (cell.strip() for cell in row.split("|")[2:4])
        assert figure and baseline, row
