"""Console form text fields take their model column's max length.

A plain `forms.Form` that feeds a service does not know its columns, so over-long text reached the
database (a 500 on PostgreSQL). `@sized_from(Model, field=…)` gives every CharField without a max_length
the length of the model column of the same name (or of `aliases[name]`: another field's name, or a
`(Model, field)` pair), so the form refuses it with its usual error and the input carries `maxlength`.
Every save checks again (`AuditedModel.check_text`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.apps import apps
from django.core.validators import MaxLengthValidator

from yanglao.core.api.lengths import model_max_length as _column_length

F = TypeVar("F", bound=type[forms.Form])


def sized_from(model: Any, **aliases: str | tuple[Any, str]) -> Callable[[F], F]:
    """`model` is a model class or an "app_label.Model" label (alias pairs likewise)."""

    def decorate(cls: F) -> F:
        for name, field in cls.base_fields.items():
            if not isinstance(field, forms.CharField) or field.max_length is not None:
                continue
            target = aliases.get(name, name)
            owner, column = target if isinstance(target, tuple) else (model, target)
            length = _column_length(apps.get_model(owner) if isinstance(owner, str) else owner, column)
            if length:
                field.max_length = length
                field.validators.append(MaxLengthValidator(length))
                field.widget.attrs.setdefault("maxlength", str(length))
        return cls

    return decorate
