"""Moderation: an organiser hides an answer from reports and exports (logged with the actor)."""

from __future__ import annotations

from typing import Literal

from bot.core.base import Core, Turn
from bot.core.roles import Caller, answer_in_reach

HideOutcome = Literal["hidden", "already_hidden", "not_found"]


async def _hide(core: Core, answer_id: int, actor: str, *, turn: Turn | None = None) -> HideOutcome:
    """Moderation: exclude an answer from reports and exports (logged with the actor)."""
    async with core.transaction(turn) as session:
        hidden = await session.set_answer_hidden(answer_id, actor, core.now())
        found = None if hidden else await session.get_answer(answer_id)
    if hidden:
        core.answers_removed += 1
        return "hidden"
    return "not_found" if found is None else "already_hidden"


async def hide_answer(
    core: Core, caller: Caller, answer_id: int, *, turn: Turn | None = None
) -> HideOutcome:
    """Hide an answer the caller may moderate (OutOfReach otherwise)."""
    await answer_in_reach(core, caller, answer_id)
    return await _hide(core, answer_id, core.resident(caller.user_id), turn=turn)
