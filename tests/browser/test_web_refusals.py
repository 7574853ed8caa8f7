"""What a resident sees in Chromium at a phone's width when the link they hold is cut short (a
chat app truncating it, a poster's address typed with a letter missing).

Screenshots go to $MINYI_SCREENSHOTS (default: the test's temporary folder).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.bot.web.world import web_world
from tests.browser.test_sandbox import screens_dir
from tests.browser.test_web_pages import PHONE
from tests.browser.test_web_pages import page as phone  # noqa: F401 (the 360-px fixture)


async def test_a_cut_link_shows_a_readable_chinese_page_on_a_phone(
    phone: Any,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    """The page behind a link missing its last letters says in Chinese what went wrong and what
    to do, at the phone's width (no desktop-wide layout with tiny text)."""
    screens = screens_dir(tmp_path)
    async with web_world(tmp_path) as world:
        round_ = await world.open_round("text", "你希望小区的停车问题怎么解决？")
        response = await phone.goto(world.base + world.path(round_)[:-4])
        assert response is not None and response.status == 404
        heading = phone.locator("h1", has_text="找不到这个页面")
        await heading.wait_for()
        await phone.get_by_text("向社区组织者要一个新的链接").wait_for()
        width = await phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page is laid out {width}px wide"
        size = await heading.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 18, f"the heading is {size}px on a phone"
        await phone.screenshot(path=str(screens / "web-not-found.png"), full_page=True)


async def test_a_form_from_another_site_shows_a_readable_page_on_a_phone(
    phone: Any,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    """A page on another site that posts a form to a round's address (Chromium sends its own
    Origin and Sec-Fetch-Site) gets the pages' own 403 page at the phone's width, saying in
    Chinese that nothing was saved and what to do; nothing of the form is on it."""
    screens = screens_dir(tmp_path)
    async with web_world(tmp_path) as world:
        round_ = await world.open_round("text", "你希望小区的停车问题怎么解决？")
        target = world.base + world.path(round_)
        other_site = (
            f'<form method="post" action="{target}">'
            '<input name="text" value="别的网站替你填的内容"></form>'
        )

        async def serve_other_site(route: Any) -> None:
            await route.fulfill(status=200, content_type="text/html", body=other_site)

        await phone.route("http://other-site.example/", serve_other_site)
        await phone.goto("http://other-site.example/")
        async with phone.expect_navigation() as navigation:
            await phone.evaluate("document.forms[0].submit()")
        response = await navigation.value
        assert response is not None and response.status == 403
        heading = phone.locator("h1", has_text="没有保存")
        await heading.wait_for()
        await phone.get_by_text("请重新打开征询链接").wait_for()
        assert "别的网站替你填的内容" not in await phone.content()
        width = await phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page is laid out {width}px wide"
        size = await heading.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 18, f"the heading is {size}px on a phone"
        await phone.screenshot(path=str(screens / "web-cross-site.png"), full_page=True)
        async with world.core.repo.transaction() as session:
            assert await session.list_answers(round_ids=[round_.id]) == []
