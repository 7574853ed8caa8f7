"""`Session` is composed of one part per aggregate (storage/repository/): the composition must
neither lose nor shadow an operation."""

from __future__ import annotations

import inspect

from storage.repository import Session
from storage.repository.base import Part


def _own_names(part: type) -> set[str]:
    return {name for name, value in vars(part).items() if inspect.isfunction(value)}


def test_no_two_parts_define_the_same_operation() -> None:
    """Every operation is defined by exactly one part, so none hides another in the mixin
    order."""
    parts = [
        base for base in Session.__mro__ if issubclass(base, Part) and base not in (Session, Part)
    ]
    seen: dict[str, str] = {}
    for part in parts:
        for name in _own_names(part):
            assert name not in seen, f"{name} is defined by {seen[name]} and {part.__name__}"
            seen[name] = part.__name__
    assert len(parts) >= 10 and "get_round" in seen and "count_themes" in seen


def test_session_offers_every_part_operation() -> None:
    """Each part's public operations are reachable on a Session under the same name."""
    for part in Session.__mro__:
        if issubclass(part, Part) and part not in (Session, Part):
            for name in _own_names(part):
                assert getattr(Session, name) is vars(part)[name], (part.__name__, name)
