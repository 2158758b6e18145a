"""Planning pages: the overview, estates and their rooms by the rule in force, idle public property, the
15-minute circle with its map, and where to build next."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from yanglao.core.divisions import division_short_name
from yanglao.core.errors import DomainError
from yanglao.core.pagination import offset_page
from yanglao.core.params import choice_param, code_param
from yanglao.core.pickers import bind_pickers
from yanglao.core.scope import division_in_scope, get_scoped_or_404
from yanglao.core.uploads import read_uploaded
from yanglao.core.views import capability_required

from . import importing, selectors, services
from .forms import EstateForm, ImportForm, LeaseForm, NetworkForm
from .models import (
    ANY_KIND,
    AreaKind,
    Estate,
    LeaseStatus,
    Method,
    PropertyLease,
    WalkNetwork,
)


def _errors(form: forms.Form, exc: DomainError) -> None:
    details = exc.details if isinstance(exc.details, dict) else {}
    placed = False
    for key, reason in details.items():
        if key in form.fields and isinstance(reason, str):
            form.add_error(key, reason)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _within(request: HttpRequest) -> str:
    own = request.user.scope_prefix or ""
    code = code_param(request.GET, "division")
    return code if code and division_in_scope(request.user, code) else own


def _kinds() -> list[tuple[str, Any]]:
    from yanglao.homecare.choices import FacilityKind

    return [*FacilityKind.choices, (ANY_KIND, _("任一类设施"))]


# --------------------------------------------------------------------------- overview
@capability_required("planning.view")
def home(request: HttpRequest) -> HttpResponse:
    total, rows = selectors.compliance_by_county(request.user, AreaKind.NEW)
    run = selectors.current_run()
    within = request.user.scope_prefix or ""
    summary = selectors.by_kind_summary(request.user, within, run)
    return render(request, "planning/home.html", {
        "tab": "home", "total": total, "rows": rows, "rules": selectors.rules_in_force(), "run": run,
        "summary": summary, "short_leases": selectors.leases_short(request.user),
        "network": WalkNetwork.objects.filter(active=True).defer("graph").first(),
    })


# --------------------------------------------------------------------------- estates
@capability_required("planning.view")
def estates(request: HttpRequest) -> HttpResponse:
    rules = selectors.rules_in_force()
    within = _within(request)
    kind = choice_param(request.GET, "kind", AreaKind.values)
    state = choice_param(request.GET, "state", ["ok", "short", "not_handed", "not_used"])
    qs = selectors.estates_with_compliance(Estate.objects.restrict(request.user).filter(
        division_code__startswith=within), rules)
    if kind:
        qs = qs.filter(area_kind=kind)
    if state == "ok":
        qs = qs.filter(compliant=True)
    elif state == "short":
        qs = qs.filter(compliant=False)
    elif state == "not_handed":
        qs = qs.filter(handed_over=False)
    elif state == "not_used":
        qs = qs.filter(in_use=False)
    page = offset_page(request, qs.order_by("division_code", "name"))
    run = selectors.current_run()
    minutes = selectors.estate_minutes(run, [e.pk for e in page], "day_care")
    labels = dict(Method.choices)
    rows = []
    for e in page:
        value, method = minutes.get(e.pk, (None, ""))
        rows.append({"e": e, "minutes": value, "method": method, "method_label": labels.get(method, "")})
    return render(request, "planning/estates.html", {
        "tab": "estates", "page": page, "rows": rows, "rules": rules, "kind": kind, "state": state,
        "within": within, "kinds": AreaKind.choices, "run": run, "method_labels": dict(Method.choices),
    })


def _estate_form(request: HttpRequest, estate: Estate | None) -> HttpResponse:
    initial = {}
    if estate is not None:
        initial = {f: getattr(estate, f) for f in services.ESTATE_FIELDS}
    form = bind_pickers(EstateForm(request.POST or None, initial=initial), request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.estate_save(by=request.user, data=dict(form.cleaned_data), estate=estate)
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, gettext("已保存小区：%(n)s") % {"n": saved.name})
            return redirect("planning:estates")
    title = gettext("修改小区") if estate else gettext("登记住宅小区")
    return render(request, "planning/form.html", {"form": form, "title": title, "tab": "estates"},
                  status=400 if form.errors else 200)


@capability_required("planning.manage")
def estate_create(request: HttpRequest) -> HttpResponse:
    return _estate_form(request, None)


@capability_required("planning.manage")
def estate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _estate_form(request, get_scoped_or_404(Estate.objects.all(), request.user, pk=pk))


@capability_required("planning.manage")
def estate_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            content = read_uploaded(upload, kind="planning_estates")
            result = importing.import_estates(by=request.user, content=content, filename=upload.name)
        except DomainError as exc:
            form.add_error("file", exc.message)
    return render(request, "planning/import.html", {"form": form, "result": result, "tab": "estates",
                                                    "headers": importing.HEADERS},
                  status=400 if form.errors else 200)


@capability_required("planning.view")
def compliance(request: HttpRequest) -> HttpResponse:
    new_total, new_rows = selectors.compliance_by_county(request.user, AreaKind.NEW)
    old_total, old_rows = selectors.compliance_by_county(request.user, AreaKind.OLD)
    from .models import AreaRule

    return render(request, "planning/compliance.html", {
        "tab": "compliance", "new_total": new_total, "new_rows": new_rows, "old_total": old_total,
        "old_rows": old_rows, "rules": selectors.rules_in_force(), "all_rules": AreaRule.objects.all(),
        "conflicts": selectors.conflicting_texts(), "today": timezone.localdate(),
    })


@capability_required("planning.view")
def points(request: HttpRequest) -> HttpResponse:
    """Which communities have a point for the circle, per township; planners import points from a spreadsheet."""
    from yanglao.core.models import Division

    from .models import CommunityPoint

    within = request.user.scope_prefix or ""
    placed = set(CommunityPoint.objects.filter(division_code__startswith=within).values_list("division_code",
                                                                                              flat=True))
    counts: dict[str, list[int]] = {}
    for code in Division.objects.restrict(request.user).filter(level=5, code__startswith=within).values_list(
            "code", flat=True):
        row = counts.setdefault(code[:9], [0, 0])
        row[0] += 1
        row[1] += code in placed
    rows = [{"code": c, "name": division_short_name(c), "total": t, "placed": p} for c, (t, p) in sorted(counts.items())]
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST":
        if not request.user.can("planning.manage"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                content = read_uploaded(upload, kind="planning_estates")
                result = importing.import_points(by=request.user, content=content, filename=upload.name)
            except DomainError as exc:
                form.add_error("file", exc.message)
    return render(request, "planning/points.html", {"tab": "circle", "rows": rows, "form": form, "result": result,
                                                    "headers": importing.POINT_HEADERS},
                  status=400 if form.errors else 200)


# --------------------------------------------------------------------------- leases
@capability_required("planning.view")
def leases(request: HttpRequest) -> HttpResponse:
    within = _within(request)
    status = choice_param(request.GET, "status", LeaseStatus.values)
    qs = PropertyLease.objects.restrict(request.user).filter(division_code__startswith=within)
    if status:
        qs = qs.filter(status=status)
    page = offset_page(request, qs.order_by("division_code", "name"))
    return render(request, "planning/leases.html", {"tab": "leases", "page": page, "status": status,
                                                    "statuses": LeaseStatus.choices})


def _lease_form(request: HttpRequest, lease: PropertyLease | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if lease is not None:
        initial = {f: getattr(lease, f) for f in services.LEASE_FIELDS if f != "annual_rent_fen"}
        if lease.annual_rent_fen is not None:
            initial["annual_rent_yuan"] = Decimal(lease.annual_rent_fen) / 100
    form = bind_pickers(LeaseForm(request.POST or None, initial=initial), request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        rent = data.pop("annual_rent_yuan")
        data["annual_rent_fen"] = int(rent * 100) if rent is not None else None
        try:
            saved = services.lease_save(by=request.user, data=data, lease=lease)
        except DomainError as exc:
            _errors(form, exc)
        else:
            if saved.term_short:
                messages.warning(request, gettext("租期 %(y)s 年，短于文件要求的 15 年以上") % {"y": saved.term_years})
            messages.success(request, gettext("已保存房产：%(n)s") % {"n": saved.name})
            return redirect("planning:leases")
    title = gettext("修改闲置公有房产") if lease else gettext("登记闲置公有房产")
    return render(request, "planning/form.html", {"form": form, "title": title, "tab": "leases"},
                  status=400 if form.errors else 200)


@capability_required("planning.manage")
def lease_create(request: HttpRequest) -> HttpResponse:
    return _lease_form(request, None)


@capability_required("planning.manage")
def lease_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _lease_form(request, get_scoped_or_404(PropertyLease.objects.all(), request.user, pk=pk))


# --------------------------------------------------------------------------- the circle
def _circle_context(request: HttpRequest) -> dict[str, Any]:
    kinds = _kinds()
    kind = choice_param(request.GET, "kind", [k for k, _label in kinds]) or "day_care"
    within = _within(request)
    run = selectors.current_run()
    communities = selectors.community_rows(request.user, within, kind, run)
    depth = len(within)
    if depth <= 4:
        rows, child = selectors.rollup(communities, 6), 6
    elif depth <= 6:
        rows, child = selectors.rollup(communities, 9), 9
    else:
        rows, child = communities, 12
    total = selectors.total_of(communities, within, division_short_name(within) if within else "")
    parent = within[:{12: 9, 9: 6, 6: 4}.get(len(within), len(within))]
    can_up = len(within) > len(request.user.scope_prefix or "") and parent
    return {"kinds": kinds, "kind": kind, "kind_label": dict(kinds).get(kind, kind), "within": within, "run": run,
            "communities": communities, "rows": rows, "leaf": child == 12, "total": total,
            "parent": parent if can_up else "", "method_labels": dict(Method.choices)}


@capability_required("planning.view")
def circle(request: HttpRequest) -> HttpResponse:
    ctx = _circle_context(request)
    ctx.update({
        "tab": "circle",
        "map": selectors.map_data(request.user, ctx["within"], ctx["kind"], ctx["run"], ctx["communities"]),
        "network": WalkNetwork.objects.filter(active=True).defer("graph").first(),
        "latest": selectors.latest_run(),
        "network_form": NetworkForm(),
        "networks": WalkNetwork.objects.defer("graph").order_by("-pk")[:5],
    })
    return render(request, "planning/circle.html", ctx)


@capability_required("planning.view")
def build_next(request: HttpRequest) -> HttpResponse:
    ctx = _circle_context(request)
    ctx.update({"tab": "next", "ranked": selectors.build_next(ctx["communities"])})
    return render(request, "planning/next.html", ctx)


@require_POST
@capability_required("planning.manage")
def recompute(request: HttpRequest) -> HttpResponse:
    services.circle_request(by=request.user)
    messages.success(request, gettext("已提交重新计算，完成后本页显示新的结果"))
    return redirect("planning:circle")


@capability_required("planning.manage")
def network_upload(request: HttpRequest) -> HttpResponse:
    form = NetworkForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            network = services.network_upload(by=request.user, upload=form.cleaned_data["file"])
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, gettext("已上传路网文件“%(n)s”，后台读取后自动重新计算") % {"n": network.filename})
            return redirect("planning:circle")
    return render(request, "planning/form.html", {"form": form, "title": gettext("载入步行路网"), "tab": "circle",
                                                  "multipart": True}, status=400 if form.errors else 200)
