"""Residents who answer through the web answer pages, as a phone's browser does: real HTTP to
the pages `minyi run` serves (bot/web), a cookie of their own, the page's form sent back."""

from __future__ import annotations

import re
import socket
from html import unescape
from urllib.parse import urlsplit

import aiohttp

# Our own pages' hidden fields (bot/web/pages.py writes them exactly so).
_HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
_FORM = re.compile(r"<form\b.*?</form>", re.S)


def free_local_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on right now (for the demo's web pages)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def first_form(html: str) -> dict[str, str]:
    """The hidden fields of a page's first form (a fresh visitor's answer or vote form)."""
    found = _FORM.search(html)
    if found is None:
        raise RuntimeError("the page has no form")
    return {name: unescape(value) for name, value in _HIDDEN.findall(found.group(0))}


async def answer_on_page(url: str, fields: dict[str, str]) -> str:
    """Open `url` in a fresh browser and send its first form with `fields` added; the outcome
    the page confirmed (`stored`, `recorded`, …), or "" if it confirmed nothing."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    headers = {"Origin": origin, "Sec-Fetch-Site": "same-origin"}
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(url) as page:
            html = await page.text()
        data = {**first_form(html), **fields}
        async with session.post(url, data=data, headers=headers) as done:
            await done.read()
            confirmed = re.search(r"[?&]done=(\w+)\.", str(done.url))
            return confirmed.group(1) if done.status == 200 and confirmed else ""
