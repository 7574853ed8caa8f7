"""The sandbox page's JSON API (sandbox/webui.py) with the real bot behind it, no browser."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp

from demo.sandbox import open_sandbox


async def get_state(session: aiohttp.ClientSession, base: str, since: str = "") -> Any:
    """GET /sandbox/api/state (a long poll when `since` is the current version)."""
    async with session.get(f"{base}api/state", params={"since": since, "wait": "10"}) as answer:
        assert answer.status == 200
        return await answer.json()


async def test_state_shows_the_seeded_world_and_wakes_on_the_bots_reply(tmp_path: Path) -> None:
    """The state lists organiser, residents and both groups; a long poll returns on a change."""
    async with open_sandbox(tmp_path / "minyi.db") as box, aiohttp.ClientSession() as session:
        state = await get_state(session, box.url)
        roles = {u["name"]: u["role"] for u in state["users"]}
        assert roles["李娜（社区工作者）"] == "organiser" and roles["王阿姨"] == "resident"
        titles = {c["title"] for c in state["chats"] if c["type"] == "group"}
        assert titles == {"碧海社区居民群", "会展城社区业主群"}
        assert state["hints"]["organiser"], "the page has no examples for organisers"

        waiting = asyncio.create_task(get_state(session, box.url, since=state["version"]))
        group = next(c for c in state["chats"] if c["title"] == "碧海社区居民群")
        organiser = box.bot.organiser.id
        async with session.post(
            f"{box.url}api/send", json={"user": organiser, "chat": group["id"], "text": "/rounds"}
        ) as answer:
            assert answer.status == 200
        changed = await asyncio.wait_for(waiting, 15)
        assert changed["version"] != state["version"]
        await box.bot.settle()
        final = await get_state(session, box.url)
        messages = next(c for c in final["chats"] if c["id"] == group["id"])["messages"]
        assert any(m["from_bot"] and "还没有征询" in m["text"] for m in messages)


async def test_bad_actions_get_a_clear_400_and_change_nothing(tmp_path: Path) -> None:
    """An empty message, an unknown person or a vote on no poll is refused and queues nothing."""
    async with open_sandbox(tmp_path / "minyi.db") as box, aiohttp.ClientSession() as session:
        await box.bot.settle()
        em = box.bot.emulator
        group = box.bot.groups["碧海社区"]
        before = len(em.history(group.id))
        organiser = box.bot.organiser.id
        for action, body, words in (
            ("send", {"user": organiser, "chat": group.id, "text": "   "}, "empty"),
            ("send", {"user": 1, "chat": group.id, "text": "hi"}, "no person"),
            ("vote", {"user": organiser, "poll": "nope", "options": [0]}, "no poll"),
            ("people", {"name": ""}, "name"),
        ):
            async with session.post(f"{box.url}api/{action}", json=body) as answer:
                assert answer.status == 400
                assert words in (await answer.json())["error"]
        assert len(em.history(group.id)) == before
        assert em.pending_updates == 0


async def test_refusals_a_person_can_meet_are_said_in_chinese_and_english(
    tmp_path: Path,
) -> None:
    """A vote on a poll that closed while the page still showed it, a group title too long and
    a message too long are refused in both languages, the emulator's own words not shown raw."""
    async with open_sandbox(tmp_path / "minyi.db") as box, aiohttp.ClientSession() as session:
        em = box.bot.emulator
        group = box.bot.groups["碧海社区"]
        organiser = box.bot.organiser.id
        resident = next(u for u in em.users.values() if u.first_name == "王阿姨")
        await box.bot.ask_privately("/poll 碧海社区 2h 哪一条最重要？ | 参与 | 透明")
        await box.bot.ask_privately("/close 1")
        await box.bot.settle()
        poll = next(p for p in em.polls_by_id.values() if p.question == "哪一条最重要？")
        assert poll.is_closed
        vote = {"user": resident.id, "poll": poll.poll_id, "options": [0]}
        for action, body, words in (
            ("vote", vote, ("已经结束", "closed")),
            ("groups", {"user": organiser, "title": "群" * 129}, ("群名称", "title")),
            (
                "send",
                {"user": organiser, "chat": group.id, "text": "长" * 5000},
                ("最多 4096", "at most 4096"),
            ),
        ):
            async with session.post(f"{box.url}api/{action}", json=body) as answer:
                assert answer.status == 400
                error = (await answer.json())["error"]
            assert all(word in error for word in words), error
            assert "'" not in error, f"a raw identifier in {error!r}"
