"""The person's record card (老年人档案卡) as a registered document (yanglao.documents). ID number and phones
are masked; a role holding ``people.reveal`` may print them in full with a reason, audited as a reveal."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from yanglao.core import crypto
from yanglao.documents.registry import DocumentContent

from .models import Person


def card_queryset(user: Any) -> Any:
    from .selectors import people_for

    return people_for(user).prefetch_related("categories", "contacts")


def card_document(person: Person, *, user: Any, reveal: bool = False) -> DocumentContent:
    from yanglao.core.divisions import division_path as division_name

    today = timezone.localdate()
    contacts = [{"kind": c.get_kind_display(), "name": c.name, "relation": c.relation,
                 "phone": crypto.decrypt(c.phone_enc) if reveal and c.phone_enc else c.phone_masked}
                for c in person.contacts.all()]
    categories = [{"label": c.get_category_display(), "grade": c.disability_grade, "from": c.valid_from,
                   "to": c.valid_to, "document": f"{c.document_no} {c.issuing_unit}".strip(), "valid": c.valid_on(today)}
                  for c in person.categories.all()]
    id_number = crypto.decrypt(person.id_number_enc) if reveal else person.id_number_masked
    phone = (crypto.decrypt(person.phone_enc) if reveal and person.phone_enc else person.phone_masked) or "—"
    fields = {
        "档案号": person.pk, "姓名": person.name, "身份证号码": id_number, "性别": person.sex,
        "联系电话": phone, "居住社区": person.division_code, "居住地址": person.address,
        "户籍地": person.hukou_division_code, "居住状况": person.living_situation, "状态": person.status,
        "人员类别": [[c["label"], c["from"], c["to"]] for c in categories],
        "联系人": [[c["name"], c["relation"], c["phone"]] for c in contacts],
    }
    context = {
        "person": person, "id_number": id_number, "phone": phone, "contacts": contacts, "categories": categories,
        "division": division_name(person.division_code) if person.division_code else "",
        "hukou": division_name(person.hukou_division_code) if person.hukou_division_code else "",
        "birth": person.birth_date if reveal else None, "today": today,
    }
    return DocumentContent(fields=fields, context=context, division_code=person.division_code,
                           signatures=["建档人", "审核人"], seals=["建档单位"],
                           label=f"{person.name} · 档案卡{'（完整号码）' if reveal else ''}", revealed=reveal)


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    from yanglao.documents.registry import register_document

    register_document("people.card", _("老年人档案卡"), "people/doc_card.html", card_document, "people.view",
                      queryset=card_queryset, reveal_capability="people.reveal", issuing_unit="阳江市民政局",
                      seal_text="阳江市民政局", footer="本档案卡含个人信息，仅限工作使用，妥善保管")
