"""sendMediaGroup: albums of 2–10 documents (or photos), stored and refused as Telegram does."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from telegram import Bot, InputMediaDocument, InputMediaPhoto
from telegram.error import BadRequest, RetryAfter

from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser

_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000040000000308060000009d74660a"
    "0000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082"
)


def _private(emulator: BotAPIEmulator) -> SimUser:
    organiser = emulator.add_user("陈主任")
    emulator.send_message(organiser, emulator.private_chat(organiser), "/start")
    return organiser


def _group(emulator: BotAPIEmulator) -> SimChat:
    organiser = emulator.add_user("王主任")
    group = emulator.add_group("碧海社区", admins=[organiser])
    emulator.add_bot_to_group(group, organiser)
    return group


def _documents(count: int) -> list[InputMediaDocument]:
    return [
        InputMediaDocument(
            f"第{n}张卡片".encode(), filename=f"card-{n}.png", caption=f"第 {n} 个社区"
        )
        for n in range(1, count + 1)
    ]


async def test_an_album_of_documents_is_stored_as_messages_of_one_group(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """Each document is a message of its own, in order, with its caption, file name and bytes,
    all sharing one media_group_id; the method returns them all."""
    organiser = _private(emulator)
    sent = await emulator_bot.send_media_group(organiser.id, _documents(3))
    assert [m.caption for m in sent] == ["第 1 个社区", "第 2 个社区", "第 3 个社区"]
    assert [m.document.file_name for m in sent if m.document] == [
        "card-1.png",
        "card-2.png",
        "card-3.png",
    ]
    groups = {m.media_group_id for m in sent}
    assert len(groups) == 1 and None not in groups
    stored = emulator.messages_to(organiser.id)[-3:]
    assert [s["file_bytes"] for s in stored] == [f"第{n}张卡片".encode() for n in (1, 2, 3)]
    assert [s["message_id"] for s in stored] == [m.message_id for m in sent]
    again = await emulator_bot.send_media_group(organiser.id, _documents(2))
    assert again[0].media_group_id not in groups


async def test_a_single_item_is_one_message_outside_any_album(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """Telegram's server sends an album of one as a plain message (no media_group_id)."""
    organiser = _private(emulator)
    [sent] = await emulator_bot.send_media_group(organiser.id, _documents(1))
    assert sent.media_group_id is None and sent.document is not None


async def _raw(
    emulator: BotAPIEmulator, chat_id: int, media: Any, files: dict[str, bytes] | None = None
) -> dict[str, Any]:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(chat_id))
    if media is not None:
        form.add_field("media", media if isinstance(media, str) else json.dumps(media))
    for name, data in (files or {}).items():
        form.add_field(name, data, filename=f"{name}.png", content_type="image/png")
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{emulator.base_url}{emulator.token}/sendMediaGroup", data=form) as response,
    ):
        body: dict[str, Any] = await response.json()
        return body


def _doc(name: str) -> dict[str, str]:
    return {"type": "document", "media": f"attach://{name}"}


@pytest.mark.parametrize(
    ("media", "description"),
    [
        (None, 'Bad Request: parameter "media" is required'),
        ("[not json", "Bad Request: can't parse media JSON object"),
        ({"type": "document"}, "Bad Request: expected an Array of InputMedia"),
        ([], "Bad Request: there are no messages to send"),
        ([_doc("a")] * 11, "Bad Request: too many messages to send as an album"),
        (["a", "b"], "Bad Request: can't parse InputMedia: expected an Object"),
        (
            [{"media": "attach://a"}] * 2,
            "Bad Request: can't parse InputMedia: Can't find field \"type\"",
        ),
        (
            [{"type": "animation", "media": "attach://a"}] * 2,
            "Bad Request: can't parse InputMedia: type \"animation\" can't be used in "
            "sendMediaGroup",
        ),
        (
            [{"type": "sticker", "media": "attach://a"}] * 2,
            'Bad Request: can\'t parse InputMedia: type "sticker" is unsupported',
        ),
        ([_doc("a"), _doc("missing")], "Bad Request: can't parse InputMedia: media not found"),
        (
            [_doc("a"), {"type": "photo", "media": "attach://b"}],
            "Bad Request: document can't be mixed with other media types",
        ),
        (
            [_doc("a"), {**_doc("b"), "caption": "长" * 1025}],
            "Bad Request: message caption is too long",
        ),
    ],
)
async def test_a_bad_album_is_refused_as_telegram_words_it_and_sends_nothing(
    emulator: BotAPIEmulator, media: Any, description: str
) -> None:
    organiser = _private(emulator)
    before = len(emulator.messages_to(organiser.id))
    files_before = len(emulator.files)
    body = await _raw(emulator, organiser.id, media, {"a": _PNG, "b": _PNG})
    assert body == {"ok": False, "error_code": 400, "description": description}
    assert len(emulator.messages_to(organiser.id)) == before
    assert len(emulator.files) == files_before


async def test_photos_form_an_album_and_reuse_by_file_id(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """Photos (uploaded, or again by file_id) form an album as documents do."""
    organiser = _private(emulator)
    first = await emulator_bot.send_media_group(
        organiser.id, [InputMediaPhoto(_PNG, caption="一"), InputMediaPhoto(_PNG)]
    )
    assert first[0].photo and first[0].caption == "一" and first[1].caption is None
    file_id = first[0].photo[-1].file_id
    again = await emulator_bot.send_media_group(
        organiser.id, [InputMediaPhoto(file_id), InputMediaPhoto(file_id)]
    )
    assert again[0].photo[-1].file_id == file_id
    with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
        await emulator_bot.send_media_group(
            organiser.id, [InputMediaPhoto(_PNG), InputMediaPhoto(b"not an image")]
        )


async def test_an_album_counts_each_of_its_messages_towards_the_flood_limits(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """A group takes 20 messages a minute: two albums of ten fill it, and the next album (or
    one too big for what is left) is refused whole with a flood wait."""
    group = _group(emulator)
    emulator.enable_flood_control()
    await emulator_bot.send_media_group(group.id, _documents(10))
    await emulator_bot.send_media_group(group.id, _documents(9))
    with pytest.raises(RetryAfter):
        await emulator_bot.send_media_group(group.id, _documents(2))
    await emulator_bot.send_document(group.id, b"x", filename="last.png")
    assert len(emulator.messages_to(group.id)) == 20
