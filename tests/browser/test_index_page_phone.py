"""The published index (`index.html`, and `/index/` on the web pages) read on a phone.

Residents reach the index pages by the same links as the answer pages (SPEC §11: mobile
pages), so a 360 px wide phone must not have to scroll the whole page sideways: a table wider
than the screen scrolls inside its own box, and the headings, figures and quotes stay in view.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.core.index.compute import (
    CommunityVoices,
    PrincipleVoice,
    Priorities,
    compute_index,
)
from bot.core.index.framework import parse_framework
from bot.core.index.values import IndicatorValue
from bot.core.indexing import shipped_framework_path
from bot.render.index_report import render_html
from nlp.taxonomy import load_taxonomy
from tests.browser.conftest import chromium_page

PHONE: Any = {"width": 360, "height": 740}


def _report() -> str:
    framework = parse_framework(shipped_framework_path().read_bytes(), load_taxonomy())
    values = [
        IndicatorValue("碧海社区", "voice_heard", "2026-Q4", 3.25),
        IndicatorValue("碧海社区", "data_trust", "2026-Q4", 4.5),
        IndicatorValue("碧海社区", "housing_cost_burden", "2026-Q4", 40.0),
        IndicatorValue("汇展城社区", "voice_heard", "2026-Q4", 2.0),
        IndicatorValue("汇展城社区", "data_trust", "2026-Q4", 3.0),
    ]
    priorities = {"碧海社区": Priorities(votes={"participation": 2, "privacy": 1}, voters=2)}
    result = compute_index(framework, values, priorities, min_coverage=0.05, draws=50)
    voices = {
        "碧海社区": CommunityVoices(
            answers=3,
            principles={
                "participation": PrincipleVoice(
                    share=1 / 3, answers=1, quotes=["希望居民参与议事会的机会多一些[电话]"]
                )
            },
        )
    }
    return render_html(result, voices)


@asynccontextmanager
async def _on_a_phone(tmp_path: Path) -> AsyncIterator[Any]:
    """The report opened in headless Chromium with a 360 px wide phone viewport."""
    page_file = tmp_path / "index.html"
    page_file.write_text(_report(), encoding="utf-8")
    async with chromium_page(viewport=PHONE, locale="zh-CN") as page:
        await page.goto(page_file.as_uri())
        yield page


async def test_residents_quotes_are_readable_on_a_phone(tmp_path: Path) -> None:
    """On a 360 px phone what residents said about a principle is in view and wide enough to
    read: in the demo's report the quotes column was 72 px wide (four characters a line, each
    principle's row 1,300 px tall) and partly hidden to the right of its scrolling box."""
    async with _on_a_phone(tmp_path) as page:
        said = await page.evaluate(
            "Array.from(document.querySelectorAll('td.said')).map(td => "
            "[td.getBoundingClientRect().left, td.getBoundingClientRect().right])"
        )
    assert said, "no quotes column"
    for left, right in said:
        assert right <= PHONE["width"] and right - left >= 240, said


async def test_the_index_report_fits_a_phone_without_sideways_scrolling(tmp_path: Path) -> None:
    """At 360 px the page is no wider than the phone; the tables scroll in their own box."""
    async with _on_a_phone(tmp_path) as page:
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page is {width}px wide on a 360 px phone"
        # The wide tables are still whole: their own box scrolls.
        boxes = await page.evaluate(
            "Array.from(document.querySelectorAll('table')).map(t => "
            "[t.parentElement.scrollWidth, t.parentElement.clientWidth, "
            "getComputedStyle(t.parentElement).overflowX])"
        )
        assert boxes and all(
            inner <= shown or overflow == "auto" for inner, shown, overflow in boxes
        ), boxes
