"""Message text as Telegram sees it: entities (UTF-16 offsets) and the HTML parse mode."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from sandbox.params import bad_request

_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}")

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


def detect_entities(text: str) -> list[dict[str, Any]]:
    """`bot_command` and `mention` entities that Telegram's clients and server would add."""
    entities: list[dict[str, Any]] = []
    for kind, pattern in (("bot_command", _COMMAND), ("mention", _MENTION)):
        for match in pattern.finditer(text):
            entities.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(match.group()),
                }
            )
    entities.sort(key=lambda entity: entity["offset"])
    return entities


def entity_text(text: str, entity: dict[str, Any]) -> str:
    """The part of `text` an entity covers."""
    encoded = text.encode("utf-16-le")
    start = int(entity["offset"]) * 2
    end = start + int(entity["length"]) * 2
    return encoded[start:end].decode("utf-16-le")


class _TelegramHTML(HTMLParser):
    """Telegram's HTML subset: plain text plus entities, errors worded as Telegram's."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.entities: list[dict[str, Any]] = []
        self.open: list[tuple[str, int, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise bad_request(f'can\'t parse entities: Unsupported start tag "{tag}"')
        self.open.append((tag, utf16_len(self.text), dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            raise bad_request(
                f"can't parse entities: Can't find end tag corresponding to start tag \"{tag}\""
            )
        name, start, attrs = self.open.pop()
        length = utf16_len(self.text) - start
        if length == 0:
            return
        entity: dict[str, Any] = {"type": _HTML_TAGS[name], "offset": start, "length": length}
        if name == "a":
            href = attrs.get("href") or ""
            if not href:
                return
            entity["url"] = href
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise bad_request('can\'t parse entities: Unsupported start tag "span"')
        if name == "pre" and self.entities and self.entities[-1]["type"] == "code":
            inner = self.entities[-1]
            if inner["offset"] == start and inner["length"] == length:
                self.entities.pop()
                language = str(inner.get("language", ""))
                if language:
                    entity["language"] = language
        if name == "code":
            css = attrs.get("class") or ""
            if css.startswith("language-"):
                entity["language"] = css.removeprefix("language-")
        if name == "tg-emoji":
            entity["custom_emoji_id"] = attrs.get("emoji-id") or ""
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.text += data


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities of a message sent with `parse_mode=HTML`."""
    parser = _TelegramHTML()
    parser.feed(source)
    parser.close()
    if parser.open:
        tag = parser.open[-1][0]
        raise bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{tag}\""
        )
    entities = sorted(parser.entities, key=lambda entity: (entity["offset"], -entity["length"]))
    return parser.text, entities


def render_text(
    source: str, parse_mode: str | None, given_entities: Any
) -> tuple[str, list[dict[str, Any]]]:
    """The text and entities of an outgoing message, as Telegram stores them.

    HTML is parsed as Telegram does; Markdown modes are stored as written (their escaping rules
    are not emulated), so a test reading the text sees the markup.
    """
    if parse_mode is not None and parse_mode.lower() == "html":
        text, entities = parse_html(source)
    else:
        text = source
        entities = list(given_entities) if isinstance(given_entities, list) else []
    text, entities = _strip(text, entities)
    if not entities:
        entities = [e for e in detect_entities(text) if e["type"] == "bot_command"]
    return text, entities


def _strip(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram trims leading and trailing whitespace from a message; entities follow."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    end = utf16_len(stripped)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(int(entity["offset"]) - shift, 0)
        stop = min(int(entity["offset"]) + int(entity["length"]) - shift, end)
        if stop > start:
            kept.append({**entity, "offset": start, "length": stop - start})
    return stripped, kept
