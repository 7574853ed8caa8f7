"""The report a closed round sends each organiser privately is in that organiser's Telegram
language, remembered from the last command they sent (any command, /start too); one who has
sent none gets `locale.default`. The groups' summaries stay in `locale.default`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from demo.local import serving_app
from sandbox.emulator import BotAPIEmulator
from tests.harness import RunningBot, make_settings

ZH_REPORT = "征询报告 #{id}"
EN_REPORT = "Report on round #{id}"


async def test_each_organiser_gets_the_close_report_in_their_language(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """In a Chinese deployment an English organiser who only pressed Start gets the report in
    English, one who sent no command in Chinese; after writing from a Chinese Telegram the
    English one gets the next report in Chinese. Only organisers' languages are stored, under
    their pseudonyms."""
    em = emulator
    english = em.add_user("Olivia", language_code="en-GB")
    silent = em.add_user("王主任", language_code="en")
    chinese = em.add_user("李组织", language_code="zh-hans")
    settings = make_settings(tmp_path, em, [chinese.id, english.id, silent.id])
    async with serving_app(em, settings) as (core, app):
        bot = RunningBot(em, core, settings, chinese, app)
        group = await bot.register("碧海社区居民群", "碧海社区")
        olivia = em.private_chat(english)
        await bot.command(olivia, "/start", user=english)
        # Wrote to the bot, but no command: nothing to tell the language by.
        await bot.command(em.private_chat(silent), "你好", user=silent)
        await bot.command(em.private_chat(chinese), "/start", user=chinese)
        await bot.command(group, "/ask 2h 社区最需要改进什么？")
        await bot.command(group, "/close 1")
        report = await bot.wait_text(olivia, lambda t: "#1" in t, timeout=30)
        assert EN_REPORT.format(id=1) in report, report
        quiet = await bot.wait_text(em.private_chat(silent), lambda t: "#1" in t, timeout=30)
        assert ZH_REPORT.format(id=1) in quiet, quiet
        mine = await bot.wait_text(em.private_chat(chinese), lambda t: "#1" in t, timeout=30)
        assert ZH_REPORT.format(id=1) in mine, mine
        assert any("征询 #1 已结束" in t for t in bot.bot_texts(group)), bot.bot_texts(group)

        # Olivia's Telegram is now set to Chinese; her next command says so.
        olivia_zh = replace(english, language_code="zh-hans")
        await bot.command(olivia, "/ask 碧海社区 2h 停车问题怎么解决？", user=olivia_zh)
        await bot.command(olivia, "/close 2", user=olivia_zh)
        again = await bot.wait_text(olivia, lambda t: "#2" in t and "报告" in t, timeout=30)
        assert ZH_REPORT.format(id=2) in again, again

        # A resident's commands are remembered for nobody: only configured organisers'.
        resident = em.add_user("Resident", language_code="en")
        await bot.command(em.private_chat(resident), "/help", user=resident)
        async with core.repo.transaction() as session:
            rows = await session.tx.fetchall("SELECT organiser, lang FROM organiser_languages")
        assert sorted(r["lang"] for r in rows) == ["zh", "zh"]
        assert {r["organiser"] for r in rows} == {
            core.resident(english.id),
            core.resident(chinese.id),
        }


async def test_an_english_deployment_falls_back_to_english(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """With `locale.default = "en"`, an organiser who never sent a command gets the report in
    English; one writing from a Chinese Telegram gets it in Chinese."""
    em = emulator
    chinese = em.add_user("李组织", language_code="zh-hans")
    silent = em.add_user("Sam", language_code="zh-hans")
    settings = make_settings(tmp_path, em, [chinese.id, silent.id], locale={"default": "en"})
    async with serving_app(em, settings) as (core, app):
        bot = RunningBot(em, core, settings, chinese, app)
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(em.private_chat(silent), "hello", user=silent)
        await bot.command(em.private_chat(chinese), "/start", user=chinese)
        await bot.command(group, "/ask 2h 社区最需要改进什么？")
        await bot.command(group, "/close 1")
        mine = await bot.wait_text(em.private_chat(chinese), lambda t: "#1" in t, timeout=30)
        assert ZH_REPORT.format(id=1) in mine, mine
        quiet = await bot.wait_text(em.private_chat(silent), lambda t: "#1" in t, timeout=30)
        assert EN_REPORT.format(id=1) in quiet, quiet
