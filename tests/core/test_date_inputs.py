"""A date field shows its value in a browser's date picker: rendered as 2026-11-30, not 2026/11/30 (which
`<input type="date">` cannot show, so the field looked empty); the other ways offices write a date still parse
(2026/11/30, 2026年11月30日)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import translation


class _Form(forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


def test_a_date_input_renders_iso_in_chinese_and_parses_what_offices_write():
    with translation.override("zh-hans"):
        assert 'value="2026-11-30"' in str(_Form(initial={"day": dt.date(2026, 11, 30)})["day"])
        for text in ("2026-11-30", "2026/11/30", "2026年11月30日"):
            form = _Form({"day": text})
            assert form.is_valid() and form.cleaned_data["day"] == dt.date(2026, 11, 30), text
