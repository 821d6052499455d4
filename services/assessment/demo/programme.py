"""The demo ward's programme life, through the same handlers as the API: initiatives proposed
by its people and units and decided by the council (accepted, adopted with the effect measured,
rejected with a reason), and dissatisfied citizens who left a contact, called back by the unit
head, some with the outcome noted, so the board's initiative and call-back columns are not 0."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from contracts.intake import FeedbackIn, InitiativeDecisionCommand, InitiativeIn
from contracts.roles import Role
from services.assessment.adapters import citizen_follow_ups as follow_ups
from services.assessment.handlers import citizen_follow_ups as call_backs
from services.assessment.handlers import feedback as rating_handlers
from services.assessment.handlers import initiatives
from services.assessment.handlers.common import Context
from services.runtime.auth import Principal
from services.runtime.uow import UnitOfWork

#: (unit, by the unit, title, problem, proposal, expected effect, decision, its reason or the
#: effect measured): the council's decision, None while it is only proposed.
INITIATIVES: tuple[tuple[str, bool, str, str, str, str, str | None, str | None], ...] = (
    (
        "ttphcc",
        True,
        "Nhắn tin hẹn ngày trả kết quả hồ sơ",
        "Người dân phải đến hỏi nhiều lần xem hồ sơ đã có kết quả chưa.",
        "Gửi tin nhắn SMS khi hồ sơ có kết quả, kèm giờ trả tại quầy.",
        "Giảm số lượt người dân đến hỏi lại.",
        "adopted",
        "Lượt đến hỏi lại giảm từ khoảng 40 xuống 12 lượt mỗi tuần.",
    ),
    (
        "vp",
        False,
        "Số hoá sổ theo dõi văn bản đến",
        "Tra cứu văn bản đến trong sổ giấy mất nhiều thời gian.",
        "Lập bảng tính dùng chung, mỗi văn bản một mã, có người phụ trách.",
        "Tra cứu một văn bản dưới một phút.",
        "accepted",
        None,
    ),
    (
        "kt",
        False,
        "Dán nhãn màu theo năm cho hộp hồ sơ",
        "Hồ sơ các năm để lẫn, khó tìm khi cần đối chiếu.",
        "Mỗi năm một màu nhãn, gáy hộp ghi năm và lĩnh vực.",
        "Tìm hộp hồ sơ trong vòng 2 phút.",
        None,
        None,
    ),
    (
        "vhxh",
        False,
        "Mua thêm tủ sắt cho từng cán bộ",
        "Tài liệu cá nhân để trên bàn sau giờ làm.",
        "Trang bị mỗi cán bộ một tủ sắt có khóa.",
        "Bàn làm việc gọn sau giờ làm.",
        "rejected",
        "Kinh phí năm nay không bố trí được; dùng chung tủ hiện có, phân ngăn theo người.",
    ),
)

#: (unit, level, comment, contact, the head's outcome: None while the call is still owed).
CALL_BACKS: tuple[tuple[str, int, str, str, str | None], ...] = (
    (
        "ttphcc",
        2,
        "Chờ ở quầy hơn một tiếng mới được tiếp nhận hồ sơ.",
        "0903 123 456",
        "Đã gọi lại, xin lỗi người dân; đã bố trí thêm một quầy giờ cao điểm.",
    ),
    (
        "dvcu",
        1,
        "Cán bộ không hướng dẫn rõ giấy tờ cần bổ sung, phải đi lại hai lần.",
        "0912 345 678",
        None,
    ),
    (
        "dvcu",
        2,
        "Phòng chờ nóng, không có chỗ ngồi.",
        "nguoidan.binhdong@example.vn",
        None,
    ),
)


async def programme(
    uow: UnitOfWork,
    callers: list[Principal],
    context: Callable[[Principal, datetime], Context],
    now: datetime,
) -> dict[str, int]:
    """The initiatives and call-backs above at moments before ``now`` (aware), each through its
    handler as ``context(principal, moment)``; answers how many of each were made."""

    def head_of(unit_id: str) -> Principal:
        return next(c for c in callers if c.role is Role.UNIT_HEAD and c.unit_id == unit_id)

    def staff_of(unit_id: str) -> Principal:
        return next(c for c in callers if c.role is Role.STAFF and c.unit_id == unit_id)

    chairman = next(c for c in callers if c.role is Role.CHAIRMAN)
    proposed_at = now - timedelta(days=6)
    decided_at = now - timedelta(days=2)
    for unit_id, by_unit, title, problem, proposal, expected, decision, words in INITIATIVES:
        author = head_of(unit_id) if by_unit else staff_of(unit_id)
        body = InitiativeIn(
            title=title,
            problem=problem,
            proposal=proposal,
            expected_effect=expected,
            by_unit=by_unit,
        )
        answer: dict[str, Any] = await initiatives.propose(uow, context(author, proposed_at), body)
        if decision is None:
            continue
        command = InitiativeDecisionCommand(
            initiative_id=uuid.UUID(str(answer["initiative_id"])),
            status=decision,
            reason=words if decision == "rejected" else None,
            measured_effect=words if decision == "adopted" else None,
        )
        await initiatives.decide(uow, context(chairman, decided_at), command)

    done = 0
    for index, (unit_id, level, comment, contact, outcome) in enumerate(CALL_BACKS):
        kiosk = next(c for c in callers if c.role is Role.KIOSK and c.unit_id == unit_id)
        rated_at = now - timedelta(days=3, minutes=17 * index)
        rating = FeedbackIn(
            unit_id=unit_id, level=level, comment=comment, contact=contact, contact_consent=True
        )
        await rating_handlers.receive_feedback(uow, context(kiosk, rated_at), rating)
        if outcome is None:
            continue
        owed = await follow_ups.listed(uow.session, kiosk.ward, [unit_id], "open")
        (row,) = [r for r in owed if r.contact == contact]
        await call_backs.mark_done(
            uow,
            context(head_of(unit_id), rated_at + timedelta(hours=5)),
            uuid.UUID(row.follow_up_id),
            outcome,
        )
        done += 1
    return {"initiatives": len(INITIATIVES), "call-backs": len(CALL_BACKS), "called back": done}
