"""A real Minyi core on a temporary SQLite file with the web pages served on 127.0.0.1, and
browsers (aiohttp clients with their own cookie jars) that read pages and send their forms."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import aiohttp

from bot.config import settings_from_dict
from bot.core.base import Core, open_core
from bot.core.models import Community, Round
from bot.core.parsing import RoundRequest
from bot.core.rounds import create_round
from bot.web.server import WebOptions, options_from, page_path, serving_web

SECRET = "web-test-secret-不要外传"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Forms(HTMLParser):
    """Every form of a page: its action and its fields' values (hidden and pre-filled)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": {}})
        elif tag == "input" and self.forms and a.get("type") == "hidden":
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")
        elif tag == "textarea" and self.forms:
            self._textarea = a.get("name")

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and self.forms:
            fields = self.forms[-1]["fields"]
            fields[self._textarea] = fields.get(self._textarea, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None


def forms_of(html: str) -> list[dict[str, Any]]:
    """The forms of a page, in order."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def visible_text(html: str) -> str:
    """A page's text without tags or its style sheet, whitespace folded."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@dataclass
class Page:
    """One answer from the server."""

    status: int
    html: str
    headers: Any
    url: str

    @property
    def text(self) -> str:
        """What a person reads on it."""
        return visible_text(self.html)

    def form(self, action: str) -> dict[str, str]:
        """The fields of the first form whose hidden `action` is `action` (a copy)."""
        for form in forms_of(self.html):
            if form["fields"].get("action") == action or (
                action == "forget" and form["action"].partition("?")[0] == "/me/forget"
            ):
                return dict(form["fields"])
        raise AssertionError(f"no {action!r} form on the page: {self.text[:300]}")


@dataclass
class Browser:
    """A phone's browser: its own cookie jar, talking real HTTP to the pages."""

    base: str
    session: aiohttp.ClientSession
    headers: dict[str, str] = field(default_factory=dict)

    async def get(self, path: str, **headers: str) -> Page:
        """GET a page, following redirects."""
        async with self.session.get(self.base + path, headers={**self.headers, **headers}) as r:
            return Page(r.status, await r.text(), r.headers, str(r.url))

    async def post(self, path: str, fields: dict[str, Any], **headers: str) -> Page:
        """POST a form as a browser does from our own page (Origin and Sec-Fetch-Site set),
        following the redirect to the confirmation."""
        sent = {"Origin": self.base, "Sec-Fetch-Site": "same-origin", **self.headers, **headers}
        async with self.session.post(self.base + path, data=fields, headers=sent) as r:
            return Page(r.status, await r.text(), r.headers, str(r.url))


@dataclass
class WebWorld:
    """The core, two communities, the served pages and a way to open browsers."""

    core: Core
    options: WebOptions
    communities: list[Community]
    browsers: list[Browser] = field(default_factory=list)

    @property
    def base(self) -> str:
        """The pages' address."""
        return self.options.public_url

    async def browser(self, **headers: str) -> Browser:
        """A fresh browser (no cookie yet)."""
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        made = Browser(self.base, session, dict(headers))
        self.browsers.append(made)
        return made

    async def open_round(
        self, kind: str, question: str, options: list[str] | None = None, multi: bool = False
    ) -> Round:
        """Open a round in both communities now (as /ask, /poll or /rate would)."""
        request = RoundRequest(
            kind=kind,
            question=question,
            duration=timedelta(hours=2),
            options=options or [],
            multi=multi,
        )
        created = await create_round(self.core, request, self.communities, "organiser")
        return created.round

    def path(self, round_: Round, community: Community | None = None) -> str:
        """The page of a round for a community (the first by default)."""
        return page_path(self.core, round_.id, (community or self.communities[0]).id)


@contextlib.asynccontextmanager
async def web_world(
    tmp_path: Path, per_address: int | None = None, **tables: dict[str, Any]
) -> AsyncIterator[WebWorld]:
    """Serve the pages of a fresh database until the block ends (`per_address`: answers one
    client address may send per minute, instead of the server's default)."""
    port = free_port()
    data: dict[str, Any] = {
        "storage": {"url": f"sqlite:///{tmp_path / 'minyi.db'}"},
        "privacy": {"secret": SECRET},
        "web": {"listen": f"127.0.0.1:{port}", "public_url": f"http://127.0.0.1:{port}"},
    }
    for name, values in tables.items():
        data.setdefault(name, {}).update(values)
    settings = settings_from_dict(data, environ={})
    options = options_from(settings)
    assert options is not None
    if per_address is not None:
        options = dataclasses.replace(options, per_address_per_minute=per_address)
    core = await open_core(settings)
    world = WebWorld(core, options, [])
    try:
        async with core.repo.transaction() as session:
            for chat_id, name in ((-1001, "碧海社区"), (-1002, "汇展城社区")):
                community, _ = await session.set_community(chat_id, name, core.now())
                world.communities.append(community)
        async with serving_web(core, options):
            yield world
    finally:
        for browser in world.browsers:
            await browser.session.close()
        await core.repo.close()
