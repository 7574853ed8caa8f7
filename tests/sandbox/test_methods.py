"""Bot API methods: what the bot sends is stored as Telegram would, errors worded as Telegram's."""

from __future__ import annotations

import io
import json

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputPollOption
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken

from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser

_KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton(str(n), callback_data=f"rate:{n}") for n in range(1, 6)]]
)


def _community(emulator: BotAPIEmulator) -> tuple[SimUser, SimChat]:
    organiser = emulator.add_user("陈主任")
    group = emulator.add_group("碧海社区", admins=[organiser])
    emulator.add_bot_to_group(group, organiser)
    return organiser, group


async def test_send_message_with_reply_and_keyboard_is_stored(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """A reply with an inline keyboard shows in messages_to with its reply and buttons."""
    organiser, group = _community(emulator)
    asked = emulator.send_message(organiser, group, "/ask 你好")
    sent = await emulator_bot.send_message(
        group.id, "收到", reply_to_message_id=asked, reply_markup=_KEYBOARD
    )
    assert sent.reply_to_message is not None
    assert sent.reply_to_message.message_id == asked
    [stored] = emulator.messages_to(group.id)
    assert stored["text"] == "收到"
    assert stored["reply_to_message"]["message_id"] == asked
    assert stored["reply_markup"]["inline_keyboard"][0][4]["callback_data"] == "rate:5"


async def test_html_is_parsed_into_entities_and_bad_html_refused(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """HTML parse mode yields plain text with entities; an unclosed tag is a 400 like Telegram's."""
    _, group = _community(emulator)
    sent = await emulator_bot.send_message(group.id, "<b>结果</b>：&lt;50%", parse_mode="HTML")
    assert sent.text == "结果：<50%"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 2)]
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await emulator_bot.send_message(group.id, "<b>结果", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Unsupported start tag"):
        await emulator_bot.send_message(group.id, "<div>x</div>", parse_mode="HTML")


async def test_message_limits_are_enforced(emulator: BotAPIEmulator, emulator_bot: Bot) -> None:
    """Over 4096 characters is "message is too long"; an empty text "message text is empty"."""
    _, group = _community(emulator)
    await emulator_bot.send_message(group.id, "字" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await emulator_bot.send_message(group.id, "字" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await emulator_bot.send_message(group.id, "")
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x" * 65)]])
        await emulator_bot.send_message(group.id, "x", reply_markup=markup)
    assert len(emulator.messages_to(group.id)) == 1


async def test_edit_text_without_markup_removes_the_keyboard(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """editMessageText drops the inline keyboard unless it is sent again; no change is a 400."""
    _, group = _community(emulator)
    sent = await emulator_bot.send_message(group.id, "打分", reply_markup=_KEYBOARD)
    await emulator_bot.edit_message_text(
        "打分（已结束）", chat_id=group.id, message_id=sent.message_id
    )
    [stored] = emulator.messages_to(group.id)
    assert stored["text"] == "打分（已结束）"
    assert "reply_markup" not in stored
    assert "edit_date" in stored
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await emulator_bot.edit_message_text(
            "打分（已结束）", chat_id=group.id, message_id=sent.message_id
        )
    await emulator_bot.edit_message_reply_markup(
        chat_id=group.id, message_id=sent.message_id, reply_markup=_KEYBOARD
    )
    assert emulator.messages_to(group.id)[0]["reply_markup"]["inline_keyboard"]
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await emulator_bot.edit_message_text("x", chat_id=group.id, message_id=999)


async def test_delete_message_removes_it(emulator: BotAPIEmulator, emulator_bot: Bot) -> None:
    """A deleted message leaves messages_to; deleting it again is "message to delete not found"."""
    _, group = _community(emulator)
    sent = await emulator_bot.send_message(group.id, "临时")
    assert await emulator_bot.delete_message(group.id, sent.message_id)
    assert emulator.messages_to(group.id) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await emulator_bot.delete_message(group.id, sent.message_id)


async def test_stop_poll_refuses_as_telegram_does(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """stopPoll on a message that is not a poll, a resident's poll, a stopped poll and no
    message is refused with the Bot API's words, and stops nothing."""
    organiser, group = _community(emulator)
    text = await emulator_bot.send_message(group.id, "不是投票")
    theirs = emulator.send_poll(organiser, group, "居民自己的投票", ["是", "否"])
    ours = await emulator_bot.send_poll(group.id, "先改善哪一项？", ["停车", "绿化"])
    await emulator_bot.stop_poll(group.id, ours.message_id)
    refusals = {
        text.message_id: "message is not a poll",
        theirs: "poll can't be stopped",
        ours.message_id: "poll has already been closed",
        ours.message_id + 1: "message with poll to stop not found",
    }
    for message_id, words in refusals.items():
        with pytest.raises(BadRequest) as refused:
            await emulator_bot.stop_poll(group.id, message_id)
        assert refused.value.message.lower() == words  # PTB drops "Bad Request: "
    resident_poll = next(m for m in emulator.history(group.id) if m["message_id"] == theirs)
    assert not resident_poll["poll"]["is_closed"]


async def test_poll_votes_and_stop(emulator: BotAPIEmulator, emulator_bot: Bot) -> None:
    """Votes change the counts in polls() and updates; stopPoll closes it once."""
    _, group = _community(emulator)
    residents = [emulator.add_user(f"居民{i}") for i in range(3)]
    message = await emulator_bot.send_poll(
        group.id,
        "哪个原则最重要?",
        [InputPollOption("参与"), InputPollOption("透明"), InputPollOption("公平")],
        is_anonymous=False,
        allows_multiple_answers=True,
    )
    assert message.poll is not None
    poll_id = message.poll.id
    emulator.vote_poll(residents[0], poll_id, [0, 1])
    emulator.vote_poll(residents[1], poll_id, [1])
    emulator.vote_poll(residents[2], poll_id, [2])
    emulator.vote_poll(residents[2], poll_id, [])
    state = emulator.polls()[poll_id]
    assert [o["voter_count"] for o in state["options"]] == [1, 2, 0]
    assert state["chat_id"] == group.id and state["message_id"] == message.message_id

    kinds = [update.kind for update in emulator.queue]
    assert kinds.count("poll_answer") == 4 and kinds.count("poll") == 4
    retraction = [u.payload["poll_answer"] for u in emulator.queue if u.kind == "poll_answer"][-1]
    assert retraction["option_ids"] == [] and retraction["option_persistent_ids"] == []

    stopped = await emulator_bot.stop_poll(group.id, message.message_id)
    assert stopped.is_closed
    assert [o.voter_count for o in stopped.options] == [1, 2, 0]
    assert emulator.polls()[poll_id]["is_closed"]
    assert emulator.messages_to(group.id)[-1]["poll"]["is_closed"]
    with pytest.raises(BadRequest, match=r"(?i)poll has already been closed"):
        await emulator_bot.stop_poll(group.id, message.message_id)
    with pytest.raises(ValueError, match=r"(?i)closed"):
        emulator.vote_poll(residents[0], poll_id, [2])
    with pytest.raises(BadRequest, match=r"(?i)at least 2 option"):
        await emulator_bot.send_poll(group.id, "?", ["唯一"])


async def test_anonymous_poll_gives_only_poll_updates(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """Votes in an anonymous poll reach the bot as poll updates with counts, never poll_answer."""
    _, group = _community(emulator)
    message = await emulator_bot.send_poll(group.id, "匿名?", ["是", "否"])
    assert message.poll is not None and message.poll.is_anonymous
    before = emulator.pending_updates
    emulator.vote_poll(emulator.add_user("甲"), message.poll.id, [0])
    new = emulator.queue[before:]
    assert [u.kind for u in new] == ["poll"]
    assert new[0].payload["poll"]["options"][0]["voter_count"] == 1


async def test_photo_and_document_uploads_are_recorded_with_bytes(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """Multipart uploads keep filename and bytes in calls, messages_to and the file endpoint."""
    _, group = _community(emulator)
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000040000000308060000009d74660a"
        "0000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082"
    )
    photo = await emulator_bot.send_photo(group.id, png, caption="周报图表")
    csv = "id,text\n1,停车难\n".encode()
    document = await emulator_bot.send_document(group.id, csv, filename="answers.csv")

    assert photo.photo[-1].width == 4 and photo.photo[-1].height == 3
    assert photo.caption == "周报图表"
    assert document.document is not None and document.document.file_name == "answers.csv"
    upload = emulator.calls_to("sendDocument")[0].params["document"]
    assert upload.filename == "answers.csv" and upload.data == csv
    stored_photo, stored_document = emulator.messages_to(group.id)
    assert stored_photo["file_bytes"] == png
    assert stored_document["file_bytes"] == csv
    file = await emulator_bot.get_file(document.document.file_id)
    assert bytes(await file.download_as_bytearray()) == csv
    with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
        await emulator_bot.send_photo(group.id, b"not an image")


def _blank_png(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG")
    return out.getvalue()


async def test_a_photo_telegram_would_not_take_is_refused(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """As on Telegram, a photo whose width and height add up to more than 10,000 pixels, or
    one over 20 times wider than high, is refused (the digest chart of 15 communities was)."""
    _, group = _community(emulator)
    for width, height in ((9000, 1500), (2100, 100)):
        with pytest.raises(BadRequest, match=r"(?i)PHOTO_INVALID_DIMENSIONS"):
            await emulator_bot.send_photo(group.id, _blank_png(width, height))
    photo = await emulator_bot.send_photo(group.id, _blank_png(5000, 4999))
    assert photo.photo[-1].width == 5000


async def test_callback_query_answered_once(emulator: BotAPIEmulator, emulator_bot: Bot) -> None:
    """press_button records whether the bot answered; a second answer is refused as too old."""
    _, group = _community(emulator)
    sent = await emulator_bot.send_message(group.id, "打分", reply_markup=_KEYBOARD)
    resident = emulator.add_user("按钮居民")
    query_id = emulator.press_button(resident, group, sent.message_id, "rate:4")
    assert emulator.callback_answer(query_id) is None
    [update] = await emulator_bot.get_updates(offset=emulator.queue[-1].update_id)
    assert update.callback_query is not None and update.callback_query.data == "rate:4"
    await update.callback_query.answer("已记录 4 分")
    assert emulator.callback_answer(query_id) == {
        "text": "已记录 4 分",
        "show_alert": False,
        "url": None,
        "cache_time": 0,
    }
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await update.callback_query.answer()
    with pytest.raises(ValueError, match=r"(?i)no button"):
        emulator.press_button(resident, group, sent.message_id, "rate:9")


async def test_chat_queries(emulator: BotAPIEmulator, emulator_bot: Bot) -> None:
    """getChat, getChatMember and getChatAdministrators describe the group as set up."""
    organiser, group = _community(emulator)
    deputy = emulator.add_user("副主任")
    other = emulator.add_group("会展城社区", supergroup=True, admins=[organiser, deputy])
    emulator.add_bot_to_group(other, organiser, as_admin=True)
    info = await emulator_bot.get_chat(other.id)
    assert info.title == "会展城社区" and info.type == "supergroup"
    admins = await emulator_bot.get_chat_administrators(other.id)
    assert {a.user.id: a.status for a in admins} == {
        organiser.id: "creator",
        deputy.id: "administrator",
        emulator.bot_user_id: "administrator",
    }
    resident = emulator.add_user("居民")
    emulator.send_message(resident, group, "大家好")
    assert (await emulator_bot.get_chat_member(group.id, resident.id)).status == "member"
    assert (await emulator_bot.get_chat_member(group.id, deputy.id)).status == "left"
    assert await emulator_bot.send_chat_action(group.id, "typing")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await emulator_bot.get_chat(-123)


async def test_private_chat_needs_the_user_to_start_the_bot(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """The bot can't write first to a user; once they wrote, it can; unknown chats are 400."""
    user = emulator.add_user("新用户")
    chat = emulator.private_chat(user)
    with pytest.raises(Forbidden, match=r"(?i)bot can't initiate conversation with a user"):
        await emulator_bot.send_message(chat.id, "你好")
    emulator.send_message(user, chat, "/start")
    await emulator_bot.send_message(chat.id, "欢迎")
    assert [m["text"] for m in emulator.messages_to(chat.id)] == ["欢迎"]
    emulator.block_bot(user)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await emulator_bot.send_message(chat.id, "还在吗")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await emulator_bot.send_message(987654321, "x")


async def test_removed_bot_gets_403(emulator: BotAPIEmulator, emulator_bot: Bot) -> None:
    """After removal, sends to the group get 403 "bot was kicked from the group chat"."""
    organiser, group = _community(emulator)
    emulator.remove_bot_from_group(group, organiser)
    with pytest.raises(Forbidden, match=r"(?i)bot was kicked from the group chat"):
        await emulator_bot.send_message(group.id, "还在吗")
    update = emulator.queue[-1].payload["my_chat_member"]
    assert update["new_chat_member"]["status"] == "left"
    assert update["old_chat_member"]["status"] == "member"


async def test_migrated_group_answers_with_its_new_id(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """After an upgrade the old id raises ChatMigrated with the new id, which then works."""
    _, group = _community(emulator)
    poll = await emulator_bot.send_poll(group.id, "问题", ["甲", "乙"])
    supergroup = emulator.migrate_to_supergroup(group)
    assert supergroup.type == "supergroup" and supergroup.id != group.id
    with pytest.raises(ChatMigrated) as raised:
        await emulator_bot.send_message(group.id, "x")
    assert raised.value.new_chat_id == supergroup.id
    await emulator_bot.send_message(supergroup.id, "新群")
    await emulator_bot.stop_poll(supergroup.id, poll.message_id)
    messages = [u.payload["message"] for u in emulator.queue if u.kind == "message"]
    assert any(m.get("migrate_to_chat_id") == supergroup.id for m in messages)
    assert any(m.get("migrate_from_chat_id") == group.id for m in messages)


async def test_http_errors_have_telegrams_shape(emulator: BotAPIEmulator) -> None:
    """Bad token is 401, unknown method 404, missing parameter 400, each as Telegram's JSON."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emulator.base_url}wrong:token/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.post(f"{emulator.base_url}{emulator.token}/fooBar") as response:
            assert response.status == 404
            assert (await response.json())["description"] == "Not Found"
        async with http.post(
            f"{emulator.base_url}{emulator.token}/sendMessage", json={"text": "x"}
        ) as response:
            assert response.status == 400
            assert (await response.json())["description"] == "Bad Request: chat_id is empty"
    with pytest.raises(InvalidToken):
        async with Bot("1:bad", base_url=emulator.base_url) as bad:
            await bad.get_me()


async def test_json_form_and_query_bodies_are_all_understood(emulator: BotAPIEmulator) -> None:
    """The same call works as JSON, form-encoded and GET query; form values keep strings as text."""
    _, group = _community(emulator)
    url = f"{emulator.base_url}{emulator.token}/sendMessage"
    markup = json.dumps({"inline_keyboard": [[{"text": "1", "callback_data": "r:1"}]]})
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json={"chat_id": group.id, "text": "json"}) as response:
            assert (await response.json())["ok"]
        form = {"chat_id": str(group.id), "text": "123", "reply_markup": markup}
        async with http.post(url, data=form) as response:
            body = await response.json()
            assert body["result"]["text"] == "123"
            assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "1"
        async with http.get(url, params={"chat_id": str(group.id), "text": "get"}) as response:
            assert (await response.json())["ok"]
    assert [m["text"] for m in emulator.messages_to(group.id)] == ["json", "123", "get"]
    assert emulator.calls_to("sendMessage")[1].params["text"] == "123"


async def test_commands_are_stored_per_scope(emulator_bot: Bot) -> None:
    """setMyCommands/getMyCommands/deleteMyCommands keep one list per scope and language."""
    from telegram import BotCommand, BotCommandScopeAllGroupChats

    await emulator_bot.set_my_commands([BotCommand("ask", "征询")])
    await emulator_bot.set_my_commands(
        [BotCommand("report", "报告")], scope=BotCommandScopeAllGroupChats()
    )
    assert [c.command for c in await emulator_bot.get_my_commands()] == ["ask"]
    group_commands = await emulator_bot.get_my_commands(scope=BotCommandScopeAllGroupChats())
    assert [c.command for c in group_commands] == ["report"]
    await emulator_bot.delete_my_commands()
    assert await emulator_bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await emulator_bot.set_my_commands([BotCommand("Bad-Name", "x")])


async def test_known_user_who_never_wrote_gets_403_not_400(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """Messaging an organiser who never opened the bot is 403, as Telegram answers."""
    organiser = emulator.add_user("从未私聊")
    with pytest.raises(Forbidden, match=r"(?i)bot can't initiate conversation"):
        await emulator_bot.send_message(organiser.id, "报告")


async def test_surrounding_whitespace_is_trimmed_like_telegram(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """Leading and trailing whitespace is dropped and entity offsets shift with it."""
    _, group = _community(emulator)
    sent = await emulator_bot.send_message(group.id, "\n  <b>标题</b>\n\n", parse_mode="HTML")
    assert sent.text == "标题"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 2)]
