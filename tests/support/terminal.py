"""Operator commands as an operator sees them: run in a pseudo-terminal (as an ssh session is),
so that what draws only on a terminal (``services.runtime.progress``'s bars) is drawn."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence

from tools.processes import ROOT

#: A terminal's control sequences (cursor moves, colours, line clears).
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def terminal_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` over this process's, as a terminal of 140 columns sets it, with nothing that
    forces or forbids a terminal's drawing."""
    merged = {**os.environ, **env, "TERM": "xterm-256color", "COLUMNS": "140"}
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "NO_COLOR"):
        merged.pop(name, None)
    return merged


def in_a_terminal(
    command: Sequence[str], env: Mapping[str, str], timeout_s: float = 300
) -> tuple[int, str, str]:
    """Run ``command`` from the repository with its stderr on a pseudo-terminal; (exit code,
    stdout, what the terminal showed with its control sequences as spaces)."""
    controller, terminal = os.openpty()
    process = subprocess.Popen(
        list(command),
        cwd=ROOT,
        env=terminal_env(env),
        stdout=subprocess.PIPE,
        stderr=terminal,
        stdin=subprocess.DEVNULL,
    )
    os.close(terminal)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal's other end closed: the process is done with it
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    stdout, _ = process.communicate(timeout=timeout_s)
    return process.returncode, stdout.decode(), ANSI.sub(" ", shown.decode(errors="replace"))
