"""Accessibility of the published governance index: the offline `index.html` and `/index/`,
read by officials at a desk and by residents on phones, some with a screen reader or a
keyboard (the checks of tests/browser/test_accessibility.py).

Screenshots go to $MINYI_SCREENSHOTS (default: the test's temporary folder).
"""

from __future__ import annotations

from pathlib import Path

from bot.core.indexing import import_values
from tests.bot.web.test_index_pages import VALUES
from tests.bot.web.world import web_world
from tests.browser.conftest import chromium_page
from tests.browser.test_accessibility import SMALL_TEXT, axe_script, axe_violations
from tests.browser.test_index_page_phone import _report
from tests.browser.test_sandbox import screens_dir
from tests.browser.test_web_pages import PHONE, with_cjk_font


async def test_the_published_index_passes_axe_on_a_phone_and_a_desk(tmp_path: Path) -> None:
    """The offline `index.html` (both languages) at 360 and 1280 px, and `/index/` opened in
    English on a phone, have no axe-core violation (before: grey notes at 3.1:1 contrast,
    table boxes that scroll sideways but no keyboard could reach, a language switch outside
    every landmark) and no text under 16 px on the phone."""
    script = axe_script()
    screens = screens_dir(tmp_path)
    page_file = tmp_path / "index.html"
    page_file.write_text(_report(), encoding="utf-8")
    found: dict[str, list[str]] = {}
    async with web_world(tmp_path) as world:
        await import_values(world.core, VALUES, "values.csv")
        for name, url, width in (
            ("file-phone", page_file.as_uri(), 360),
            ("file-desk", page_file.as_uri(), 1280),
            ("web-en-phone", world.base + "/index/?lang=en", 360),
        ):
            async with chromium_page(
                viewport={"width": width, "height": 800},
                locale="zh-CN",
                env=with_cjk_font(tmp_path),
            ) as page:
                await page.goto(url)
                problems = await axe_violations(page, script)
                if width < 640:
                    small = await page.evaluate(SMALL_TEXT, 16)
                    problems += [f"small text {t}" for t in small]
                if problems:
                    found[name] = problems
                await page.screenshot(path=str(screens / f"a11y-index-{name}.png"))
    assert not found, found


async def test_the_index_speaks_each_language_in_its_own_voice(tmp_path: Path) -> None:
    """In the bilingual index every Chinese and English text says its language (a screen reader
    switches voice), the drawn bars are hidden from it (the figure beside each is read), table
    headers say what they head, and the language switch shows where the keyboard is and which
    language is on."""
    page_file = tmp_path / "index.html"
    page_file.write_text(_report(), encoding="utf-8")
    async with chromium_page(viewport=PHONE, locale="zh-CN") as page:
        await page.goto(page_file.as_uri())
        wrong = await page.evaluate(
            """() => Array.from(document.querySelectorAll('.zh, .en')).filter((e) =>
              e.closest('[lang]').lang !== (e.classList.contains('en') ? 'en' : 'zh-CN')
            ).map((e) => e.outerHTML.slice(0, 80))"""
        )
        assert not wrong, wrong
        drawn = await page.evaluate(
            "Array.from(document.querySelectorAll('svg')).filter((s) => "
            "s.getAttribute('aria-hidden') !== 'true').length"
        )
        assert drawn == 0, f"{drawn} drawings a screen reader announces as empty images"
        unscoped = await page.evaluate(
            "Array.from(document.querySelectorAll('th')).filter((h) => "
            "!['col', 'row', 'colgroup', 'rowgroup'].includes(h.getAttribute('scope'))).length"
        )
        assert unscoped == 0, f"{unscoped} table headers without a scope"
        await page.keyboard.press("Tab")
        focused = await page.evaluate("document.activeElement.id")
        assert focused == "l-both", focused
        label = page.locator("label[for=l-both]")
        outline = await label.evaluate("(e) => getComputedStyle(e).outlineStyle")
        assert outline != "none", "the focused language choice shows no focus"
        await page.keyboard.press("ArrowRight")
        chosen = page.locator("label[for=l-zh]")
        weight = await chosen.evaluate("(e) => getComputedStyle(e).fontWeight")
        assert int(weight) >= 600, f"the chosen language is not marked (weight {weight})"


async def test_the_index_fits_the_smallest_phone_at_200_percent(tmp_path: Path) -> None:
    """At 200 % zoom on a 320-px phone (160 CSS px), `/index/` in English does not scroll
    sideways: its long English headings ran past the edge (the tables scroll in their own
    boxes)."""
    async with web_world(tmp_path) as world:
        await import_values(world.core, VALUES, "values.csv")
        async with chromium_page(viewport={"width": 160, "height": 640}, locale="en") as page:
            await page.goto(world.base + "/index/?lang=en")
            await page.locator("h1").wait_for()
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 160, f"the page is {width}px wide at 160 px"
