"""The first vertical slice, end to end: register, ask, answer in Chinese, report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.harness import SECRET, RunningBot

ANSWERS = [
    "希望社区重大事项都能提前公示，让居民参与讨论。",
    "小区停车位太少了，晚上回来根本找不到车位。",
    "垃圾分类的桶经常满了没人清理，味道很大。",
    "老人不会用智能手机，线上办事对他们很难，希望保留窗口。",
]


async def test_residents_answers_are_stored_tagged_and_reported(minyi_bot: RunningBot) -> None:
    """Replies to a round's message are stored with themes, and /report counts them."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    assert any("碧海社区" in t for t in bot.bot_texts(group))

    await bot.command(group, "/ask 2h 你觉得我们社区最需要改进什么？")
    round_post = await bot.wait_text(group, lambda t: "社区征询 #" in t)
    assert "你觉得我们社区最需要改进什么" in round_post
    post_id = next(
        m["message_id"] for m in em.messages_to(group.id) if "社区征询 #" in m.get("text", "")
    )

    residents = [em.add_user(f"居民{i}") for i in range(len(ANSWERS))]
    for person, text in zip(residents, ANSWERS, strict=True):
        em.send_message(person, group, text, reply_to=post_id)
    await bot.settle()

    async with bot.core.repo.transaction() as session:
        stored = await session.list_answers()
    assert sorted(a.text for a in stored) == sorted(ANSWERS)
    themes = {t.theme_id for a in stored for t in a.themes}
    assert {"participation", "transparency"} & themes, themes
    assert any(t.evidence for a in stored for t in a.themes)

    await bot.command(group, "/report")
    report = await bot.wait_text(group, lambda t: "征询报告" in t)
    assert "参与居民：4" in report and "回答：4" in report


async def test_non_organiser_cannot_open_a_round(minyi_bot: RunningBot) -> None:
    """A resident's /ask is refused with a short message and no round is stored."""
    bot = minyi_bot
    group = await bot.register("会展城业主群", "会展城社区")
    resident = bot.emulator.add_user("路人")
    await bot.command(group, "/ask 你好", user=resident)
    assert any("只有组织者" in t for t in bot.bot_texts(group))
    async with bot.core.repo.transaction() as session:
        assert await session.list_rounds() == []


async def test_report_json_cli_has_spec_shape(minyi_bot: RunningBot) -> None:
    """`minyi report --json` prints {"rounds": [ROUND]} with the SPEC §6 keys and counts."""
    bot = minyi_bot
    group = await bot.register("碧海群", "碧海社区")
    await bot.command(group, "/ask 1h 社区治理应该坚持哪些原则？")
    post = next(m for m in bot.emulator.messages_to(group.id) if "社区征询 #" in m.get("text", ""))
    person = bot.emulator.add_user("居民")
    bot.emulator.send_message(
        person, group, "信息要公开透明，财务账目要公示。", reply_to=post["message_id"]
    )
    await bot.settle()
    database = Path(bot.settings.storage.url.removeprefix("sqlite:///"))
    config = database.parent / "config.toml"
    config.write_text(
        f'[storage]\nurl = "{bot.settings.storage.url}"\n[privacy]\nsecret = "{SECRET}"\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--json", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    (round_,) = data["rounds"]
    for key in (
        "id",
        "kind",
        "state",
        "question",
        "communities",
        "opens_at",
        "closes_at",
        "participants",
        "answers",
        "poll",
        "themes",
        "emerging",
    ):
        assert key in round_
    assert round_["communities"] == ["碧海社区"]
    assert round_["answers"] == 1 and round_["participants"] == 1
    assert round_["poll"] is None
    assert any(t["id"] == "transparency" for t in round_["themes"])
