"""Registry pages: search list, person record, new person, import, export, duplicates."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from yanglao.core.audit import audit_sensitive_list, audit_sensitive_view
from yanglao.core.dictionary_forms import DictionaryDatalistInput, dictionary_field_choices
from yanglao.core.errors import Conflict, DomainError
from yanglao.core.formsizes import sized_from
from yanglao.core.http import xlsx_response
from yanglao.core.models import AuditEntry, Division, DivisionLevel
from yanglao.core.pagination import keyset_page
from yanglao.core.pickers import DivisionField, bind_pickers
from yanglao.core.scope import get_scoped_or_404, restrict
from yanglao.core.uploads import read_uploaded, upload_limit
from yanglao.core.views import capability_required

from . import exporting, importing, selectors, services, unmasked
from .choices import AgeBand, Category, ContactKind, Status
from .models import Contact, ImportJob, Person, PersonCategory


class SearchForm(forms.Form):
    q = forms.CharField(label=_("姓名/身份证/电话"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("姓名、身份证号、后四位+姓名、电话")}))
    division = DivisionField(label=_("区划"), required=False)
    category = forms.ChoiceField(label=_("人员类别"), required=False,
                                 choices=dictionary_field_choices("person_category", blank=_("全部")))
    age_band = forms.ChoiceField(label=_("年龄段"), required=False, choices=[("", _("全部"))] + list(AgeBand.choices))
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + list(Status.choices))
    living_situation = forms.ChoiceField(label=_("居住状况"), required=False,
                                         choices=dictionary_field_choices("living_situation", blank=_("全部")))


@sized_from("people.Person", phone="phone_masked", contact_name=("people.Contact", "name"),
            contact_relation=("people.Contact", "relation"), contact_phone=("people.Contact", "phone_masked"))
class PersonForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=32)
    id_number = forms.CharField(label=_("身份证号码"), max_length=20)
    phone = forms.CharField(label=_("联系电话"), required=False)
    division_code = DivisionField(label=_("居住社区"), level=DivisionLevel.COMMUNITY,
                                  help_text=_("输入名称搜索或逐级选择；也可输入12位区划代码"))
    address = forms.CharField(label=_("居住地址"), required=False)
    living_situation = forms.ChoiceField(label=_("居住状况"), choices=dictionary_field_choices("living_situation"))
    categories = forms.MultipleChoiceField(label=_("人员类别"), required=False,
                                           choices=dictionary_field_choices("person_category"),
                                           widget=forms.CheckboxSelectMultiple)
    disability_grade = forms.ChoiceField(label=_("残疾等级"), required=False, choices=[("", "—"), ("1", "一级"), ("2", "二级")])
    contact_name = forms.CharField(label=_("紧急联系人"), required=False)
    contact_relation = forms.CharField(label=_("与本人关系"), required=False,
                                       widget=DictionaryDatalistInput("contact_relation"))
    contact_phone = forms.CharField(label=_("紧急联系人电话"), required=False)


@sized_from("people.Person", phone="phone_masked")
class PersonEditForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=32)
    phone = forms.CharField(label=_("联系电话"), required=False, help_text=_("留空则保留原号码"))
    division_code = DivisionField(label=_("居住社区"), level=DivisionLevel.COMMUNITY)
    address = forms.CharField(label=_("居住地址"), required=False)
    living_situation = forms.ChoiceField(label=_("居住状况"), choices=dictionary_field_choices("living_situation"))
    status = forms.ChoiceField(label=_("状态"), choices=[(value, label) for value, label in Status.choices if value != Status.MERGED])
    status_date = forms.DateField(label=_("状态日期（迁出、死亡）"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    consent_at = forms.DateField(label=_("敏感信息处理同意日期"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    consent_by = forms.CharField(label=_("同意人"), required=False)
    consent_document = forms.CharField(label=_("同意书编号"), required=False)


@sized_from("people.PersonCategory")
class CategoryForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=dictionary_field_choices("person_category"))
    valid_from = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    document_no = forms.CharField(label=_("证明文件编号"), required=False)
    issuing_unit = forms.CharField(label=_("认定单位"), required=False)
    disability_grade = forms.ChoiceField(label=_("残疾等级"), required=False, choices=[("", "—"), ("1", "一级"), ("2", "二级")])


@sized_from("people.Contact", phone="phone_masked")
class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=ContactKind.choices)
    name = forms.CharField(label=_("姓名"))
    relation = forms.CharField(label=_("关系"), required=False, widget=DictionaryDatalistInput("contact_relation"))
    phone = forms.CharField(label=_("电话"), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("文件（.xlsx / .csv）"))
    mode = forms.ChoiceField(label=_("导入方式"), choices=[("valid", _("仅导入正确的行，错误行生成报告")),
                                                       ("all", _("全部正确才导入（有错误则不导入任何数据）"))],
                             initial="valid", widget=forms.RadioSelect)


@capability_required("people.view")
def person_list(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(SearchForm(request.GET or None), request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.search_people(request.user, filters)
    # keyset pages in the order of the index the search reads (a name: name, community, id; else
    # community, id): page 1 and page 5,000 cost the same at any registry size; the total is a fast count (约 beyond)
    page = keyset_page(request, qs, order=selectors.search_order(filters))
    audit_sensitive_list(Person, ids=[p.pk for p in page.rows], fields=["id_number(masked)", "phone(masked)"],
                         division_code=request.user.scope_prefix or "")
    return render(request, "people/list.html", {
        "form": form, "page": page, "next_url": page.next_url, "first_url": page.first_url, "query": page.query,
        "today": timezone.localdate(), "can_export_unmasked": request.user.can("people.export_unmasked"),
        "unmasked_cap": settings.UNMASKED_EXPORT_MAX_ROWS,
    })


@capability_required("people.view")
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_scoped_or_404(
        Person.objects.prefetch_related(Prefetch("categories", queryset=PersonCategory.objects.order_by("-valid_from")),
                                        "contacts"),
        request.user, pk=pk,
    )
    audit_sensitive_view(person, fields=["id_number(masked)", "phone(masked)", "categories"])
    show_views = request.GET.get("views") == "1"
    history, view_count = _history(person, include_views=show_views)
    path = Division.objects.filter(code=person.division_code).first()
    return render(request, "people/detail.html", {
        "person": person, "history": history, "division": path, "show_views": show_views, "view_count": view_count,
        "crumbs": path.path() if path else [], "today": timezone.localdate(),
        "current": selectors.current_categories(person),
        "category_form": CategoryForm(initial={"valid_from": timezone.localdate()}), "contact_form": ContactForm(),
        "can_change": request.user.can("people.change"),
    })


VIEW_ACTIONS = ("view_sensitive", "reveal", "export")


def _history(person: Person, *, include_views: bool = False) -> tuple[list[AuditEntry], int]:
    """The record's history: the person (and records merged into it), their categories and contacts,
    each matched by its own type and id. Changes by default; views and reveals (logged on every
    opening of the record) one click away, with their count."""
    from django.db.models import Q

    person_ids = [person.pk, *person.merged_from.values_list("pk", flat=True)]
    category_ids = PersonCategory.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)
    contact_ids = Contact.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)
    q = (Q(object_type="people.person", object_id__in=[str(i) for i in person_ids])
         | Q(object_type="people.personcategory", object_id__in=[str(i) for i in category_ids])
         | Q(object_type="people.contact", object_id__in=[str(i) for i in contact_ids]))
    lines = AuditEntry.objects.filter(q)
    views = lines.filter(action__in=VIEW_ACTIONS)
    shown = lines if include_views else lines.exclude(action__in=VIEW_ACTIONS)
    return list(shown.order_by("-at", "-id")[:100]), views.count()


@capability_required("people.reveal")
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_scoped_or_404(Person.objects.all(), request.user, pk=pk)
    try:
        revealed = services.person_reveal(by=request.user, person=person, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        return render(request, "people/_reveal_form.html", {"person": person, "error": exc.message})
    return render(request, "people/_revealed.html", {"revealed": revealed})


@capability_required("people.change")
def person_create(request: HttpRequest) -> HttpResponse:
    own = request.user.scope_prefix or ""  # a community worker registers in their own community
    form = bind_pickers(PersonForm(request.POST or None, initial={"division_code": own if len(own) == 12 else ""}),
                        request.user)
    error = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["categories"] = [{"category": c, "disability_grade": data.get("disability_grade")} for c in data["categories"]]
        try:
            person = services.person_create(by=request.user, data=data)
        except DomainError as exc:
            error = exc.message
            for field, reason in (exc.details or {}).items():
                form.add_error(field if field in form.fields else None, reason)
        else:
            messages.success(request, _("已登记：%(name)s") % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/form.html", {"form": form, "error": error})


@capability_required("people.change")
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_scoped_or_404(Person.objects.all(), request.user, pk=pk)
    initial = {f: getattr(person, f) for f in ("name", "division_code", "address", "living_situation", "status",
                                                "status_date", "consent_at", "consent_by", "consent_document")}
    form = bind_pickers(PersonEditForm(request.POST or None, initial=initial), request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data}
        if not data.get("phone"):
            data.pop("phone", None)
        if "status" in data or "status_date" in data:
            data["status"], data["status_date"] = form.cleaned_data["status"], form.cleaned_data["status_date"]
        try:
            services.person_update(by=request.user, person=person, data=data)
        except DomainError as exc:
            for field, reason in (exc.details or {}).items():
                form.add_error(field if field in form.fields else None, reason)
        else:
            messages.success(request, _("已保存"))
            return redirect("people:detail", pk=pk)
    return render(request, "people/edit.html", {"form": form, "person": person})


@capability_required("people.change")
@require_POST
def category_add(request: HttpRequest, pk: int) -> HttpResponse:
    from .validation import CategoryInput

    person = get_scoped_or_404(Person.objects.all(), request.user, pk=pk)
    form = CategoryForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items()))
        return redirect("people:detail", pk=pk)
    data = form.cleaned_data
    grade = int(data["disability_grade"]) if data["disability_grade"] else None
    if data["category"] == Category.SEVERE_DISABILITY and grade is None:
        messages.error(request, _("重度残疾须填写残疾等级（一级或二级）"))
        return redirect("people:detail", pk=pk)
    try:
        services.category_add(by=request.user, person=person, item=CategoryInput(
            category=data["category"], valid_from=data["valid_from"], document_no=data["document_no"],
            issuing_unit=data["issuing_unit"],
            disability_grade=grade if data["category"] == Category.SEVERE_DISABILITY else None))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已登记人员类别"))
    return redirect("people:detail", pk=pk)


@capability_required("people.change")
@require_POST
def category_end(request: HttpRequest, pk: int, category_pk: int) -> HttpResponse:
    category = get_scoped_or_404(PersonCategory.objects.all(), request.user, pk=category_pk, person_id=pk)
    try:
        import datetime as dt

        services.category_end(by=request.user, category=category,
                              on=dt.date.fromisoformat(request.POST.get("valid_to", "")))
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", str(_("日期格式有误"))))
    else:
        messages.success(request, _("已终止该类别"))
    return redirect("people:detail", pk=pk)


@capability_required("people.change")
@require_POST
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    from yanglao.core.idnumber import PhoneError, normalise_phone

    from .validation import ContactInput

    person = get_scoped_or_404(Person.objects.all(), request.user, pk=pk)
    form = ContactForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("联系人信息有误"))
        return redirect("people:detail", pk=pk)
    data = form.cleaned_data
    try:
        phone = normalise_phone(data["phone"], default_area_code="0662") if data["phone"] else ""
        services.contact_add(by=request.user, person=person, item=ContactInput(
            kind=data["kind"], name=data["name"], relation=data["relation"], phone=phone))
    except PhoneError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已登记联系人"))
    return redirect("people:detail", pk=pk)


@capability_required("people.export")
def person_export(request: HttpRequest) -> Any:
    """GET: a masked list. POST (with a reason): the same list with full ID numbers and phones, for
    holders of people.export_unmasked; above the row cap it becomes a request for a second signature."""
    unmasked_post = request.method == "POST"
    params = request.POST if unmasked_post else request.GET
    form = bind_pickers(SearchForm(params or None), request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    fmt = "csv" if params.get("format") == "csv" else "xlsx"
    try:
        qs = selectors.search_people(request.user, filters)
        if not unmasked_post:
            return exporting.export_people(by=request.user, qs=qs, fmt=fmt, masked=True, filters=filters)
        reason = params.get("reason", "")
        try:
            return exporting.export_people(by=request.user, qs=qs, fmt=fmt, masked=False, filters=filters, reason=reason)
        except Conflict as exc:
            if exc.code != "needs_second_signature":
                raise
            req = unmasked.request_create(by=request.user, filters=filters, fmt=fmt, reason=reason,
                                          row_count=exc.details["rows"])
            messages.warning(request, _("本次 %(n)s 行超过单人导出上限，已提交导出申请 %(id)s，待另一名管理人员审批后下载")
                             % {"n": exc.details["rows"], "id": req.pk})
            return redirect("people:export_requests")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("people:list")


@capability_required("people.export_unmasked")
def export_requests(request: HttpRequest) -> HttpResponse:
    rows = list(unmasked.requests_for(request.user)[:50])
    return render(request, "people/export_requests.html", {"rows": rows})


@capability_required("people.export_unmasked")
@require_POST
def export_request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(unmasked.requests_for(request.user), pk=pk)
    try:
        unmasked.request_decide(by=request.user, request=req, approve=request.POST.get("decision") == "approve",
                                comment=request.POST.get("comment", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已处理导出申请 %(id)s") % {"id": req.pk})
    return redirect("people:export_requests")


@capability_required("people.export_unmasked")
@require_POST
def export_request_download(request: HttpRequest, pk: int) -> Any:
    req = get_object_or_404(unmasked.requests_for(request.user), pk=pk)
    try:
        taken = unmasked.request_take(by=request.user, request=req)
        form = bind_pickers(SearchForm(taken.filters), request.user)
        filters = form.cleaned_data if form.is_valid() else {}
        qs = selectors.search_people(request.user, filters)
        return exporting.export_people(by=request.user, qs=qs, fmt=taken.fmt, masked=False, filters=filters,
                                       approved=taken)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("people:export_requests")


@capability_required("people.import")
def import_page(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = importing.import_create(by=request.user, filename=upload.name,
                                          content=read_uploaded(upload, kind="people"),
                                          all_or_nothing=form.cleaned_data["mode"] == "all")
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("people:import_job", pk=job.pk)
    importing.fail_stale_jobs()  # a job whose worker died shows as failed, with a re-run button
    jobs = restrict(ImportJob.objects.all(), request.user)[:20]
    return render(request, "people/import.html", {"form": form, "jobs": jobs, "limit": upload_limit("people")})


@capability_required("people.import")
def import_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(importing.template_workbook(), "people-import-template.xlsx")


@capability_required("people.import")
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    importing.fail_stale_jobs()
    job = get_scoped_or_404(ImportJob.objects.all(), request.user, pk=pk)
    template = "people/_import_progress.html" if request.headers.get("HX-Request") else "people/import_job.html"
    return render(request, template, {"job": job, "errors": job.errors.all()[:200]})


@capability_required("people.import")
@require_POST
def import_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_scoped_or_404(ImportJob.objects.all(), request.user, pk=pk)
    try:
        importing.import_rerun(by=request.user, job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已重新排队导入"))
    return redirect("people:import_job", pk=job.pk)


@capability_required("people.import")
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_scoped_or_404(ImportJob.objects.all(), request.user, pk=pk)
    return xlsx_response(importing.error_report_workbook(job), f"import-{job.pk}-errors.xlsx")


@capability_required("people.view")
def duplicates(request: HttpRequest) -> HttpResponse:
    return render(request, "people/duplicates.html", {"groups": selectors.likely_duplicates(request.user)})


@capability_required("people.merge")
@require_POST
def merge(request: HttpRequest) -> HttpResponse:
    keep = get_scoped_or_404(Person.objects.all(), request.user, pk=request.POST.get("keep"))
    other = get_scoped_or_404(Person.objects.all(), request.user, pk=request.POST.get("merge"))
    try:
        services.person_merge(by=request.user, keep=keep, merge=other)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("people:duplicates")
    messages.success(request, _("已将档案 %(b)s 合并到 %(a)s") % {"a": keep.pk, "b": other.pk})
    return redirect("people:detail", pk=keep.pk)


def communities_for(user: Any) -> list[Division]:
    return list(restrict(Division.objects.filter(level=DivisionLevel.COMMUNITY), user))
