"""Two organisers label at once, and an answer is hidden while its /label card is open: a
label once given is never lost to another organiser's skip, and a hidden answer's label counts
nowhere (not in reports' agreement, not in `minyi export --labels`)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from bot.core.labelling import LABEL_CLAIM, label_agreement
from demo.local import serving_app
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser
from tests.harness import SECRET, RunningBot, make_settings
from tests.labelling_helpers import label_button, label_message

ANSWERS = [
    "物业费年年涨，账目从来不公开，业主根本不知道钱花哪了",
    "小区停车位太少，晚上回来只能停在消防通道上",
    "希望社区开会的时候多听听我们老年人的意见",
]


async def _press(bot: RunningBot, who: SimUser, chat: SimChat, action: str) -> None:
    message = label_message(bot, chat)
    bot.emulator.press_button(who, chat, message["message_id"], label_button(message, action))
    await bot.settle()


def _offered(bot: RunningBot, chat: SimChat) -> int:
    found = re.search(r"#(\d+)", label_message(bot, chat)["text"])
    assert found is not None
    return int(found.group(1))


async def _answered(bot: RunningBot) -> SimChat:
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 48h 大家对小区管理有什么意见？")
    emulator = bot.emulator
    post = next(m["message_id"] for m in emulator.messages_to(group.id) if "小区" in m["text"])
    for i, text in enumerate(ANSWERS):
        emulator.send_message(emulator.add_user(f"居民{i}"), group, text, reply_to=post)
    await bot.settle()
    return group


def _export_labels(tmp_path: Path) -> str:
    """`minyi export --labels` on the bot's database, as an operator runs it."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path / "minyi.db"}"\n[privacy]\nsecret = "{SECRET}"\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "export", "--labels"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_two_organisers_labelling_at_once_are_shown_different_answers(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """Two organisers send /label in the same moment: each is shown an answer of their own,
    and so again after each confirms; a third /label by the first shows their own card's
    answer again, not the other's."""
    first = emulator.add_user("组织者甲", language_code="zh-hans")
    second = emulator.add_user("组织者乙", language_code="zh-hans")
    settings = make_settings(tmp_path, emulator, [first.id, second.id])
    async with serving_app(emulator, settings) as (core, app):
        bot = RunningBot(emulator, core, settings, first, app)
        await _answered(bot)
        mine, theirs = emulator.private_chat(first), emulator.private_chat(second)
        emulator.send_message(first, mine, "/label")
        emulator.send_message(second, theirs, "/label")
        await bot.settle()
        shown = {_offered(bot, mine), _offered(bot, theirs)}
        assert len(shown) == 2, shown
        await bot.command(mine, "/label", first)
        assert _offered(bot, mine) in shown and _offered(bot, mine) != _offered(bot, theirs)


async def test_a_skip_never_erases_another_organisers_label(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """Both organisers are shown the same answer (the first's card left open past its claim);
    the first confirms its themes, then the second skips it: the first one's label stays, and
    the count says so."""
    first = emulator.add_user("组织者甲", language_code="zh-hans")
    second = emulator.add_user("组织者乙", language_code="zh-hans")
    settings = make_settings(tmp_path, emulator, [first.id, second.id])
    async with serving_app(emulator, settings) as (core, app):
        bot = RunningBot(emulator, core, settings, first, app)
        await _answered(bot)
        mine, theirs = emulator.private_chat(first), emulator.private_chat(second)
        await bot.command(mine, "/label", first)
        later = core.now() + LABEL_CLAIM + timedelta(seconds=1)
        core.clock = lambda: later
        await bot.command(theirs, "/label", second)
        assert _offered(bot, mine) == _offered(bot, theirs)
        await _press(bot, first, mine, "ok")
        await _press(bot, second, theirs, "skip")
        async with core.repo.transaction() as session:
            assert await session.count_labels() == 1
            assert len(await session.list_labels()) == 1


async def test_a_label_of_an_answer_hidden_meanwhile_counts_nowhere(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """An organiser hides the answer whose /label card is open; confirming the card stores no
    label and says why, and a label given before the answer was hidden leaves the reports'
    agreement and the labels export."""
    organiser = emulator.add_user("组织者甲", language_code="zh-hans")
    settings = make_settings(tmp_path, emulator, [organiser.id])
    async with serving_app(emulator, settings) as (core, app):
        bot = RunningBot(emulator, core, settings, organiser, app)
        group = await _answered(bot)
        private = emulator.private_chat(organiser)
        await bot.command(private, "/label")
        labelled = _offered(bot, private)
        await _press(bot, organiser, private, "ok")  # labelled, then hidden below
        hidden_open = _offered(bot, private)
        await bot.command(group, f"/hide {hidden_open}")
        await _press(bot, organiser, private, "ok")  # its card was open while it was hidden
        assert "隐藏" in bot.bot_texts(private)[-1]
        await bot.command(group, f"/hide {labelled}")
        async with core.repo.transaction() as session:
            assert await session.count_labels() == 1
            assert await label_agreement(session, core.tagger.taxonomy) is None
    exported = _export_labels(tmp_path)
    assert exported.splitlines() == ["\ufefftext,labels"]
