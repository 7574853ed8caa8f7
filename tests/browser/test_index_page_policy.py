"""The published index at `/index/` in a real browser, under the policy the server sends.

The policy allows the report's one style sheet by its hash and nothing else, so whatever the
page draws must need no inline `style` attribute: a browser applies none of them (hashes do
not cover attributes without 'unsafe-hashes'), and every score bar would be empty.
"""

from __future__ import annotations

from pathlib import Path

from bot.core.indexing import import_values
from tests.bot.web.test_index_pages import VALUES
from tests.bot.web.world import web_world
from tests.browser.conftest import CHROMIUM_ARGS, chromium_path


async def test_index_bars_are_drawn_under_the_pages_policy(tmp_path: Path) -> None:
    """No policy violation on `/index/`, and each score bar is as long as its score: Bihai's
    bars are longer in all than Huizhancheng's (it leads on every indicator), none is
    longer than its track."""
    executable = chromium_path()
    from playwright.async_api import ConsoleMessage, async_playwright

    async with web_world(tmp_path) as world:
        await import_values(world.core, VALUES, "values.csv")
        async with async_playwright() as driver:
            browser = await driver.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            try:
                page = await browser.new_page()
                refused: list[str] = []

                def console(message: ConsoleMessage) -> None:
                    if "Content Security Policy" in message.text:
                        refused.append(message.text)

                page.on("console", console)
                response = await page.goto(world.base + "/index/")
                assert response is not None and response.status == 200
                assert "style-src 'sha256-" in response.headers["content-security-policy"]
                widths = await page.evaluate(
                    "Array.from(document.querySelectorAll('.card')).map(card => "
                    "Array.from(card.querySelectorAll('.bar')).map(bar => "
                    "[bar.getBoundingClientRect().width, "
                    "bar.firstElementChild.getBoundingClientRect().width]))"
                )
            finally:
                await browser.close()
    assert refused == []
    assert all(inner <= outer + 0.5 for card in widths for outer, inner in card), widths
    bihai, huizhan = (sum(inner for _, inner in card) for card in widths[:2])
    assert 0 < huizhan < bihai, widths
