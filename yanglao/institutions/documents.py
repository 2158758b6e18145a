"""The institution operating subsidy approval sheet (机构运营补贴审批表) as a registered document
(yanglao.documents): one line per institution, residents by care level, amounts, the preparer's and the
approver's signatures and seal boxes."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from yanglao.documents.registry import DocumentContent

from .models import OperatingRun


def subsidy_queryset(user: Any) -> Any:
    return OperatingRun.objects.restrict(user).select_related("rate", "prepared_by", "approved_by")


def subsidy_document(run: OperatingRun, *, user: Any, reveal: bool = False) -> DocumentContent:
    from yanglao.core.divisions import division_path

    by_inst: dict[int, dict[str, Any]] = {}
    for line in run.lines.select_related("institution").order_by("institution__name", "institution_id"):
        row = by_inst.setdefault(line.institution_id, {
            "inst": line.institution.name, "address": line.institution.address, "n": 0, "total": Decimal("0"),
            "star": line.star_level, "medical": line.medical, "levels": [0, 0, 0, 0, 0]})
        row["n"] += 1
        row["total"] += line.amount
        row["levels"][line.care_level] += 1
    rows = list(by_inst.values())
    digest = hashlib.sha256(json.dumps(sorted([p, str(a)] for p, a in run.lines.values_list("person_id", "amount")),
                                       separators=(",", ":")).encode()).hexdigest()
    fields = {"核算": run.pk, "月份": run.month, "区划": run.division_code, "状态": run.status,
              "标准": run.rate.document_no, "人数": run.residents, "金额": run.total,
              "机构": [[r["inst"], r["n"], r["levels"], r["total"]] for r in rows], "明细": digest,
              "制表人": run.prepared_by_id, "审批人": run.approved_by_id}
    return DocumentContent(
        fields=fields, division_code=run.division_code,
        context={"run": run, "rows": rows, "area": division_path(run.division_code)},
        signatures=[f"制表人　{run.prepared_by.display_name}",
                    f"审批人　{run.approved_by.display_name if run.approved_by else ''}", "财务复核"],
        seals=["民政部门", "财政部门"],
        label=f"{run.month:%Y年%m月} 运营补贴审批表（{len(rows)} 家机构）")


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    from yanglao.documents.registry import register_document

    register_document("institutions.subsidy_sheet", _("养老机构运营补贴审批表"), "institutions/doc_subsidy_sheet.html",
                      subsidy_document, "institutions.subsidy_prepare", queryset=subsidy_queryset,
                      issuing_unit="阳江市民政局", seal_text="阳江市民政局", footer="养老机构运营补贴审批表")
