"""What a person or a script sees when the web pages refuse a request: an address that is no
page, a form the server cannot read (too big, or in an unknown encoding), a form from another
site, another Host, a method a page does not take, and a failure of the server itself."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from urllib.parse import quote_from_bytes, urlencode

import pytest

from bot.web.pages import CONTENT_SECURITY_POLICY
from tests.bot.web.world import Page, WebWorld

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


ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def assert_our_page(page: Page, status: int, lang: str, heading: str) -> None:
    """`page` is the pages' own styled page (not a bare line of text): HTML in the reader's
    language, readable on a phone, under the pages' security headers, with `heading`."""
    assert page.status == status, (page.status, page.text[:200])
    assert page.headers["Content-Type"].startswith("text/html"), page.headers["Content-Type"]
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert page.headers["X-Frame-Options"] == "DENY"
    assert 'name="viewport"' in page.html and "<style>" in page.html
    assert f'<html lang="{lang}">' in page.html, page.html[:200]
    assert f"<h1>{heading}</h1>" in page.html, page.text
    assert "Traceback" not in page.html and "<form" not in page.html


async def test_a_cross_site_form_is_refused_with_a_page_in_the_readers_language(
    world: WebWorld,
) -> None:
    """A form posted from another site gets a 403 page that says in the reader's language that
    nothing was saved and what to do, not "403: Cross-site request refused"; it shows nothing
    the form carried, stores nothing, and is refused before any page is looked up (an address
    that is no page is refused the same way, not answered with a 404)."""
    round_ = await world.open_round("text", QUESTION)
    path = world.path(round_)
    for headers, lang, heading in (({}, "zh-CN", "没有保存"), (ENGLISH, "en", "Nothing was saved")):
        phone = await world.browser(**headers)
        form = {**(await phone.get(path)).form("answer"), "text": "跨站提交的秘密内容"}
        for target in (path, "/r/no-such-page", "/me/forget"):
            refused = await phone.post(target, form, Origin="https://evil.example")
            assert_our_page(refused, 403, lang, heading)
            assert "跨站提交的秘密内容" not in refused.html and form["csrf"] not in refused.html
        by_fetch = await phone.post(path, form, **{"Sec-Fetch-Site": "cross-site"})
        assert_our_page(by_fetch, 403, lang, heading)
    async with world.core.repo.transaction() as session:
        assert await session.list_answers(round_ids=[round_.id]) == []


async def test_another_host_gets_a_page_in_the_readers_language(world: WebWorld) -> None:
    """A request under a Host that is not the pages' own (a proxy set up wrong, DNS rebinding)
    gets a 421 page telling a resident to use the organisers' link, naming no host."""
    round_ = await world.open_round("text", QUESTION)
    phone = await world.browser()
    page = await phone.get(world.path(round_), Host="evil.example")
    assert_our_page(page, 421, "zh-CN", "网址不对")
    assert "evil.example" not in page.html and QUESTION not in page.html
    english = await phone.get("/index/", Host="evil.example", **ENGLISH)
    assert_our_page(english, 421, "en", "Wrong address")


async def test_a_method_a_page_does_not_take_gets_a_page(world: WebWorld) -> None:
    """Opening the delete form's address (GET /me/forget, e.g. from the history) or posting
    to the index gets a 405 page in the reader's language, still saying which methods the
    address takes (Allow), not "405: Method Not Allowed"."""
    phone = await world.browser()
    opened = await phone.get("/me/forget")
    assert_our_page(opened, 405, "zh-CN", "这个地址不能直接打开")
    assert opened.headers["Allow"] == "POST"
    posted = await phone.post("/index/", {"x": "1"}, **ENGLISH)
    assert_our_page(posted, 405, "en", "This address cannot be opened directly")
    assert "GET" in posted.headers["Allow"]


async def test_a_server_failure_shows_a_page_and_logs_no_resident_text(
    world: WebWorld, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """When the database fails under a page (here its votes table is gone), the resident gets
    a 500 page in their language saying to try again, never aiohttp's bare "500 Internal
    Server Error" or a traceback; the log says what failed, without the exception's text."""
    round_ = await world.open_round("poll", QUESTION, ["多建停车位", "错峰停车"])
    phone = await world.browser(**ENGLISH)
    assert (await phone.get("/me")).status == 200
    with sqlite3.connect(tmp_path / "minyi.db") as db:
        db.execute("ALTER TABLE votes RENAME TO votes_gone")
    caplog.set_level(logging.INFO)
    failed = await phone.get("/me")
    assert_our_page(failed, 500, "en", "Something went wrong")
    chinese = await phone.get(world.path(round_), **{"Accept-Language": "zh-CN"})
    assert_our_page(chinese, 500, "zh-CN", "出了点问题")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and not any("no such table" in r.getMessage() for r in errors), errors
