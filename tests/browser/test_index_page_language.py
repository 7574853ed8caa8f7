"""The published index at `/index/` read by a resident whose phone is set to English.

Screenshots go to $MINYI_SCREENSHOTS (default: the test's temporary folder).
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.indexing import import_values, load_framework
from tests.bot.web.test_index_pages import VALUES
from tests.bot.web.world import web_world
from tests.browser.conftest import chromium_page
from tests.browser.test_sandbox import screens_dir
from tests.browser.test_web_pages import PHONE, with_cjk_font

HAN = re.compile(r"[\u4e00-\u9fff]")


async def test_an_english_phone_reads_the_index_in_english(tmp_path: Path) -> None:
    """At 360 px with the browser set to English, `/index/` shows its texts in English only:
    the Chinese left on screen is what the data is written in (community names, the
    framework's units and sources) and the switch's own "中文"; no sideways scrolling, and
    one tap on "中文" shows the page in Chinese."""
    screens = screens_dir(tmp_path)
    async with web_world(tmp_path) as world:
        await import_values(world.core, VALUES, "values.csv")
        framework = await load_framework(world.core)
        data = ["碧海社区", "汇展城社区", "中文"]
        data += [i.unit for i in framework.indicators] + [i.source for i in framework.indicators]
        async with chromium_page(
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            locale="en-GB",
            env=with_cjk_font(tmp_path),
        ) as page:
            response = await page.goto(world.base + "/index/")
            assert response is not None and response.status == 200
            await page.locator("h1", has_text="Smart Cities and Social Governance Index").wait_for()
            await page.evaluate("document.fonts.ready")
            shown = await page.evaluate("document.body.innerText")
            for text in sorted(data, key=len, reverse=True):
                shown = shown.replace(text, "")
            assert not HAN.findall(shown), [
                line for line in shown.splitlines() if HAN.search(line)
            ][:10]
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"the page is {width}px wide on a 360 px phone"
            await page.screenshot(path=str(screens / "index-en-phone.png"))
            await page.screenshot(path=str(screens / "index-en-phone-full.png"), full_page=True)
            await page.get_by_text("中文", exact=True).click()
            await page.locator("h1", has_text="智慧城市与社会治理指数").wait_for()
            assert not await page.get_by_text("How the index is computed").is_visible()
