"""The browser sandbox: a messenger-like page over the emulator's world (`minyi sandbox`).

`WebUI(emulator, roles=…).attach()` adds, on the emulator's own server:

- `GET /` and `GET /sandbox/` — the page (sandbox/web/: plain HTML, CSS and JavaScript);
- `GET /sandbox/api/state?since=V` — every person, chat and message as the page shows them;
  it waits (long poll, up to `wait` seconds) until something changed after version `V`;
- `POST /sandbox/api/send|vote|press|people|groups` — act as a person (people API of `World`);
- `GET /sandbox/file/{file_id}` — photos and documents the bot sent;
- `GET /sandbox/font` — a CJK font, so Chinese renders on machines that have none.

Nothing here knows about Minyi: the page is a window on Telegram's side of the world, and the
bot behind it is whatever talks to the emulator's Bot API.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.emulator import BotAPIEmulator
from sandbox.models import ChatState, SimChat, SimUser, StoredMessage
from sandbox.origin import forbidden, loopback_host, same_origin

WEB_DIR = Path(__file__).parent / "web"
_dumps = functools.partial(json.dumps, ensure_ascii=False)
_STATIC = {
    "index.html": "text/html",
    "app.js": "text/javascript",
    "style.css": "text/css",
}
_MAX_TEXT = 4096  # what Telegram accepts in one message
# The key under which the emulator keeps setMyCommands for the default scope and language.
_DEFAULT_COMMANDS = json.dumps([{"type": "default"}, ""], sort_keys=True)
_LANGUAGES = frozenset({"zh-hans", "zh-hant", "zh-hk", "zh-tw", "en"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebUI:
    """The sandbox page and its JSON API, attached to a `BotAPIEmulator`."""

    def __init__(
        self,
        emulator: BotAPIEmulator,
        *,
        roles: dict[int, str] | None = None,
        font: Path | None = None,
        title: str = "Sandbox",
        hints: dict[str, list[dict[str, str]]] | None = None,
        hint_values: Callable[[], Awaitable[Mapping[str, object]]] | None = None,
        zone: tzinfo | None = None,
    ) -> None:
        self.emulator = emulator
        # user id -> a role label the page shows beside the name (e.g. "organiser").
        self.roles = dict(roles or {})
        self.font = font
        self.title = title
        # role -> examples the page offers to that role: [{"text": …, "label": …}, …]
        self.hints = dict(hints or {})
        # Fills `{name}` in hint labels and texts when the page asks (e.g. how many
        # communities `/ask all` reaches), so a hint never states a stale number.
        self.hint_values = hint_values
        # The zone the page shows message times in: the bot's, so times in bubbles and in the
        # bot's own texts agree whatever the browser's zone is.
        self.zone = zone or UTC
        self.revision = 0  # bumped by every action taken through the page
        # Other pages the bot serves, listed beside the chat: [{"label": …, "url": …}, …]
        # (Minyi's web answer pages); whoever runs the bot keeps it current (`set_links`).
        self.links: list[dict[str, str]] = []

    def attach(self) -> WebUI:
        """Add the page's routes to the emulator's server (before it starts)."""
        self.emulator.web_extensions.append(self._add_routes)
        return self

    # ------------------------------------------------------------------ routes
    def _add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self._redirect)
        app.router.add_get("/sandbox", self._redirect)
        app.router.add_get("/sandbox/", self._static("index.html"))
        for name in _STATIC:
            app.router.add_get(f"/sandbox/{name}", self._static(name))
        app.router.add_get("/sandbox/font", self._font)
        app.router.add_get("/sandbox/file/{file_id}", self._file)
        app.router.add_get("/sandbox/api/state", self._state)
        actions: dict[str, Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]] = {
            "send": self._send,
            "vote": self._vote,
            "press": self._press,
            "people": self._people,
            "groups": self._groups,
        }
        for name, action in actions.items():
            app.router.add_post(f"/sandbox/api/{name}", self._action(action))

    async def _redirect(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/sandbox/")

    def _static(self, name: str) -> Handler:
        async def serve(request: web.Request) -> web.StreamResponse:
            body = (WEB_DIR / name).read_bytes()
            return web.Response(
                body=body,
                content_type=_STATIC[name],
                charset="utf-8",
                headers={"Cache-Control": "no-cache"},
            )

        return serve

    async def _font(self, request: web.Request) -> web.StreamResponse:
        if self.font is None or not self.font.exists():
            raise web.HTTPNotFound()
        return web.FileResponse(self.font, headers={"Cache-Control": "max-age=86400"})

    async def _file(self, request: web.Request) -> web.StreamResponse:
        stored = self.emulator.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        # Shown on the page's own origin: a file (whatever it claims to be) may run nothing
        # there, and is never read as another type than the one it was sent with.
        headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}
        if stored.file_name:
            safe = re.sub(r"[^\w.\-]", "_", stored.file_name)
            headers["Content-Disposition"] = f'inline; filename="{safe}"'
        return web.Response(
            body=stored.data,
            content_type=stored.mime_type or "application/octet-stream",
            headers=headers,
        )

    def _action(self, action: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            refused = self._refusal(request, changes=True)
            if refused is not None:
                return refused
            try:
                body = await request.json()
                if not isinstance(body, dict):
                    raise ValueError("expected a JSON object")
                result = await action(body)
            except (ValueError, KeyError, TypeError) as exc:
                return web.json_response({"ok": False, "error": str(exc)}, status=400)
            self.revision += 1
            return web.json_response({"ok": True, **result}, dumps=_dumps)

        return handle

    def _refusal(self, request: web.Request, *, changes: bool) -> web.Response | None:
        """A 403 for a request from anywhere but the page on this machine (sandbox/origin.py):
        a Host that is not loopback (DNS rebinding) and, for `changes`, anything but JSON
        from the page's own origin (a cross-site form or fetch); None if it may go on."""
        if not loopback_host(request, also=(self.emulator.host,)):
            return forbidden("the sandbox answers only requests to this machine (Host)")
        if changes and request.content_type != "application/json":
            return forbidden("the sandbox takes only application/json")
        if changes and not same_origin(request):
            return forbidden("the sandbox takes requests only from its own page (Origin)")
        return None

    def set_links(self, links: list[dict[str, str]]) -> None:
        """Replace the listed pages; the open page shows them at its next state."""
        if links != self.links:
            self.links = list(links)
            self.revision += 1

    # ------------------------------------------------------------------ state
    def version(self) -> str:
        """Changes whenever the bot called the Bot API or someone acted through the page."""
        em = self.emulator
        return f"{len(em.calls)}.{em.confirmed_offset}.{len(em.queue)}.{self.revision}"

    async def _state(self, request: web.Request) -> web.StreamResponse:
        refused = self._refusal(request, changes=False)
        if refused is not None:
            return refused
        since = request.query.get("since", "")
        wait = min(float(request.query.get("wait", "25")), 60.0)
        if since and since == self.version() and wait > 0:
            with contextlib.suppress(TimeoutError):
                await self.emulator.wait_for(lambda: self.version() != since, wait)
        values = {} if self.hint_values is None else await self.hint_values()
        return web.json_response(self.snapshot(values), dumps=_dumps)

    def _filled_hints(self, values: Mapping[str, object]) -> dict[str, list[dict[str, str]]]:
        def fill(text: str) -> str:
            # Plain replacement, not str.format: a hint may hold braces of its own.
            for name, value in values.items():
                text = text.replace("{" + name + "}", str(value))
            return text

        return {
            role: [{key: fill(value) for key, value in hint.items()} for hint in hints]
            for role, hints in self.hints.items()
        }

    def _zone_json(self) -> dict[str, str]:
        offset = datetime.now(self.zone).strftime("%z") or "+0000"
        return {"name": str(self.zone), "offset": f"{offset[:3]}:{offset[3:]}"}

    def snapshot(self, hint_values: Mapping[str, object] | None = None) -> dict[str, Any]:
        """Everything the page shows: the bot, people, chats with their messages."""
        em = self.emulator
        return {
            "version": self.version(),
            "title": self.title,
            "font": self.font is not None,
            "bot": {"id": em.bot.id, "name": em.bot.first_name, "username": em.bot.username},
            "commands": em.commands.get(_DEFAULT_COMMANDS, []),
            "hints": self._filled_hints(hint_values or {}),
            "zone": self._zone_json(),
            "links": self.links,
            "users": [
                {
                    "id": user.id,
                    "name": user.first_name,
                    "language_code": user.language_code,
                    "role": self.roles.get(user.id, "resident"),
                }
                for user in em.users.values()
            ],
            "chats": [self._chat_json(state) for state in em.chats.values()],
        }

    def _chat_json(self, state: ChatState) -> dict[str, Any]:
        chat = state.chat
        messages = [
            self._message_json(stored) for stored in state.messages.values() if not stored.deleted
        ]
        return {
            "id": chat.id,
            "type": chat.type,
            "title": chat.title,
            "members": sorted(
                user_id
                for user_id, status in state.members.items()
                if status not in ("left", "kicked")
            ),
            "bot_member": state.bot_is_member,
            "migrated_to": state.migrated_to,
            "messages": messages,
        }

    def _message_json(self, stored: StoredMessage) -> dict[str, Any]:
        payload = stored.payload
        sender = payload.get("from", {})
        out: dict[str, Any] = {
            "id": payload["message_id"],
            "date": payload.get("date"),
            "from": {
                "id": sender.get("id"),
                "name": sender.get("first_name", ""),
                "is_bot": bool(sender.get("is_bot")),
            },
            "from_bot": stored.from_bot,
            "text": payload.get("text") or payload.get("caption") or "",
            "edited": "edit_date" in payload,
        }
        replied = payload.get("reply_to_message")
        if replied is not None:
            out["reply_to"] = {
                "id": replied.get("message_id"),
                "name": replied.get("from", {}).get("first_name", ""),
                "text": (replied.get("text") or replied.get("caption") or _kind_of(replied))[:120],
            }
        if "poll" in payload:
            out["poll"] = self._poll_json(payload["poll"])
        markup = payload.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            out["buttons"] = [
                [
                    {
                        "text": button.get("text", ""),
                        "data": button.get("callback_data"),
                        "url": button.get("url"),
                    }
                    for button in row
                ]
                for row in markup["inline_keyboard"]
            ]
        if "photo" in payload:
            largest = payload["photo"][-1]
            out["photo"] = {
                "url": f"/sandbox/file/{largest['file_id']}",
                "width": largest.get("width"),
                "height": largest.get("height"),
            }
        if "document" in payload:
            document = payload["document"]
            out["document"] = {
                "url": f"/sandbox/file/{document['file_id']}",
                "name": document.get("file_name") or "file",
                "size": document.get("file_size"),
            }
        if "sticker" in payload:
            out["sticker"] = True
        joined = payload.get("new_chat_members")
        if joined:
            out["service"] = {"joined": [member.get("first_name", "") for member in joined]}
        return out

    def _poll_json(self, poll: dict[str, Any]) -> dict[str, Any]:
        state = self.emulator.polls_by_id.get(poll["id"])
        votes = {str(k): list(v) for k, v in state.votes.items()} if state else {}
        return {
            "id": poll["id"],
            "question": poll.get("question", ""),
            "options": [
                {"text": o.get("text", ""), "votes": o.get("voter_count", 0)}
                for o in poll.get("options", [])
            ],
            "total": poll.get("total_voter_count", 0),
            "closed": bool(poll.get("is_closed")),
            "anonymous": bool(poll.get("is_anonymous")),
            "multiple": bool(poll.get("allows_multiple_answers")),
            "votes": votes,
        }

    # ------------------------------------------------------------------ actions
    def _user(self, body: dict[str, Any]) -> SimUser:
        user = self.emulator.users.get(int(body["user"]))
        if user is None:
            raise ValueError(f"no person {body['user']}")
        return user

    def _chat(self, body: dict[str, Any], user: SimUser) -> SimChat:
        chat_id = int(body["chat"])
        if chat_id == user.id:
            return self.emulator.private_chat(user)
        state = self.emulator.chats.get(chat_id)
        if state is None or state.chat.type == "private":
            raise ValueError(f"no group {chat_id}")
        return state.chat

    async def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        user = self._user(body)
        chat = self._chat(body, user)
        text = str(body.get("text", "")).strip()
        if not text:
            raise ValueError("消息是空的 · the message is empty")
        if len(text) > _MAX_TEXT:
            raise ValueError(
                f"一条消息最多 {_MAX_TEXT} 个字 · a message holds at most {_MAX_TEXT} characters"
            )
        reply_to = body.get("reply_to")
        message_id = self.emulator.send_message(
            user, chat, text, reply_to=int(reply_to) if reply_to else None
        )
        return {"message_id": message_id}

    async def _vote(self, body: dict[str, Any]) -> dict[str, Any]:
        user = self._user(body)
        options = [int(option) for option in body.get("options", [])]
        poll = self.emulator.polls_by_id.get(str(body["poll"]))
        if poll is not None and poll.is_closed:
            # Closed while the page still showed its buttons.
            raise ValueError("这个投票已经结束 · this poll has closed")
        self.emulator.vote_poll(user, str(body["poll"]), options)
        return {}

    async def _press(self, body: dict[str, Any]) -> dict[str, Any]:
        user = self._user(body)
        state = self.emulator.chats.get(int(body["chat"]))
        if state is None:
            raise ValueError(f"no chat {body['chat']}")
        query_id = self.emulator.press_button(
            user, state.chat, int(body["message"]), str(body["data"])
        )
        # The bot answers the press with a short notice (a "toast"): wait a moment for it.
        with contextlib.suppress(TimeoutError):
            await self.emulator.wait_for(
                lambda: self.emulator.callback_answer(query_id) is not None, 5.0
            )
        answer = self.emulator.callback_answer(query_id) or {}
        return {"answer": {"text": answer.get("text"), "alert": bool(answer.get("show_alert"))}}

    async def _people(self, body: dict[str, Any]) -> dict[str, Any]:
        name = str(body.get("name", "")).strip()
        if not 1 <= len(name) <= 64:
            raise ValueError("名字要 1–64 个字 · a name needs 1–64 characters")
        language = str(body.get("language_code") or "zh-hans")
        if language not in _LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        user = self.emulator.add_user(name, language_code=language)
        for chat_id in body.get("join", []):
            state = self.emulator.chats.get(int(chat_id))
            if state is not None and state.chat.type != "private":
                self.emulator.add_member(state.chat, user)
        return {"user": user.id}

    async def _groups(self, body: dict[str, Any]) -> dict[str, Any]:
        creator = self._user(body)
        title = str(body.get("title", "")).strip()
        if not 1 <= len(title) <= 128:
            raise ValueError("群名称要 1–128 个字 · a group title needs 1–128 characters")
        members = [self._user({"user": member}) for member in body.get("members", [])]
        chat = self.emulator.add_group(title, admins=[creator])
        self.emulator.add_bot_to_group(chat, creator)
        for member in members:
            if member.id != creator.id:
                self.emulator.add_member(chat, member)
        return {"chat": chat.id}


def _kind_of(payload: dict[str, Any]) -> str:
    for kind, label in (("poll", "📊"), ("photo", "🖼"), ("document", "📎"), ("sticker", "🙂")):
        if kind in payload:
            return label
    return ""
