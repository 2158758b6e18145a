"""The module's to-dos: orders to dispatch, to accept and to serve, settlements awaiting the second
signature, open complaints. One scoped COUNT each."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min
from django.urls import reverse

from yanglao.core.todos import TodoItem

from . import selectors
from .choices import ComplaintStatus, OrderStatus, SettlementStatus


def _orders(user: Any, status: str, field: str = "created_at") -> TodoItem | None:
    agg = selectors.orders_for(user).filter(status=status).order_by().aggregate(n=Count("pk"), oldest=Min(field))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=reverse("homecare:orders") + f"?status={status}", oldest=agg["oldest"])


def todo_to_dispatch(user: Any) -> TodoItem | None:
    return _orders(user, OrderStatus.REQUESTED)


def todo_to_accept(user: Any) -> TodoItem | None:
    return _orders(user, OrderStatus.DISPATCHED, "dispatched_at")


def todo_to_serve(user: Any) -> TodoItem | None:
    agg = selectors.orders_for(user).filter(status__in=[OrderStatus.ACCEPTED, OrderStatus.IN_SERVICE]).order_by(
    ).aggregate(n=Count("pk"), oldest=Min("service_date"))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=reverse("homecare:my_orders"), oldest=agg["oldest"],
                    oldest_label="最早服务日期距今 %(days)s 天")


def todo_settlements(user: Any) -> TodoItem | None:
    agg = (selectors.settlements_for(user).filter(status=SettlementStatus.PREPARED).exclude(prepared_by=user)
           .order_by().aggregate(n=Count("pk"), oldest=Min("prepared_at")))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=reverse("homecare:settlements") + "?status=prepared", oldest=agg["oldest"])


def todo_complaints(user: Any) -> TodoItem | None:
    agg = (selectors.complaints_for(user).exclude(status=ComplaintStatus.CLOSED).order_by()
           .aggregate(n=Count("pk"), oldest=Min("received_at")))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=reverse("homecare:complaints"), oldest=agg["oldest"])
