"""Code lists (字典) that offices extend in the console, read by forms, imports, exports and the API.

A module declares its dictionaries from `AppConfig.ready()` (`register_dictionary`), and seeds the
built-in values from its TextChoices in a data migration (`seed_builtin`, `built_in=True`). Built-in
values are protected entirely (their code, label and state carry meaning: benefit rules select
people by category code); an administrator adds new values, renames, reorders, disables and
deletes those. A value with a `division_code` is a county's own: it is offered and accepted only
for that county's people and staff.

Reads go through a small per-process snapshot of the whole table (a few hundred rows at most),
refreshed after `CACHE_SECONDS` and at once in the process that changed it; a forked worker keeps
the snapshot it inherited rather than reusing its parent's database connection.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.signals import request_started
from django.db import transaction
from django.utils.translation import get_language

from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .models import DictionaryItem, Division, User
from .roles import Role

CACHE_SECONDS = 30
CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Dictionary:
    key: str
    label: Any
    max_code_length: int = 16
    # How a module uses the codes, said on the dictionary's page (e.g. "类别代码决定待遇资格").
    note: Any = ""
    # Extra spellings offices write for built-in codes (imports): {"独居老人": "alone"}.
    aliases: dict[str, str] = field(default_factory=dict)
    # The built-in values (code, label, English label), as the module's data migration seeds them: they
    # apply even where the table lacks them (a database flushed by a test), so built-in codes never fail.
    builtin: tuple[tuple[str, str, str], ...] = ()


DICTIONARIES: dict[str, Dictionary] = {}


def register_dictionary(dictionary: Dictionary) -> None:
    DICTIONARIES[dictionary.key] = dictionary
    _lookups.update(snapshot=None, answers={})  # its aliases may differ


def get_dictionary(key: str) -> Dictionary:
    try:
        return DICTIONARIES[key]
    except KeyError as exc:
        raise NotFound("字典不存在") from exc


# --- the snapshot ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    code: str
    label: str
    label_en: str
    sort_order: int
    active: bool
    built_in: bool
    division_code: str

    def display(self) -> str:
        if self.label_en and (get_language() or "").startswith("en"):
            return self.label_en
        return self.label

    def applies_to(self, division_code: str | None) -> bool:
        """Offered for a record in `division_code` (None: everywhere, e.g. the city's view)."""
        if not self.division_code or division_code is None:
            return True
        return division_code.startswith(self.division_code)

    def visible_to(self, prefix: str | None) -> bool:
        """Seen by an account whose jurisdiction is `prefix` (the city sees every county's values)."""
        if not self.division_code:
            return True
        if prefix is None:
            return False
        return self.division_code.startswith(prefix) or prefix.startswith(self.division_code)


_lock = threading.Lock()
_state: dict[str, Any] = {"loaded_at": 0.0, "pid": 0, "entries": None}


def _load() -> dict[str, list[Entry]]:
    entries: dict[str, list[Entry]] = {}
    for item in DictionaryItem.objects.order_by("dictionary", "sort_order", "code"):
        entries.setdefault(item.dictionary, []).append(
            Entry(item.code, item.label, item.label_en, item.sort_order, item.active, item.built_in, item.division_code)
        )
    for spec in DICTIONARIES.values():
        have = {e.code for e in entries.get(spec.key, [])}
        missing = [Entry(code, label, label_en, order * 10, True, True, "")
                   for order, (code, label, label_en) in enumerate(spec.builtin, start=1) if code not in have]
        if missing:
            entries[spec.key] = sorted([*entries.get(spec.key, []), *missing], key=lambda e: (e.sort_order, e.code))
    return entries


def snapshot() -> dict[str, list[Entry]]:
    """Every dictionary's values (picklable: pass it to worker processes and `install` it there)."""
    now = time.monotonic()
    entries = _state["entries"]
    if entries is not None and _state["pid"] != os.getpid():
        return entries  # a forked worker: keep what it inherited
    if entries is None or now - _state["loaded_at"] > CACHE_SECONDS:
        with _lock:
            entries = _load()
            _state.update(entries=entries, loaded_at=now, pid=os.getpid())
    return entries


def invalidate() -> None:
    _state["entries"] = None


def install(entries: dict[str, list[Entry]]) -> None:
    """In a worker process that must not touch the database: use the parent's snapshot, for good."""
    _state.update(entries=entries, loaded_at=float("inf"), pid=os.getpid())


def _invalidate_on_request(**kwargs: Any) -> None:
    invalidate()


# Each request starts from the table (one small query when it uses a dictionary): a change made by another
# worker is seen on the next request; jobs outside requests see it within CACHE_SECONDS.
request_started.connect(_invalidate_on_request, dispatch_uid="yanglao.core.dictionaries.invalidate")


def entries(key: str, *, include_inactive: bool = False) -> list[Entry]:
    return [e for e in snapshot().get(key, []) if include_inactive or e.active]


def _division_of(user: User | None, division_code: str | None) -> str | None:
    if division_code:
        return division_code
    if user is not None:
        return user.scope_prefix  # None for organisation accounts: city-wide values only
    return None


def dictionary_choices(key: str, user: User | None = None, *, division_code: str | None = None,
                       include: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(code, label) of the active values offered to `user` (or for a record in `division_code`); a county's
    own values only in that county. `include` keeps a record's current value offered even if disabled."""
    keep = set(include)
    prefix = _division_of(user, division_code)
    out = []
    for e in entries(key, include_inactive=True):
        if not e.active and e.code not in keep:
            continue
        if e.code in keep or (e.visible_to(prefix) if division_code is None else e.applies_to(prefix)):
            out.append((e.code, e.display()))
    return out


def dictionary_codes(key: str, *, division_code: str | None = None, prefix: str | None = None) -> set[str]:
    """The active codes accepted for a record in `division_code` (or by an account of `prefix`)."""
    out = set()
    for e in entries(key):
        if division_code is not None and not e.applies_to(division_code):
            continue
        if division_code is None and prefix is not None and not e.visible_to(prefix):
            continue
        out.add(e.code)
    return out


def dictionary_labels(key: str) -> dict[str, str]:
    """code → label of every value, active or not, in every county (for showing stored codes)."""
    return {e.code: e.display() for e in entries(key, include_inactive=True)}


def dictionary_label(key: str, code: str) -> str:
    return dictionary_labels(key).get(code, code)


def _norm(text: str) -> str:
    return "".join(str(text).split())


# Answers of dictionary_lookup for the snapshot they were computed from (an import looks up the same few
# spellings hundreds of thousands of times): dropped whenever the snapshot or a dictionary changes.
_lookups: dict[str, Any] = {"snapshot": None, "answers": {}}
_LOOKUPS_MAX = 50_000


def dictionary_lookup(key: str, text: Any, *, division_code: str | None = None, prefix: str | None = None) -> str | None:
    """The code for what an office wrote: a code, a label (Chinese or English) or a known alias, among the
    active values that apply to a record in `division_code` (or, when the record's division is not at
    hand, that an account of jurisdiction `prefix` sees)."""
    if not isinstance(text, str):
        return _lookup(key, text, division_code, prefix)
    snap = snapshot()
    if _lookups["snapshot"] is not snap:
        _lookups.update(snapshot=snap, answers={})
    answers = _lookups["answers"]
    memo = (key, text, division_code, prefix)
    try:
        return answers[memo]
    except KeyError:
        pass
    code = _lookup(key, text, division_code, prefix)
    if len(answers) >= _LOOKUPS_MAX:
        answers.clear()
    answers[memo] = code
    return code


def _lookup(key: str, text: Any, division_code: str | None, prefix: str | None) -> str | None:
    wanted = _norm(text or "")
    if not wanted:
        return None
    aliases = DICTIONARIES[key].aliases if key in DICTIONARIES else {}
    for e in entries(key):
        if division_code is not None and not e.applies_to(division_code):
            continue
        if division_code is None and prefix is not None and not e.visible_to(prefix):
            continue
        if wanted in (e.code, _norm(e.label)) or (e.label_en and wanted.lower() == _norm(e.label_en).lower()):
            return e.code
    code = aliases.get(wanted)
    return code if code in {e.code for e in entries(key)} else None


def dictionary_labels_offered(key: str, *, division_code: str | None = None, prefix: str | None = None) -> list[str]:
    """The labels an import may use, for its messages and template ("可选：独居、空巢…")."""
    return [e.label for e in entries(key) if (e.applies_to(division_code) if division_code is not None
                                              else prefix is None or e.visible_to(prefix))]


# --- who may change a dictionary ----------------------------------------------------------------
def can_edit(user: User, item_division_code: str) -> bool:
    """The city administrator changes city-wide values and any county's; county staff only their county's
    own values (a county adds what its offices need without changing the city's list)."""
    if not user.can("dictionaries.manage") or not user.scope_prefix:
        return False
    if user.role == Role.CITY_ADMIN:
        return item_division_code.startswith(user.scope_prefix) or not item_division_code
    return bool(item_division_code) and item_division_code.startswith(user.scope_prefix)


def items_for(user: User, key: str) -> list[DictionaryItem]:
    """The values `user` sees on the dictionary's page (built-in values the table lacks shown as declared)."""
    prefix = user.scope_prefix
    if not user.can("dictionaries.manage") or prefix is None:
        return []
    items = [i for i in DictionaryItem.objects.filter(dictionary=key).order_by("sort_order", "code")
             if Entry(i.code, i.label, i.label_en, i.sort_order, i.active, i.built_in, i.division_code).visible_to(prefix)]
    have = {i.code for i in items}
    spec = DICTIONARIES.get(key)
    missing = [DictionaryItem(dictionary=key, code=code, label=label, label_en=label_en, sort_order=n * 10, built_in=True)
               for n, (code, label, label_en) in enumerate(spec.builtin if spec else (), start=1) if code not in have]
    return sorted([*items, *missing], key=lambda i: (i.sort_order, i.code)) if missing else items


def item_get(user: User, pk: int) -> DictionaryItem:
    item = DictionaryItem.objects.filter(pk=pk).first()
    if item is None or item.dictionary not in DICTIONARIES or item not in items_for(user, item.dictionary):
        raise NotFound()
    return item


# --- writes (each audited by AuditedModel: before → after) -------------------------------------
def _clean(key: str, *, label: str, label_en: str, sort_order: int, division_code: str,
           exclude_pk: int | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    label = _norm(label)
    if not label:
        errors["label"] = "名称必填"
    elif len(label) > 32:
        errors["label"] = "名称不能超过 32 个字符"
    if len(label_en) > 64:
        errors["label_en"] = "英文名称不能超过 64 个字符"
    if not 0 <= sort_order <= 32767:
        errors["sort_order"] = "排序应为 0–32767 的整数"
    if division_code and not Division.objects.filter(code=division_code).exists():
        errors["division_code"] = f"区划代码 {division_code} 不存在"
    if label and "label" not in errors:
        clash = DictionaryItem.objects.filter(dictionary=key, label=label).exclude(pk=exclude_pk)
        for other in clash:
            if (not other.division_code or not division_code or other.division_code.startswith(division_code)
                    or division_code.startswith(other.division_code)):
                errors["label"] = f"“{label}”已在本字典中使用（代码 {other.code}）"
                break
    return errors


def _new_code(key: str) -> str:
    n = DictionaryItem.objects.filter(dictionary=key, built_in=False).count() + 1
    while DictionaryItem.objects.filter(dictionary=key, code=f"x{n}").exists():
        n += 1
    return f"x{n}"


def item_create(*, by: User, dictionary: str, label: str, code: str = "", label_en: str = "", sort_order: int = 100,
                division_code: str = "") -> DictionaryItem:
    """A new value. Its code is generated (x1, x2…) unless given; a county's staff can add only their
    county's own values."""
    spec = get_dictionary(dictionary)
    if not can_edit(by, division_code):
        raise Forbidden("您只能为本辖区新增字典项" if by.can("dictionaries.manage") else None)
    code = (code or "").strip()
    errors = _clean(dictionary, label=label, label_en=label_en.strip(), sort_order=sort_order,
                    division_code=division_code, exclude_pk=None)
    if code:
        if not CODE_RE.match(code) or len(code) > spec.max_code_length:
            errors["code"] = f"代码应以小写字母开头，由小写字母、数字和下划线组成，不超过 {spec.max_code_length} 个字符"
        elif DictionaryItem.objects.filter(dictionary=dictionary, code=code).exists():
            errors["code"] = f"代码 {code} 已存在"
    if errors:
        raise ValidationFailed("；".join(errors.values()), details=errors)
    with transaction.atomic():
        item = DictionaryItem.objects.create(
            dictionary=dictionary, code=code or _new_code(dictionary), label=_norm(label), label_en=label_en.strip(),
            sort_order=sort_order, division_code=division_code, built_in=False, active=True,
        )
        transaction.on_commit(invalidate)
    invalidate()
    return item


def _editable(by: User, item: DictionaryItem) -> None:
    if item.built_in:
        raise Conflict("内置字典项受保护，不能修改、停用或删除")
    if not can_edit(by, item.division_code):
        raise Forbidden()


def item_update(*, by: User, item: DictionaryItem, label: str, label_en: str = "", sort_order: int = 100,
                active: bool = True) -> DictionaryItem:
    """Rename, reorder, disable or re-enable a value that is not built in (its code never changes:
    records keep it). A disabled value stays readable on the records that carry it."""
    _editable(by, item)
    errors = _clean(item.dictionary, label=label, label_en=label_en.strip(), sort_order=sort_order,
                    division_code=item.division_code, exclude_pk=item.pk)
    if errors:
        raise ValidationFailed("；".join(errors.values()), details=errors)
    item.label, item.label_en, item.sort_order, item.active = _norm(label), label_en.strip(), sort_order, active
    item.save(update_fields=["label", "label_en", "sort_order", "active"])
    transaction.on_commit(invalidate)
    invalidate()
    return item


# Where each dictionary's codes are stored, so a value in use is disabled rather than deleted.
USAGE: dict[str, list[tuple[str, str]]] = {}


def register_usage(key: str, model_label: str, field_name: str) -> None:
    USAGE.setdefault(key, []).append((model_label, field_name))


def item_in_use(item: DictionaryItem) -> bool:
    from django.apps import apps

    for model_label, field_name in USAGE.get(item.dictionary, []):
        model = apps.get_model(model_label)
        if model._default_manager.filter(**{field_name: item.code}).exists():
            return True
    return False


def item_delete(*, by: User, item: DictionaryItem) -> None:
    _editable(by, item)
    if item_in_use(item):
        raise Conflict("该字典项已被档案使用，不能删除；可以停用")
    item.delete()
    transaction.on_commit(invalidate)
    invalidate()


def field_dictionary(model_label: str, field_name: str) -> str | None:
    """The dictionary whose codes a model field stores (for showing its values by label, e.g. in history)."""
    for key, uses in USAGE.items():
        if (model_label.lower(), field_name) in {(m.lower(), f) for m, f in uses}:
            return key
    return None

