"""The published governance index, read-only on the web (`/index/`, SPEC §10, issue 16).

The pilots published every community's indicators; where the answer pages run, so does the
latest index report: `/index/` is the whole report (the city table, then every scorecard) and
`/index/<n>` the scorecard of the n-th community on the city table (the ranked by rank, then
the unranked). Nothing personal is
shown: residents appear only as the anonymous quotes the report already holds.

The pages are the published report's HTML opened on the reader's language, chosen as the
answer pages choose it (the server's `lang_of`: `?lang=`, else Accept-Language); the report's
switch still shows the other language or both.

Computing the index draws the Monte Carlo, so a computed report is kept for CACHE_SECONDS,
unless this process deleted or hid answers meanwhile (`Core.answers_removed`): a forgotten
resident's quote leaves the pages at the next request. Readers' browsers and shared caches keep
a page MAX_AGE seconds (docs/operators.md).
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot.core.base import Core
from bot.core.index.compute import CommunityVoices, IndexResult, table_order
from bot.core.indexing import published_index
from bot.core.numbers import read_number
from bot.render.index_report import STYLE_SHEET, render_html
from bot.render.texts import Lang

CACHE_SECONDS = 300.0
# How long a browser or a shared cache may keep a page: a quote deleted by /forget may stay
# there that long; serving again from the kept report costs the server little.
MAX_AGE = 60
# The report's one inline style sheet is allowed by its hash; nothing else loads.
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE_SHEET.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


@dataclass
class IndexPages:
    """The latest published index, computed at most once every CACHE_SECONDS."""

    core: Core
    _at: float = -CACHE_SECONDS
    _removed: int = 0  # `Core.answers_removed` when the report was computed
    _found: tuple[IndexResult, dict[str, CommunityVoices]] | None = None
    _pages: dict[tuple[int | None, Lang], str] = field(default_factory=dict)
    # Each page gzipped once: the whole report of a thousand communities is megabytes, and
    # compressing it for every request would let a few readers keep the processor busy.
    _gzipped: dict[tuple[int | None, Lang], bytes] = field(default_factory=dict)

    async def latest(self) -> tuple[IndexResult, dict[str, CommunityVoices]] | None:
        """The index and the residents' voices of the latest period (None before any value)."""
        now = time.monotonic()
        removed = self.core.answers_removed
        if self._found is None or now - self._at >= CACHE_SECONDS or removed != self._removed:
            # Nothing found is not kept: the first import shows at once; a newer period or
            # new values show within CACHE_SECONDS.
            self._found = await published_index(self.core)
            self._pages, self._gzipped = {}, {}
            self._at, self._removed = now, removed
        return self._found

    async def page(self, number: int | None, lang: Lang) -> str | None:
        """The whole report (number None) or one community's scorecard (1 = the first row of
        the city table), opened on `lang`; None if there is no such page."""
        found = await self.latest()
        if found is None:
            return None
        key = (number, lang)
        if key not in self._pages:
            result, voices = found
            if number is None:
                self._pages[key] = render_html(result, voices, lang=lang)
            elif 1 <= number <= len(result.communities):
                # Numbered as the city table lists them: the ranked by rank, then the unranked.
                name = table_order(result)[number - 1].name
                self._pages[key] = render_html(result, voices, community=name, lang=lang)
            else:
                return None
        return self._pages[key]

    async def body(
        self, number: int | None, lang: Lang, gzipped: bool
    ) -> tuple[bytes, bool] | None:
        """`page` as the bytes to send, gzipped (once per page) if the reader takes gzip."""
        text = await self.page(number, lang)
        if text is None:
            return None
        if not gzipped:
            return text.encode(), False
        key = (number, lang)
        packed = self._gzipped.get(key)
        if packed is None:
            packed = await asyncio.to_thread(gzip.compress, text.encode(), 6)
            if self._pages.get(key) is text:  # not recomputed meanwhile
                self._gzipped[key] = packed
        return packed, True


def takes_gzip(request: web.Request) -> bool:
    """Whether the request's Accept-Encoding takes gzip (`gzip` or `*`, not at q=0)."""
    for item in request.headers.get("Accept-Encoding", "").split(","):
        name, _, params = item.strip().lower().partition(";")
        if name.strip() not in ("gzip", "*"):
            continue
        params = params.replace(" ", "")
        if not params.startswith("q="):
            return True
        try:
            return float(params[2:]) > 0
        except ValueError:
            return False
    return False


def _respond(found: tuple[bytes, bool] | None) -> web.Response:
    if found is None:
        raise web.HTTPNotFound()  # the answer pages' not-found page (bot/web/server.py _guard)
    body, gzipped = found
    response = web.Response(body=body, content_type="text/html", charset="utf-8")
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    # The pages are public. One address serves each language: a shared cache keeps a copy per
    # Accept-Language (and per encoding).
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    # The whole report grows by some 17 KB of markup a community (728 KB for forty), and
    # compresses some forty times over: a phone on a mobile network gets it gzipped.
    response.headers["Vary"] = "Accept-Language, Accept-Encoding"
    return response


def add_index_routes(
    app: web.Application, pages: IndexPages, lang_of: Callable[[web.Request], Lang]
) -> None:
    """Serve `/index/` and `/index/<n>` from `pages` on the answer pages' server, each in the
    language `lang_of` chooses for the request (the answer pages' own choice)."""

    async def city(request: web.Request) -> web.StreamResponse:
        return _respond(await pages.body(None, lang_of(request), takes_gzip(request)))

    async def community(request: web.Request) -> web.StreamResponse:
        number = read_number(request.match_info["number"], typed=False, max_digits=6)
        if number is None:
            return _respond(None)
        return _respond(await pages.body(number, lang_of(request), takes_gzip(request)))

    async def bare(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently("/index/")

    app.router.add_get("/index", bare)
    app.router.add_get("/index/", city)
    app.router.add_get("/index/{number}", community)
