"""The ward's org chart from assessment (``assessment.org.chart.published``): who leads which
unit, hence who is told of what."""

from __future__ import annotations

from contracts.events import OrgChartPublished
from services.notifications.adapters import org
from services.notifications.handlers.context import Context


async def replace_org_chart(ctx: Context, event: OrgChartPublished) -> None:
    """Keep the ward's newest chart in place of the one kept; an older chart arriving late
    changes nothing."""
    known = await org.chart_version(ctx.session, event.ward)
    if known is not None and known >= event.data.version:
        return
    await org.replace_chart(ctx.session, event.ward, event.data)
