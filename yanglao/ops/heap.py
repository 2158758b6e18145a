"""The web worker's heap, settled once the application is loaded.

A gunicorn worker imports every module, reads the settings and builds the URL resolver before its first
request; those objects live as long as the worker. Python's garbage collector would walk all of them at
every full collection — a pause of milliseconds landing on whichever request happens to trigger it, which
is what the slowest searches of the 4,000,000-person benchmark were made of (docs/performance.md, issue 22).
`settle()` loads what is loaded lazily (the URLs), collects once, and freezes the survivors into the
permanent generation (`gc.freeze`), so later collections walk only what requests create. Called by
`gunicorn_conf.post_worker_init`, and by the benchmarks that time request code in a process of their own.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Load the URL resolver, collect, freeze; returns how many objects were frozen."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imported lazily by the first request otherwise
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
