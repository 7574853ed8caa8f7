"""Accessibility of what Minyi shows in a browser: the web answer pages and the published index,
as older residents (large text, phones of 320–360 px), screen-reader users (TalkBack,
VoiceOver) and keyboard users meet them.

Two kinds of check: axe-core (Deque's rule engine, WCAG 2 A/AA and best practice), injected
from the copy the `axe-playwright-python` dev dependency ships; and checks written here for
what axe cannot judge (text size on a phone, an error tied to its field, what a rating is
called, where keyboard focus shows).

Screenshots go to $MINYI_SCREENSHOTS (default: the test's temporary folder).
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import expect

from bot.core.rounds import close_round
from demo.sandbox import Sandbox
from tests.bot.web.world import web_world
from tests.browser.conftest import chromium_page
from tests.browser.test_sandbox import QUESTION, SandboxPage, screens_dir
from tests.browser.test_web_pages import PHONE, with_cjk_font


def axe_script() -> str:
    """axe-core's script as `axe-playwright-python` ships it; a skip (a failure under CI) that
    says how to get it when that package is missing."""
    spec = importlib.util.find_spec("axe_playwright_python")
    found = None
    if spec is not None and spec.origin is not None:
        found = Path(spec.origin).parent / "axe.min.js"
    if found is None or not found.exists():
        problem = "axe-core is missing (the axe-playwright-python package ships it)"
        if os.environ.get("CI"):
            pytest.fail(f"accessibility tests cannot run under CI: {problem}")
        pytest.skip(problem)
    return found.read_text(encoding="utf-8")


async def axe_violations(page: Any, script: str) -> list[str]:
    """What axe-core finds wrong with the page as it is now: one line per rule and element."""
    await page.evaluate(script)
    found = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{rule['id']} ({rule['impact']}): {node['target']}: {node['failureSummary']}"
        for rule in found["violations"]
        for node in rule["nodes"]
    ]


@pytest_asyncio.fixture
async def phone(tmp_path: Path) -> AsyncIterator[Any]:
    """A 360-px phone's page in a Chromium that has a Chinese font."""
    async with chromium_page(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        env=with_cjk_font(tmp_path),
    ) as opened:
        yield opened


# Every element that shows text of its own, with its size in CSS px (hidden ones left out).
SMALL_TEXT = """(least) => Array.from(document.body.querySelectorAll('*')).filter((e) =>
  Array.from(e.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim()) &&
  e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden' &&
  parseFloat(getComputedStyle(e).fontSize) < least
).map((e) => `${e.tagName.toLowerCase()}.${e.className}: ${getComputedStyle(e).fontSize}: ` +
  e.textContent.trim().slice(0, 30))"""


async def test_the_answer_pages_pass_axe_and_keep_text_large_on_a_phone(
    phone: Any, tmp_path: Path
) -> None:
    """Every answer page a resident can meet (text, poll, several-choice poll and rating rounds,
    a refused answer, the confirmations, closed results, my data, a cut link), in Chinese and in
    English, has no axe-core violation, and no text on it is smaller than 16 px on a phone (the
    round's closing time, the hint under the box and the privacy note were 14 px)."""
    script = axe_script()
    screens = screens_dir(tmp_path)
    found: dict[str, list[str]] = {}

    async def check(name: str) -> None:
        problems = await axe_violations(phone, script)
        problems += [f"small text {t}" for t in await phone.evaluate(SMALL_TEXT, 16)]
        if problems:
            found[name] = problems
        await phone.screenshot(path=str(screens / f"a11y-{name}.png"), full_page=True)

    async with web_world(tmp_path) as world:
        text = await world.open_round("text", "在智慧社区里，你心目中的“好治理”是什么样的？")
        poll = await world.open_round("poll", "最需要改进的是？", ["停车", "垃圾分类", "电梯维修"])
        many = await world.open_round(
            "poll", "哪些方面最重要？", ["居民参与", "隐私保护", "公平"], multi=True
        )
        rating = await world.open_round("rating", "你对小区的安全满意吗？")
        await phone.goto(world.base + world.path(text))
        await check("text")
        await phone.fill("textarea[name=text]", "   ")
        await phone.get_by_role("button", name="提交").click()
        await phone.get_by_role("alert").wait_for()
        await check("text-refused")
        await phone.fill("textarea[name=text]", "电梯坏了一个星期都没人管。")
        await phone.get_by_role("button", name="提交").click()
        await phone.get_by_role("status").wait_for()
        await check("text-stored")
        await phone.goto(world.base + world.path(text) + "?lang=en")
        await check("text-en")
        await phone.goto(world.base + world.path(poll))
        await phone.get_by_text("垃圾分类").click()
        await phone.get_by_role("button", name="投票").click()
        await phone.get_by_role("status").wait_for()
        await check("poll-voted")
        await phone.goto(world.base + world.path(many))
        await check("poll-many")
        await phone.goto(world.base + world.path(rating))
        await check("rating")
        for round_ in (poll, rating):
            await close_round(world.core, round_.id)
            await phone.goto(world.base + world.path(round_))
            await check(f"closed-{round_.kind}")
        await phone.goto(world.base + "/me")
        await check("me")
        await phone.goto(world.base + world.path(text)[:-4])
        await check("not-found")
    assert not found, found


async def test_a_refused_answer_is_told_at_its_box_and_in_the_title(
    phone: Any, tmp_path: Path
) -> None:
    """When an answer is refused, a screen reader hears why on arriving (the page's title) and
    again at the text box (its description, and the box marked invalid); before, the box said
    nothing of it and every round's page had the same title, without its question."""
    async with web_world(tmp_path) as world:
        text = await world.open_round("text", "你希望社区怎样改进？")
        await phone.goto(world.base + world.path(text))
        assert "你希望社区怎样改进？" in await phone.title()
        box = phone.get_by_role("textbox", name="你的回答")
        await expect(box).to_have_accessible_description(re.compile("^用你自己的话写"))
        await phone.fill("textarea[name=text]", "   ")
        await phone.get_by_role("button", name="提交").click()
        await phone.get_by_role("alert").wait_for()
        assert (await phone.title()).startswith("请先写下你的回答。")
        await expect(box).to_have_attribute("aria-invalid", "true")
        await expect(box).to_have_accessible_description(re.compile("^请先写下你的回答。"))


async def test_closed_results_are_read_once(phone: Any, tmp_path: Path) -> None:
    """A closed poll's results are read as their words ("垃圾分类 · 1 (100%)"), without a
    progress bar after each that says the share again."""
    async with web_world(tmp_path) as world:
        poll = await world.open_round("poll", "最需要改进的是？", ["停车", "垃圾分类"])
        await phone.goto(world.base + world.path(poll))
        await phone.get_by_text("垃圾分类").click()
        await phone.get_by_role("button", name="投票").click()
        await phone.get_by_role("status").wait_for()
        await close_round(world.core, poll.id)
        await phone.goto(world.base + world.path(poll))
        await phone.get_by_text("垃圾分类 · 1 (100%)").wait_for()
        assert await phone.locator("progress").count() == 2
        assert await phone.get_by_role("progressbar").count() == 0


async def test_a_screen_reader_hears_a_rating_out_of_five(phone: Any, tmp_path: Path) -> None:
    """Each rating choice is called "4 分（满分 5 分）", not a bare "4", and after voting the page
    says the choice out of five too."""
    async with web_world(tmp_path) as world:
        rating = await world.open_round("rating", "你对小区的安全满意吗？")
        await phone.goto(world.base + world.path(rating))
        four = phone.get_by_role("radio", name="4 分（满分 5 分）", exact=True)
        await four.check()
        await phone.get_by_role("button", name="提交评分").click()
        await phone.get_by_text("你现在的选择：4 分（满分 5 分）").wait_for()
        await expect(four).to_be_checked()


async def test_my_data_page_fits_the_smallest_phone_at_200_percent(
    phone: Any, tmp_path: Path
) -> None:
    """At 200 % zoom on a 320-px phone (160 CSS px), the English "my data" page with an answer
    on it does not scroll sideways: the delete box's long sentence wrapped past the edge."""
    async with web_world(tmp_path) as world:
        text = await world.open_round("text", "你希望社区怎样改进？")
        await phone.goto(world.base + world.path(text))
        await phone.fill("textarea[name=text]", "电梯坏了一个星期都没人管。")
        await phone.get_by_role("button", name="提交").click()
        await phone.get_by_role("status").wait_for()
        await phone.set_viewport_size({"width": 160, "height": 640})
        await phone.goto(world.base + "/me?lang=en")
        await phone.get_by_role("checkbox").wait_for()
        width = await phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 160, f"the page is {width}px wide at 160 px"


async def test_the_sandbox_page_passes_axe(page: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    """The sandbox page (a trial tool, at a desk) has no axe-core violation after the organiser
    opens a round: its blue links and grey chat previews were 3.5:1 and 4:1 on their
    backgrounds, and it had no top heading."""
    script = axe_script()
    trial = SandboxPage(page, sandbox, screens_dir(tmp_path))
    await trial.open()
    await trial.chat("碧海社区")
    await trial.write(f"/ask {QUESTION}")
    await trial.bot_says(QUESTION).wait_for()
    problems = await axe_violations(page, script)
    await page.screenshot(path=str(trial.screens / "a11y-sandbox.png"))
    assert not problems, problems
