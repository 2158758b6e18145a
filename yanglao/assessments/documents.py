"""The assessment report as a registered document (yanglao.documents): numbered, with a QR code, signature
lines for both assessors, the older person or guardian and the reviewer, and the assessing office's seal."""

from __future__ import annotations

from typing import Any

from yanglao.core.errors import Conflict
from yanglao.documents.registry import DocumentContent

from .choices import RESULT_STATES
from .models import Assessment


def report_queryset(user: Any) -> Any:
    from .selectors import assessments_for

    return assessments_for(user).select_related("person", "assessor_1", "assessor_2", "reviewer")


def report_document(assessment: Assessment, *, user: Any, reveal: bool = False) -> DocumentContent:
    from .report import report_context

    if assessment.status not in RESULT_STATES:
        raise Conflict("评估尚未审核通过，不能出具报告", code="not_approved")
    context = report_context(assessment)
    person = assessment.person
    a = assessment
    fields = {
        "评估编号": a.pk, "姓名": person.name, "身份证号码": person.id_number_masked, "性别": person.sex,
        "总分": a.total, "初步等级": a.base_level, "能力等级": a.level, "各项评分": a.items or {},
        "评估日期": a.assessed_on, "审核日期": a.approved_at, "有效期": [a.valid_from, a.valid_until],
        "评估员": [a.assessor_1_id, a.assessor_2_id], "审核人": a.reviewer_id,
    }
    names = [u.display_name if u else "" for u in (a.assessor_1, a.assessor_2)]
    return DocumentContent(
        fields=fields, context=context, division_code=a.division_code,
        signatures=[f"评估员　{names[0]}", f"评估员　{names[1]}", "老年人或监护人",
                    f"审核人　{a.reviewer.display_name if a.reviewer else ''}"],
        seals=["评估机构"],
        label=f"{person.name} · {a.assessed_on:%Y-%m-%d} 评估" if a.assessed_on else f"{person.name} · 评估",
    )


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    from yanglao.documents.registry import register_document

    register_document("assessments.report", _("老年人能力评估报告"), "assessments/doc_report.html", report_document,
                      "assessments.view", queryset=report_queryset, issuing_unit="阳江市老年人能力评估中心",
                      seal_text="阳江市老年人能力评估中心", footer="依据 GB/T 42195-2022《老年人能力评估规范》")
