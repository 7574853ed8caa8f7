"""A native poll has no room for explanations: its note follows it, once, as a reply."""

from __future__ import annotations

from tests.harness import RunningBot


async def test_poll_is_followed_by_a_note_on_how_votes_are_used(minyi_bot: RunningBot) -> None:
    """After /poll the group sees the poll, then one note replying to it saying who sees votes."""
    bot = minyi_bot
    group = await bot.register("会展城业主群", "会展城社区")
    await bot.command(group, "/poll --anonymous 2h 哪个原则最重要？ | 参与 | 透明 | 问责")
    note = await bot.wait_text(group, lambda t: "社区投票 #" in t)
    messages = bot.emulator.messages_to(group.id)
    poll = next(m for m in messages if "poll" in m)
    note_message = next(m for m in messages if "社区投票 #" in m.get("text", ""))
    assert note_message["message_id"] > poll["message_id"]
    assert note_message["reply_to_message"]["message_id"] == poll["message_id"]
    assert "匿名投票" in note and "/privacy" in note
    await bot.settle()
    assert sum("社区投票 #" in m.get("text", "") for m in bot.emulator.messages_to(group.id)) == 1
