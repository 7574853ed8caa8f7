"""The emulator and the sandbox page refuse what another web site could make a browser send
(issue 14 defect 8): cross-site posts, non-JSON bodies, and DNS-rebinding Host names."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
import pytest_asyncio

from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser, StoredFile
from sandbox.webui import WebUI

EVIL = "http://evil.example"


@dataclass
class Site:
    """An emulator with the sandbox page, a group and a person in it."""

    emulator: BotAPIEmulator
    origin: str
    group: SimChat
    person: SimUser


@pytest_asyncio.fixture
async def site() -> AsyncIterator[Site]:
    """The emulator with its page attached, started on a free loopback port."""
    emulator = BotAPIEmulator()
    WebUI(emulator).attach()
    async with emulator:
        person = emulator.add_user("王阿姨")
        group = emulator.add_group("碧海社区居民群", admins=[person])
        yield Site(emulator, f"http://127.0.0.1:{emulator.port}", group, person)


def _send_body(site: Site) -> dict[str, object]:
    return {"user": site.person.id, "chat": site.group.id, "text": "你好"}


async def test_the_page_itself_may_act(site: Site) -> None:
    """JSON from the page's own origin to a loopback Host is accepted (the control case)."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{site.origin}/sandbox/api/send",
            json=_send_body(site),
            headers={"Origin": site.origin},
        ) as answer,
    ):
        assert answer.status == 200
    assert len(site.emulator.history(site.group.id)) == 1


@pytest.mark.parametrize(
    ("headers", "as_json"),
    [
        ({"Content-Type": "text/plain", "Origin": EVIL}, False),
        ({"Content-Type": "text/plain"}, False),
        ({"Origin": EVIL}, True),
        ({"Host": "evil.example"}, True),
        ({"Host": "evil.example:80", "Origin": "http://evil.example:80"}, True),
    ],
)
async def test_cross_site_actions_are_refused_and_change_nothing(
    site: Site, headers: dict[str, str], as_json: bool
) -> None:
    """A text/plain post (a cross-site form), a foreign Origin or a rebinding Host gets 403
    and no message is posted."""
    url = f"{site.origin}/sandbox/api/send"
    async with aiohttp.ClientSession() as session:
        if as_json:
            request = session.post(url, json=_send_body(site), headers=headers)
        else:
            request = session.post(url, data='{"user": 1, "chat": 1, "text": "x"}', headers=headers)
        async with request as answer:
            assert answer.status == 403
    assert site.emulator.history(site.group.id) == []
    assert site.emulator.queue == []


async def test_state_is_not_readable_through_a_rebinding_host(site: Site) -> None:
    """GET state with a foreign Host is refused (a rebinding page could read the world)."""
    async with aiohttp.ClientSession() as session:
        async with session.get(
            f"{site.origin}/sandbox/api/state?wait=0", headers={"Host": "evil.example"}
        ) as answer:
            assert answer.status == 403
        async with session.get(f"{site.origin}/sandbox/api/state?wait=0") as answer:
            assert answer.status == 200


@pytest.mark.parametrize(
    "headers", [{"Host": "evil.example"}, {"Origin": EVIL}, {"Host": "127.0.0.1.evil.example"}]
)
async def test_the_bot_api_refuses_cross_site_calls(site: Site, headers: dict[str, str]) -> None:
    """sendMessage with the (well-known test) token from another site, or via a rebinding
    Host, gets 403 and posts nothing; the same call from the bot goes through."""
    em = site.emulator
    em.add_bot_to_group(site.group, site.person)
    url = f"{em.base_url}{em.token}/sendMessage"
    body = {"chat_id": site.group.id, "text": "伪造的通知"}
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body, headers=headers) as answer:
            assert answer.status == 403
        assert em.messages_to(site.group.id) == []
        async with session.post(url, data=body) as answer:
            assert answer.status == 200
    assert [m["text"] for m in em.messages_to(site.group.id)] == ["伪造的通知"]


async def test_a_file_the_bot_sent_runs_nothing_on_the_page_origin(site: Site) -> None:
    """A document served back on the sandbox page's origin (a bot could send an HTML file)
    comes with a sandboxing policy and no type sniffing, so it cannot script the page."""
    site.emulator.files["f1"] = StoredFile(
        file_id="f1",
        file_unique_id="u1",
        data=b"<script>alert(1)</script>",
        file_name="report.html",
        mime_type="text/html",
        file_path="documents/f1",
    )
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{site.origin}/sandbox/file/f1") as answer,
    ):
        assert answer.status == 200
        assert answer.headers["Content-Security-Policy"] == "sandbox"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
