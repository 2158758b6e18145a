"""Console pages of the portal: city staff keep the public policy texts and the care homes' public listing."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from yanglao.core.views import capability_required
from yanglao.institutions.models import Institution

from .cache import bump
from .models import InstitutionListing, PolicyText

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StyledForm(forms.ModelForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control")
            field.widget.attrs.setdefault("class", css)


class PolicyForm(StyledForm):
    document_url = forms.URLField(label=_("原文链接"), required=False, assume_scheme="https")

    class Meta:
        model = PolicyText
        fields = ["kind", "title", "audience", "summary", "how_to_apply", "programme", "document_title", "document_no",
                  "issuing_unit", "issued_on", "document_url", "department", "order", "published"]
        widgets = {"issued_on": DATE, "summary": forms.Textarea(attrs={"rows": 5}),
                   "how_to_apply": forms.Textarea(attrs={"rows": 3})}


class ListingForm(StyledForm):
    class Meta:
        model = InstitutionListing
        fields = ["price_min", "price_max", "price_note", "introduction", "photo"]
        widgets = {"introduction": forms.Textarea(attrs={"rows": 4})}

    def clean(self) -> dict:  # type: ignore[type-arg]
        data = super().clean() or {}
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and high < low:
            self.add_error("price_max", _("上限不能低于下限"))
        return data


@capability_required("portal.view")
def index(request: HttpRequest) -> HttpResponse:
    listings = {x.institution_id: x for x in InstitutionListing.objects.all()}
    homes = [(inst, listings.get(inst.pk)) for inst in Institution.objects.order_by("division_code", "name")]
    return render(request, "portal/console_index.html", {
        "policies": PolicyText.objects.select_related("programme"), "homes": homes,
        "can_manage": request.user.can("portal.manage"),
    })


@capability_required("portal.manage")
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    policy = get_object_or_404(PolicyText, pk=pk) if pk else None
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        bump()
        messages.success(request, _("已保存：%(t)s") % {"t": saved.title})
        return redirect("portal_console:index")
    return render(request, "portal/console_form.html", {
        "form": form, "title": _("修改政策公开文本") if policy else _("新增政策公开文本"), "multipart": False})


@capability_required("portal.manage")
def listing_edit(request: HttpRequest, institution_id: int) -> HttpResponse:
    inst = get_object_or_404(Institution, pk=institution_id)
    listing = InstitutionListing.objects.filter(institution=inst).first() or InstitutionListing(institution=inst)
    form = ListingForm(request.POST or None, request.FILES or None, instance=listing)
    if request.method == "POST" and form.is_valid():
        photo = form.cleaned_data.get("photo")
        if photo and getattr(photo, "content_type", "") not in ("image/jpeg", "image/png", "image/webp"):
            form.add_error("photo", _("请上传 JPG、PNG 或 WebP 图片"))
        else:
            form.save()
            bump()
            messages.success(request, _("已保存：%(n)s 的公开信息") % {"n": inst.name})
            return redirect("portal_console:index")
    return render(request, "portal/console_form.html", {
        "form": form, "title": _("机构公开信息：%(n)s") % {"n": inst.name}, "multipart": True})
