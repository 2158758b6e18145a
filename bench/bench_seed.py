"""Seeding N synthetic people into an empty registry (yanglao.people.seeding.seed_people, COPY).

Baseline: generating the same people with synth_people alone (no encryption, hashing or database),
so `synth_share` says how much of the time is the generator rather than the write.

    .venv/bin/python bench/bench_seed.py --people 1000000
Last line: seed people=1000000 seconds=… rows_per_s=… synth_seconds=… synth_share=…
"""

from __future__ import annotations

import time

from common import CITY, Timer, fail, log, result, server_version, setup
from common import parser as make_parser

SEED = 2026


def main() -> None:
    args = make_parser(__doc__.splitlines()[0]).parse_args()
    setup(args)

    from django.utils import timezone

    from yanglao.core.models import Division, DivisionLevel
    from yanglao.core.synth import synth_people
    from yanglao.people.models import Person
    from yanglao.people.seeding import seed_people

    log(f"{server_version()}, seeding {args.people:,} people")
    today = timezone.localdate()
    timer = Timer()
    communities = list(
        Division.objects.filter(level=DivisionLevel.COMMUNITY, code__startswith=CITY).values_list("code", "name")
    )
    with timer.phase("synth_people alone (baseline)"):
        for _person in synth_people(args.people, seed=SEED, communities=communities, today=today):
            pass

    started = time.perf_counter()
    with timer.phase("seed_people"):
        added = seed_people(args.people, seed=SEED, today=today, city=CITY)
    seconds = time.perf_counter() - started
    count = Person.objects.count()
    if added != args.people or count != args.people:
        fail(f"expected {args.people} people, seed_people added {added} and the table holds {count}", code=1)
    synth_seconds = timer.seconds["synth_people alone (baseline)"]
    log(f"{added:,} people in {seconds:.1f} s = {added / seconds:,.0f} rows/s "
        f"(generator alone {synth_seconds:.1f} s, {synth_seconds / seconds:.0%} of the total)")
    result("seed", people=added, seconds=seconds, rows_per_s=round(added / seconds), synth_seconds=synth_seconds,
           synth_share=round(synth_seconds / seconds, 2))


if __name__ == "__main__":
    main()
