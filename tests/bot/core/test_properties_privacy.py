"""Property-based tests of pseudonyms and of scrubbing updates kept as dead letters."""

from __future__ import annotations

import json

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.core.privacy import pseudonym, scrub_update

IDS = st.integers(min_value=10**8, max_value=2**52)
# Names carry a marker that nothing else in an update contains, so a leak is unmistakable.
NAMES = st.text(max_size=20).map(lambda s: f"¤{s}¤")
SECRETS = st.binary(min_size=1, max_size=64)
EXAMPLES = settings(max_examples=200, deadline=None)


def user_json(user_id: int, first: str, username: str) -> dict[str, object]:
    """A Telegram User object."""
    return {"id": user_id, "is_bot": False, "first_name": first, "username": username}


@EXAMPLES
@given(IDS, IDS, SECRETS, SECRETS)
def test_pseudonyms_are_stable_keyed_and_reveal_no_id(
    a: int, b: int, secret: bytes, other: bytes
) -> None:
    """Same id and key give the same pseudonym; another id or key another; the id is not in it."""
    assert pseudonym(a, secret) == pseudonym(a, secret)
    assert (pseudonym(a, secret) == pseudonym(b, secret)) is (a == b)
    if secret != other:
        assert pseudonym(a, secret) != pseudonym(a, other)
    assert str(a) not in pseudonym(a, secret)


@EXAMPLES
@given(
    IDS, NAMES, NAMES, st.text(max_size=200).filter(lambda t: "¤" not in t), SECRETS, st.booleans()
)
def test_scrubbed_update_keeps_the_words_but_no_person(
    user_id: int, first: str, username: str, text: str, secret: bytes, private: bool
) -> None:
    """A scrubbed message update holds what was said, the sender's pseudonym, no id or name."""
    user = user_json(user_id, first, username)
    chat = (
        {"id": user_id, "type": "private", "first_name": first, "username": username}
        if private
        else {"id": -4000000001, "type": "group", "title": "碧海社区居民群"}
    )
    update = {
        "update_id": 7,
        "message": {
            "message_id": 3,
            "from": user,
            "chat": chat,
            "text": f"{text} 13812345678",
            "reply_to_message": {"message_id": 1, "from": user, "chat": chat, "text": "题目"},
            "contact": {"phone_number": "13900000000", "first_name": first, "user_id": user_id},
        },
    }
    scrubbed = json.dumps(scrub_update(update, secret), ensure_ascii=False)
    assert pseudonym(user_id, secret) in scrubbed
    assume(str(user_id) not in text and str(user_id) not in "-4000000001")
    assert str(user_id) not in scrubbed
    assert "¤" not in scrubbed, scrubbed
    assert "13812345678" not in scrubbed and "13900000000" not in scrubbed
    if not private:
        assert "-4000000001" in scrubbed  # group chats are not people: kept


@EXAMPLES
@given(IDS, NAMES, NAMES, SECRETS)
def test_scrubbed_update_keeps_no_name_of_a_forward_or_signature(
    user_id: int, hidden: str, signature: str, secret: bytes
) -> None:
    """A message forwarded from someone who hides their account carries only their name
    (`forward_origin.sender_user_name`, the older `forward_sender_name`), and an anonymous
    admin's or a channel author's message their `author_signature`: none is kept."""
    update = {
        "update_id": 8,
        "message": {
            "message_id": 4,
            "from": user_json(user_id, "李四", "lisi"),
            "chat": {"id": -4000000001, "type": "group", "title": "碧海社区居民群"},
            "forward_origin": {"type": "hidden_user", "sender_user_name": hidden, "date": 1},
            "forward_sender_name": hidden,
            "author_signature": signature,
            "reply_to_message": {"message_id": 1, "author_signature": signature, "text": "题目"},
            "text": "转发的话",
        },
    }
    scrubbed = json.dumps(scrub_update(update, secret), ensure_ascii=False)
    assert "¤" not in scrubbed, scrubbed
    assert "转发的话" in scrubbed


@EXAMPLES
@given(IDS, NAMES, SECRETS)
def test_scrubbed_join_request_keeps_no_id(user_id: int, first: str, secret: bytes) -> None:
    """A join request names its person twice: `from` and `user_chat_id` (the id of their
    private chat with the bot, which is their Telegram id); both become the pseudonym."""
    update = {
        "update_id": 9,
        "chat_join_request": {
            "chat": {"id": -4000000001, "type": "supergroup", "title": "碧海社区居民群"},
            "from": user_json(user_id, first, "lisi"),
            "user_chat_id": user_id,
            "date": 1,
            "bio": first,
        },
    }
    scrubbed = json.dumps(scrub_update(update, secret), ensure_ascii=False)
    assume(str(user_id) not in "-4000000001")
    assert str(user_id) not in scrubbed, scrubbed
    assert "¤" not in scrubbed and pseudonym(user_id, secret) in scrubbed
