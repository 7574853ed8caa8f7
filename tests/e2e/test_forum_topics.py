"""Forum supergroups: a round asked inside a topic lives in that topic.

In a group with topics every message in a topic carries the topic's first message as
`reply_to_message` when it replies to nothing else; a resident writing there is not replying
to some other message.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sandbox.models import SimChat
from tests.e2e.test_rounds import shifted_clock
from tests.harness import RunningBot


async def forum(bot: RunningBot) -> SimChat:
    """A forum supergroup with the bot in it, registered as 碧海社区."""
    em = bot.emulator
    group = em.add_group("碧海社区居民群", supergroup=True, admins=[bot.organiser], forum=True)
    em.add_bot_to_group(group, bot.organiser)
    await bot.command(group, "/community 碧海社区")
    return group


def round_posts(bot: RunningBot, group: SimChat, marker: str) -> list[dict[str, Any]]:
    """The bot's messages in `group` whose text contains `marker`."""
    return [m for m in bot.emulator.messages_to(group.id) if marker in m.get("text", "")]


async def stored_texts(bot: RunningBot) -> list[str]:
    """Every stored answer's text, oldest first."""
    async with bot.core.repo.transaction() as session:
        return [a.text for a in await session.list_answers(include_hidden=True)]


async def test_plain_messages_in_a_topic_answer_the_only_open_round(minyi_bot: RunningBot) -> None:
    """With one text round open, a plain message in any topic counts like one in a group
    without topics; a reply to the round's post counts wherever it is."""
    bot = minyi_bot
    em = bot.emulator
    group = await forum(bot)
    topic = em.create_topic(group, "停车")
    await bot.command(group, "/ask 2h 停车难怎么解决？")
    (post,) = round_posts(bot, group, "社区征询 #1")
    em.send_message(em.add_user("甲"), group, "多划几个车位。", topic=topic)
    em.send_message(em.add_user("乙"), group, "错峰停车。", reply_to=post["message_id"])
    await bot.settle()
    assert sorted(await stored_texts(bot)) == ["多划几个车位。", "错峰停车。"]


async def test_a_round_asked_in_a_topic_is_posted_and_closed_there(minyi_bot: RunningBot) -> None:
    """/ask sent in a topic posts the question in that topic; replies there count, and the
    closing summary goes back to the same topic."""
    bot = minyi_bot
    em = bot.emulator
    group = await forum(bot)
    topic = em.create_topic(group, "停车")
    em.send_message(bot.organiser, group, "/ask 2h 停车难怎么解决？", topic=topic)
    await bot.settle()
    (post,) = round_posts(bot, group, "社区征询 #1")
    assert post.get("message_thread_id") == topic
    em.send_message(em.add_user("甲"), group, "多划几个车位。", reply_to=post["message_id"])
    await bot.settle()
    assert await stored_texts(bot) == ["多划几个车位。"]
    em.send_message(bot.organiser, group, "/close 1", topic=topic)
    await bot.settle()
    (summary,) = round_posts(bot, group, "征询 #1 已结束")
    assert summary.get("message_thread_id") == topic
    em.send_message(bot.organiser, group, "/poll 1h 选哪个方案？ | 方案甲 | 方案乙", topic=topic)
    em.send_message(bot.organiser, group, "/rate 1h 物业服务打几分？", topic=topic)
    await bot.settle()
    later = [m for m in em.messages_to(group.id) if m["message_id"] > summary["message_id"]]
    assert {m.get("message_thread_id") for m in later} == {topic}
    assert any("poll" in m for m in later) and len(later) >= 4  # poll, its note, rating, replies


async def test_a_round_whose_topic_was_deleted_closes_in_the_main_thread(
    minyi_bot: RunningBot,
) -> None:
    """The topic a round was asked in is deleted before it closes: the summary is not lost
    (Telegram refuses the topic), it goes to the group's main thread."""
    bot = minyi_bot
    em = bot.emulator
    group = await forum(bot)
    topic = em.create_topic(group, "停车")
    em.send_message(bot.organiser, group, "/ask 2h 停车难怎么解决？", topic=topic)
    await bot.settle()
    em.delete_topic(group, topic)
    await bot.command(em.private_chat(bot.organiser), "/close 1")
    (summary,) = round_posts(bot, group, "征询 #1 已结束")
    assert "message_thread_id" not in summary


async def test_a_recurring_round_asked_in_a_topic_comes_back_there(minyi_bot: RunningBot) -> None:
    """`/schedule --cron` in a topic: every occurrence is posted in that topic."""
    bot = minyi_bot
    em = bot.emulator
    group = await forum(bot)
    topic = em.create_topic(group, "每小时")
    em.send_message(
        bot.organiser, group, '/schedule --cron "0 * * * *" 10m 有什么新情况？', topic=topic
    )
    await bot.settle()
    async with bot.core.repo.transaction() as session:
        (first,) = await session.list_rounds()
    bot.core.clock = shifted_clock(first.opens_at + timedelta(seconds=1))
    await bot.wait_text(group, lambda t: "社区征询 #1" in t)
    bot.core.clock = shifted_clock(first.opens_at + timedelta(hours=1, seconds=1))
    await bot.wait_text(group, lambda t: "社区征询 #2" in t)
    await bot.settle()
    posts = round_posts(bot, group, "社区征询 #") + round_posts(bot, group, "已结束")
    assert len(posts) == 3
    assert {p.get("message_thread_id") for p in posts} == {topic}
