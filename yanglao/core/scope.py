"""The jurisdiction rule, in one place.

A staff account sees the rows whose division code starts with its own division's code
(本部门及以下); an organisation account sees its organisation's rows; anyone else sees nothing.
Every list, detail, count, search, export and API response goes through `restrict`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db import models
from django.http import Http404

from .roles import ORGANISATION_ROLES

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import User

M = TypeVar("M", bound=models.Model)


def _scope_q(model: type[models.Model], user: User | AnonymousUser | None) -> models.Q | None:
    """The filter for `user` on `model`, or None when the user may see nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    division_field: str | tuple[str, ...] | None = getattr(model, "scope_division_field", None)
    organisation_field: str | None = getattr(model, "scope_organisation_field", None)
    if user.role in ORGANISATION_ROLES:
        # A model may narrow what an organisation sees beyond "its rows" (e.g. health data only of the
        # people who applied to or live in its institution): `scope_organisation_q(organisation_id) -> Q`.
        organisation_q = getattr(model, "scope_organisation_q", None)
        if organisation_q is not None:
            return organisation_q(user.organisation_id) if user.organisation_id else None
        if organisation_field and user.organisation_id:
            return models.Q(**{organisation_field: user.organisation_id})
        return None
    prefix = user.scope_prefix
    if prefix and division_field:
        fields = (division_field,) if isinstance(division_field, str) else division_field
        q = models.Q()
        for field in fields:  # a record that belongs to two areas is seen from either
            q |= models.Q(**{f"{field}__startswith": prefix})
        return q
    return None


class ScopedQuerySet(models.QuerySet[M], Generic[M]):
    def restrict(self, user: User | AnonymousUser | None) -> ScopedQuerySet[M]:
        q = _scope_q(self.model, user)
        if q is None:
            return self.none()
        return self.filter(q)


def restrict(queryset: models.QuerySet[M], user: Any) -> models.QuerySet[M]:
    """`queryset` cut to what `user` may see (works for any model declaring its scope fields)."""
    q = _scope_q(queryset.model, user)
    return queryset.none() if q is None else queryset.filter(q)


def get_scoped_or_404(queryset: models.QuerySet[M], user: Any, **lookup: Any) -> M:
    """One row the user may see, or 404: a record out of scope looks the same as one that does not exist."""
    try:
        return restrict(queryset, user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def division_in_scope(user: Any, division_code: str) -> bool:
    prefix = getattr(user, "scope_prefix", None)
    return bool(prefix) and division_code.startswith(prefix)
