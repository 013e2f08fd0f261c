"""Guards for actions that take many things at once."""
from collections.abc import Mapping
from typing import Any


def has_a_filter(filters: Mapping[str, Any]) -> bool:
    """A bulk action needs at least one filter: without one it would take every signature."""
    return any(value for value in filters.values())
