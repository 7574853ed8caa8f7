"""Markup an organiser or a resident writes stays text in the bot's Telegram messages.

The bot sends plain text (no parse_mode), so a community name like `<b>` or `*_[` and a
question with `<a href=…>` can neither make the bot post a link or formatting nor break a
message (a Bad Request that would lose the post)."""

from __future__ import annotations

from tests.harness import RunningBot

NAME = "<b>碧海</b>*_[x](http://evil.example)`"
QUESTION = '<a href="http://evil.example">点这里</a> *粗* _斜_ [链](http://evil.example) &amp; <i'
ANSWER = '</a><a href="tg://user?id=1">管理员</a> 停车位太少 *_`'
FORMATTING = {"bold", "italic", "underline", "strikethrough", "code", "pre", "text_link"}


async def test_markup_in_names_questions_and_answers_is_posted_as_text(
    minyi_bot: RunningBot,
) -> None:
    """Registration, the round post, the closing summary and /report all carry the markup
    literally, with no formatting entity and no link the bot did not mean."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", NAME)
    assert any(NAME in t for t in bot.bot_texts(group))
    await bot.command(group, f"/ask 2h {QUESTION}")
    post = await bot.wait_text(group, lambda t: "社区征询 #" in t)
    assert QUESTION in post
    post_id = next(
        m["message_id"] for m in em.messages_to(group.id) if "社区征询 #" in m.get("text", "")
    )
    em.send_message(em.add_user("居民"), group, ANSWER, reply_to=post_id)
    await bot.settle()
    await bot.command(group, "/report")
    report = await bot.wait_text(group, lambda t: "征询报告" in t)
    assert NAME in report or QUESTION in report
    sent = [m for m in em.messages_to(group.id) if m.get("from", {}).get("is_bot")]
    assert sent
    for message in sent:
        kinds = {e["type"] for e in message.get("entities", [])}
        assert not kinds & FORMATTING, (kinds, message.get("text"))
    async with bot.core.repo.transaction() as session:
        stored = await session.list_answers()
    assert [a.text for a in stored] == [ANSWER]
