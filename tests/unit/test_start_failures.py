"""A process of the stack that does not start says which log to read and shows its last lines
(what ``make run`` prints), instead of a bare exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.processes import ProcessFailed, ServiceProcess, free_port


def test_a_service_that_does_not_start_names_its_log_and_shows_its_end(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "nosuch.log"
    log.parent.mkdir()
    with pytest.raises(ProcessFailed) as failed:
        ServiceProcess("nosuch", free_port(), {}, log=log).start()
    said = str(failed.value)
    assert said.startswith("the nosuch service did not start: the process exited with 1.")
    assert f"Read its log: {log}" in said
    assert "| " in said and "No module named services.nosuch" in said  # the log's cause
    assert failed.value.log == log
