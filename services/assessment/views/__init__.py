"""Reads of the assessment API (no writes, no events): the period exports, the screens' lists,
the org chart, people's task results, the ward's calendar and what administrators did."""

from services.assessment.views.admin_actions import admin_actions
from services.assessment.views.calendar import calendar_year
from services.assessment.views.evidence import evidence_row
from services.assessment.views.exports import action_sheet, audit_sheet
from services.assessment.views.lists import (
    audit_detail,
    corrective_action_list,
    self_assessment_list,
)
from services.assessment.views.people import org_chart, task_result_view, ward_units
from services.assessment.views.periods import months

__all__ = [
    "action_sheet",
    "admin_actions",
    "audit_detail",
    "audit_sheet",
    "calendar_year",
    "corrective_action_list",
    "evidence_row",
    "months",
    "org_chart",
    "self_assessment_list",
    "task_result_view",
    "ward_units",
]
