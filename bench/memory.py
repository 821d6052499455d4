"""Resident memory of the bench's processes, read from Linux's ``/proc``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def peak_rss_mb(pid: int) -> float:
    """A running process's peak resident memory so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bare_interpreter_mb(service: str) -> float:
    """The peak resident memory (MiB) of an interpreter that has only imported the service's
    code: the floor under a running service's. (``VmHWM``, not ``ru_maxrss``: a child's
    ``ru_maxrss`` starts from its parent's peak, this process's.)"""
    code = (
        f"import pathlib, services.{service}.bootstrap; "
        "print(next(line.split()[1] for line in "
        "pathlib.Path('/proc/self/status').read_text().splitlines() "
        "if line.startswith('VmHWM:')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, text=True)
    return int(out.stdout.split()[-1]) / 1024
