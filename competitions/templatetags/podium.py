from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def plain(value):
    """A number as people write it: 10.00 → 10, 0.50 → 0.5."""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return value
