"""Who may run organiser commands (SPEC §1)."""

from __future__ import annotations

from bot.config import Settings


def is_organiser(settings: Settings, user_id: int, *, group_admin: bool = False) -> bool:
    """Listed in roles.organisers, or an admin of the group when that is allowed."""
    if user_id in settings.roles.organisers:
        return True
    return group_admin and settings.roles.group_admins_are_organisers
