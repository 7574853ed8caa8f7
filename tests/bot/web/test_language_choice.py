"""A visitor who picked a language with the page's switch (`?lang=`) keeps it through the forms
they send, and English pages read as English (lists and counts)."""

from __future__ import annotations

import re

from bot.core.rounds import close_round
from bot.render.texts import say
from tests.bot.web.world import WebWorld, forms_of

HAN = re.compile(r"[\u4e00-\u9fff]")


async def test_forgetting_from_the_english_my_data_page_confirms_in_english(
    world: WebWorld,
) -> None:
    """A phone set to Chinese opens /me in English (the switch); deleting from there confirms
    in English, not in the browser's Chinese (the form's address dropped `?lang=en`)."""
    round_ = await world.open_round("text", "你对停车有什么建议？")
    phone = await world.browser(**{"Accept-Language": "zh-CN,zh;q=0.9"})
    page = await phone.get(world.path(round_) + "?lang=en")
    await phone.post(
        world.path(round_) + "?lang=en", {**page.form("answer"), "text": "More parking please"}
    )
    mine = await phone.get("/me?lang=en")
    assert "My data" in mine.text or "Delete all my data" in mine.text, mine.text[:300]
    action = next(f["action"] for f in forms_of(mine.html) if f["action"].startswith("/me/forget"))
    done = await phone.post(action, {**mine.form("forget"), "confirm": "yes"})
    assert done.status == 200
    assert "Deleted" in done.text, done.text[:400]
    assert '<html lang="en">' in done.html
    refused_page = await phone.get("/me?lang=en")
    assert "Delete all my data" not in refused_page.text  # nothing left to delete


async def test_english_pages_list_and_count_in_english(world: WebWorld) -> None:
    """A multiple-answer vote reads "A, B" on an English page (not "A、B"), and one answer and
    one vote are not "1 answers, 1 votes"."""
    poll = await world.open_round("poll", "Which days suit you?", ["Sat", "Sun", "Mon"], multi=True)
    text_round = await world.open_round("text", "Anything else?")
    phone = await world.browser(**{"Accept-Language": "en-GB,en;q=0.9"})
    page = await phone.get(world.path(poll))
    voted = await phone.post(world.path(poll), {**page.form("vote"), "option": ["0", "1"]})
    assert "Your current choice: Sat, Sun" in voted.text, voted.text[:400]
    assert "、" not in voted.text
    page = await phone.get(world.path(text_round))
    await phone.post(world.path(text_round), {**page.form("answer"), "text": "Quiet hours"})
    mine = await phone.get("/me")
    assert "1 answers" not in mine.text and "1 votes" not in mine.text, mine.text[:400]
    # One vote of two options: counted once, listed on one line.
    counts = "1 answer · 1 vote (a multiple-answer poll counts as one vote, however many options"
    assert counts in mine.text, mine.text[:400]
    assert "Round 1 vote: Sat, Sun" in mine.text, mine.text[:400]
    assert not HAN.search(mine.text.replace("中文", "")), mine.text


async def test_english_my_data_page_reads_a_rating_as_a_rating(world: WebWorld) -> None:
    """A rating of 2 is listed as "rating: 2 / 5" on the English /me page, not as a vote for
    an option called "2"; a poll's choice is still a vote."""
    rating = await world.open_round("rating", "How safe do you feel at night?")
    poll = await world.open_round("poll", "Which day suits you?", ["Sat", "Sun"])
    phone = await world.browser(**{"Accept-Language": "en-GB,en;q=0.9"})
    page = await phone.get(world.path(rating))
    await phone.post(world.path(rating), {**page.form("vote"), "value": "2"})
    page = await phone.get(world.path(poll))
    await phone.post(world.path(poll), {**page.form("vote"), "option": "1"})
    mine = await phone.get("/me")
    assert f"Round {rating.id} rating: 2 / 5" in mine.text, mine.text[:400]
    assert f"Round {poll.id} vote: Sun" in mine.text, mine.text[:400]


async def test_priorities_pages_name_the_principles_in_the_pages_language(
    world: WebWorld,
) -> None:
    """A priorities round's options are the principles named in `locale.default` (Chinese
    here); an English page offered them, and /me listed the visitor's choice, as "参与, 问责",
    though each principle has an English name."""
    standard = say("priorities_question", "zh")
    round_ = await world.open_round("priorities", standard, multi=True)
    phone = await world.browser(**{"Accept-Language": "en-GB,en;q=0.9"})
    page = await phone.get(world.path(round_))
    # The page is one visitor's, not a group's: its standard question and its options are in
    # the page's language too.
    assert "Participation" in page.text and "参与" not in page.text, page.text
    assert say("priorities_question", "en") in page.text, page.text
    assert not HAN.search(page.text.replace("中文", "").replace("碧海社区", "")), page.text
    voted = await phone.post(world.path(round_), {**page.form("vote"), "option": ["0", "2"]})
    assert "Your current choice: Participation, Accountability" in voted.text, voted.text
    mine = await phone.get("/me")
    assert f"Round {round_.id}: you chose Participation, Accountability" in mine.text, mine.text
    chinese = await world.browser(**{"Accept-Language": "zh-TW,zh;q=0.9"})
    page = await chinese.get(world.path(round_))
    await chinese.post(world.path(round_), {**page.form("vote"), "option": ["1"]})
    mine = await chinese.get("/me")
    assert f"第 {round_.id} 轮你选了：透明" in mine.text, mine.text
    await close_round(world.core, round_.id)
    closed = await phone.get(world.path(round_))
    assert "Participation" in closed.text and "参与" not in closed.text, closed.text
    closed = await chinese.get(world.path(round_))
    assert "透明" in closed.text and "Transparency" not in closed.text, closed.text
