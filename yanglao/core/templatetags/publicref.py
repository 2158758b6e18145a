"""`{{ obj.public_ref|public_ref }}`: a public reference as printed on receipts and cards (K7QM-3XWP-9TRD)."""

from django import template

from yanglao.core.publicref import display

register = template.Library()


@register.filter(name="public_ref")
def public_ref(value: str | None) -> str:
    return display(value or "")
