"""The public portal (no sign-in): home, care homes, services, policies, lookups. Directory and catalogue
pages are served from the cache (portal.cache); lookups never are."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from yanglao.core import publicref
from yanglao.core.dbrouting import reads_from_replica
from yanglao.institutions.choices import Ownership

from . import selectors
from .cache import cached_page, no_store
from .models import PolicyKind

LOOKUP_KINDS = {
    "queue": _("养老院轮候位次"),
    "timebank": _("时间银行余额"),
    "subsidy": _("补贴申请进度"),
}


@cached_page()
@reads_from_replica
def home(request: HttpRequest) -> HttpResponse:
    rows = selectors.supply_and_demand()
    totals = {"homes": sum(r.homes for r in rows), "beds": sum(r.beds for r in rows),
              "nursing_vacant": sum(r.nursing_vacant for r in rows), "vacant": sum(r.vacant for r in rows)}
    return render(request, "portal/home.html", {"totals": totals, "counties": selectors.counties(),
                                                "section": "home"})


@cached_page("county", "township", "star", "nursing_vacant", "ownership", "medical")
@reads_from_replica
def homes(request: HttpRequest) -> HttpResponse:
    filters = selectors.DirectoryFilters.from_query(request.GET)
    cards = selectors.homes(filters)
    townships = selectors.townships_with_homes()
    if filters.county:
        townships = [t for t in townships if t[2] == filters.county]
    return render(request, "portal/homes.html", {
        "cards": cards, "f": filters, "counties": selectors.counties(), "townships": townships,
        "ownerships": Ownership.choices, "stars": [(5, "五星级"), (4, "四星级及以上"), (3, "三星级及以上"),
                                                   (2, "二星级及以上"), (1, "一星级及以上")],
        "points": selectors.map_points(cards), "section": "homes",
        "as_of": selectors.as_of(),
    })


@cached_page()
@reads_from_replica
def home_detail(request: HttpRequest, pk: int) -> HttpResponse:
    card = selectors.home(pk)
    if card is None:
        raise Http404
    target = selectors.credit_target_of(pk)
    return render(request, "portal/home_detail.html", {
        "c": card, "inspections": selectors.inspections_of(pk), "target": target,
        "credit": selectors.public_credit_entries(target), "section": "homes", "as_of": selectors.as_of(),
        "points": selectors.map_points([card]),
    })


@cached_page("county")
@reads_from_replica
def services(request: HttpRequest) -> HttpResponse:
    county = request.GET.get("county", "")
    county = county if county in dict(selectors.counties()) else ""
    return render(request, "portal/services.html", {
        "items": selectors.catalogue(), "meals": selectors.meal_points(county),
        "centres": selectors.service_centres(county), "counties": selectors.counties(), "county": county,
        "today": timezone.localdate(), "section": "services",
    })


@cached_page()
@reads_from_replica
def policies(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/policies.html", {
        "subsidies": selectors.policies(PolicyKind.SUBSIDY), "service_policies": selectors.policies(PolicyKind.SERVICE),
        "support": selectors.policies(PolicyKind.SUPPORT), "supply": selectors.supply_and_demand(),
        "section": "policies", "as_of": selectors.as_of(),
    })


@cached_page()
@reads_from_replica
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.policy(pk)
    if p is None:
        raise Http404
    return render(request, "portal/policy_detail.html", {"p": p, "section": "policies"})


@cached_page()
@reads_from_replica
def supervision(request: HttpRequest) -> HttpResponse:
    """Inspection results and credit records, as the supervision module publishes them (its own pages
    carry the draws, their verification and the credit search)."""
    from yanglao.supervision.models import Inspection

    results = list(Inspection.objects.filter(published_at__isnull=False).select_related("target", "item")
                   .order_by("-published_at")[:30])
    return render(request, "portal/supervision.html", {"results": results, "section": "supervision"})


class LookupForm(forms.Form):
    kind = forms.ChoiceField(label=_("查询什么"), choices=list(LOOKUP_KINDS.items()))
    reference = forms.CharField(label=_("查询编号"), max_length=30)
    factor = forms.CharField(label=_("出生日期或身份证号码后4位"), max_length=20,
                             help_text=_("出生日期如 1948-03-05；或身份证号码最后4位，如 123X"))


@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """One lookup page for the queue, the time bank and subsidy applications. POST only does the lookup
    (the factor stays out of addresses and logs); every failure, including an unknown reference, gets the
    same answer; limited per address and per reference."""
    kind = request.GET.get("kind") if request.GET.get("kind") in LOOKUP_KINDS else "queue"
    form = LookupForm(request.POST or None, initial={"kind": kind})
    result: dict[str, Any] | None = None
    state, status = "", 200
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        ref = publicref.normalise(form.cleaned_data["reference"])
        typed = ref or form.cleaned_data["reference"].strip().upper()
        allowance = publicref.lookup_allowed(request, scope="portal-lookup", reference=f"{kind}:{typed}")
        if not allowance.allowed:
            state, status = "throttled", 429
        else:
            result = _lookup(kind, form.cleaned_data["reference"], form.cleaned_data["factor"])
            state = "found" if result else "none"
    elif request.method == "POST":
        state = "none"  # an incomplete form gets the same answer as a wrong one
    response = render(request, "portal/lookup.html", {
        "form": form, "kind": kind, "kinds": LOOKUP_KINDS, "result": result, "state": state, "section": "lookup",
    }, status=status)
    if status == 429:
        response["Retry-After"] = str(allowance.retry_after)
    return no_store(response)


def _lookup(kind: str, reference: str, factor: str) -> dict[str, Any] | None:
    if kind == "queue":
        from yanglao.admissions.services import public_lookup

        return public_lookup(reference=reference, factor=factor)
    if kind == "timebank":
        from yanglao.timebank.selectors import public_lookup as timebank_lookup
        from yanglao.timebank.selectors import statement

        member = timebank_lookup(reference=reference, factor=factor)
        if member is None:
            return None
        return {"name": publicref.mask_name(member.name), "balance": member.account.balance_minutes,
                "rows": statement(member.account, limit=10)}
    from yanglao.benefits.selectors import public_enrolment_lookup

    return public_enrolment_lookup(reference=reference, factor=factor)


def language(request: HttpRequest, code: str) -> HttpResponse:
    """The public pages' language switch: a link (cached pages carry no form), storing the choice in the
    language cookie as Django's set_language does."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next") or "/public/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) or not target.startswith("/public/"):
        target = "/public/"
    response = HttpResponseRedirect(target)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 86400, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)
    return no_store(response)
