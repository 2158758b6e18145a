"""The monthly payment approval sheet (发放审批表) as a registered document (yanglao.documents): totals by
county and township, the payment lines of the user's jurisdiction (masked ID numbers), the preparer's and
approver's signatures and the seal boxes. A sheet of more than 300 lines is rendered in a background job."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.utils import timezone

from yanglao.core.errors import Conflict
from yanglao.documents.registry import DocumentContent

from .choices import LineKind, LineReason
from .models import PaymentRun

SHEET_DETAIL_MAX = 20_000  # above this many lines the sheet lists totals only (the lines are in the payment file)
PRINTABLE = ("preview", "approved", "paid", "reconciled")


def sheet_queryset(user: Any) -> Any:
    from .selectors import runs_for

    return runs_for(user)


def _lines(user: Any, run: PaymentRun) -> Any:
    from .selectors import lines_for

    return lines_for(user).filter(run=run)


def sheet_size(run: PaymentRun, user: Any) -> int:
    return _lines(user, run).count()


def sheet_document(run: PaymentRun, *, user: Any, reveal: bool = False) -> DocumentContent:
    from yanglao.core.divisions import division_short_name

    from .selectors import run_breakdown

    if run.status not in PRINTABLE:
        raise Conflict("该批次尚未计算完成或已取消，不能打印审批表", code="run_not_printable")
    total, counties = run_breakdown(user, run)
    count = sheet_size(run, user)
    detail = count <= SHEET_DETAIL_MAX
    rows: list[dict[str, Any]] = []
    if detail:
        kinds, reasons = dict(LineKind.choices), dict(LineReason.choices)
        values = (_lines(user, run).order_by("division_code", "person_id", "month", "id")
                  .values_list("person_id", "person__name", "person__id_number_masked", "division_code", "kind",
                               "reason", "band_label", "month", "amount"))
        for n, (pid, name, masked, code, kind, reason, band, month, amount) in enumerate(values.iterator(2000), 1):
            rows.append({"n": n, "pid": pid, "name": name, "id": masked, "place": division_short_name(code),
                         "code": code, "kind": kinds.get(kind, kind), "reason": reasons.get(reason, reason),
                         "band": band, "month": month, "amount": amount})
    digest = hashlib.sha256(json.dumps([[r["pid"], r["code"], str(r["month"]), str(r["amount"])] for r in rows],
                                       separators=(",", ":")).encode()).hexdigest()
    fields = {
        "批次": run.pk, "项目": run.programme.name, "月份": run.month, "状态": run.status,
        "范围": user.scope_prefix or "", "人数": total.people, "笔数": total.lines, "金额": total.amount,
        "各县": [[c.code, c.people, c.lines, c.amount] for c in counties], "明细": digest,
        "制表人": run.prepared_by_id, "审批人": run.approved_by_id,
    }
    scope = user.scope_prefix or run.division_code
    context = {"run": run, "total": total, "counties": counties, "rows": rows, "detail": detail, "count": count,
               "scope_name": division_short_name(scope) if scope else "", "printed_on": timezone.localdate()}
    return DocumentContent(
        fields=fields, context=context, division_code=scope,
        signatures=[f"制表人　{run.prepared_by.display_name}",
                    f"审批人　{run.approved_by.display_name if run.approved_by else ''}", "复核人"],
        seals=["发放单位", "审批单位"],
        label=f"{run.programme.name} {run.month:%Y年%m月} 审批表（{total.people} 人）")


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    from yanglao.documents.registry import register_document

    register_document("benefits.run_sheet", _("老年人津贴补贴发放审批表"), "benefits/doc_run_sheet.html", sheet_document,
                      "benefits.view", queryset=sheet_queryset, size_fn=sheet_size, job_threshold=300,
                      issuing_unit="阳江市民政局", seal_text="阳江市民政局", footer="津贴补贴发放审批表")
