"""Webhook mode in one process: the secret header is checked, redeliveries count once."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bot.telegram.webhook import SECRET_HEADER
from sandbox.emulator import BotAPIEmulator
from tests.harness import run_bot

HOOK_SECRET = "right-secret_1"


async def test_webhook_checks_secret_and_stores_redelivered_answers_once(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """A POST without the secret is refused and changes nothing; answers POSTed twice count once."""
    async with run_bot(emulator, tmp_path, webhook_secret=HOOK_SECRET) as bot:
        em, core, organiser = emulator, bot.core, bot.organiser
        url = em.webhook_url
        assert url is not None
        group = em.add_group("碧海社区居民群")
        em.add_bot_to_group(group, organiser)
        await em.wait_idle(15)

        forged = {
            "update_id": 999_999,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": group.id, "type": "supergroup", "title": "x"},
                "from": {"id": organiser.id, "is_bot": False, "first_name": "O"},
                "text": "/community 假社区",
                "entities": [{"type": "bot_command", "offset": 0, "length": 10}],
            },
        }
        async with aiohttp.ClientSession() as session:
            for headers in ({}, {SECRET_HEADER: "wrong"}):
                async with session.post(url, json=forged, headers=headers) as response:
                    assert response.status == 401
        async with core.repo.transaction() as s:
            assert await s.list_communities() == []
            assert not await s.is_update_processed(999_999)

        em.send_message(organiser, group, "/community 碧海社区")
        # Webhook deliveries run in parallel (max_connections), so, like an organiser reading
        # the confirmation, wait for the registration before asking.
        await em.wait_for(
            lambda: any("已登记" in m.get("text", "") for m in em.messages_to(group.id)), 15
        )
        em.send_message(organiser, group, "/ask 2h 社区最需要改进什么？")
        await em.wait_for(
            lambda: any("社区征询 #" in m.get("text", "") for m in em.messages_to(group.id)), 15
        )
        post = next(m for m in em.messages_to(group.id) if "社区征询 #" in m.get("text", ""))
        em.webhook_duplicates = 5
        for i in range(10):
            em.send_message(
                em.add_user(f"居民{i}"), group, f"停车位太少了{i}", reply_to=post["message_id"]
            )
        await em.wait_idle(30)
        assert em.webhook_duplicates == 0
        async with core.repo.transaction() as s:
            stored = await s.list_answers()
        assert sorted(a.text for a in stored) == sorted(f"停车位太少了{i}" for i in range(10))
