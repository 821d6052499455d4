"""The operator's rebuild shows its progress (issue 21, item 5): ``python -m services.scoring
rebuild`` in a terminal (a pseudo-terminal here, as an operator's ssh session is) draws the
events folded out of the stream's with the time left, and reports the rebuild when done. Real
NATS and PostgreSQL, the command as its own process."""

from __future__ import annotations

import asyncio
import json
import re
import sys

import pytest

from services.runtime.migrations import upgrade
from services.scoring.bootstrap import MIGRATIONS
from tests.scoring.test_scale_out import history, publish
from tests.support.keys import session_keys
from tests.support.terminal import in_a_terminal

pytestmark = [pytest.mark.nats, pytest.mark.postgres]

#: A frame of the bar: "rebuild: <stage>", done/total, elapsed, then "ETA" and the time left
#: (within one frame: the first, "starting", shows "0/?" and is followed by the next after a
#: carriage return).
PROGRESS = re.compile(r"rebuild: (\w+)\s[^\r\n]*?(\d+)/(\d+)\s+\S+\s+ETA\s+(\d+:\d\d:\d\d)")


async def test_the_rebuild_command_shows_its_progress_with_the_time_left(
    nats_server, nats_client, pg_url
) -> None:
    stream = history()
    await publish(nats_client, stream)
    await asyncio.to_thread(upgrade, MIGRATIONS, pg_url)
    env = {
        **session_keys().env(),
        "WARD5S_SCORING_DATABASE_URL": pg_url,
        "WARD5S_NATS_URL": nats_server.url,
        "WARD5S_ENVIRONMENT": "test",
    }
    code, stdout, shown = await asyncio.to_thread(
        in_a_terminal, [sys.executable, "-m", "services.scoring", "rebuild"], env
    )
    assert code == 0, shown
    drawn = PROGRESS.findall(shown)
    assert drawn, shown
    # The events read out of the stream's, each frame with its estimate of the time left.
    reading = [(int(done), int(total)) for stage, done, total, _ in drawn if stage == "reading"]
    assert reading and {total for _, total in reading} == {len(stream)}, drawn
    assert max(done for done, _ in reading) == len(stream)
    report = json.loads(stdout)
    assert report["events"] == len(stream), report
