"""What a person or a script sees when the web pages refuse a request: an address that is no
page, and a form the server cannot read (too big, or in an unknown encoding)."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import quote_from_bytes, urlencode

import pytest

from bot.web.pages import CONTENT_SECURITY_POLICY
from tests.bot.web.world import WebWorld

QUESTION = "你希望小区的停车问题怎么解决？"


async def test_an_address_that_is_no_page_says_so_in_chinese_on_a_phone(world: WebWorld) -> None:
    """A link cut short by a chat app, a guessed address, the bare site and an index page past
    the table all get the same 404 page: readable on a phone (viewport), Chinese first, with
    the pages' security headers, and nothing that tells one address from another."""
    round_ = await world.open_round("text", QUESTION)
    phone = await world.browser()
    good = world.path(round_)
    paths = [good[:-3], good[:-1] + ("a" if good[-1] != "a" else "b"), "/", "/r/", "/nope"]
    paths.append("/index/99")
    bodies = set()
    for path in paths:
        page = await phone.get(path)
        assert page.status == 404, path
        assert page.headers["Content-Type"].startswith("text/html"), path
        assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert page.headers["X-Frame-Options"] == "DENY", path
        assert 'name="viewport"' in page.html, path
        assert '<html lang="zh-CN">' in page.html, path
        assert "找不到这个页面" in page.text, path
        assert "<form" not in page.html and QUESTION not in page.text
        bodies.add(page.html)
    assert len(bodies) == 1, "a 404 must not tell a cut link from a guessed one"
    english = await phone.get(good[:-3], **{"Accept-Language": "en-US,en;q=0.9"})
    assert english.status == 404 and "not found" in english.text.lower()


async def test_a_form_the_server_cannot_read_is_refused_as_such(
    world: WebWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """A body past the size limit is a 413 that says the text is too long, and a form in an
    unknown encoding a 400 "form invalid"; neither is a 500 "try again later" (it would fail
    again) nor an error with a traceback in the log, and nothing is stored."""
    round_ = await world.open_round("text", QUESTION)
    phone = await world.browser()
    path = world.path(round_)
    form = (await phone.get(path)).form("answer")
    limit = world.core.settings.limits.max_answer_chars
    caplog.set_level(logging.INFO)
    huge = await phone.post(path, {**form, "text": "长" * (limit * 20)})
    assert huge.status == 413, huge.text[:200]
    assert "太长" in huge.text and "暂时没能保存" not in huge.text
    assert QUESTION in huge.text and "<form" in huge.html, "the page is still there to answer"

    form = (await phone.get(path)).form("answer")
    async with phone.session.post(
        world.base + path,
        data=urlencode({**form, "text": "多建停车位"}),
        headers={
            "Origin": world.base,
            "Content-Type": "application/x-www-form-urlencoded; charset=no-such-charset",
        },
    ) as response:
        strange = (response.status, await response.text())
    assert strange[0] == 400, strange[1][:200]
    assert "表单无效" in strange[1] and "暂时没能保存" not in strange[1]

    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    async with world.core.repo.transaction() as session:
        assert await session.list_answers(round_ids=[round_.id]) == []
    saved = await phone.post(path, {**(await phone.get(path)).form("answer"), "text": "多建停车位"})
    assert saved.status == 200 and "已收到你的回答" in saved.text


async def test_a_body_that_never_arrives_is_timed_out_and_stores_nothing(
    world: WebWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client that announces a form body and then stalls does not hold its connection
    forever: after the read limit it gets a 408, and nothing is stored."""
    from bot.web import server

    monkeypatch.setattr(server, "FORM_READ_SECONDS", 0.2)
    round_ = await world.open_round("text", QUESTION)
    host, port = world.base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        head = (
            f"POST {world.path(round_)} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Origin: {world.base}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 5000\r\n\r\ntext=%E5%81%9C"
        )
        writer.write(head.encode())
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=60)
    finally:
        writer.close()
    assert status_line.startswith(b"HTTP/1.1 408"), status_line
    async with world.core.repo.transaction() as session:
        assert await session.list_answers(round_ids=[round_.id]) == []


async def test_a_form_in_gbk_arrives_intact_or_is_refused_never_garbled(world: WebWorld) -> None:
    """An old browser may send a Chinese answer percent-encoded in GBK without saying so: it is
    stored as written (not as replacement characters); bytes no encoding reads are a 400
    "form invalid" and store nothing."""
    round_ = await world.open_round("text", QUESTION)
    phone = await world.browser()
    path = world.path(round_)
    sent = "電梯壞了，物业要及时回应"

    async def post(text: bytes, content_type: str) -> tuple[int, str]:
        fields = (await phone.get(path)).form("answer")
        body = urlencode(fields) + "&text=" + quote_from_bytes(text)
        async with phone.session.post(
            world.base + path,
            data=body.encode("ascii"),
            headers={"Origin": world.base, "Content-Type": content_type},
        ) as response:
            return response.status, await response.text()

    urlencoded = "application/x-www-form-urlencoded"
    assert (await post(sent.encode("gbk"), urlencoded))[0] == 200
    assert (await post("多建停车位".encode("gbk"), urlencoded + "; charset=GBK"))[0] == 200
    broken = await post(b"\xff\xfe\xff", urlencoded)
    assert broken[0] == 400 and "表单无效" in broken[1]
    async with world.core.repo.transaction() as session:
        stored = [a.text for a in await session.list_answers(round_ids=[round_.id])]
    assert stored == [sent, "多建停车位"]
