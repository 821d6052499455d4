"""The operator's org chart import of thousands of people shows its progress (issue 21, item 5):
``python -m services.assessment org-import`` in a terminal (a pseudo-terminal here, as an
operator's ssh session is) draws the people stored out of the chart's, with the time left, and
stores every one of them. A migrated SQLite file, the command as its own process."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.assessment.adapters.tables import admin_actions, people
from services.assessment.bootstrap import MIGRATIONS
from services.assessment.settings import SHIPPED_CALENDAR_DIR
from services.runtime.db import create_engine, session_factory
from services.runtime.migrations import upgrade
from tests.support.keys import session_keys
from tests.support.terminal import in_a_terminal

pytestmark = [pytest.mark.slow]

DEMO_CHART = SHIPPED_CALENDAR_DIR.parent / "demo" / "org_chart.csv"
#: Staff added to the demo ward's chart: a ward merged with its neighbours, and its schools.
STAFF = 4000
#: A line of the bar: what, done/total, elapsed, then "ETA" and the time left (h:mm:ss).
PROGRESS = re.compile(r"org chart: storing people.*?(\d+)/(\d+)\s+\S+\s+ETA\s+(\d+:\d\d:\d\d)")


def large_chart(path: Path) -> int:
    """The demo ward's chart and :data:`STAFF` more staff spread over its units; how many
    people it has."""
    with DEMO_CHART.open(encoding="utf-8") as demo:
        lines = list(csv.DictReader(demo))
    units = {line["unit_id"]: line for line in lines}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(lines[0]))
    writer.writeheader()
    writer.writerows(lines)
    for number, unit in zip(range(STAFF), [*units.values()] * STAFF, strict=False):
        writer.writerow(
            {
                **{name: "" for name in lines[0]},
                "person_id": f"s{number:05d}",
                "full_name": f"Nguyễn Văn Thành {number}",
                "email": f"s{number:05d}@binhdong.example.vn",
                "role": "staff",
                "unit_id": unit["unit_id"],
                "unit_name_vi": unit["unit_name_vi"],
                "unit_name_en": unit["unit_name_en"],
            }
        )
    path.write_text(out.getvalue(), encoding="utf-8")
    return len(lines) + STAFF


async def test_an_import_of_thousands_of_people_shows_progress_with_the_time_left(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/assessment.db"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    chart = tmp_path / "org chart.csv"
    total = large_chart(chart)
    env = {
        **session_keys().env(),
        "WARD5S_ASSESSMENT_DATABASE_URL": url,
        "WARD5S_ENVIRONMENT": "test",
    }
    code, stdout, shown = await asyncio.to_thread(
        in_a_terminal,
        [
            sys.executable,
            "-m",
            "services.assessment",
            "org-import",
            "--ward",
            "binh-dong",
            "--file",
            str(chart),
            "--reason",
            "sáp nhập phường",
            "--ward-name",
            "Phường Bình Đông",
        ],
        env,
    )
    assert code == 0, shown
    assert f"org chart 1 of binh-dong: {total} people" in stdout

    drawn = [(int(done), int(of), left) for done, of, left in PROGRESS.findall(shown)]
    assert drawn, shown
    assert {of for _, of, _ in drawn} == {total}
    # Drawn while it stored (some people done, a time left estimated), and at the end.
    assert any(0 < done < total and left != "0:00:00" for done, _, left in drawn), drawn
    assert drawn[-1][0] == total

    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            stored = await session.scalar(
                select(func.count()).select_from(people).where(people.c.active.is_(True))
            )
            recorded = (await session.execute(select(admin_actions))).all()
    finally:
        await engine.dispose()
    assert stored == total
    assert [(r.action, r.actor_id, r.reason) for r in recorded] == [
        ("org_chart.loaded", "operator", "sáp nhập phường")
    ]
