"""Hand-declared serializer text fields take their model column's max length.

ModelSerializer does this for the fields it builds; a plain Serializer that feeds a model (an input
serializer for a service) does not, so over-long text reached the database and failed there (a 500 on
PostgreSQL). `@lengths_from(Model)` gives every writable CharField without a max_length the length of
the model column of the same name (or of `aliases[name]`), so it is refused at the edge with a 400 and
the OpenAPI schema declares maxLength.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist
from rest_framework import serializers

S = TypeVar("S", bound=type[serializers.Serializer])


def model_max_length(model: Any, name: str) -> int | None:
    try:
        return model._meta.get_field(name).max_length
    except FieldDoesNotExist:
        return None


def lengths_from(model: Any, **aliases: str) -> Callable[[S], S]:
    def decorate(cls: S) -> S:
        declared = cls._declared_fields  # type: ignore[attr-defined]
        for name, field in list(declared.items()):
            if not isinstance(field, serializers.CharField) or field.read_only or field.max_length is not None:
                continue
            length = model_max_length(model, aliases.get(name, name))
            if length:
                # Fields are deep-copied from their constructor arguments, so build a new one.
                declared[name] = type(field)(*field._args, **{**field._kwargs, "max_length": length})
        return cls

    return decorate
