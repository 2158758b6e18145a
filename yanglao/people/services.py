"""Writes to the registry. Every function takes the acting user and stays inside their jurisdiction."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from yanglao.core import crypto
from yanglao.core.audit import audit_context, audit_sensitive_view, record
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.idnumber import mask_id_number, mask_phone
from yanglao.core.models import AuditAction, Division, DivisionLevel, User
from yanglao.core.scope import division_in_scope

from .choices import Status
from .models import Contact, Person, PersonCategory
from .validation import (
    CategoryInput,
    ContactInput,
    PersonInput,
    check_category_input,
    clean_person,
    clean_person_changes,
)

logger = logging.getLogger(__name__)

# Records of other modules that copy the person's division code for scope (assessments, bank
# accounts, enrolments, applications, …). Each module registers its models from AppConfig.ready;
# when a person moves, every copy moves with them in the same transaction, so the old county stops
# seeing them and the new county starts. Records of what happened in a place (payment lines, run
# summaries) are not registered: they stay with the county that paid.
PERSON_DIVISION_COPIES: list[tuple[Any, str]] = []


def register_person_division_copy(model: Any, person_field: str = "person") -> None:
    PERSON_DIVISION_COPIES.append((model, person_field))


# Modules that act when a registry fact changes (the visits module schedules a visit within 24 hours of a
# major change: a new living situation, a new category). Each listener gets the user who made the change,
# the person's id and {field: (before, after)} ("category": (None, code) for a category added), after the
# change has committed; a listener's failure is logged and never undoes the registry change.
PERSON_CHANGE_LISTENERS: list[Callable[[User, int, dict[str, tuple[Any, Any]]], None]] = []


def register_person_change_listener(listener: Callable[[User, int, dict[str, tuple[Any, Any]]], None]) -> None:
    PERSON_CHANGE_LISTENERS.append(listener)


def _announce_change(by: User, person_id: int, changes: dict[str, tuple[Any, Any]]) -> None:
    if not changes:
        return
    for listener in PERSON_CHANGE_LISTENERS:
        def call(listener: Callable[..., None] = listener) -> None:
            try:
                listener(by, person_id, changes)
            except Exception:  # noqa: BLE001 - a listener never undoes the registry change; it is logged
                logger.exception("person change listener %s failed for person %s", listener, person_id)
        transaction.on_commit(call)


ID_PURPOSE = "id_number"
PHONE_PURPOSE = "phone"


def community_codes() -> set[str]:
    return set(Division.objects.filter(level=DivisionLevel.COMMUNITY).values_list("code", flat=True))


def id_hash(value: str) -> str:
    return crypto.lookup_hash(value, purpose=ID_PURPOSE)


def phone_hash(value: str) -> str:
    return crypto.lookup_hash(value, purpose=PHONE_PURPOSE)


def _require(user: User, capability: str) -> None:
    if not user.can(capability):
        raise Forbidden()


def _phone_fields(phone: str) -> dict[str, str]:
    return {
        "phone_enc": crypto.encrypt(phone),
        "phone_hash": phone_hash(phone),
        "phone_masked": mask_phone(phone) if phone else "",
    }


def person_create(*, by: User, data: dict[str, Any], today: dt.date | None = None) -> Person:
    """Register one older person. One person, one record: a second record for the same ID number
    is refused by the database's unique key."""
    _require(by, "people.change")
    today = today or timezone.localdate()
    clean, errors = clean_person(data, communities=community_codes(), scope_prefix=by.scope_prefix, today=today)
    if errors or clean is None:
        raise ValidationFailed("老年人信息有误", details=errors)
    with audit_context(by), transaction.atomic():
        person = _person_from_input(clean, source="manual")
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError as exc:
            raise Conflict("该身份证号码已登记，一人只能有一条档案", code="duplicate_person",
                           details={"id_number": "该身份证号码已登记"}) from exc
        for cat in clean.categories:
            category_add(by=by, person=person, item=cat)
        for contact in clean.contacts:
            contact_add(by=by, person=person, item=contact)
    return person


def _person_from_input(clean: PersonInput, *, source: str) -> Person:
    return Person(
        name=clean.name,
        id_number_enc=crypto.encrypt(clean.id.value),
        id_number_hash=id_hash(clean.id.value),
        id_number_masked=mask_id_number(clean.id.value),
        id_last4=clean.id.value[-4:],
        id_converted_from_15=clean.id.converted_from_15 is not None,
        birth_date=clean.id.birth_date,
        sex=clean.id.sex,
        hukou_division_code=clean.hukou_division_code,
        division_code=clean.division_code,
        address=clean.address,
        living_situation=clean.living_situation,
        source=source,
        **_phone_fields(clean.phone),
    )


EDITABLE = {"name", "phone", "address", "living_situation", "division_code", "hukou_division_code",
            "consent_at", "consent_by", "consent_document"}


def person_update(*, by: User, person: Person, data: dict[str, Any]) -> Person:
    """Change the editable fields. Moving a person out of the user's jurisdiction is refused."""
    _require(by, "people.change")
    unknown = set(data) - EDITABLE - {"status", "status_date"}
    if unknown:
        raise ValidationFailed("包含不可修改的字段", details={k: "不可修改（身份证号码变更请走合并或更正流程）" for k in unknown})
    # The same field checks as person_create (validation.clean_person), so an update cannot store what
    # a create would refuse (a division code "abc", a consent date in 9999, over-long text).
    changes, errors = clean_person_changes(
        {k: v for k, v in data.items() if k != "status_date" or "status" in data},
        communities=community_codes(), scope_prefix=by.scope_prefix, today=timezone.localdate(),
    )
    if "phone" in changes:
        changes.update(_phone_fields(changes.pop("phone")))
    if "status" in data:
        _check_status(data.get("status"), data.get("status_date"), errors)
        changes["status"] = data["status"]
        changes["status_date"] = changes.get("status_date") if data["status"] != Status.ACTIVE else None
    if errors:
        raise ValidationFailed("老年人信息有误", details=errors)
    with audit_context(by), transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        changed = {key: (getattr(locked, key), value) for key, value in changes.items()
                   if getattr(locked, key) != value}
        for key, value in changes.items():
            setattr(locked, key, value)
        locked.save()
        _announce_change(by, locked.pk, changed)
        if "division_code" in changes and changes["division_code"] != person.division_code:
            _move_copies(locked, old=person.division_code)
    return locked


def _move_copies(person: Person, *, old: str) -> None:
    """Re-code every record that copies the person's division (set-based, one audit line each)."""
    from yanglao.core.audit import audit_bulk

    for model, field in [(PersonCategory, "person"), (Contact, "person"), *PERSON_DIVISION_COPIES]:
        rows = model.objects.filter(**{field: person})
        moved = rows.exclude(division_code=person.division_code).update(division_code=person.division_code)
        if model is PersonCategory and not moved:  # PostgreSQL moved them with the person (people.0011)
            moved = rows.count()
        if moved:
            audit_bulk(model, operation="person_moved", count=moved, division_code=person.division_code,
                       params={"person": person.pk, "from": old, "to": person.division_code})


def _check_status(status: Any, status_date: Any, errors: dict[str, str]) -> None:
    if status not in (Status.ACTIVE, Status.MOVED_AWAY, Status.DECEASED):
        errors["status"] = "状态应为 active（在册）、moved_away（迁出）或 deceased（死亡）"
    elif status != Status.ACTIVE and not status_date:
        errors["status_date"] = "迁出或死亡须填写日期"


def person_set_status(*, by: User, person: Person, status: str, on: dt.date | None) -> Person:
    return person_update(by=by, person=person, data={"status": status, "status_date": on})


def category_add(*, by: User, person: Person, item: CategoryInput) -> PersonCategory:
    _require(by, "people.change")
    errors = check_category_input(item, today=timezone.localdate())
    if errors:
        raise ValidationFailed("人员类别信息有误：" + next(iter(errors.values())), details=errors)
    with audit_context(by):
        try:
            with transaction.atomic():
                _announce_change(by, person.pk, {"category": (None, item.category)})
                return PersonCategory.objects.create(
                    person=person,
                    category=item.category,
                    valid_from=item.valid_from,
                    document_no=item.document_no,
                    issuing_unit=item.issuing_unit,
                    disability_grade=item.disability_grade,
                    division_code=person.division_code,
                )
        except IntegrityError as exc:
            raise Conflict("该类别在同一起始日期已登记") from exc


def category_end(*, by: User, category: PersonCategory, on: dt.date) -> PersonCategory:
    _require(by, "people.change")
    if on < category.valid_from:
        raise ValidationFailed("终止日期不能早于起始日期", details={"valid_to": "终止日期不能早于起始日期"})
    with audit_context(by):
        category.valid_to = on
        category.save()
    return category


def contact_add(*, by: User, person: Person, item: ContactInput) -> Contact:
    _require(by, "people.change")
    with audit_context(by):
        return Contact.objects.create(
            person=person, kind=item.kind, name=item.name, relation=item.relation,
            division_code=person.division_code, **_phone_fields(item.phone),
        )


def person_reveal(*, by: User, person: Person, reason: str = "") -> dict[str, str]:
    """The full ID number and phones: a separate, audited action."""
    _require(by, "people.reveal")
    if not division_in_scope(by, person.division_code):
        raise Forbidden()
    with audit_context(by):
        audit_sensitive_view(person, fields=["id_number", "birth_date", "phone", "contacts.phone"], reveal=True,
                             reason=reason)
    return {
        "id_number": crypto.decrypt(person.id_number_enc),
        "birth_date": person.birth_date.isoformat(),
        "phone": crypto.decrypt(person.phone_enc),
        "contacts": [
            {"name": c.name, "phone": crypto.decrypt(c.phone_enc)} for c in person.contacts.all()
        ],  # type: ignore[dict-item]
        "reason": reason,
    }


def person_merge(*, by: User, keep: Person, merge: Person) -> Person:
    """Merge a duplicate record into the one kept. Categories and contacts move over; the merged
    record stays, marked merged and pointing at the kept one, so both histories remain."""
    _require(by, "people.merge")
    if keep.pk == merge.pk:
        raise ValidationFailed("不能与自身合并")
    if not (division_in_scope(by, keep.division_code) and division_in_scope(by, merge.division_code)):
        raise Forbidden()
    with audit_context(by), transaction.atomic():
        keep, merge = (Person.objects.select_for_update().get(pk=p.pk) for p in (keep, merge))
        if merge.status == Status.MERGED:
            raise Conflict("该档案已被合并")
        moved_categories = 0
        for cat in PersonCategory.objects.filter(person=merge):
            exists = PersonCategory.objects.filter(person=keep, category=cat.category, valid_from=cat.valid_from).exists()
            if not exists:
                cat.person = keep
                cat.division_code = keep.division_code
                cat.save()
                moved_categories += 1
        moved_contacts = Contact.objects.filter(person=merge).update(person=keep, division_code=keep.division_code)
        if not keep.phone_enc and merge.phone_enc:
            keep.phone_enc, keep.phone_hash, keep.phone_masked = merge.phone_enc, merge.phone_hash, merge.phone_masked
            keep.save()
        merge.status = Status.MERGED
        merge.status_date = timezone.localdate()
        merge.merged_into = keep
        merge.save()
        record(
            AuditAction.UPDATE,
            object_type="people.person",
            object_id=keep.pk,
            object_repr=str(keep),
            division_code=keep.division_code,
            changes={"merged_from": [None, merge.pk]},
            extra={"moved_categories": moved_categories, "moved_contacts": moved_contacts},
        )
    return keep
