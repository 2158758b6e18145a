"""Monthly home-care settlement: one month of N service orders across P providers, set-based, against a floor.

1. fresh database `yanglao_bench_homecare`, people seeded (COPY), eight catalogue items, P providers, and N
   orders of one month written by one `INSERT … SELECT generate_series` (about 90 % completed or rated, the
   rest cancelled or still open: not billable);
2. **floor**: hand-written SQL doing the same work with nothing else: one settlement row per provider,
   the same lines in one `INSERT … SELECT`, the totals from one `GROUP BY`;
   then the settlements and lines are removed again;
3. **settle**: `homecare.services.settle` (the code the console's 生成结算单 runs: provider row locks,
   settlements, lines skipping orders already billed, totals, audit line);
4. the totals of both are compared, and `settle` is run a second time (it must add no line).

    .venv/bin/python bench/bench_settlement.py --orders 1000000 --providers 200
Last line: settlement orders=… providers=… lines=… seconds=… floor_seconds=… floor_ratio=… rerun_seconds=…
"""

from __future__ import annotations

import datetime as dt
import os
import time

from common import Timer, analyze, fail, log, result, server_version, setup
from common import parser as make_parser

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yanglao_bench_homecare"
MONTH = dt.date(2026, 10, 1)


def main() -> None:
    p = make_parser(__doc__.splitlines()[0])
    p.set_defaults(database_url=os.environ.get("BENCH_HOMECARE_DATABASE_URL", DEFAULT_URL), people=50_000)
    p.add_argument("--orders", type=int, default=1_000_000, help="service orders in the month (default 1,000,000)")
    p.add_argument("--providers", type=int, default=200, help="providers (default 200)")
    args = p.parse_args()
    setup(args)
    timer = Timer()

    from django.db import connection, transaction
    from django.utils import timezone

    from yanglao.benefits.models import Programme
    from yanglao.core.audit import AuditActor, audit_context
    from yanglao.core.models import Organisation
    from yanglao.core.roles import Role
    from yanglao.core.testing import make_user
    from yanglao.homecare import services
    from yanglao.homecare.models import Provider, ServiceItem, ServiceOrder, Settlement, SettlementLine
    from yanglao.people.seeding import seed_people

    log(f"{server_version()}, {args.people:,} people, {args.orders:,} orders, {args.providers} providers")
    with timer.phase("seed people"), audit_context(actor=AuditActor(user_id=None, username="bench")):
        seed_people(args.people, seed=2026)
    city = make_user(Role.CITY_ADMIN, "4417", username="bench-city")
    programme = Programme.objects.create(code="bench", name="居家养老服务补贴（基准）", kind="subsidy", legal_basis="bench")
    items = [ServiceItem.objects.create(code=f"B{i}", name=f"项目{i}", kind="cleaning", unit="visit",
                                        price_fen=3000 + 1000 * i, valid_from=dt.date(2026, 1, 1), published=True)
             for i in range(8)]
    counties = ["441702", "441704", "441721", "441781"]
    orgs = Organisation.objects.bulk_create([Organisation(name=f"基准服务商{i:03d}", kind="provider",
                                                          division_code=counties[i % 4]) for i in range(args.providers)])
    providers = Provider.objects.bulk_create([Provider(organisation=o, name=o.name, division_code=o.division_code)
                                              for o in orgs])
    first_provider = min(pr.pk for pr in providers)
    with timer.phase("orders"), connection.cursor() as cur:
        cur.execute("SELECT min(id), count(*) FROM people_person")
        first_person, people = cur.fetchone()
        now = timezone.now()
        # about 90 % billable (completed or rated), the rest cancelled or dispatched; amount = subsidy + own part.
        cur.execute(f"""
            INSERT INTO {ServiceOrder._meta.db_table}
                (created_at, updated_at, version, person_id, item_id, source, service_date, quantity, request_note,
                 status, provider_id, unit_price_fen, amount_fen, subsidy_fen, own_fen, programme_id,
                 check_in_flagged, work_done, rating_comment, rated_by, cancel_reason, division_code)
            SELECT %s, %s, 1, p.id, %s + (g %% 8), 'community', %s::date + (g %% 30), 1, '',
                   CASE WHEN g %% 21 = 0 THEN 'cancelled' WHEN g %% 21 = 1 THEN 'dispatched'
                        WHEN g %% 3 = 0 THEN 'rated' ELSE 'completed' END,
                   %s + (g %% %s), 3000 + 1000 * (g %% 8), 3000 + 1000 * (g %% 8),
                   CASE WHEN g %% 4 = 0 THEN 2000 ELSE 0 END, 3000 + 1000 * (g %% 8) - CASE WHEN g %% 4 = 0 THEN 2000 ELSE 0 END,
                   CASE WHEN g %% 4 = 0 THEN %s END, false, '', '', '', '', p.division_code
              FROM generate_series(0, %s - 1) g
              JOIN people_person p ON p.id = %s + (g %% %s)""",
                    [now, now, items[0].pk, MONTH, first_provider, args.providers, programme.pk, args.orders,
                     first_person, people])
    analyze()
    billable = ServiceOrder.objects.filter(status__in=["completed", "rated"]).count()
    log(f"orders: {args.orders:,} written, {billable:,} billable")
    with connection.cursor() as cur:  # warm the cache the same way for both
        cur.execute(f"SELECT count(*), sum(amount_fen) FROM {ServiceOrder._meta.db_table}")

    t_s, t_l, t_o = Settlement._meta.db_table, SettlementLine._meta.db_table, ServiceOrder._meta.db_table
    end = dt.date(2026, 11, 1)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"""
            INSERT INTO {t_s} (created_at, updated_at, version, provider_id, month, status, prepared_by_id, prepared_at,
                               approval_comment, line_count, amount_fen, subsidy_fen, own_fen, division_code)
            SELECT now(), now(), 1, id, %s, 'prepared', %s, now(), '', 0, 0, 0, 0, division_code
              FROM {Provider._meta.db_table}""", [MONTH, city.pk])
        cur.execute(f"""
            INSERT INTO {t_l} (settlement_id, order_id, service_date, item_id_copy, quantity, amount_fen, subsidy_fen,
                               own_fen, programme_id_copy, division_code)
            SELECT s.id, o.id, o.service_date, o.item_id, o.quantity, o.amount_fen, o.subsidy_fen, o.own_fen,
                   o.programme_id, o.division_code
              FROM {t_o} o JOIN {t_s} s ON s.provider_id = o.provider_id AND s.month = %s
             WHERE o.status IN ('completed', 'rated') AND o.service_date >= %s AND o.service_date < %s""",
                    [MONTH, MONTH, end])
        cur.execute(f"""
            UPDATE {t_s} s SET line_count = a.n, amount_fen = a.amount, subsidy_fen = a.subsidy, own_fen = a.own
              FROM (SELECT settlement_id, count(*) n, sum(amount_fen) amount, sum(subsidy_fen) subsidy,
                           sum(own_fen) own FROM {t_l} GROUP BY settlement_id) a
             WHERE s.id = a.settlement_id""")
    floor_seconds = time.perf_counter() - started
    floor_totals = list(Settlement.objects.order_by("provider_id").values_list("provider_id", "line_count",
                                                                                 "amount_fen", "subsidy_fen"))
    log(f"floor: {floor_seconds:.2f} s")
    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {t_l}, {t_s} RESTART IDENTITY")
    analyze()

    with audit_context(actor=AuditActor(user_id=city.pk, username=city.username)):
        started = time.perf_counter()
        lines = services.settle(by=city, month=MONTH)
        seconds = time.perf_counter() - started
        log(f"settle: {lines:,} lines in {seconds:.2f} s")
        totals = list(Settlement.objects.order_by("provider_id").values_list("provider_id", "line_count",
                                                                             "amount_fen", "subsidy_fen"))
        if totals != floor_totals:
            fail(f"the settlement's totals differ from the floor's: {totals[:3]} vs {floor_totals[:3]}")
        if lines != billable:
            fail(f"{lines} lines for {billable} billable orders")
        started = time.perf_counter()
        again = services.settle(by=city, month=MONTH)
        rerun = time.perf_counter() - started
    if again != 0:
        fail(f"a second settle added {again} lines: an order billed twice")
    log(f"second run: 0 lines added in {rerun:.2f} s")
    result("settlement", orders=args.orders, providers=args.providers, lines=lines, seconds=round(seconds, 2),
           floor_seconds=round(floor_seconds, 2), floor_ratio=round(seconds / floor_seconds, 2),
           rerun_seconds=round(rerun, 2))


if __name__ == "__main__":
    main()
