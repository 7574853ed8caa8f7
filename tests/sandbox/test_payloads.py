"""Every payload the emulator produces round-trips through PTB's de_json with nothing lost."""

from __future__ import annotations

from typing import Any

from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    ChatFullInfo,
    ChatMember,
    File,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Poll,
    TelegramObject,
    Update,
    User,
    WebhookInfo,
)

from sandbox import payloads
from sandbox.emulator import BotAPIEmulator
from sandbox.models import MemberStatus


def _assert_complete(obj: TelegramObject, payload: dict[str, Any], where: str) -> None:
    """PTB knew every field (no api_kwargs anywhere) and kept every field of the payload."""
    _assert_no_api_kwargs(obj, where)
    _assert_kept(payload, obj.to_dict(), where)


def _assert_no_api_kwargs(value: Any, where: str) -> None:
    if isinstance(value, TelegramObject):
        assert not value.api_kwargs, f"{where}: PTB does not know {dict(value.api_kwargs)}"
        for name, attr in value._get_attrs(include_private=False, recursive=False).items():
            _assert_no_api_kwargs(attr, f"{where}.{name}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _assert_no_api_kwargs(item, f"{where}[{index}]")


def _assert_kept(payload: Any, rendered: Any, where: str) -> None:
    if isinstance(payload, dict):
        assert isinstance(rendered, dict), where
        for key, value in payload.items():
            if value == [] and key not in rendered:
                continue  # PTB's to_dict leaves out empty lists (e.g. a retracted vote's options)
            assert key in rendered, f"{where}: {key!r} lost in the round trip"
            _assert_kept(value, rendered[key], f"{where}.{key}")
    elif isinstance(payload, list):
        assert isinstance(rendered, list) and len(rendered) == len(payload), where
        for index, (item, back) in enumerate(zip(payload, rendered, strict=True)):
            _assert_kept(item, back, f"{where}[{index}]")
    else:
        assert payload == rendered, f"{where}: {payload!r} came back as {rendered!r}"


async def test_every_update_kind_round_trips(emulator: BotAPIEmulator, emulator_bot: Bot) -> None:
    """Every update kind the people API makes parses in PTB with no field missing or unknown."""
    organiser = emulator.add_user("陈主任", username="chen_zr")
    resident = emulator.add_user("Resident", language_code="en")
    group = emulator.add_group("碧海社区", admins=[organiser])
    assert await emulator_bot.get_updates(allowed_updates=Update.ALL_TYPES) == ()
    emulator.add_bot_to_group(group, organiser)
    emulator.add_member(group, resident)
    emulator.send_message(organiser, group, "/ask@minyi_bot 48h 你们怎么看 @minyi_bot 😀")
    round_msg = await emulator_bot.send_message(
        group.id,
        "第1轮",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("5", callback_data="rate:5")]]),
    )
    answer_id = emulator.send_message(resident, group, "停车难", reply_to=round_msg.message_id)
    emulator.edit_message(resident, group, answer_id, "停车太难了")
    emulator.send_sticker(resident, group, reply_to=round_msg.message_id)
    emulator.send_photo(resident, group, caption="照片")
    emulator.press_button(resident, group, round_msg.message_id, "rate:5")
    named = await emulator_bot.send_poll(
        group.id, "哪个重要?", ["参与", "透明"], is_anonymous=False
    )
    anonymous = await emulator_bot.send_poll(group.id, "匿名", ["是", "否"])
    assert named.poll is not None and anonymous.poll is not None
    emulator.vote_poll(resident, named.poll.id, [1])
    emulator.vote_poll(resident, named.poll.id, [])
    emulator.vote_poll(resident, anonymous.poll.id, [0])
    await emulator_bot.stop_poll(group.id, named.message_id)
    emulator.promote_bot(group, organiser)
    emulator.add_member(group, emulator.add_user("新成员"))
    supergroup = emulator.migrate_to_supergroup(group)
    emulator.send_message(resident, supergroup, "升级了")
    asked = await emulator_bot.send_poll(supergroup.id, "署名", ["是", "否"], is_anonymous=False)
    assert asked.poll is not None
    emulator.vote_poll_as_group(supergroup, asked.poll.id, [0])
    emulator.react(resident, supergroup, asked.message_id, "👍")
    emulator.remove_bot_from_group(supergroup, organiser)
    emulator.send_message(resident, emulator.private_chat(resident), "/start r1")

    raw = [update.payload for update in emulator.queue]
    kinds = {next(key for key in payload if key != "update_id") for payload in raw}
    assert kinds == {
        "message",
        "edited_message",
        "callback_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "message_reaction",
    }
    for payload in raw:
        _assert_complete(Update.de_json(payload, emulator_bot), payload, f"update {payload}")
    services = [p["message"] for p in raw if "message" in p]
    for field in ("new_chat_members", "migrate_to_chat_id", "migrate_from_chat_id", "sticker"):
        assert any(field in message for message in services), field
    (as_group,) = [p["poll_answer"] for p in raw if "voter_chat" in p.get("poll_answer", {})]
    assert as_group["voter_chat"]["id"] == supergroup.id
    assert as_group["user"]["id"] == 136817688  # @Channel_Bot, as Telegram fills it in


async def test_method_results_round_trip(emulator: BotAPIEmulator, emulator_bot: Bot) -> None:
    """Results of every Bot API method parse in PTB with no field missing or unknown."""
    organiser = emulator.add_user("陈主任")
    resident = emulator.add_user("居民")
    group = emulator.add_group("会展城社区", supergroup=True, admins=[organiser])
    emulator.add_bot_to_group(group, organiser, as_admin=True)
    emulator.add_member(group, resident)
    private = emulator.private_chat(resident)
    emulator.send_message(resident, private, "/start")

    results: list[tuple[type[TelegramObject], Any]] = []

    def last_result() -> Any:
        return emulator.calls[-1].result

    await emulator_bot.get_me()
    results.append((User, last_result()))
    sent = await emulator_bot.send_message(
        group.id,
        "<b>报告</b> /report",
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("看", url="https://t.me/x")]]),
    )
    results.append((Message, last_result()))
    await emulator_bot.edit_message_text("新文本", chat_id=group.id, message_id=sent.message_id)
    results.append((Message, last_result()))
    await emulator_bot.send_poll(group.id, "问题", ["甲", "乙", "丙"], allows_multiple_answers=True)
    results.append((Message, last_result()))
    await emulator_bot.stop_poll(group.id, emulator_bot_last_id(emulator))
    results.append((Poll, last_result()))
    await emulator_bot.send_photo(group.id, _PNG, caption="图表")
    results.append((Message, last_result()))
    document = await emulator_bot.send_document(private.id, b"id,text\n", filename="a.csv")
    results.append((Message, last_result()))
    assert document.document is not None
    await emulator_bot.get_file(document.document.file_id)
    results.append((File, last_result()))
    for chat_id in (group.id, private.id):
        await emulator_bot.get_chat(chat_id)
        results.append((ChatFullInfo, last_result()))
    for user_id in (organiser.id, resident.id, emulator.bot_user_id, emulator.add_user("x").id):
        await emulator_bot.get_chat_member(group.id, user_id)
        results.append((ChatMember, last_result()))
    for admin in await emulator_bot.get_chat_administrators(group.id):
        assert admin.status in ("creator", "administrator")
    results.extend((ChatMember, item) for item in last_result())
    await emulator_bot.set_my_commands([BotCommand("ask", "开一轮征询")])
    await emulator_bot.get_my_commands()
    results.extend((BotCommand, item) for item in last_result())
    await emulator_bot.get_webhook_info()
    results.append((WebhookInfo, last_result()))

    statuses = {item["status"] for cls, item in results if cls is ChatMember}
    assert statuses == {"creator", "member", "administrator", "left"}
    for cls, payload in results:
        parsed = cls.de_json(payload, emulator_bot)
        assert parsed is not None
        _assert_complete(parsed, payload, cls.__name__)


async def test_member_statuses_after_removal_round_trip(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """The kicked and restricted ChatMember payloads carry every field PTB requires."""
    user = payloads.user_json(emulator.add_user("某人"))
    statuses: tuple[MemberStatus, ...] = ("kicked", "restricted")
    for status in statuses:
        payload = payloads.chat_member_json(user, status)
        _assert_complete(ChatMember.de_json(payload, emulator_bot), payload, status)


async def test_callback_query_carries_the_whole_message(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """A button press delivers the bot's message with its keyboard, as PTB's CallbackQuery needs."""
    resident = emulator.add_user("按钮")
    chat = emulator.private_chat(resident)
    emulator.send_message(resident, chat, "/start")
    sent = await emulator_bot.send_message(
        chat.id,
        "打分",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("1", callback_data="r1")]]),
    )
    emulator.press_button(resident, chat, sent.message_id, "r1")
    payload = emulator.queue[-1].payload["callback_query"]
    query = CallbackQuery.de_json(payload, emulator_bot)
    _assert_complete(query, payload, "callback_query")
    assert query.message is not None and query.message.message_id == sent.message_id


def emulator_bot_last_id(emulator: BotAPIEmulator) -> int:
    """The message id of the bot's latest message."""
    result = emulator.calls[-1].result
    assert isinstance(result, dict)
    return int(result["message_id"])


_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000030806000000"
    "9d74660a0000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082"
)
