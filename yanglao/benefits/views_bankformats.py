"""代发文件格式: the banks' payment-file layouts, listed with a sample of each and edited by the city."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from yanglao.core.errors import DomainError
from yanglao.core.views import capability_required

from . import bankformats
from .models import BankFileFormat
from .payfiles import BANK_COLUMNS
from .views import _form_errors

_TITLE_TO_KEY = {title: key for key, title in BANK_COLUMNS.items()}


def columns_from_text(text: str) -> list[str]:
    """"银行账号，户名，金额" (the titles staff know, in file order; codes accepted too) → column keys. An
    unknown title is kept as written so the service names it in its error."""
    parts = [p.strip() for p in re.split(r"[,，、;；\s]+", text) if p.strip()]
    return [_TITLE_TO_KEY.get(p, p) for p in parts]


class BankFormatForm(forms.Form):
    code = forms.CharField(label=_("格式代码"), max_length=40, help_text=_("小写字母、数字、- 和 _，如 psbc"))
    bank_name = forms.CharField(label=_("银行"), max_length=60)
    columns = forms.CharField(label=_("列顺序"), max_length=300,
                              help_text=format_lazy("{}{}", _("按文件中的顺序写列名，用逗号隔开。可用："),
                                                    "、".join(BANK_COLUMNS.values())))
    encoding = forms.ChoiceField(label=_("编码"), choices=list(bankformats.ENCODINGS.items()),
                                 help_text=_("GBK 写不出部分生僻字；银行支持时选 GB18030"))
    separator = forms.ChoiceField(label=_("分隔符"), choices=list(bankformats.SEPARATORS.items()))
    column_titles = forms.BooleanField(label=_("含列标题行"), required=False)
    header = forms.CharField(label=_("首行模板"), max_length=200, required=False,
                             help_text=format_lazy("{}{}", _("可用占位符："), "、".join(
                                 f"{{{k}}}{label}" for k, label in bankformats.PLACEHOLDERS.items())))
    trailer = forms.CharField(label=_("尾行模板"), max_length=200, required=False)
    filename_pattern = forms.CharField(label=_("文件名模板"), max_length=120,
                                       help_text=_("如 PSBC{date}_{run}.txt；只用字母、数字、点、- 和 _"))
    is_default = forms.BooleanField(label=_("设为默认格式"), required=False)

    def to_input(self) -> bankformats.FormatInput:
        d = self.cleaned_data
        return bankformats.FormatInput(
            code=d["code"].strip(), bank_name=d["bank_name"].strip(), columns=columns_from_text(d["columns"]),
            encoding=d["encoding"], separator=d["separator"], header=d["header"], trailer=d["trailer"],
            column_titles=d["column_titles"], filename_pattern=d["filename_pattern"].strip(), is_default=d["is_default"])


def _initial(fmt: BankFileFormat) -> dict[str, object]:
    return {"code": fmt.code, "bank_name": fmt.bank_name, "columns": "，".join(BANK_COLUMNS.get(c, c) for c in fmt.columns),
            "encoding": fmt.encoding, "separator": fmt.separator, "column_titles": fmt.column_titles,
            "header": fmt.header, "trailer": fmt.trailer, "filename_pattern": fmt.filename_pattern,
            "is_default": fmt.is_default}


@capability_required("benefits.configure")
def bank_formats(request: HttpRequest) -> HttpResponse:
    formats = [(f, "\n".join(bankformats.preview(f)), [BANK_COLUMNS.get(c, c) for c in f.columns])
               for f in BankFileFormat.objects.all()]
    return render(request, "benefits/bank_formats.html", {"formats": formats, "tab": "bank_formats",
                                                          "encodings": bankformats.ENCODINGS,
                                                          "separators": bankformats.SEPARATORS})


@capability_required("benefits.configure")
def bank_format_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = get_object_or_404(BankFileFormat, pk=pk) if pk else None
    form = BankFormatForm(request.POST or None, initial=_initial(instance) if instance else {"encoding": "gbk"})
    sample = ""
    if request.method == "POST" and form.is_valid():
        data = form.to_input()
        try:
            fmt = bankformats.bank_format_save(by=request.user, data=data, instance=instance)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已保存代发文件格式：%(name)s") % {"name": str(fmt)})
            return redirect("benefits:bank_formats")
    elif instance:
        sample = "\n".join(bankformats.preview(instance))
    return render(request, "benefits/bank_format_form.html", {"form": form, "instance": instance, "sample": sample,
                                                              "tab": "bank_formats"})
