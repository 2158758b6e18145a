"""A write and its answer in one transaction.

A write endpoint calls a service (its own transaction) and then reads the record back for the answer. If the
database goes away between the two (a restart, a failover), the change is saved but the read fails and the
client gets 503 "您的操作未保存" — a lie that makes it retry and, for anything without a natural key, save
twice. With this mixin an unsafe request (POST, PUT, PATCH, DELETE) runs inside one transaction: the answer is
read before the commit, so the client is told 201/200 exactly when the change is saved. An error answered by
the API (a refused action, a validation error) rolls the request back through DRF's `set_rollback`, as with
Django's ATOMIC_REQUESTS. Reads are not wrapped."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponseBase

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class AnswerInsideTheWriteMixin:
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method in SAFE_METHODS:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        with transaction.atomic():
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
