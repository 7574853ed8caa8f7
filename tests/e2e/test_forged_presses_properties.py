"""Property-based tests: forged button presses at the running bot (SPEC §9: a press acts only on
the message and round it belongs to; anything else is ignored).

Callback data is whatever a modified client sends: another round's rating, a /forget or /label
button's data on a round's post, a truncated or padded copy of a real button's data, digits of
other scripts, junk up to Telegram's 64 bytes. Each lands on one of the bot's messages (a
rating post of an open or a closed round, a poll post, a /forget confirmation, a reply with no
buttons): the press is answered, nothing is logged as an error, and no table changes. One bot
serves every example.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.telegram.presses import PressRefusals
from sandbox.models import SimChat
from tests.e2e.dbfiles import snapshot
from tests.handlers.test_properties_handlers import community_group, no_errors_logged
from tests.harness import RunningBot

RUNS = settings(
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# What a refused press may write: nothing but the bookkeeping of refusals.
BOOKKEEPING = {"refusal_counts", "organiser_languages"}

# The messages to press on, by the bot's database (one bot serves a test's examples).
_TARGETS: dict[str, list[tuple[SimChat, int]]] = {}
REAL = ["rate:2:3", "rate:3:5", "forget:yes", "forget:no", "lbl:1:0:ok", "lbl:1:3:t1"]
DATA = st.one_of(
    # Another round's (or no round's) rating, any value.
    st.builds(
        lambda r, v: f"rate:{r}:{v}",
        st.sampled_from(["0", "1", "2", "3", "4", "99", "-2", "٢", "２", "02", "9" * 13]),
        st.sampled_from(["0", "1", "3", "5", "6", "-1", "５", "3 ", "3\n"]),
    ),
    # A real button's data cut short, or with something after it.
    st.builds(lambda d, n: d[:n], st.sampled_from(REAL), st.integers(0, 12)),
    st.builds(
        lambda d, tail: d + tail, st.sampled_from(REAL), st.sampled_from(["\n", ":1", "x", "\x00"])
    ),
    st.builds(
        lambda a, m, act: f"lbl:{a}:{m}:{act}",
        st.sampled_from(["1", "2", "0", "99999"]),
        st.sampled_from(["0", "ff", "ffffffff", "g", ""]),
        st.sampled_from(["ok", "skip", "stop", "t0", "t31", "t32", "t99", "p0", "p1", "p2", "x"]),
    ),
    st.text(max_size=64).filter(lambda t: len(t.encode("utf-8", "surrogatepass")) <= 64),
)


async def _setting(bot: RunningBot) -> list[tuple[SimChat, int]]:
    """The first example's world: in the group a text round (1), an open rating round (2), a
    closed rating round (3) and a poll (4); in a resident's private chat a /forget
    confirmation. Returns every message of the bot's to press on, with its chat."""
    group = await community_group(bot)
    targets = _TARGETS.get(bot.settings.storage.url)
    if targets is None:
        # Every example expects its press answered: lift the per-person cap on answered
        # refusals (what it leaves unanswered is tested in tests/e2e/test_dead_press.py).
        bot.app.bot_data.refused_presses = PressRefusals(per_minute=1_000_000)
        await bot.command(group, "/rate 2h 物业服务打几分？")
        await bot.command(group, "/rate 2h 保洁打几分？")
        await bot.command(group, "/close 3")
        await bot.command(group, "/poll 2h 先修哪里？ | 电梯 | 路灯")
        resident = bot.emulator.add_user("按按钮的人")
        private = bot.emulator.private_chat(resident)
        await bot.command(private, "/forget", user=resident)
        targets = [(group, m["message_id"]) for m in bot.emulator.messages_to(group.id)]
        targets += [(private, m["message_id"]) for m in bot.emulator.messages_to(private.id)]
        _TARGETS[bot.settings.storage.url] = targets
    return targets


def _buttons(message: dict[str, Any]) -> set[str]:
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return {str(button.get("callback_data")) for row in rows for button in row}


def _state(bot: RunningBot) -> dict[str, Any]:
    rows = snapshot(bot.settings)
    return {table: rows[table] for table in rows if table not in BOOKKEEPING}


@RUNS
@given(data=DATA, which=st.integers(0, 1_000))
async def test_a_forged_press_is_answered_and_changes_nothing(
    minyi_bot: RunningBot, data: str, which: int
) -> None:
    """A press whose data is not a button of the message it lands on changes no table, edits
    no message, logs no error and is answered (the presser's spinner stops)."""
    bot = minyi_bot
    em = bot.emulator
    targets = await _setting(bot)
    chat, message_id = targets[which % len(targets)]
    message = next(m for m in em.messages_to(chat.id) if m["message_id"] == message_id)
    if data in _buttons(message):
        return  # a real press: other tests say what it does
    # In a private chat only its own person can press; in the group, anyone.
    presser = (
        em.add_user("捣乱的人", language_code="en")
        if chat.type != "private"
        else next(u for u in em.users.values() if u.id == chat.id)
    )
    before, edits = _state(bot), len(em.calls_to("editMessageText"))
    with no_errors_logged():
        query = em.press_button(presser, chat, message_id, data, forged=True)
        await bot.settle()
    assert _state(bot) == before, f"a forged press {data!r} changed the database"
    assert len(em.calls_to("editMessageText")) == edits, f"{data!r} edited a message"
    assert em.callback_answer(query) is not None, f"{data!r} was never answered"
