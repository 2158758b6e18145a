"""Roles and what each may do. One table, read by views, the API and the tests.

A capability is "<module>.<action>". Jurisdiction (which rows) is a separate rule: see scope.py.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("市级管理员")
    COUNTY_STAFF = "county_staff", _("县（市、区）工作人员")
    TOWNSHIP_STAFF = "township_staff", _("乡镇（街道）工作人员")
    COMMUNITY_WORKER = "community_worker", _("村（社区）工作人员")
    ASSESSOR = "assessor", _("评估员")
    INSTITUTION_OPERATOR = "institution_operator", _("养老机构经办人")
    SERVICE_PROVIDER = "service_provider", _("服务商")
    INSPECTOR = "inspector", _("检查人员")
    AUDITOR = "auditor", _("审计员")
    RESPONSIBLE_UNIT = "responsible_unit", _("责任单位经办人")


# Roles bound to a division (their jurisdiction) and roles bound to an organisation.
DIVISION_ROLES = frozenset(
    {
        Role.CITY_ADMIN,
        Role.COUNTY_STAFF,
        Role.TOWNSHIP_STAFF,
        Role.COMMUNITY_WORKER,
        Role.ASSESSOR,
        Role.INSPECTOR,
        Role.AUDITOR,
    }
)
# A responsible unit (责任单位: a city department such as 市自然资源局) reports on the policy tasks assigned to it
# (yanglao/policytasks); its accounts are bound to the unit's organisation like an operator's.
ORGANISATION_ROLES = frozenset({Role.INSTITUTION_OPERATOR, Role.SERVICE_PROVIDER, Role.RESPONSIBLE_UNIT})

# The division level each division role is normally bound to (city=2, county=3, township=4,
# community=5); create_staff checks it so a "county staff" account is not bound to a village.
ROLE_DIVISION_LEVELS: dict[str, set[int]] = {
    Role.CITY_ADMIN: {1, 2},
    Role.COUNTY_STAFF: {3},
    Role.TOWNSHIP_STAFF: {4},
    Role.COMMUNITY_WORKER: {5},
    Role.ASSESSOR: {2, 3, 4},
    Role.INSPECTOR: {2, 3},
    Role.AUDITOR: {1, 2, 3},
}

_STAFF_READ = {"divisions.view", "people.view"}
_STAFF_WRITE = _STAFF_READ | {"people.change", "people.import", "people.export", "people.reveal"}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: frozenset(_STAFF_WRITE | {"people.merge", "people.export_unmasked", "accounts.manage", "audit.view",
                                               "dictionaries.manage"}),
    # County staff manage their county's accounts and dictionary values: which ones, core/accounts.py and
    # core/dictionaries.can_edit decide.
    Role.COUNTY_STAFF: frozenset(_STAFF_WRITE | {"people.merge", "people.export_unmasked", "accounts.manage",
                                                 "dictionaries.manage"}),
    Role.TOWNSHIP_STAFF: frozenset(_STAFF_WRITE),
    Role.COMMUNITY_WORKER: frozenset(_STAFF_WRITE - {"people.import"}),
    Role.ASSESSOR: frozenset({"divisions.view"}),
    Role.INSTITUTION_OPERATOR: frozenset(),
    Role.SERVICE_PROVIDER: frozenset(),
    Role.INSPECTOR: frozenset({"divisions.view"}),
    Role.AUDITOR: frozenset({"divisions.view", "audit.view"}),
    Role.RESPONSIBLE_UNIT: frozenset(),
}


def register_capabilities(mapping: dict[str, set[str]]) -> None:
    """Let a module add its capabilities to roles (called from its AppConfig.ready)."""
    for role, caps in mapping.items():
        CAPABILITIES[role] = frozenset(CAPABILITIES.get(role, frozenset()) | caps)


def role_can(role: str, capability: str) -> bool:
    return capability in CAPABILITIES.get(role, frozenset())
