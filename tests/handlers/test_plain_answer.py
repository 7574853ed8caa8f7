"""Which raw updates take the direct answer path (handlers/answers.py `read_plain_answer`).

Only a new text message from a person in a private chat or a group qualifies; everything
else must fall through to PTB (None), where the handlers deal with it, malformed shapes
included.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bot.core.answers import IncomingMessage
from handlers.answers import read_plain_answer

GROUP_REPLY: dict[str, Any] = {
    "update_id": 7,
    "message": {
        "message_id": 41,
        "date": 1_700_000_000,
        "chat": {"id": -1001, "type": "supergroup", "title": "碧海社区居民群"},
        "from": {"id": 5, "is_bot": False, "first_name": "王", "language_code": "en"},
        "text": "停车位太少了",
        "reply_to_message": {
            "message_id": 3,
            "date": 1_700_000_000,
            "chat": {"id": -1001, "type": "supergroup", "title": "碧海社区居民群"},
            "from": {"id": 99, "is_bot": True, "first_name": "Minyi"},
            "text": "社区征询 #1",
        },
    },
}


def changed(path: str, value: Any) -> dict[str, Any]:
    """GROUP_REPLY with one field (dotted path under the update) set to `value`, or removed
    when `value` is ...; a copy."""
    raw = copy.deepcopy(GROUP_REPLY)
    *parents, last = path.split(".")
    node = raw
    for key in parents:
        node = node[key]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return raw


def test_a_group_reply_becomes_an_incoming_message() -> None:
    """Every field the answer path needs is taken from the JSON, language included."""
    plain = read_plain_answer(GROUP_REPLY)
    assert plain is not None
    assert plain.language_code == "en"
    assert plain.message == IncomingMessage(
        chat_id=-1001,
        private=False,
        message_id=41,
        user_id=5,
        text="停车位太少了",
        reply_to_message_id=3,
        reply_to_bot=True,
    )


def test_private_and_plain_group_messages_qualify() -> None:
    """A private message is private; a group message replying to nothing has no reply id."""
    private = read_plain_answer(changed("message.chat", {"id": 5, "type": "private"}))
    assert private is not None and private.message.private
    loose = read_plain_answer(changed("message.reply_to_message", ...))
    assert loose is not None and loose.message.reply_to_message_id is None
    no_language = read_plain_answer(changed("message.from.language_code", ...))
    assert no_language is not None and no_language.language_code is None


def test_a_message_in_a_forum_topic_replies_to_nothing_in_particular() -> None:
    """In a forum topic a message carries the topic's first message as `reply_to_message`;
    that is no reply (a plain group message), a reply to another message in the topic is."""
    in_topic = changed("message.message_thread_id", 3)
    in_topic["message"]["is_topic_message"] = True
    plain = read_plain_answer(in_topic)
    assert plain is not None and plain.message.reply_to_message_id is None
    in_topic["message"]["message_thread_id"] = 2
    replying = read_plain_answer(in_topic)
    assert replying is not None and replying.message.reply_to_message_id == 3


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("message.text", "/report 1"),  # a command
        ("message.text", ...),  # a sticker, photo or service message
        ("message.from.is_bot", True),  # a bot, or an anonymous group admin
        ("message.from.is_bot", ...),  # not a well-formed user
        ("message.from", ...),
        ("message.chat.type", "channel"),
        # A linked channel's post forwarded into its group: from Telegram's service account.
        ("message.sender_chat", {"id": -1002, "type": "channel", "title": "公告"}),
        ("message.is_automatic_forward", True),
        ("message.forward_origin", {"type": "hidden_user", "date": 1, "sender_user_name": "某人"}),
        ("message.chat.id", "-1001"),  # ids must be integers
        ("message.message_id", 41.0),
        ("message.reply_to_message", {"message_id": True}),
        ("message", ...),
    ],
)
def test_anything_else_is_left_to_ptb(path: str, value: Any) -> None:
    """Commands, non-text, bots, channels and odd shapes do not take the direct path."""
    assert read_plain_answer(changed(path, value)) is None


def test_edits_votes_and_button_presses_are_left_to_ptb() -> None:
    """Only `message` updates qualify: an edit carries the same message under another key."""
    edit = {"update_id": 8, "edited_message": GROUP_REPLY["message"]}
    vote = {"update_id": 9, "poll_answer": {"poll_id": "p", "option_ids": [0]}}
    assert read_plain_answer(edit) is None and read_plain_answer(vote) is None
