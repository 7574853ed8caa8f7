"""The published index, read-only on the web: `/index/` and one page per community."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import aiohttp

from bot.core.indexing import import_values
from bot.core.residents import forget_pseudonym
from bot.web.index_pages import IndexPages
from tests.bot.web.world import WebWorld, web_world

VALUES = (
    "community,indicator,period,value\n"
    "碧海社区,voice_heard,2026-Q3,3.25\n"
    "碧海社区,data_trust,2026-Q3,4.5\n"
    "汇展城社区,voice_heard,2026-Q3,2\n"
    "汇展城社区,data_trust,2026-Q3,3\n"
).encode()


async def test_index_pages_appear_once_values_exist(world: WebWorld) -> None:
    """Before any value there is no index page; after an import, `/index/` shows every
    community and `/index/<n>` the community ranked n-th, under a policy that allows only the
    page's own style sheet, with no address of another site."""
    browser = await world.browser()
    assert (await browser.get("/index/")).status == 404
    await import_values(world.core, VALUES, "values.csv")
    city = await browser.get("/index/")
    assert city.status == 200
    assert "碧海社区" in city.text and "汇展城社区" in city.text
    policy = city.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and re.search(
        r"style-src 'sha256-[A-Za-z0-9+/=]+'", policy
    )
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", city.html)
    first = await browser.get("/index/1")
    assert first.status == 200
    leader = "碧海社区"  # 3.25 and 4.5 against 2 and 3: Bihai leads on every indicator
    other = "汇展城社区"
    assert leader in first.text and other not in first.text
    second = await browser.get("/index/2")
    assert other in second.text and leader not in second.text


async def test_unknown_index_pages_are_plain_not_found(world: WebWorld) -> None:
    """A community number past the table, a word, or a huge number is a plain 404."""
    await import_values(world.core, VALUES, "values.csv")
    browser = await world.browser()
    for path in ("/index/3", "/index/0", "/index/abc", "/index/99999999999", "/index/１"):
        assert (await browser.get(path)).status == 404, path


async def test_index_pages_check_the_host(world: WebWorld) -> None:
    """The index pages refuse a Host that is not the pages' own (DNS rebinding)."""
    await import_values(world.core, VALUES, "values.csv")
    browser = await world.browser(Host="evil.example")
    assert (await browser.get("/index/")).status == 421


async def test_index_page_numbers_follow_the_table_ranked_first(tmp_path: Path) -> None:
    """碧海 (one indicator, 4.5: index 100, coverage 1/24) is below min_coverage 2/24 and so
    unranked; 汇展城 (two indicators, index 20) is rank 1. `/index/1` is rank 1, as the city
    table lists it first; the unranked 碧海 is `/index/2`, under the row saying why."""
    async with web_world(tmp_path, index={"min_coverage": 0.08}) as world:
        values = (
            "community,indicator,period,value\n"
            "碧海社区,data_trust,2026-Q3,4.5\n"
            "汇展城社区,voice_heard,2026-Q3,2\n"
            "汇展城社区,data_trust,2026-Q3,3\n"
        ).encode()
        await import_values(world.core, values, "values.csv")
        browser = await world.browser()
        city = (await browser.get("/index/")).text
        table = city[city.index("各社区指数") : city.index("社区评分卡")]
        assert (
            table.index("汇展城社区")
            < table.index("未排名：覆盖率低于 8%")
            < table.index("碧海社区")
        )
        first = (await browser.get("/index/1")).text
        assert "汇展城社区" in first and "碧海社区" not in first
        second = (await browser.get("/index/2")).text
        assert "碧海社区" in second and "不参与排名" in second


async def test_index_pages_open_in_the_readers_language(world: WebWorld) -> None:
    """The index pages choose the language as the answer pages do: the browser's
    Accept-Language, overridden by `?lang=`; a shared cache keeps one copy per language
    (Vary), since the address is the same."""
    await import_values(world.core, VALUES, "values.csv")
    english = await world.browser(**{"Accept-Language": "en-GB,en;q=0.9,zh-CN;q=0.5"})
    chinese = await world.browser(**{"Accept-Language": "zh-CN,zh;q=0.9"})
    for path in ("/index/", "/index/1"):
        page = await english.get(path)
        assert '<html lang="en">' in page.html and 'id="l-en" checked' in page.html, path
        assert "Accept-Language" in page.headers["Vary"], path
        page = await chinese.get(path)
        assert '<html lang="zh-CN">' in page.html and 'id="l-zh" checked' in page.html, path
    switched = await chinese.get("/index/?lang=en")
    assert '<html lang="en">' in switched.html
    switched = await english.get("/index/1?lang=zh")
    assert '<html lang="zh-CN">' in switched.html


async def test_a_forgotten_residents_quotes_leave_the_index_pages_at_once(
    world: WebWorld,
) -> None:
    """The index pages keep the computed report a few minutes, but not past a /forget (or a
    hidden answer, or the retention purge): the next request computes it again without the
    deleted answers, and browsers and shared caches are told to keep a page only briefly."""
    await import_values(world.core, VALUES, "values.csv")
    browser = await world.browser()
    page = await browser.get("/index/")
    max_age = re.search(r"max-age=(\d+)", page.headers["Cache-Control"])
    assert max_age is not None and int(max_age.group(1)) <= 60
    pages = IndexPages(world.core)
    before = await pages.latest()
    assert await pages.latest() is before  # kept while nothing was deleted
    await forget_pseudonym(world.core, "p:somebody")
    assert await pages.latest() is not before


async def test_index_pages_are_gzipped_once_for_readers_that_take_gzip(world: WebWorld) -> None:
    """A reader taking gzip gets the page gzipped (the same page once unpacked), compressed
    once and kept until the index is computed again; a reader refusing gzip (q=0) or naming
    none gets it as it is."""
    await import_values(world.core, VALUES, "values.csv")
    plain_page = await (await world.browser()).get("/index/")
    async with aiohttp.ClientSession(auto_decompress=False) as raw:
        for encoding, packed in (
            ("gzip", True),
            ("br, gzip;q=0.5", True),
            ("*", True),
            ("gzip;q=0", False),
            ("identity", False),
            ("br", False),
        ):
            async with raw.get(
                f"{world.base}/index/", headers={"Accept-Encoding": encoding}
            ) as got:
                body = await got.read()
                assert got.status == 200
                assert "Accept-Encoding" in got.headers["Vary"]
            assert (got.headers.get("Content-Encoding") == "gzip") is packed, encoding
            html = (gzip.decompress(body) if packed else body).decode()
            assert html == plain_page.html, encoding
    pages = IndexPages(world.core)
    first = await pages.body(None, "zh", gzipped=True)
    again = await pages.body(None, "zh", gzipped=True)
    assert first is not None and again is not None
    assert again[0] is first[0]  # compressed once, kept
    assert gzip.decompress(first[0]).decode() == await pages.page(None, "zh")
