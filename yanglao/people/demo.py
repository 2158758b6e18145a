"""Demo data of the registry beyond the seeded people: unmasked-export requests in every state, so the
second-signature page shows how it works (the people themselves come from seed_demo)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from yanglao.core.models import User

from .models import UnmaskedExportRequest

State = UnmaskedExportRequest.State

# requester, filters, reason, rows, state, decider, comment, days ago
REQUESTS = [
    ("jiangcheng", {"category": "tekun"}, "特困人员年度复核，报区财政局核对身份证号码", 812, State.PENDING, None, "", 1),
    ("yangdong", {"division": "441704"}, "高龄津贴银行代发开户核对", 2630, State.PENDING, None, "", 3),
    ("city", {"age_band": "80+"}, "省民政厅高龄老人数据比对（粤民函〔2026〕演示号）", 1950, State.USED, "city2", "同意，限本次比对使用", 20),
    ("yangxi", {}, "全县名单备份", 9800, State.REJECTED, "city", "事由不充分：备份请使用系统备份，不导出个人信息", 40),
    ("jiangcheng", {"living_situation": "alone"}, "独居老人探访名单，交街道核对联系电话", 640, State.APPROVED, "city", "同意", 6),
]


def load_demo(*, seed: int) -> str:
    if UnmaskedExportRequest.objects.exists():
        return "完整信息导出申请：已存在，跳过"
    users = {u.username: u for u in User.objects.filter(username__in={"jiangcheng", "yangdong", "city", "city2", "yangxi"})}
    now = timezone.now()
    made = 0
    for requester, filters, reason, rows, state, decider, comment, days in REQUESTS:
        if requester not in users or (decider and decider not in users):
            continue
        req = UnmaskedExportRequest.objects.create(
            requested_by=users[requester], division_code=users[requester].scope_prefix or "", filters=filters,
            reason=reason, row_count=rows, state=state, decided_by=users[decider] if decider else None,
            decided_at=now - dt.timedelta(days=days - 1) if decider else None, decision_comment=comment)
        UnmaskedExportRequest.objects.filter(pk=req.pk).update(created_at=now - dt.timedelta(days=days))
        made += 1
    return f"完整信息导出申请 {made} 件（待审批、已批准、已下载、已退回）"
