"""Workforce pages: caregivers and their certificates, training courses and attendance, subsidies as
rules, training against the target, and institutions' staffing against the norms."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core.audit import audit_sensitive_view
from yanglao.core.errors import DomainError
from yanglao.core.pagination import offset_page
from yanglao.core.params import int_param
from yanglao.core.scope import get_scoped_or_404, restrict
from yanglao.core.views import ConfirmAction, capability_required, confirm_action

from . import selectors, services
from .forms import AttendanceForm, CaregiverForm, CertificateForm, CourseForm, LeaveForm
from .models import Caregiver, CaregiverStatus, Course, SkillLevel, StaffingNorm, SubsidyRule, TrainingTarget


def _errors(form: Any, exc: DomainError) -> None:
    details = exc.details if isinstance(exc.details, dict) else {}
    for key, reason in details.items():
        if key in form.fields and isinstance(reason, str):
            form.add_error(key, reason)
    form.add_error(None, exc.message)


@capability_required("workforce.view")
def home(request: HttpRequest) -> HttpResponse:
    year = int_param(request.GET, "year", minimum=2000, maximum=2100) or timezone.localdate().year
    figures = selectors.training_figures(request.user, year)
    staffing = selectors.staffing(request.user)
    employed = restrict(Caregiver.objects.filter(status=CaregiverStatus.EMPLOYED), request.user)
    return render(request, "workforce/home.html", {
        "figures": figures, "year": year, "years": list(TrainingTarget.objects.values_list("year", flat=True)),
        "employed": employed.count(), "carers": employed.filter(role="carer").count(),
        "certified": employed.exclude(skill_level=0).count(), "expiring": selectors.expiring(request.user).count(),
        "below": [s for s in staffing if s.below], "homes": len(staffing),
    })


@capability_required("workforce.view")
def caregiver_list(request: HttpRequest) -> HttpResponse:
    qs = restrict(Caregiver.objects.select_related("institution", "employer"), request.user)
    q = (request.GET.get("q") or "").strip()[:32]
    level = request.GET.get("level") or ""
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(certificate_no=q))
    if level.isdigit():
        qs = qs.filter(skill_level=int(level))
    if request.GET.get("expiring"):
        qs = qs.filter(pk__in=selectors.expiring(request.user).values("pk"))
    if request.GET.get("status") in CaregiverStatus.values:
        qs = qs.filter(status=request.GET["status"])
    return render(request, "workforce/caregivers.html", {
        "page": offset_page(request, qs), "q": q, "level": level, "levels": SkillLevel.choices,
        "expiring": bool(request.GET.get("expiring")), "today": timezone.localdate(),
    })


@capability_required("workforce.manage")
def caregiver_new(request: HttpRequest) -> HttpResponse:
    form = CaregiverForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            cg = services.caregiver_create(by=request.user, data=form.cleaned_data)
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已登记护理员 %(n)s") % {"n": cg.name})
            return redirect("workforce:caregiver", pk=cg.pk)
    return render(request, "workforce/form.html", {"form": form, "title": _("登记护理员")})


@capability_required("workforce.view")
def caregiver_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cg = get_scoped_or_404(Caregiver.objects.select_related("institution", "employer"), request.user, pk=pk)
    audit_sensitive_view(cg, fields=["id_number_masked"], division_code=cg.division_code)
    return render(request, "workforce/caregiver.html", {
        "cg": cg, "subsidies": selectors.subsidies_for(cg), "today": timezone.localdate(),
        "attendances": cg.attendances.select_related("course").order_by("-course__starts_on"),
        "visible_courses": set(restrict(Course.objects.filter(attendances__caregiver=cg), request.user).values_list("pk", flat=True)),
        "can_manage": request.user.can("workforce.manage"),
    })


@capability_required("workforce.manage")
def caregiver_certify(request: HttpRequest, pk: int) -> HttpResponse:
    cg = get_scoped_or_404(Caregiver.objects.all(), request.user, pk=pk)
    initial = {f: getattr(cg, f) for f in CertificateForm.base_fields}
    form = CertificateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.caregiver_certify(by=request.user, caregiver=cg, data=form.cleaned_data)
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已更新证书"))
            return redirect("workforce:caregiver", pk=cg.pk)
    return render(request, "workforce/form.html", {"form": form, "title": _("登记证书") + f" · {cg.name}",
                                                   "back": reverse("workforce:caregiver", args=[cg.pk])})


@capability_required("workforce.manage")
def caregiver_leave(request: HttpRequest, pk: int) -> HttpResponse:
    cg = get_scoped_or_404(Caregiver.objects.select_related("institution"), request.user, pk=pk)
    return confirm_action(request, ConfirmAction(
        obj=cg, title=_("登记离职"), form=LeaveForm(request.POST or None), button=_("登记离职"), danger=True,
        redirect_to=reverse("workforce:caregiver", args=[cg.pk]), facts=[(_("护理员"), str(cg)),
                                                                          (_("所在养老机构"), cg.institution or "—")],
        summary=_("离职后不再计入机构护理人员配比，也不再享受岗位补贴。"),
        perform=lambda c, d: services.caregiver_leave(by=request.user, caregiver=cg, on=d["on"]), success=_("已登记离职")))


@capability_required("workforce.view")
def course_list(request: HttpRequest) -> HttpResponse:
    qs = restrict(Course.objects.annotate(n=Count("attendances"), done=Count("attendances", filter=Q(attendances__completed=True))),
                  request.user)
    return render(request, "workforce/courses.html", {"page": offset_page(request, qs.order_by("-starts_on", "pk"))})


@capability_required("workforce.manage")
def course_new(request: HttpRequest) -> HttpResponse:
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(by=request.user, data=form.cleaned_data | {
                "division_code": request.user.scope_prefix or ""})
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已登记培训班"))
            return redirect("workforce:course", pk=course.pk)
    return render(request, "workforce/form.html", {"form": form, "title": _("登记培训班")})


@capability_required("workforce.view")
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_scoped_or_404(Course.objects.all(), request.user, pk=pk)
    can_manage = request.user.can("workforce.manage")
    form = AttendanceForm(request.POST or None, user=request.user) if can_manage else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.attendance_record(by=request.user, course=course, **form.cleaned_data)
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已登记参训"))
            return redirect("workforce:course", pk=course.pk)
    return render(request, "workforce/course.html", {
        "course": course, "form": form,
        "rows": offset_page(request, restrict(course.attendances.select_related("caregiver__institution"), request.user)
                            .order_by("caregiver__name")),
    })


@capability_required("workforce.view")
def staffing(request: HttpRequest) -> HttpResponse:
    rows = selectors.staffing(request.user)
    rows.sort(key=lambda s: (not s.below, s.institution.name))
    return render(request, "workforce/staffing.html", {"rows": rows, "norms": StaffingNorm.objects.all(),
                                                       "levels": [-1, 0, 1, 2, 3, 4]})


@capability_required("workforce.view")
def rules(request: HttpRequest) -> HttpResponse:
    return render(request, "workforce/rules.html", {"rules": SubsidyRule.objects.all(), "targets": TrainingTarget.objects.all(),
                                                    "norms": StaffingNorm.objects.all()})
