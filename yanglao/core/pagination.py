"""Every console list pages the same way (RuoYi's 20 per page, a total count, page numbers), through
one of two helpers and one template (`core/_pagination.html`):

- :func:`offset_page` — page numbers (``?page=3``) for lists where an offset is cheap (assessments,
  payment runs and lines, enrolments, institutions, the waiting list, residents, logins);
- :func:`keyset_page` — "next page after id N" (``?after=…``) for lists that must stay fast at a million
  rows (the people registry, the audit log); its total comes from :func:`fast_count`: exact while the
  filtered rows are few enough to count in a few milliseconds, otherwise the planner's estimate, labelled
  约 (about).

Both return a :class:`ListPage`: iterate it for the rows; the template reads the rest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 20
EXACT_COUNT_LIMIT = 10_000  # rows counted exactly before the planner's estimate is used instead


@dataclass
class ListPage:
    rows: list[Any]
    count: int
    approximate: bool = False
    number: int | None = None  # offset pages only
    num_pages: int | None = None
    page_numbers: list[int | None] = field(default_factory=list)  # None: an ellipsis
    query: str = ""  # the request's query string without the page parameter
    param: str = "page"
    previous_url: str | None = None
    next_url: str | None = None
    first_url: str | None = None
    next_after: int | None = None  # keyset pages: the key the next page starts after
    per_page: int = PAGE_SIZE

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    @property
    def count_display(self) -> str:
        return f"{self.count:,}"

    @property
    def object_list(self) -> list[Any]:
        return self.rows

    @property
    def has_previous(self) -> bool:
        return self.previous_url is not None

    @property
    def has_next(self) -> bool:
        return self.next_url is not None

    def url_for(self, value: Any) -> str:
        return _url(self.query, self.param, value)


def _query_without(request: HttpRequest, *params: str) -> str:
    query = request.GET.copy()
    for name in params:
        query.pop(name, None)
    return query.urlencode()


def _url(query: str, param: str, value: Any) -> str:
    if value is None:
        return f"?{query}" if query else "?"
    return f"?{query}&{param}={value}" if query else f"?{param}={value}"


def offset_page(request: HttpRequest, rows: QuerySet[Any] | Sequence[Any], *, per_page: int = PAGE_SIZE,
                param: str = "page") -> ListPage:
    """Page `param` (default ``page``) of `rows` (a queryset, ordered, or a list), with page numbers
    RuoYi style: 1 … 4 5 [6] 7 8 … 20. A page number out of range shows the last page."""
    paginator = Paginator(rows, per_page)
    page = paginator.get_page(request.GET.get(param))
    query = _query_without(request, param)
    numbers: list[int | None] = [n if isinstance(n, int) else None
                                 for n in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)]
    return ListPage(
        rows=list(page.object_list), count=paginator.count, number=page.number, num_pages=paginator.num_pages,
        page_numbers=numbers if paginator.num_pages > 1 else [], query=query, param=param, per_page=per_page,
        previous_url=_url(query, param, page.previous_page_number()) if page.has_previous() else None,
        next_url=_url(query, param, page.next_page_number()) if page.has_next() else None,
        first_url=_url(query, param, None) if page.number > 1 else None,
    )


def keyset_page(request: HttpRequest, qs: QuerySet[Any], *, per_page: int = PAGE_SIZE, param: str = "after",
                key: str = "pk") -> ListPage:
    """Newest first by `key` (a unique integer column); the next page starts after the last key seen, so
    page 5,000 costs what page 1 costs. The total is :func:`fast_count` of the filtered rows."""
    from .params import id_param

    after = id_param(request.GET, param)
    count, approximate = fast_count(qs)
    if after:
        qs = qs.filter(**{f"{key}__lt": after})
    rows = list(qs.order_by(f"-{key}")[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    query = _query_without(request, param)
    next_after = getattr(rows[-1], key) if more and rows else None
    return ListPage(
        rows=rows, count=count, approximate=approximate, query=query, param=param, per_page=per_page,
        next_after=next_after, next_url=_url(query, param, next_after) if next_after else None,
        first_url=_url(query, param, None) if after else None,
        previous_url=_url(query, param, None) if after else None,
    )


def fast_count(qs: QuerySet[Any], *, exact_limit: int = EXACT_COUNT_LIMIT) -> tuple[int, bool]:
    """(count, approximate). Counts at most `exact_limit` + 1 rows (an index range scan of a few
    milliseconds); beyond that, on PostgreSQL, the planner's row estimate for the same query (EXPLAIN),
    never less than what was counted. Other databases count exactly."""
    capped = qs.order_by()[: exact_limit + 1].count()
    if capped <= exact_limit:
        return capped, False
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        return qs.count(), False
    sql, params = qs.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    return max(estimate, capped), True
