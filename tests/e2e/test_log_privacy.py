"""The bot's logs hold no raw Telegram id, name or answer text (issue 14 defect 7).

A 403 from a resident who blocked the bot once logged `cannot reply in chat 987654321` (a
private chat's id is the person's Telegram id), and a failing handler's traceback quoted the
answer it failed on, which then outlived /forget. Logs now name people by pseudonym only, and
an error by its type and frames, never its message.
"""

from __future__ import annotations

import logging

import pytest

from tests.e2e.test_privacy import open_post
from tests.harness import RunningBot

# Loggers of the product (and of python-telegram-bot, which it drives); the emulator is the
# test's stand-in for Telegram, not part of the product.
PRODUCT = ("bot", "handlers", "storage", "nlp", "telegram", "demo")

SECRET_TEXTS = {
    "group": "我家在3栋二单元，楼道灯坏了三个月",
    "private": "物业经理收了我两百块才修水管",
    "blocked": "拉黑之前再说一句：电梯太旧了",
    "failing": "这句会让处理出错：门卫晚上睡觉",
}


async def test_a_full_flow_logs_no_ids_names_or_answers(
    minyi_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Answers in a group and privately, a reply to a resident who blocked the bot (403), a
    handler failing on a malformed update, /forget: no log line names a resident's id, name
    or words, while the 403 and the failure are still logged (by pseudonym and by type)."""
    caplog.set_level(logging.INFO)
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 1h 物业服务有什么问题？")
    post = open_post(bot, group, "社区征询 #1")["message_id"]
    names = ("王秀英", "李建国", "赵小红")
    wang, li, zhao = (em.add_user(n, username=f"u{i}_secret") for i, n in enumerate(names))
    em.send_message(wang, group, SECRET_TEXTS["group"], reply_to=post)
    bot.join(li)
    private = em.private_chat(li)
    await bot.command(private, "/start r1", user=li)
    await bot.command(private, SECRET_TEXTS["private"], user=li)
    # Li answers and blocks the bot before its receipt goes out: Telegram answers 403.
    em.send_message(li, private, SECRET_TEXTS["blocked"])
    em.block_bot(li)
    await bot.settle()
    # A malformed update (its text is an object): the handler fails on it, three times.
    em.queue_update(
        "message",
        {
            "message_id": 77,
            "date": em.now(),
            "from": {
                "id": zhao.id,
                "is_bot": False,
                "first_name": "赵小红",
                "username": "u2_secret",
            },
            "chat": {"id": group.id, "type": "group", "title": "碧海社区居民群"},
            "reply_to_message": {
                "message_id": post,
                "date": em.now(),
                "chat": {"id": group.id, "type": "group", "title": "碧海社区居民群"},
            },
            "text": {"answer": SECRET_TEXTS["failing"]},
        },
    )
    await bot.settle(60)
    await bot.command(em.private_chat(wang), "/forget", user=wang)

    # Formatted as a log handler writes them: message, and traceback if one is attached.
    formatter = logging.Formatter()
    logged = "\n".join(formatter.format(r) for r in caplog.records if r.name.startswith(PRODUCT))
    assert "cannot reply in chat p:" in logged and "forbidden" in logged
    assert "error while processing an update: ValidationError" in logged
    for person in (wang, li, zhao):
        assert str(person.id) not in logged
        assert person.first_name not in logged
    assert "secret" not in logged
    for text in SECRET_TEXTS.values():
        # Also no piece of it: a validation error shortens what it quotes in the middle.
        assert text[:4] not in logged and text[-6:] not in logged
