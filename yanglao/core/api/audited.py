"""Lists of sensitive records answer only after the page they show is recorded as a view.

A viewset lists ``audit_list_fields`` (what on the page is sensitive); every list page and every
retrieve then writes one audit line with the record ids shown. One mixin, so a new module's
sensitive list is audited by declaring it, not by remembering a call.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework.request import Request
from rest_framework.response import Response

from yanglao.core.audit import audit_sensitive_list, audit_sensitive_view


class AuditedViewsMixin:
    audit_list_fields: ClassVar[list[str]] = []

    def _audited_model(self) -> Any:
        # from the serializer, not get_queryset(): that may run a search again (and count it again)
        return self.get_serializer_class().Meta.model  # type: ignore[attr-defined]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().list(request, *args, **kwargs)  # type: ignore[misc]
        data = response.data
        rows = data.get("results", []) if isinstance(data, dict) else data
        ids = [row["id"] for row in rows or [] if isinstance(row, dict) and "id" in row]
        audit_sensitive_list(self._audited_model(), ids=ids, fields=self.audit_list_fields,
                             division_code=getattr(request.user, "scope_prefix", "") or "")
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().retrieve(request, *args, **kwargs)  # type: ignore[misc]
        obj = self.get_object()  # type: ignore[attr-defined]
        audit_sensitive_view(obj, fields=self.audit_list_fields)
        return response
