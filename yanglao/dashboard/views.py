"""指标监测 pages: the board of every target for a division with its children and trend, one indicator's history,
the indicator registry, the wall-screen mode, manual entries, and the public subset on the portal. Every read
page reads the snapshot table from the replica."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yanglao.core.dbrouting import reads_from_replica
from yanglao.core.errors import DomainError
from yanglao.core.pagination import offset_page
from yanglao.core.pickers import bind_pickers
from yanglao.core.views import capability_required
from yanglao.portal.cache import cached_page

from . import selectors, services
from .forms import ManualEntryForm
from .indicators import BY_KEY, CITY, INDICATORS, target_text
from .selectors import TREND_MONTHS


def _map_indicator(request: HttpRequest) -> str:
    key = request.GET.get("map") or "day_care"
    return key if key in BY_KEY and BY_KEY[key].unit == "%" else "day_care"


def _board_context(request: HttpRequest, code: str) -> dict[str, Any]:
    b = selectors.board(request.user, code)
    ctx: dict[str, Any] = {"b": b, "charts": selectors.chart_data(b), "trend_months": TREND_MONTHS,
                           "map_choices": [(i.key, i.label) for i in INDICATORS if i.unit == "%"]}
    if len(code) < 9:
        ctx["map_key"] = _map_indicator(request)
        ctx["map"] = selectors.map_data(request.user, code, ctx["map_key"])
    else:
        ctx["communities"] = selectors.community_rows(request.user, code)
    return ctx


def _policy_tasks(user: Any) -> dict[str, Any] | None:
    """The 40 tasks on the director's page: how many by status and who is late (policytasks' own selectors and
    scope), for those who may open the task list."""
    from django.apps import apps

    if not apps.is_installed("yanglao.policytasks") or not user.can("policytasks.view"):
        return None
    from yanglao.policytasks import selectors as tasks
    from yanglao.policytasks.models import Status

    counts = tasks.status_counts(user=user)
    return {"counts": [(s.value, s.label, counts.get(s.value, 0)) for s in Status],
            "total": sum(counts.values()), "late": tasks.late_tasks(user=user)[:10]}


@capability_required("dashboard.view")
@reads_from_replica
def home(request: HttpRequest) -> HttpResponse:
    code = selectors.division_for(request.user, request.GET.get("d"))
    ctx = _board_context(request, code)
    ctx["policy_tasks"] = _policy_tasks(request.user)
    return render(request, "dashboard/home.html", ctx)


@capability_required("dashboard.view")
@reads_from_replica
def screen(request: HttpRequest) -> HttpResponse:
    code = selectors.division_for(request.user, request.GET.get("d"))
    ctx = _board_context(request, code)
    ctx["now"] = timezone.localtime()
    return render(request, "dashboard/screen.html", ctx)


@capability_required("dashboard.view")
@reads_from_replica
def indicator(request: HttpRequest, key: str) -> HttpResponse:
    ind = BY_KEY.get(key)
    if ind is None:
        raise Http404
    code = selectors.division_for(request.user, request.GET.get("d"))
    b = selectors.board(request.user, code)
    line = next((ln for ln in b.lines if ln.indicator.key == key), None)
    history = selectors.indicator_history(request.user, key, code)
    entries = selectors.manual_entries(request.user).filter(indicator=key)[:20]
    return render(request, "dashboard/indicator.html", {"b": b, "ind": ind, "line": line, "history": history,
                                                        "target": target_text(ind), "entries": entries})


@capability_required("dashboard.view")
def registry(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/registry.html", {
        "rows": [(i, target_text(i)) for i in INDICATORS], "level_names": {2: _("市"), 3: _("县"), 4: _("乡镇")}})


@capability_required("dashboard.view")
def manual_list(request: HttpRequest) -> HttpResponse:
    page = offset_page(request, selectors.manual_entries(request.user).order_by("-as_of", "-pk"))
    labels = {i.key: i.label for i in INDICATORS}
    for e in page:
        e.label = labels.get(e.indicator, e.indicator)
    return render(request, "dashboard/manual.html", {"page": page})


@capability_required("dashboard.manage")
def manual_new(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(ManualEntryForm(request.POST or None, initial={"indicator": request.GET.get("indicator", "")}),
                        request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.manual_entry_create(by=request.user, data=form.cleaned_data)
        except DomainError as exc:
            details = exc.details if isinstance(exc.details, dict) else {}
            for field, reason in details.items():
                if field in form.fields and isinstance(reason, str):
                    form.add_error(field, reason)
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已保存填报；下次生成快照（或点击“重新计算本月”）后计入指标"))
            return redirect("dashboard:manual")
    return render(request, "dashboard/manual_form.html", {"form": form})


@require_POST
@capability_required("dashboard.manage")
def refresh(request: HttpRequest) -> HttpResponse:
    """Recompute this month's snapshot now (the nightly job does the same); city administrators only."""
    if getattr(request.user, "scope_prefix", None) != CITY:
        raise Http404
    n = services.snapshot_month(timezone.localdate())
    messages.success(request, _("已重新计算本月指标（%(n)s 项）") % {"n": n})
    return redirect(reverse("dashboard:home"))


@cached_page("d")
@reads_from_replica
def public(request: HttpRequest) -> HttpResponse:
    """The published subset (`Indicator.public`) for the city or a county: no account, no township detail."""
    code = request.GET.get("d") or CITY
    if code != CITY and not (len(code) == 6 and code.startswith(CITY)):
        code = CITY
    b = selectors.board(None, code, public_only=True)
    return render(request, "dashboard/public.html", {"b": b, "charts": selectors.chart_data(b), "section": "dashboard",
                                                     "counties": selectors.children_of(CITY)})
