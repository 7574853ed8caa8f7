"""Property-based tests: arbitrary commands and answers at the running bot, through the emulator.

One bot serves all the examples of a test (hypothesis re-runs the body, not the fixture), so
the examples also meet whatever state earlier examples left behind: rounds opened, closed,
renamed communities. Example counts stay small: each one is a real round trip over HTTP.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import ORGANISER_COMMANDS, RESIDENT_COMMANDS
from bot.telegram.flood import FloodLimiter
from nlp.normalise import has_readable
from sandbox.models import SimChat
from tests.bot.core.test_properties_parsing import ARGS
from tests.harness import RunningBot

TELEGRAM_LIMIT = 4096
RUNS = settings(
    # MINYI_PROPERTY_EXAMPLES=300 for a longer bug hunt; the suite keeps the default fast.
    max_examples=int(os.environ.get("MINYI_PROPERTY_EXAMPLES", "30")),
    deadline=None,
    # The running bot is meant to be shared by the examples.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
COMMANDS = sorted([*ORGANISER_COMMANDS, *RESIDENT_COMMANDS])


class Errors(logging.Handler):
    """Collects ERROR records: a handler exception is logged by the intake's error handler."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def no_errors_logged() -> Iterator[Errors]:
    """Fail if anything in the bot logs an error while the block runs."""
    errors = Errors()
    root = logging.getLogger()
    root.addHandler(errors)
    try:
        yield errors
    finally:
        root.removeHandler(errors)
    assert not errors.records, [r.getMessage() for r in errors.records]


def sent_texts_since(bot: RunningBot, first_call: int) -> list[str]:
    """Texts of every sendMessage/editMessageText the bot made from call index `first_call`."""
    calls = bot.emulator.calls[first_call:]
    for call in calls:  # ok is None while a long poll is still waiting
        assert call.ok is not False, f"{call.method} failed: {call.error_code} {call.description}"
    return [
        str(call.params.get("text", ""))
        for call in calls
        if call.method in ("sendMessage", "editMessageText")
    ]


def assert_well_formed(texts: list[str]) -> None:
    """Every reply has visible text within Telegram's limit."""
    for text in texts:
        assert text.strip(), "an empty reply"
        assert len(text) < TELEGRAM_LIMIT, len(text)


async def community_group(bot: RunningBot) -> SimChat:
    """The registered group with one open text round (set up by the first example)."""
    if "碧海社区" not in bot.groups:
        # Every example here expects its reply: lift the per-chat refusal cap (what it drops
        # is tested in tests/e2e/test_flood.py), as the examples share one group.
        bot.app.bot_data.replies.set_cap(1_000_000)
        # ... and Telegram's 20 messages a minute in a group (tests/e2e/test_flood_limits.py).
        limiter = bot.app.bot.rate_limiter
        assert isinstance(limiter, FloodLimiter)
        limiter.set_group_limit(1_000_000)
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/ask 7d 你觉得我们社区最需要改进什么？")
        # The organiser has started the bot, so what commands send them privately (/digest,
        # /export in a group) can reach them whichever example comes first; an organiser who
        # never did is told so (tests/e2e/test_roles.py).
        await bot.command(bot.emulator.private_chat(bot.organiser), "/start", user=bot.organiser)
    return bot.groups["碧海社区"]


@RUNS
@given(
    command=st.sampled_from(COMMANDS),
    args=ARGS,
    private=st.booleans(),
    as_organiser=st.booleans(),
)
async def test_any_command_with_any_arguments_gets_a_well_formed_reply(
    minyi_bot: RunningBot, command: str, args: str, private: bool, as_organiser: bool
) -> None:
    """Every command with arbitrary arguments, anywhere, from anyone: a sane reply, no error."""
    bot = minyi_bot
    em = bot.emulator
    group = await community_group(bot)
    user = bot.organiser if as_organiser else em.add_user("居民", language_code="en")
    chat = em.private_chat(user) if private else group
    first_call = len(em.calls)
    before = len(em.messages_to(chat.id))
    with no_errors_logged():
        await bot.command(chat, f"/{command} {args}", user=user)
    assert_well_formed(sent_texts_since(bot, first_call))
    silent = command == "start" and not private  # /start is for private chats only
    assert silent or len(em.messages_to(chat.id)) > before, f"no reply to /{command} {args!r}"


ANSWERS = st.text(min_size=1, max_size=2500).filter(
    lambda t: bool(t.strip()) and not t.lstrip().startswith("/")
)


@RUNS
@given(text=ANSWERS, private=st.booleans())
async def test_any_answer_is_stored_once_or_refused_with_a_reason(
    minyi_bot: RunningBot, text: str, private: bool
) -> None:
    """Arbitrary text as an answer is stored exactly once, or (too long, or nothing that
    shows) refused with a reply."""
    bot = minyi_bot
    em = bot.emulator
    group = await community_group(bot)
    post = next(m for m in em.messages_to(group.id) if "社区征询 #1" in m.get("text", ""))
    resident = em.add_user("居民")
    first_call = len(em.calls)
    with no_errors_logged():
        if private:
            chat = em.private_chat(resident)
            bot.join(resident, group)
            await bot.command(chat, "/start r1", user=resident)
            await bot.command(chat, text, user=resident)
        else:
            em.send_message(resident, group, text, reply_to=post["message_id"])
            await bot.settle()
    replies = sent_texts_since(bot, first_call)
    assert_well_formed(replies)
    async with bot.core.repo.transaction() as session:
        mine = await session.list_answers(resident=bot.core.resident(resident.id))
    if len(text.strip()) > bot.settings.limits.max_answer_chars:
        assert mine == [] and any("回答太长了" in r for r in replies), replies
    elif not has_readable(text):
        # Only invisible characters (a control character, zero-width spaces): no answer.
        assert mine == [] and any("只收文字回答" in r for r in replies), replies
    else:
        assert len(mine) == 1 and mine[0].round_id == 1
        assert not private or any("已收到" in r for r in replies), replies
