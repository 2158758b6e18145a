"""The portal's directory and catalogue pages, served from the cache.

A cached page is the whole rendered response (body and content type), keyed by the page's path, its
normalised query (only the parameters the page reads, in a fixed order), the language and a *generation*.
Any save or delete of a record the portal shows (institutions, beds, ratings, listings, policy texts, the
service catalogue, programmes and bands, published inspections and credit records) bumps the generation, so
the next request renders afresh. Set-based writes fire no signals (a bed's status changed by `bulk_update`,
a queryset `update`): they show within `TTL` seconds.

With the default per-process cache (LocMem) each worker holds its own copy and a bump reaches only the
worker that made the change; the others follow within `TTL`. With a shared cache (`CACHES` pointing at
Redis or memcached) a bump reaches every worker at once. Browsers and proxies may keep a page for `TTL`
seconds too (`Cache-Control: public, max-age=TTL`), so `TTL` is the bound on staleness either way.

Pages carrying a form that POSTs (the lookups) are never cached: their CSRF token belongs to one visitor.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers

TTL = 60
# YANGLAO_PORTAL_CACHE=false turns the page cache off (to measure what it saves; never needed in production).
ENABLED = os.environ.get("YANGLAO_PORTAL_CACHE", "true").lower() not in {"0", "false", "no", "off"}
GENERATION_KEY = "portal:generation"

# (app label, model) whose changes show on the portal
WATCHED = [
    ("institutions", "Institution"), ("institutions", "Bed"), ("institutions", "StarRating"),
    ("institutions", "MedicalAgreement"), ("institutions", "Residency"),
    ("portal", "PolicyText"), ("portal", "InstitutionListing"),
    ("homecare", "ServiceItem"), ("homecare", "SubsidyRule"), ("homecare", "Facility"),
    ("benefits", "Programme"), ("benefits", "AmountBand"), ("benefits", "EligibilityRule"),
    ("supervision", "Inspection"), ("supervision", "CreditEntry"), ("supervision", "Target"),
]


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY) or 1
    return int(value)


def bump(**_kwargs: Any) -> None:
    """Every cached portal page is stale from now on (a signal receiver, or called directly)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, timeout=None)


def connect_invalidation() -> None:
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save

    for app_label, model_name in WATCHED:
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        post_save.connect(bump, sender=model, dispatch_uid=f"portal-cache-{app_label}-{model_name}-save")
        post_delete.connect(bump, sender=model, dispatch_uid=f"portal-cache-{app_label}-{model_name}-delete")


def _key(request: HttpRequest, params: tuple[str, ...]) -> str:
    query = "&".join(f"{p}={request.GET.get(p, '')[:40]}" for p in params if request.GET.get(p))
    return f"portal:page:{generation()}:{translation.get_language()}:{request.path}?{query}"


def cached_page(*params: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Serve a GET page from the cache; `params` are the query parameters the page reads (others are ignored
    for the key, so `?utm=…` cannot fill the cache)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in ("GET", "HEAD") or not ENABLED:
                return view(request, *args, **kwargs)
            key = _key(request, params) + "|" + "|".join(f"{k}={v}" for k, v in sorted(kwargs.items()))
            hit = cache.get(key)
            if hit is not None:
                response = HttpResponse(hit[0], content_type=hit[1])
                response["X-Portal-Cache"] = "hit"
            else:
                response = view(request, *args, **kwargs)
                if response.status_code == 200 and not response.streaming:
                    if hasattr(response, "render"):
                        response.render()
                    cache.set(key, (response.content, response["Content-Type"]), TTL)
                response["X-Portal-Cache"] = "miss"
            patch_cache_control(response, public=True, max_age=TTL)
            patch_vary_headers(response, ["Cookie"])  # the language cookie changes the page
            return response

        return wrapper

    return decorate


def no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response
