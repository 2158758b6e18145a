"""The admission notice and bed offer letter (入住通知书) as a registered document (yanglao.documents),
with the reply deadline and a reply slip."""

from __future__ import annotations

from typing import Any

from yanglao.core.errors import Conflict
from yanglao.documents.registry import DocumentContent

from .models import Offer, OfferStatus


def offer_queryset(user: Any) -> Any:
    return Offer.objects.restrict(user).select_related("application__person", "application__institution", "bed",
                                                        "offered_by")


def offer_document(offer: Offer, *, user: Any, reveal: bool = False) -> DocumentContent:
    if offer.status not in (OfferStatus.PENDING, OfferStatus.ACCEPTED):
        raise Conflict("该床位安排已放弃或取消，不能出具入住通知书", code="offer_closed")
    app = offer.application
    person, home, bed = app.person, app.institution, offer.bed
    fields = {
        "申请编号": app.number, "姓名": person.name, "身份证号码": person.id_number_masked, "机构": home.name,
        "床位": str(bed), "床位类型": bed.bed_type, "安排时间": offer.offered_at, "答复期限": offer.respond_by,
        "轮候类别": app.priority_name,
    }
    return DocumentContent(
        fields=fields, division_code=offer.division_code,
        context={"offer": offer, "app": app, "person": person, "home": home, "bed": bed},
        signatures=["经办人", "老年人或监护人（回执）"], seals=["出具单位", "养老机构"],
        label=f"{person.name} · {home.name} {bed}")


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    from yanglao.documents.registry import register_document

    register_document("admissions.offer", _("入住通知书"), "admissions/doc_offer.html", offer_document,
                      "admissions.offer", queryset=offer_queryset, issuing_unit="阳江市民政局",
                      seal_text="阳江市民政局", footer="公办养老机构评估轮候 · 入住通知书")
