"""Every console list pages the same way (RuoYi's 20 per page, a total count, page numbers), through
one of two helpers and one template (`core/_pagination.html`):

- :func:`offset_page` — page numbers (``?page=3``) for lists where an offset is cheap (assessments,
  payment runs and lines, enrolments, institutions, the waiting list, residents, logins);
- :func:`keyset_page` — "next page after id N" (``?after=…``) for lists that must stay fast at a million
  rows (the people registry, the audit log): newest first by id, or in a :class:`KeysetOrder` that one
  index serves (the registry's name search: name, community, id), so page 5,000 costs what page 1 costs.

Every total comes from :func:`fast_count`: exact while the filtered rows are few enough to count in a few
milliseconds, otherwise the planner's estimate, labelled 约 (about) — so a city user's list at 15,000,000
people answers as fast as a county user's.

Both return a :class:`ListPage`: iterate it for the rows; the template reads the rest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import DatabaseError, connections, transaction
from django.db.models import BooleanField, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Collate
from django.http import HttpRequest

PAGE_SIZE = 20
EXACT_COUNT_LIMIT = 10_000  # rows counted exactly before the planner's estimate is used instead
COUNT_TIME_LIMIT_MS = 200  # a total that takes longer to count is the planner's estimate (约)


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


class _CountedPaginator(Paginator):
    """A Paginator told its count (already taken by fast_count) instead of counting again."""

    def __init__(self, rows: Any, per_page: int, count: int) -> None:
        super().__init__(rows, per_page)
        self._known_count = count

    @property
    def count(self) -> int:  # type: ignore[override]
        return self._known_count


def _page_number(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def offset_page(request: HttpRequest, rows: QuerySet[Any] | Sequence[Any], *, per_page: int = PAGE_SIZE,
                param: str = "page") -> ListPage:
    """Page `param` (default ``page``) of `rows` (a queryset, ordered, or a list), with page numbers
    RuoYi style: 1 … 4 5 [6] 7 8 … 20. A page number out of range shows the last page.

    The total is :func:`fast_count`: exact up to EXACT_COUNT_LIMIT rows; beyond, the planner's estimate
    labelled 约, and the pager shows the pages around the current one (no "last page", which an estimate
    cannot place) with a next link while rows follow."""
    query = _query_without(request, param)
    if isinstance(rows, QuerySet):
        count, approximate = fast_count(rows)
        if approximate:
            return _approximate_offset_page(request, rows, count, per_page=per_page, param=param, query=query)
        paginator = _CountedPaginator(rows, per_page, count)
    else:
        paginator = Paginator(rows, per_page)
    page = paginator.get_page(request.GET.get(param))
    numbers: list[int | None] = [n if isinstance(n, int) else None
                                 for n in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)]
    return ListPage(
        rows=list(page.object_list), count=paginator.count, number=page.number, num_pages=paginator.num_pages,
        page_numbers=numbers if paginator.num_pages > 1 else [], query=query, param=param, per_page=per_page,
        previous_url=_url(query, param, page.previous_page_number()) if page.has_previous() else None,
        next_url=_url(query, param, page.next_page_number()) if page.has_next() else None,
        first_url=_url(query, param, None) if page.number > 1 else None,
    )


def _approximate_offset_page(request: HttpRequest, qs: QuerySet[Any], count: int, *, per_page: int, param: str,
                             query: str) -> ListPage:
    number = _page_number(request.GET.get(param))
    start = (number - 1) * per_page
    rows = list(qs[start: start + per_page + 1])
    if not rows and number > 1:  # past the end the estimate promised: the first page, not an empty one
        number, rows = 1, list(qs[: per_page + 1])
    more = len(rows) > per_page
    estimated_pages = max(number + (1 if more else 0), -(-count // per_page))
    numbers: list[int | None] = [1] if number > 3 else []
    if number > 4:
        numbers.append(None)
    numbers += [n for n in range(max(1, number - 2), number + (3 if more else 1)) if n <= estimated_pages]
    return ListPage(
        rows=rows[:per_page], count=count, approximate=True, number=number, num_pages=None,
        page_numbers=numbers if len(numbers) > 1 else [], query=query, param=param, per_page=per_page,
        previous_url=_url(query, param, number - 1 if number > 2 else None) if number > 1 else None,
        next_url=_url(query, param, number + 1) if more else None,
        first_url=_url(query, param, None) if number > 1 else None,
    )


@dataclass(frozen=True)
class KeysetOrder:
    """An ascending order over `fields` — the last one the primary key, so it is total — that one index
    serves: the list reads that index in order and stops after a page, whatever the table's size.

    With `collation` (PostgreSQL), the text fields are ordered and compared in that collation, as the index
    declares its columns (``name COLLATE "C"``: byte order, which also serves ``LIKE 'prefix%'``). The next
    page starts after a row-value comparison ``(a, b, id) > (…)`` that the index uses as its start."""

    fields: tuple[str, ...]
    collation: str | None = None
    # the same order written out as SQL over a hand-written statement's aliases (people.selectors'
    # written-out first page); empty where no such statement reads it
    sql: str = ""

    def _collated(self, vendor: str) -> bool:
        return bool(self.collation) and vendor == "postgresql"

    def expressions(self, qs: QuerySet[Any]) -> list[Any]:
        vendor = connections[qs.db].vendor
        out: list[Any] = []
        for name in self.fields:
            field = qs.model._meta.pk if name == "pk" else qs.model._meta.get_field(name)
            text = field.get_internal_type() in {"CharField", "TextField"}
            out.append(Collate(F(name), self.collation) if text and self._collated(vendor) else F(name))
        return out

    def after(self, qs: QuerySet[Any], values: Sequence[Any]) -> QuerySet[Any]:
        """The rows of `qs` strictly after the row whose `fields` are `values`."""
        connection = connections[qs.db]
        if connection.vendor == "postgresql":
            quote = connection.ops.quote_name
            table = quote(qs.model._meta.db_table)
            columns, marks = [], []
            for name in self.fields:
                field = qs.model._meta.pk if name == "pk" else qs.model._meta.get_field(name)
                text = field.get_internal_type() in {"CharField", "TextField"}
                collate = f' COLLATE {quote(self.collation)}' if text and self.collation else ""
                columns.append(f"{table}.{quote(field.column)}{collate}")
                marks.append("%s")
            row = RawSQL(f"({', '.join(columns)}) > ({', '.join(marks)})", list(values), output_field=BooleanField())
            return qs.filter(row)
        later = Q(pk__in=[])
        for i, name in enumerate(self.fields):  # (a > x) or (a = x and b > y) or …
            later |= Q(**{f"{n}": v for n, v in zip(self.fields[:i], values[:i], strict=True)},
                       **{f"{name}__gt": values[i]})
        return qs.filter(later)


def keyset_page(request: HttpRequest, qs: QuerySet[Any], *, per_page: int = PAGE_SIZE, param: str = "after",
                key: str = "pk", order: KeysetOrder | None = None) -> ListPage:
    """Newest first by `key` (a unique integer column), or ascending in `order`; the next page starts after
    the last row seen (``?after=<its id>``), so page 5,000 costs what page 1 costs. The total is
    :func:`fast_count` of the filtered rows."""
    from .params import id_param

    after = id_param(request.GET, param)
    count, approximate = fast_count(qs)
    if order is not None:
        cursor = qs.filter(pk=after).values_list(*order.fields).first() if after else None
        if after and cursor is None:  # a row gone or out of reach: start again
            after = None
        if cursor is not None:
            qs = order.after(qs, cursor)
        rows = list(qs.order_by(*order.expressions(qs))[: per_page + 1])
        key = "pk"
    else:
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


def fast_count(qs: QuerySet[Any], *, exact_limit: int | None = None) -> tuple[int, bool]:
    """(count, approximate): the exact total when counting it is cheap, otherwise the planner's estimate,
    labelled 约 — so a city user's list at 15,000,000 people costs what a county user's costs.

    On PostgreSQL: the planner's row estimate (EXPLAIN: planning only), then a count of at most
    `exact_limit` + 1 rows — under a statement timeout of COUNT_TIME_LIMIT_MS when the estimate is above
    the limit. Counted and not over the limit: exact (an estimate too high does not show). Over the limit:
    the estimate, never less than what was counted. Out of time (matches too many or too sparse to count
    quickly): the estimate. Other databases count exactly."""
    exact_limit = EXACT_COUNT_LIMIT if exact_limit is None else exact_limit
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        return qs.order_by().count(), False
    try:
        estimate = planner_estimate(qs)
    except EmptyResultSet:  # a filter that can match nothing (`pk__in=[]`, .none()): Django runs no SQL
        return 0, False
    except (NotImplementedError, TypeError, ValueError):  # a combined (union) or values() query: count it
        return qs.count(), False
    if estimate <= exact_limit:  # few expected: count them (at most exact_limit + 1, whatever the estimate)
        capped: int | None = qs.order_by()[: exact_limit + 1].count()
    else:  # many expected: a count that takes long means the matches are many or sparse; the estimate then
        capped = _count_in_time(qs, exact_limit + 1, COUNT_TIME_LIMIT_MS)
    if capped is None:
        return max(estimate, exact_limit + 1), True
    if capped <= exact_limit:
        return capped, False
    return max(estimate, capped), True


def _count_in_time(qs: QuerySet[Any], limit: int, milliseconds: int) -> int | None:
    """COUNT of at most `limit` rows of `qs`, or None when it takes longer than `milliseconds`. The timeout
    is set for this statement only (set_config(…, true) inside a savepoint, restored after)."""
    connection = connections[qs.db]
    try:
        with transaction.atomic(using=qs.db):
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('statement_timeout'), set_config('statement_timeout', %s, true)",
                               [f"{milliseconds}ms"])
                previous = cursor.fetchone()[0]
            counted = qs.order_by()[:limit].count()
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
            return counted
    except DatabaseError:  # query_canceled: the savepoint is rolled back, and the timeout with it
        return None


def planner_estimate(qs: QuerySet[Any]) -> int:
    """PostgreSQL's estimate of how many rows `qs` returns (EXPLAIN, FORMAT JSON; nothing is read)."""
    connection = connections[qs.db]
    sql, params = qs.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class Estimate(int):
    """A count that is the planner's estimate, not a count: templates show it with 约 (``n.approximate``)."""

    approximate = True


def fast_counts(querysets: Sequence[QuerySet[Any]], *, exact_limit: int | None = None,
                verify: bool = True) -> list[int]:
    """:func:`fast_count` of several querysets of one model in a bounded number of statements, whatever
    their number: one EXPLAIN gives every estimate (the querysets as the arms of one ``UNION ALL``: the
    plan's Append node carries each arm's row estimate), one statement counts those estimated few
    exactly (each arm at most `exact_limit` + 1 rows), and with `verify` one statement under
    COUNT_TIME_LIMIT_MS counts the others up to `exact_limit` + 1 as fast_count does. Returns ints, an
    :class:`Estimate` where the number is the planner's estimate (约).

    `verify=False` trusts an estimate above `exact_limit` without reading a row: for overviews of many
    divisions, where reading 10,001 rows of each would cost what the exact counts cost."""
    exact_limit = EXACT_COUNT_LIMIT if exact_limit is None else exact_limit
    if not querysets:
        return []
    db = querysets[0].db
    connection = connections[db]
    if connection.vendor != "postgresql":
        return [qs.order_by().count() for qs in querysets]
    try:
        estimates = planner_estimates(querysets)
    except (EmptyResultSet, NotImplementedError, TypeError, ValueError):  # an arm Django cannot union
        return [_fast(qs, exact_limit) for qs in querysets]
    out: list[int | None] = [None] * len(querysets)
    small = [i for i, e in enumerate(estimates) if e <= exact_limit]
    large = [i for i, e in enumerate(estimates) if e > exact_limit]
    if small:
        for i, n in zip(small, _capped_counts([querysets[i] for i in small], exact_limit + 1), strict=True):
            out[i] = n if n <= exact_limit else Estimate(max(estimates[i], n))
    if large and verify:
        counted = _capped_counts_in_time([querysets[i] for i in large], exact_limit + 1, COUNT_TIME_LIMIT_MS)
        for j, i in enumerate(large):
            n = counted[j] if counted is not None else None
            out[i] = n if n is not None and n <= exact_limit else Estimate(max(estimates[i], n or 0))
    else:
        for i in large:
            out[i] = Estimate(estimates[i])
    return [n if n is not None else 0 for n in out]


def _fast(qs: QuerySet[Any], exact_limit: int) -> int:
    count, approximate = fast_count(qs, exact_limit=exact_limit)
    return Estimate(count) if approximate else count


def _arm(qs: QuerySet[Any]) -> tuple[str, list[Any]]:
    sql, params = qs.order_by().values("pk").query.sql_with_params()
    return sql, list(params)


def planner_estimates(querysets: Sequence[QuerySet[Any]]) -> list[int]:
    """The planner's row estimate of each queryset, from one EXPLAIN of their ``UNION ALL`` (planning only).
    Raises EmptyResultSet when an arm can match nothing (Django renders no SQL for it)."""
    if len(querysets) == 1:
        return [planner_estimate(querysets[0])]
    arms = [_arm(qs) for qs in querysets]
    sql = " UNION ALL ".join(f"({s})" for s, _ in arms)
    params = [p for _, ps in arms for p in ps]
    connection = connections[querysets[0].db]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    top = plan[0]["Plan"]
    divisor = 1.0
    if top.get("Node Type") == "Gather" and len(top.get("Plans") or []) == 1:
        # a parallel plan (the planner's choice on a large table): the Parallel Append's partial arms carry
        # rows per process; PostgreSQL's own divisor (costsize.c, get_parallel_divisor) gives them back whole
        workers = int(top.get("Workers Planned") or 0)
        divisor = workers + max(0.0, 1.0 - 0.3 * workers)
        top = top["Plans"][0]
    children = top.get("Plans") or []
    if top.get("Node Type") != "Append" or len(children) != len(querysets):  # a plan of another shape
        return [planner_estimate(qs) for qs in querysets]
    return [round(int(child["Plan Rows"]) * (divisor if child.get("Parallel Aware") else 1.0)) for child in children]


def _capped_counts(querysets: Sequence[QuerySet[Any]], limit: int) -> list[int]:
    """COUNT of at most `limit` rows of each queryset, in one statement (one scalar subquery each)."""
    arms = [_arm(qs) for qs in querysets]
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM ({s} LIMIT {int(limit)}) AS arm{i})"
                                for i, (s, _) in enumerate(arms))
    params = [p for _, ps in arms for p in ps]
    with connections[querysets[0].db].cursor() as cursor:
        cursor.execute(sql, params)
        return [int(n) for n in cursor.fetchone()]


def _capped_counts_in_time(querysets: Sequence[QuerySet[Any]], limit: int, milliseconds: int) -> list[int] | None:
    """:func:`_capped_counts` under a statement timeout of `milliseconds`, or None when it took longer."""
    db = querysets[0].db
    connection = connections[db]
    try:
        with transaction.atomic(using=db):
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('statement_timeout'), set_config('statement_timeout', %s, true)",
                               [f"{milliseconds}ms"])
                previous = cursor.fetchone()[0]
            counted = _capped_counts(querysets, limit)
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
            return counted
    except DatabaseError:  # query_canceled: the savepoint is rolled back, and the timeout with it
        return None
