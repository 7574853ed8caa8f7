"""The typed PTB context every handler receives: `context.bot_data` is a `BotData`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import CallbackContext, ExtBot

from bot.answers import RateLimiter
from bot.core import Core


@dataclass
class BotData:
    """Per-application state: the core, and short-lived caches of Telegram look-ups."""

    core: Core | None = None
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(per_minute=10))
    # (chat id, user id) -> (is admin, looked up at monotonic time)
    admin_cache: dict[tuple[int, int], tuple[bool, float]] = field(default_factory=dict)

    def require_core(self) -> Core:
        """The core (set in post_init before any update is processed)."""
        if self.core is None:
            raise RuntimeError("the application was not initialised")
        return self.core


Ctx = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
