"""Sending the index scorecards `/index post` owes communities' groups (storage `index_posts`).

The command only stores what is owed (bot/core/organiser.py `owe_index_posts`); this module
sends it in one background task per process, so rendering and posting a scorecard per
community (minutes at city scale, with Telegram's limits) never holds up the intake. As for
round posts (bot/telegram/outbox.py), each scorecard is marked as started before its send and
as sent right after Telegram accepted it: a crash re-sends only what Telegram never accepted
(or, in the residual window between the two, once more, logged). A group that removed the bot
(403) marks its community inactive; a group that became a supergroup moves the community, and
its scorecard goes to the new chat id at once (the old id refused it: nothing was sent);
a scorecard Telegram keeps refusing is given up after MAX_ATTEMPTS. A group Telegram makes
the bot wait for (a flood wait, its 20 messages a minute) or that meets a network error is
left owed (never retried at once: a lost response may hide a scorecard Telegram accepted) and
the pass goes on with the other groups, so one slow group holds up nobody else's scorecard
(SPEC §9; a 30 s flood wait in the first group used to hold up all forty); the scheduler's
next tick starts another pass for what is left.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from itertools import groupby
from typing import Literal

from telegram import Bot

from bot.core.base import Core
from bot.core.chats import MAX_MOVES
from bot.core.errors import MinyiError
from bot.core.index.compute import IndexResult
from bot.core.indexing import compute
from bot.core.models import IndexPost
from bot.core.privacy import chat_label
from bot.render.index_report import scorecard_png
from bot.render.index_text import index_post_caption
from bot.telegram.delivery import deliver
from bot.telegram.flood import deferring, must_wait
from bot.telegram.sending import send_photo

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


async def send_owed_index_posts(core: Core, bot: Bot) -> int:
    """Send every scorecard owed and not yet sent; how many were sent."""
    sent = 0
    later: set[int] = set()  # chats left for a later pass
    async with core.index_post_lock:
        async with core.repo.transaction() as session:
            posts = await session.list_unsent_index_posts()
        for period, owed in groupby(sorted(posts, key=lambda p: p.period), key=lambda p: p.period):
            try:
                result = await compute(core, period)
            except MinyiError as exc:
                # The period's values were removed since the command: nothing left to show.
                log.warning("index scorecards for %s cannot be computed: %s", period, exc.key)
                for post in owed:
                    await _mark_sent(core, post, None)
                continue
            for post in owed:
                if post.chat_id in later or must_wait(bot, post.chat_id):
                    later.add(post.chat_id)  # its scorecards stay in order, on a later pass
                    continue
                outcome = await _send_one(core, bot, post, result)
                if outcome == "migrated":
                    return sent
                if outcome == "deferred":
                    later.add(post.chat_id)
                    continue
                sent += outcome
    return sent


async def _send_one(
    core: Core, bot: Bot, post: IndexPost, result: IndexResult
) -> int | Literal["migrated", "deferred"]:
    """Send one owed scorecard: 1 if sent, 0 if skipped or given up; "deferred" when it is
    left owed for a later pass (its chat must wait), "migrated" to end the pass."""
    mine = next((c for c in result.communities if c.name == post.community_name), None)
    if mine is None or mine.index is None:
        # Renamed, or its values were replaced by ones that no longer score it.
        await _mark_sent(core, post, None)
        return 0
    async with core.repo.transaction() as session:
        attempts = await session.add_index_post_attempt(post.period, post.community_id)
    if attempts > 1:
        log.warning(
            "re-sending the %s scorecard to chat %s (attempt %s): if an earlier attempt reached "
            "Telegram just before a crash, this one is a duplicate",
            post.period,
            chat_label(post.chat_id, core.secret),
            attempts,
        )
    # matplotlib takes a few tenths of a second per image: off the event loop.
    png = await asyncio.to_thread(scorecard_png, result, mine)
    place = result.communities.index(mine)
    for _ in range(MAX_MOVES):
        with deferring():
            delivery = await deliver(
                core,
                post.chat_id,
                f"the {post.period} scorecard",
                attempts=attempts,
                max_attempts=MAX_ATTEMPTS,
                send=partial(
                    send_photo,
                    bot,
                    post.chat_id,
                    png,
                    caption=index_post_caption(result, mine, core.settings.locale.default),
                    filename=f"scorecard_{place + 1}.png",
                ),
            )
        if delivery.moved_to is None:
            break
        post = post.model_copy(update={"chat_id": delivery.moved_to})
    if delivery.status == "migrated" or delivery.status == "deferred":
        return delivery.status
    if delivery.status == "given_up":
        await _mark_sent(core, post, None)
    if delivery.status != "sent" or delivery.value is None:
        return 0
    await _mark_sent(core, post, delivery.value.message_id)
    return 1


async def _mark_sent(core: Core, post: IndexPost, message_id: int | None) -> None:
    async with core.repo.transaction() as session:
        await session.set_index_post_sent(post.period, post.community_id, core.now(), message_id)
