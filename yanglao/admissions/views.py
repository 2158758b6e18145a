"""Waiting-list pages for staff, and the public queue lookup."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from yanglao.core.errors import DomainError
from yanglao.core.formsizes import sized_from
from yanglao.core.pagination import offset_page
from yanglao.core.params import id_param
from yanglao.core.pickers import bind_pickers
from yanglao.core.scope import get_scoped_or_404, restrict
from yanglao.core.views import ConfirmAction, capability_required, confirm_action
from yanglao.institutions.choices import BedStatus
from yanglao.institutions.models import Bed, Institution
from yanglao.people.pickers import PersonField

from . import services
from .models import Application, Offer, OfferStatus, PriorityRule


@sized_from("admissions.Application")
class ApplyForm(forms.Form):
    person = PersonField(label=_("老年人"))
    institution = forms.ModelChoiceField(label=_("申请入住机构"), queryset=Institution.objects.none())
    dementia_declared = forms.BooleanField(label=_("经诊断患有认知障碍（失智）"), required=False)
    notes = forms.CharField(label=_("备注"), required=False)


def _homes() -> object:
    return Institution.objects.filter(accepts_public_admission=True).order_by("division_code", "name")


@capability_required("admissions.view")
def queue_page(request: HttpRequest) -> HttpResponse:
    # Public homes of the user's city (their names and queue positions are public; applicants from
    # outside the user's jurisdiction are shown masked); operators see their own homes.
    if request.user.scope_prefix:
        homes = list(_homes().filter(division_code__startswith=request.user.scope_prefix[:4]))
    else:
        homes = list(restrict(_homes(), request.user))
    selected = None
    inst_id = id_param(request.GET, "institution")
    if inst_id:
        selected = next((h for h in homes if h.pk == inst_id), None)
    selected = selected or (homes[0] if homes else None)
    rows: Any = []
    vacant: list[Any] = []
    others = 0
    if selected is not None:
        # Each viewer sees their own jurisdiction's applicants with their positions; everyone else in
        # the queue is only counted (no name, priority group or care level: 特困 and 优抚 are sensitive).
        visible = set(restrict(Application.objects.filter(institution=selected), request.user).values_list("pk", flat=True))
        for position, app in enumerate(services.queue(selected), start=1):
            if app.pk not in visible:
                others += 1
                continue
            rows.append({"app": app, "position": position, "visible": True})
        rows = offset_page(request, rows)  # 20 a page; positions stay those of the whole queue
        for row in rows:
            row["offer"] = row["app"].offers.filter(status=OfferStatus.PENDING).select_related("bed").first()
        vacant = list(Bed.objects.filter(institution=selected, status=BedStatus.VACANT))
        if rows:  # the queue shows applicants' care levels (health data)
            from yanglao.core.audit import audit_sensitive_view

            audit_sensitive_view(selected, fields=["applications.care_level"], division_code=selected.division_code)
    return render(request, "admissions/queue.html", {
        "homes": homes, "selected": selected, "rows": rows, "vacant": vacant, "others": others,
        "rules": PriorityRule.objects.all(), "can_offer": request.user.can("admissions.offer"),
    })


@capability_required("admissions.apply")
def apply_page(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(ApplyForm(request.POST or None, initial={"person": request.GET.get("person")}), request.user)
    form.fields["institution"].queryset = _homes()
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]
        try:
            app = services.application_create(by=request.user, person=person, institution=form.cleaned_data["institution"],
                                              dementia_declared=form.cleaned_data["dementia_declared"],
                                              notes=form.cleaned_data["notes"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已受理，申请编号 %(n)s（%(g)s）") % {"n": app.number, "g": app.priority_name})
            return redirect("admissions:receipt", pk=app.pk)
    return render(request, "admissions/apply.html", {"form": form})


def _act(request: HttpRequest, func, ok: str, institution_id: int) -> HttpResponse:  # type: ignore[no-untyped-def]
    try:
        func()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return redirect(f"/admissions/?institution={institution_id}")


@capability_required("admissions.offer")
@require_POST
def offer(request: HttpRequest) -> HttpResponse:
    app = get_scoped_or_404(Application.objects.select_related("institution"), request.user, pk=request.POST.get("application"))
    bed = get_scoped_or_404(Bed.objects.all(), request.user, pk=request.POST.get("bed"))
    return _act(request, lambda: services.offer_bed(by=request.user, application=app, bed=bed), str(_("已安排床位")),
                app.institution_id)


@capability_required("admissions.offer")
def respond(request: HttpRequest, pk: int, answer: str) -> HttpResponse:
    """Admitting (the offer accepted) or recording a decline: a confirmation page with the applicant,
    the home and the bed, and a comment kept in the audit line."""
    item = get_scoped_or_404(Offer.objects.select_related("application__institution", "application__person", "bed"),
                             request.user, pk=pk)
    app = item.application
    facts = [(_("申请编号"), app.number), (_("申请人"), f"{app.person.name}（{app.person.age}岁）"),
             (_("轮候类别"), app.priority_name), (_("入住机构"), app.institution.name), (_("床位"), str(item.bed)),
             (_("答复期限"), item.respond_by)]
    back = f"{reverse('admissions:list')}?institution={app.institution_id}"
    if answer == "accept":
        return confirm_action(request, ConfirmAction(
            obj=item, title=str(_("办理入住")), facts=facts, button=str(_("确认入住")), redirect_to=back,
            summary=str(_("确认后该老年人入住上述床位，其其他轮候申请随之撤回。入住须有有效期内的能力评估结果。")),
            perform=lambda comment, data: services.offer_accept(by=request.user, offer=item),
            success=str(_("已办理入住"))))
    return confirm_action(request, ConfirmAction(
        obj=item, title=str(_("登记放弃床位")), facts=facts, button=str(_("登记放弃")), redirect_to=back, danger=True,
        summary=str(_("放弃后床位重新空出；在规定期限内多次放弃的申请将被暂停轮候。")),
        perform=lambda comment, data: services.offer_decline(by=request.user, offer=item, reason=comment),
        success=str(_("已登记放弃")), comment_label=str(_("放弃原因")), comment_field="reason"))




@capability_required("admissions.view")
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The acceptance receipt (受理回执) handed to the applicant: the internal number for staff, the public
    reference and the way to look up the queue position for the family (issue 15)."""
    from yanglao.core.publicref import display, mask_name

    app = get_scoped_or_404(Application.objects.select_related("person", "institution"), request.user, pk=pk)
    return render(request, "admissions/receipt.html", {
        "app": app, "reference": display(app.public_ref), "name": mask_name(app.person.name),
        "lookup_url": request.build_absolute_uri("/public/lookup/?kind=queue"),
    })


def public_lookup(request: HttpRequest) -> HttpResponse:
    """Public: the waiting-list rules; the lookup itself is the portal's (public reference + second factor)."""
    return render(request, "admissions/public_lookup.html", {"rules": PriorityRule.objects.all()})
