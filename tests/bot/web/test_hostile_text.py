"""Hostile text from residents and organisers on the web answer pages: every question, poll
option, community name and answer an attacker could write stays text. Each page is parsed and
its markup compared with what the pages themselves produce: no element, attribute or link may
come from the data."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from bot.core.rounds import close_round
from tests.bot.web.world import WebWorld, web_world

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "'><svg onload=alert(3)>",
    "</textarea><script>alert(4)</script>",
    "</style><style>*{display:none}</style>",
    "</title><a href=javascript:alert(5)>x</a>",
    "{{7*7}} ${7*7} {% raw %}",
    "\u202egnp.exe\u202c 停车",
    "&lt;b&gt;already escaped&lt;/b&gt;",
]
QUESTION = "你觉得哪里要改？" + "".join(HOSTILE)
ANSWER = "电梯坏了 " + " ".join(HOSTILE)

# Everything the page templates themselves use (bot/web/pages.py).
TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "span", "a", "section",
    "p", "h1", "h2", "form", "input", "label", "textarea", "button", "details", "summary",
    "div", "progress", "ul", "li", "fieldset", "legend",
}  # fmt: skip
ATTRIBUTES = {
    "lang", "charset", "name", "content", "href", "class", "role", "type", "value", "method",
    "action", "for", "id", "maxlength", "required", "checked", "max", "readonly",
    # For screen readers (tests/browser/test_accessibility.py): text or ids, never a link.
    "aria-describedby", "aria-invalid", "aria-label", "aria-hidden",
}  # fmt: skip


class _Markup(HTMLParser):
    """Every tag, attribute and link of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: set[str] = set()
        self.links: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.update(name for name, _ in attrs)
        self.links += [v or "" for k, v in attrs if k in ("href", "action", "src")]
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def _check(html: str) -> None:
    markup = _Markup()
    markup.feed(html)
    assert set(markup.tags) <= TAGS, set(markup.tags) - TAGS
    assert markup.attributes <= ATTRIBUTES, markup.attributes - ATTRIBUTES
    assert markup.tags.count("style") == 1 and markup.tags.count("title") == 1
    assert markup.tags.count("textarea") == html.count("</textarea>")
    for link in markup.links:
        assert link.startswith(("/", "?")) and not link.startswith("//"), link
    assert "javascript:" not in "".join(markup.links).lower()
    assert "display:none" not in "".join(markup.styles)


async def test_hostile_text_stays_text_on_every_page(tmp_path: Path) -> None:
    """A community named like markup, a question and poll options full of markup, and an
    answer of markup: the open pages, the edit form, /me and the closed summaries show them
    as text and add no element, attribute or link."""
    async with web_world(tmp_path) as world:
        await _hostile_pages(world)


async def _hostile_pages(world: WebWorld) -> None:
    async with world.core.repo.transaction() as session:
        hostile, _ = await session.set_community(-1001, "".join(HOSTILE[:3]), world.core.now())
    world.communities[0] = hostile
    text_round = await world.open_round("text", QUESTION)
    poll = await world.open_round("poll", QUESTION[:250], HOSTILE[:6], multi=True)
    phone = await world.browser()
    page = await phone.get(world.path(text_round))
    assert page.status == 200 and HOSTILE[0] in page.text and HOSTILE[1] in page.text
    _check(page.html)
    page = await phone.post(world.path(text_round), {**page.form("answer"), "text": ANSWER})
    assert page.status == 200 and "</textarea><script>" in page.text
    _check(page.html)
    page = await phone.get(world.path(poll))
    _check(page.html)
    page = await phone.post(world.path(poll), {**page.form("vote"), "option": ["0", "1"]})
    assert page.status == 200
    _check(page.html)
    mine = await phone.get("/me")
    assert "onerror=alert(2)" in mine.text
    _check(mine.html)
    await close_round(world.core, text_round.id)
    await close_round(world.core, poll.id)
    for round_ in (text_round, poll):
        closed = await phone.get(world.path(round_))
        assert closed.status == 200
        _check(closed.html)
