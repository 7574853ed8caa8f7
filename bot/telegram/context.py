"""The typed PTB context every handler receives: `context.bot_data` is a `BotData`.

`BotData.turns` is how a handler finds the `Turn` of the update it handles (see
bot/core/base.py): the intake registers it under the update id before dispatching and takes it
back after. An explicit table rather than a context variable, so the path is visible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.core.answers import RateLimiter
from bot.core.base import Core, Turn
from bot.telegram.background import OwedSender
from bot.telegram.presses import PressRefusals
from bot.telegram.replies import ReplyQueue


@dataclass
class AdminCache:
    """Whether a user administers (or, as `BotData.member_cache`, belongs to) a group,
    remembered for `seconds` after a look-up.

    Expired entries are dropped at most once per `seconds`, so the cache holds only the
    recent look-ups however many users and groups pass through.
    """

    seconds: float = 60.0
    _entries: dict[tuple[int, int], tuple[bool, float]] = field(default_factory=dict)
    _next_prune: float = 0.0

    def get(self, chat_id: int, user_id: int, now: float) -> bool | None:
        """The remembered answer, or None if there is none younger than `seconds`."""
        entry = self._entries.get((chat_id, user_id))
        if entry is None or now - entry[1] >= self.seconds:
            return None
        return entry[0]

    def put(self, chat_id: int, user_id: int, admin: bool, now: float) -> None:
        """Remember a look-up made at `now` (monotonic seconds)."""
        if now >= self._next_prune:
            self._entries = {k: v for k, v in self._entries.items() if now - v[1] < self.seconds}
            self._next_prune = now + self.seconds
        self._entries[(chat_id, user_id)] = (admin, now)

    def forget(self, chat_id: int, user_id: int) -> None:
        """Drop what is remembered about `user_id` in `chat_id` (they left the group)."""
        self._entries.pop((chat_id, user_id), None)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass
class BotData:
    """Per-application state: the core, the turns in flight, short-lived caches."""

    core: Core | None = None
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(per_minute=10))
    admin_cache: AdminCache = field(default_factory=AdminCache)
    # Briefly: someone who just joined may follow a round's link a minute later.
    member_cache: AdminCache = field(default_factory=lambda: AdminCache(seconds=30.0))
    turns: dict[int, Turn] = field(default_factory=dict)
    # (round id, community id) -> the web page's address, when the web pages are served;
    # set by bot/app.py, the one module that knows both channels.
    page_link: Callable[[int, int], str] | None = None
    # Replies owed after commit, one line per chat (bot/app.py gives it the core's clock).
    replies: ReplyQueue = field(default_factory=lambda: ReplyQueue(label=str))
    # Sends the scorecards `/index post` owed, in the background (set by bot/app.py).
    index_poster: OwedSender | None = None
    # Sends the round posts transitions owed, in the background (set by bot/app.py).
    round_poster: OwedSender | None = None
    # Which refused button presses still get an answer (bot/app.py gives it the core's clock).
    refused_presses: PressRefusals = field(default_factory=PressRefusals)

    def require_core(self) -> Core:
        """The core (set in post_init before any update is processed)."""
        if self.core is None:
            raise RuntimeError("the application was not initialised")
        return self.core


Ctx = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
MinyiApp = Application[Any, Ctx, dict[Any, Any], dict[Any, Any], BotData, Any]
