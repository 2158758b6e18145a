"""Print buttons (POST: issuing a document writes its number), print jobs, the print log, the
administrator's wording of each kind, and the public verification page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from yanglao.core.errors import DomainError, NotFound
from yanglao.core.pagination import offset_page
from yanglao.core.scope import get_scoped_or_404
from yanglao.core.views import capability_required, safe_next

from . import selectors, services
from .models import DocumentJob, DocumentTemplate
from .registry import all_kinds, get_kind


def pdf_response(content: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@capability_required("documents.view")
def print_document(request: HttpRequest, kind: str, pk: str) -> HttpResponse:
    """Print one document: small ones come back as the PDF, large ones become a job to download later."""
    back = safe_next(request, request.POST.get("next")) or "documents:home"
    try:
        entry = get_kind(kind)
        record = services.record_for(kind, request.user, pk)
        reveal = request.POST.get("reveal") == "1"
        result = services.print_or_queue(entry.kind, record, request.user, reveal=reveal,
                                         reason=request.POST.get("reason", ""))
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if isinstance(result, DocumentJob):
        messages.success(request, _("文书较大，已在后台生成，完成后可在此下载。"))
        return redirect("documents:job", pk=result.pk)
    return pdf_response(result.pdf, result.filename)


@capability_required("documents.view")
def home(request: HttpRequest) -> HttpResponse:
    """My print jobs and the documents issued within my jurisdiction."""
    services.fail_stale_jobs()
    titles = {k.kind: k.title for k in all_kinds()}
    jobs = [(j, titles.get(j.kind, j.kind)) for j in selectors.jobs_for(request.user)[:10]]
    page = offset_page(request, selectors.issued_for(request.user))
    return render(request, "documents/home.html", {"jobs": jobs, "page": page})


@capability_required("documents.view")
def job(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_scoped_or_404(selectors.jobs_for(request.user), request.user, pk=pk)
    template = "documents/_job.html" if request.headers.get("HX-Request") else "documents/job.html"
    titles = {k.kind: k.title for k in all_kinds()}
    return render(request, template, {"job": item, "kind_title": titles.get(item.kind, item.kind)})


@capability_required("documents.view")
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_scoped_or_404(selectors.jobs_for(request.user), request.user, pk=pk)
    try:
        content = services.job_pdf(by=request.user, job=item)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("documents:job", pk=item.pk)
    return pdf_response(content, item.filename or f"job-{item.pk}.pdf", inline=False)


@require_POST
@capability_required("documents.view")
def job_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_scoped_or_404(selectors.jobs_for(request.user), request.user, pk=pk)
    try:
        services.rerun_job(by=request.user, job=item)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已重新排队生成"))
    return redirect("documents:job", pk=item.pk)


class TemplateForm(forms.ModelForm):
    class Meta:
        model = DocumentTemplate
        fields = ["title", "issuing_unit", "footer", "seal_text"]


@capability_required("documents.templates")
def templates(request: HttpRequest) -> HttpResponse:
    rows = {t.kind: t for t in DocumentTemplate.objects.all()}
    kinds = [{"entry": k, "wording": services.template_settings(k), "row": rows.get(k.kind)} for k in all_kinds()]
    return render(request, "documents/templates.html", {"kinds": kinds})


@capability_required("documents.templates")
def template_edit(request: HttpRequest, kind: str) -> HttpResponse:
    try:
        entry = get_kind(kind)
    except NotFound:
        from django.http import Http404

        raise Http404 from None
    row = DocumentTemplate.objects.filter(kind=kind).first()
    form = TemplateForm(request.POST or None, instance=row)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.save_template(by=request.user, kind=kind, data=form.cleaned_data)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("已保存文书模板"))
            return redirect("documents:templates")
    return render(request, "documents/template_edit.html", {
        "entry": entry, "form": form, "error": error, "defaults": {
            "title": entry.title, "issuing_unit": entry.issuing_unit, "footer": entry.footer or "—",
            "seal_text": entry.seal_text or entry.issuing_unit}})


# --------------------------------------------------------------------------- public


class VerifyForm(forms.Form):
    number = forms.CharField(label=_l("文书编号"), max_length=20)
    h = forms.CharField(label=_l("校验码"), max_length=80)


VERIFY_LIMIT = 30  # lookups per address in 10 minutes


def _verify_allowed(request: HttpRequest) -> bool:
    from yanglao.core import ratelimit
    from yanglao.core.clientip import client_ip

    return ratelimit.hit("documents-verify", client_ip(request) or "-", limit=VERIFY_LIMIT,
                         window_seconds=600).allowed


def verify(request: HttpRequest, number: str | None = None) -> HttpResponse:
    """Public: was a document with this number and content hash issued? The QR code on every document
    opens this page with both filled in; the form takes the number and the printed check code."""
    data = request.GET if (number or request.GET.get("number")) else None
    if number:
        data = {"number": number, "h": request.GET.get("h", "")}
    form = VerifyForm(data)
    result, throttled, status = None, False, 200
    if data is not None and form.is_valid():
        if not _verify_allowed(request):
            throttled, status = True, 429
        else:
            result = selectors.verify(form.cleaned_data["number"], form.cleaned_data["h"])
    response = render(request, "documents/public_verify.html",
                      {"form": form, "result": result, "throttled": throttled}, status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
