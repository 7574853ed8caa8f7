"""Property-based tests: hostile addresses, query strings, cookies and headers at the real web
answer pages (SPEC §11): always a page in the visitor's language, never a 500 or a trace."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.models import Round
from tests.bot.web.world import WebWorld, web_world
from tests.e2e.dbfiles import snapshot

RUNS = settings(
    max_examples=80,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JUNK = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "zh", "en", "EN", "fr", "zh-Hans-CN;q=0.9", "*", "../..", "%00", "%ff%fe", "\u202e",
         "a" * 3000, "stored.", "stored.x", "forgotten-1-2.x", "forgotten-99999999999999999999-1.x",
         "forgotten--.", "1;2", "=", "\r\n"]
    ),
)  # fmt: skip


@pytest_asyncio.fixture
async def served(tmp_path: Path) -> Any:
    """Pages over a fresh SQLite file with one open text round."""
    async with web_world(tmp_path) as world:
        yield world, await world.open_round("text", "你觉得停车怎么样？")


@RUNS
@given(
    where=st.sampled_from(["page", "cut", "longer", "me", "junk", "forget"]),
    junk=JUNK,
    lang=JUNK,
    done=JUNK,
    accept=JUNK,
    cookie=JUNK,
)
async def test_any_address_query_or_header_gets_a_page(
    served: tuple[WebWorld, Round],
    where: str,
    junk: str,
    lang: str,
    done: str,
    accept: str,
    cookie: str,
) -> None:
    """A GET with a cut, padded or made-up address, any `lang` and `done` in the query, any
    Accept-Language and any cookie gets an HTML page (200, 404 or 405), never a 500, and
    changes nothing."""
    world, round_ = served
    path = world.path(round_)
    address = {
        "page": path,
        "cut": path[:-4],
        "longer": path + quote(junk.encode("utf-8", "surrogatepass"), safe=""),
        "me": "/me",
        "junk": "/" + quote(junk.encode("utf-8", "surrogatepass"), safe="/"),
        "forget": "/me/forget",
    }[where]
    query = "?" + "&".join(
        f"{k}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}"
        for k, v in (("lang", lang), ("done", done))
    )
    headers = {
        # As a client can send it: any bytes but control characters, read as Latin-1.
        "Accept-Language": "".join(
            c for c in accept.encode("utf-8", "replace").decode("latin-1") if c.isprintable()
        ),
        "Cookie": "minyi=" + quote(cookie.encode("utf-8", "surrogatepass"), safe=""),
    }
    before = snapshot(world.core.settings)
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            world.base + address + query, headers=headers, allow_redirects=False
        ) as response,
    ):
        status, html = response.status, await response.text()
    assert status in (200, 404, 405), (status, html[:300])
    assert "<html" in html and "Traceback" not in html, html[:300]
    after = snapshot(world.core.settings)
    assert {k: v for k, v in after.items() if k != "web_forms"} == {
        k: v for k, v in before.items() if k != "web_forms"
    }
