"""The printed report of an approved assessment: a PDF in Chinese with embedded Noto CJK fonts."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from yanglao.core.audit import audit_sensitive_view
from yanglao.core.errors import Conflict

from . import documents
from .choices import RESULT_STATES
from .models import Assessment
from .scale import INDICATORS, ITEMS, LEVELS, RISK_EVENTS_BY_CODE


def report_context(assessment: Assessment) -> dict[str, Any]:
    items = assessment.items or {}
    groups = []
    for indicator in INDICATORS:
        rows = []
        for item in indicator.items:
            value = items.get(item.code)
            wording = next((o.label for o in item.options if o.score == value), "")
            rows.append({"item": item, "score": value, "wording": wording})
        groups.append({"indicator": indicator, "rows": rows,
                       "total": (assessment.indicators or {}).get(indicator.code)})
    events: dict[str, int] = {}
    for code in assessment.risk_events or []:
        events[code] = events.get(code, 0) + 1
    from yanglao.core.models import Division

    return {
        "division_name": Division.objects.filter(code=assessment.division_code).values_list("name", flat=True).first(),
        "a": assessment,
        "person": assessment.person,
        "groups": groups,
        "levels": LEVELS,
        "risk_events": [(RISK_EVENTS_BY_CODE[c].name_zh, n) for c, n in events.items() if c in RISK_EVENTS_BY_CODE],
        "printed_at": timezone.localtime(),
        "item_count": len(ITEMS),
    }


def render_pdf(assessment: Assessment) -> bytes:
    from weasyprint import HTML

    if assessment.status not in RESULT_STATES:
        raise Conflict("评估尚未审核通过，不能出具报告", code="not_approved")
    from yanglao.documents.services import preview_doc

    # The same form as the numbered document (yanglao.documents), marked "not numbered": a numbered,
    # verifiable copy is printed with the print button on the assessment's page.
    content = documents.report_document(assessment, user=None)
    html = render_to_string("assessments/doc_report.html",
                            {**content.context, "doc": preview_doc("assessments.report", content)})
    return HTML(string=html).write_pdf()


def pdf_response(*, assessment: Assessment) -> HttpResponse:
    """The report as a download; viewing it is recorded (health data)."""
    content = render_pdf(assessment)
    audit_sensitive_view(assessment, fields=["report_pdf"])
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="assessment-{assessment.pk}.pdf"'
    return response
