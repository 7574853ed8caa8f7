"""The web answer pages over real HTTP, a real SQLite file and the real core."""

from __future__ import annotations

import secrets
from pathlib import Path

from bot.core.exports import export_rows, rows_to_csv
from bot.core.rounds import cancel_round, close_round
from bot.web import tokens
from bot.web.pages import CONTENT_SECURITY_POLICY
from bot.web.server import page_path
from storage.repository import Scope
from tests.bot.web.world import WebWorld, web_world

QUESTION = "在智慧社区里，你心目中的“好治理”是什么样的？"
ANSWER = "电梯坏了一个星期都没人管，物业应该及时回应。有事打我电话13812345678。"


async def test_a_text_answer_is_stored_redacted_tagged_and_counted_as_web(
    world: WebWorld,
) -> None:
    """A resident opens the page, answers in Chinese and sees a confirmation; the answer is
    stored once, redacted and tagged, with channel `web` in the export."""
    round_ = await world.open_round("text", QUESTION)
    phone = await world.browser()
    page = await phone.get(world.path(round_))
    assert page.status == 200
    assert QUESTION in page.text and "碧海社区" in page.text
    assert "隐私说明" in page.text
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    form = page.form("answer")
    done = await phone.post(world.path(round_), {**form, "text": ANSWER})
    assert done.status == 200 and "?done=stored." in done.url
    assert "已收到你的回答" in done.text
    assert "[电话]" in done.text, "the resident sees their own (redacted) answer"
    async with world.core.repo.transaction() as session:
        stored = await session.list_answers(round_ids=[round_.id])
        by_channel = await session.count_answers_by_channel(Scope(round_ids=[round_.id]))
    assert len(stored) == 1
    assert stored[0].channel == "web" and stored[0].via == "page"
    assert "13812345678" not in stored[0].text and "[电话]" in stored[0].text
    assert stored[0].themes, "the web answer went through the tagger"
    assert stored[0].community_id == world.communities[0].id
    assert by_channel == {"web": 1}
    csv = rows_to_csv(await export_rows(world.core, round_.id)).decode("utf-8-sig")
    header, row = csv.splitlines()[:2]
    assert header.split(",")[4] == "channel" and row.split(",")[4] == "web"


async def test_a_poll_vote_counts_once_per_browser_and_can_be_changed(world: WebWorld) -> None:
    """Voting twice from one browser leaves its latest choice; another browser adds a voter."""
    round_ = await world.open_round("poll", "最需要改进的是？", ["停车", "垃圾分类", "电梯"])
    first, second = await world.browser(), await world.browser()
    path = world.path(round_)
    page = await first.get(path)
    voted = await first.post(path, {**page.form("vote"), "option": "0"})
    assert "已记录你的选择" in voted.text and "你现在的选择：停车" in voted.text
    changed = await first.post(path, {**voted.form("vote"), "option": "2"})
    assert "你现在的选择：电梯" in changed.text
    other = await second.get(path)
    await second.post(path, {**other.form("vote"), "option": "2"})
    async with world.core.repo.transaction() as session:
        counts = await session.count_votes(round_.id)
        voters = await session.count_voters(round_.id)
    assert [(c.option_index, c.votes) for c in counts] == [(2, 2)]
    assert voters == {world.communities[0].id: 2}


async def test_hand_made_votes_are_refused(world: WebWorld) -> None:
    """Two options in a single-choice poll, options out of range, non-ASCII digits, huge
    numbers or no option at all store nothing and never fail the server."""
    round_ = await world.open_round("poll", "选一个", ["甲", "乙"])
    phone = await world.browser()
    page = await phone.get(world.path(round_))
    for option in (["0", "1"], ["2"], ["-1"], ["²"], ["１"], ["9" * 400], [], ["0 "]):
        refused = await phone.post(world.path(round_), {**page.form("vote"), "option": option})
        assert refused.status == 400, option
        assert "请选择一个有效的选项" in refused.text
        page = refused
    async with world.core.repo.transaction() as session:
        assert await session.count_votes(round_.id) == []


async def test_a_rating_can_be_changed_while_open(world: WebWorld) -> None:
    """A rating of 2 changed to 5 leaves one vote of 5, shown as the current choice."""
    round_ = await world.open_round("rating", "你对小区安全满意吗？")
    phone = await world.browser()
    path = world.path(round_)
    page = await phone.get(path)
    first = await phone.post(path, {**page.form("vote"), "value": "2"})
    assert "你现在的选择：2" in first.text
    second = await phone.post(path, {**first.form("vote"), "value": "5"})
    assert "你现在的选择：5" in second.text
    async with world.core.repo.transaction() as session:
        counts = await session.count_votes(round_.id)
    assert [(c.option_index, c.votes) for c in counts] == [(5, 1)]


async def test_a_closed_round_shows_its_summary_and_takes_no_answer(world: WebWorld) -> None:
    """After closing, the page shows the community's results, and a form kept from before
    stores nothing."""
    round_ = await world.open_round("poll", "最需要改进的是？", ["停车", "垃圾分类"])
    path = world.path(round_)
    phones = [await world.browser() for _ in range(3)]
    for index, phone in enumerate(phones[:2]):
        page = await phone.get(path)
        await phone.post(path, {**page.form("vote"), "option": str(index % 2)})
    late = await phones[2].get(path)
    await close_round(world.core, round_.id)
    closed = await phones[2].get(path)
    assert closed.status == 200
    assert "这轮征询已于" in closed.text and "投票人数：2" in closed.text
    assert "停车 · 1 (50%)" in closed.text
    assert not [f for f in closed.html.split("<form")[1:] if 'name="action"' in f]
    refused = await phones[2].post(path, {**late.form("vote"), "option": "0"})
    assert refused.status == 409 and "已经结束" in refused.text
    async with world.core.repo.transaction() as session:
        assert sum(c.votes for c in await session.count_votes(round_.id)) == 2


async def test_scheduled_and_cancelled_rounds_say_so(world: WebWorld) -> None:
    """A cancelled round's page says it was cancelled and offers no form."""
    from datetime import timedelta

    from bot.core.parsing import RoundRequest
    from bot.core.rounds import create_round

    request = RoundRequest(
        kind="text",
        question=QUESTION,
        duration=timedelta(hours=1),
        opens_at=world.core.now() + timedelta(days=1),
    )
    created = await create_round(world.core, request, world.communities, "organiser")
    phone = await world.browser()
    scheduled = await phone.get(world.path(created.round))
    assert "开始，请到时再来" in scheduled.text and "<textarea" not in scheduled.html
    await cancel_round(world.core, created.round.id)
    cancelled = await phone.get(world.path(created.round))
    assert cancelled.status == 200 and "已经取消" in cancelled.text


async def test_a_guessed_or_altered_address_is_a_plain_404(world: WebWorld) -> None:
    """Random tokens, an altered token, a token of a community the round does not ask and a
    round id are all the same 404 page, never a round's page."""
    round_ = await world.open_round("text", QUESTION)
    phone = await world.browser()
    good = world.path(round_)
    altered = good[:-1] + ("a" if good[-1] != "a" else "b")
    guessed = "/r/" + "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(32))
    # A community that exists but was not asked in this round.
    async with world.core.repo.transaction() as session:
        outsider, _ = await session.set_community(-1003, "外区", world.core.now())
    elsewhere = page_path(world.core, round_.id, outsider.id)
    bodies = set()
    for path in (altered, guessed, elsewhere, f"/r/{round_.id}", "/r/", "/"):
        page = await phone.get(path)
        assert page.status == 404, path
        assert "找不到这个页面" in page.text and QUESTION not in page.text
        assert "<form" not in page.html
        bodies.add(page.html)
    assert len(bodies) == 1, "every address that is no page gets the same page"


async def test_a_cross_site_post_is_refused(world: WebWorld) -> None:
    """A form posted from another site (by Origin, or by Sec-Fetch-Site) stores nothing, even
    with a valid token and the resident's cookie."""
    round_ = await world.open_round("text", QUESTION)
    phone = await world.browser()
    path = world.path(round_)
    page = await phone.get(path)
    form = {**page.form("answer"), "text": ANSWER}
    by_origin = await phone.post(path, form, Origin="https://evil.example")
    by_fetch = await phone.post(path, form, **{"Sec-Fetch-Site": "cross-site"})
    null_origin = await phone.post(path, form, Origin="null")
    assert [by_origin.status, by_fetch.status, null_origin.status] == [403, 403, 403]
    async with world.core.repo.transaction() as session:
        assert await session.list_answers(round_ids=[round_.id]) == []
    accepted = await phone.post(path, form)
    assert accepted.status == 200 and "已收到你的回答" in accepted.text


async def test_a_replayed_form_is_refused(world: WebWorld) -> None:
    """Posting the same form again stores nothing more, and an old vote form cannot undo a
    later change."""
    round_ = await world.open_round("text", QUESTION)
    phone = await world.browser()
    path = world.path(round_)
    form = {**(await phone.get(path)).form("answer"), "text": ANSWER}
    assert (await phone.post(path, form)).status == 200
    replay = await phone.post(path, form)
    assert replay.status == 409 and "已经提交过了" in replay.text
    poll = await world.open_round("poll", "选一个", ["甲", "乙"])
    ppath = world.path(poll)
    page = await phone.get(ppath)
    old = {**page.form("vote"), "option": "0"}
    newer = await phone.post(ppath, old)
    await phone.post(ppath, {**newer.form("vote"), "option": "1"})
    assert (await phone.post(ppath, old)).status == 409
    async with world.core.repo.transaction() as session:
        assert len(await session.list_answers(round_ids=[round_.id])) == 1
        counts = await session.count_votes(poll.id)
    assert [(c.option_index, c.votes) for c in counts] == [(1, 1)]


async def test_a_form_from_another_browser_or_without_cookie_is_refused(world: WebWorld) -> None:
    """A form's CSRF token is good only with the cookie of the browser it was served to."""
    round_ = await world.open_round("text", QUESTION)
    path = world.path(round_)
    mine, theirs = await world.browser(), await world.browser()
    form = {**(await mine.get(path)).form("answer"), "text": ANSWER}
    await theirs.get(path)
    stolen = await theirs.post(path, form)
    assert stolen.status == 403 and "页面已失效" in stolen.text
    mine.session.cookie_jar.clear()
    cookieless = await mine.post(path, form)
    assert cookieless.status == 403 and "Cookie" in cookieless.text
    async with world.core.repo.transaction() as session:
        assert await session.list_answers(round_ids=[round_.id]) == []


async def test_a_wrong_host_is_refused(world: WebWorld) -> None:
    """A request naming a host other than the public or listen address gets no page."""
    round_ = await world.open_round("text", QUESTION)
    phone = await world.browser()
    page = await phone.get(world.path(round_), Host="evil.example")
    assert page.status == 421 and "<form" not in page.html
    form = {**(await phone.get(world.path(round_))).form("answer"), "text": ANSWER}
    posted = await phone.post(world.path(round_), form, Host="minyi.example.org")
    assert posted.status == 421
    async with world.core.repo.transaction() as session:
        assert await session.list_answers(round_ids=[round_.id]) == []


async def test_answers_past_the_rate_limit_are_refused_and_the_text_kept(tmp_path: Path) -> None:
    """Past `limits.answers_per_minute` a browser is asked to wait, its text still in the box;
    past the per-address limit so is a script that opens a new browser per answer."""
    async with web_world(tmp_path, limits={"answers_per_minute": 2}) as world:
        round_ = await world.open_round("text", QUESTION)
        path = world.path(round_)
        phone = await world.browser()
        page = await phone.get(path)
        for n in range(2):
            page = await phone.post(path, {**page.form("answer"), "text": f"第{n}条：停车太难了"})
            assert page.status == 200
        refused = await phone.post(path, {**page.form("answer"), "text": "第三条：垃圾分类"})
        assert refused.status == 429 and "提交太频繁" in refused.text
        assert refused.form("answer")["text"] == "第三条：垃圾分类"
        async with world.core.repo.transaction() as session:
            assert len(await session.list_answers(round_ids=[round_.id])) == 2
    async with web_world(tmp_path / "b") as world:
        round_ = await world.open_round("text", QUESTION)
        path = world.path(round_)
        statuses = []
        for n in range(62):
            script = await world.browser()
            page = await script.get(path)
            statuses.append(
                (await script.post(path, {**page.form("answer"), "text": f"刷{n}"})).status
            )
        assert statuses.count(200) == 60 and statuses[-1] == 429


async def test_the_per_address_limit_counts_residents_behind_a_remote_proxy_apart(
    tmp_path: Path,
) -> None:
    """Behind a reverse proxy on another machine listed in `web.trusted_proxies`, each resident
    has their own per-address limit (the right-most X-Forwarded-For entry that is no trusted
    proxy), and addresses a client writes into the header itself do not get it past the limit."""
    trusted = {"trusted_proxies": ["127.0.0.1", "10.0.0.0/8"]}
    async with web_world(tmp_path, per_address=2, web=trusted) as world:
        path = world.path(await world.open_round("text", QUESTION))

        async def answer(forwarded: str, text: str) -> int:
            script = await world.browser()
            form = {**(await script.get(path)).form("answer"), "text": text}
            return (await script.post(path, form, **{"X-Forwarded-For": forwarded})).status

        # The test's peer is 127.0.0.1 (a proxy on this machine); before it the remote proxy
        # 10.0.0.7 appended the address it saw after whatever the client sent.
        spoofing = [
            await answer(f"198.51.100.{n}, 203.0.113.5, 10.0.0.7", f"第{n}条：停车太难了")
            for n in range(3)
        ]
        assert spoofing == [200, 200, 429]
        assert await answer("203.0.113.9, 10.0.0.7", "另一位居民：垃圾分类要公开") == 200


async def test_an_untrusted_peer_cannot_choose_its_address_with_the_header(
    tmp_path: Path,
) -> None:
    """A peer that is not a trusted proxy is limited by its own address, whatever
    X-Forwarded-For it sends."""
    async with web_world(tmp_path, per_address=2, web={"trusted_proxies": ["10.0.0.0/8"]}) as world:
        path = world.path(await world.open_round("text", QUESTION))
        statuses = []
        for n in range(3):
            script = await world.browser()
            form = {**(await script.get(path)).form("answer"), "text": f"刷{n}"}
            posted = await script.post(path, form, **{"X-Forwarded-For": f"203.0.113.{n}"})
            statuses.append(posted.status)
        assert statuses == [200, 200, 429]


async def test_a_script_rotating_its_ipv6_addresses_meets_the_address_limit(
    world: WebWorld,
) -> None:
    """An IPv6 client holds a whole /64 (2^64 addresses): one posting each answer from a new
    address of it is one client for the per-address limit (behind the local reverse proxy,
    which says who is asking). Another network's client is still served."""
    round_ = await world.open_round("text", QUESTION)
    path = world.path(round_)
    statuses = []
    for n in range(62):
        script = await world.browser(**{"X-Forwarded-For": f"2001:db8:a:b::{n + 1:x}"})
        page = await script.get(path)
        statuses.append((await script.post(path, {**page.form("answer"), "text": f"刷{n}"})).status)
    assert statuses.count(200) == 60 and statuses[-1] == 429
    neighbour = await world.browser(**{"X-Forwarded-For": "2001:db8:a:c::1"})
    page = await neighbour.get(path)
    answered = await neighbour.post(path, {**page.form("answer"), "text": ANSWER})
    assert answered.status == 200


async def test_an_own_answer_can_be_edited_but_not_someone_elses(world: WebWorld) -> None:
    """The page offers the resident's own answers for editing; an edit replaces the text and
    its themes; another browser cannot edit it by its id."""
    round_ = await world.open_round("text", QUESTION)
    path = world.path(round_)
    phone, other = await world.browser(), await world.browser()
    page = await phone.post(path, {**(await phone.get(path)).form("answer"), "text": ANSWER})
    edit = page.form("edit")
    edited = await phone.post(path, {**edit, "text": "垃圾分类做得不好，应该公开透明。"})
    assert edited.status == 200 and "你的回答已更新" in edited.text
    foreign = {**(await other.get(path)).form("answer"), "action": "edit"}
    foreign.update(answer_id=edit["answer_id"], text="被别人改了")
    refused = await other.post(path, foreign)
    assert refused.status == 404
    async with world.core.repo.transaction() as session:
        stored = await session.list_answers(round_ids=[round_.id])
    assert [a.text for a in stored] == ["垃圾分类做得不好，应该公开透明。"]


async def test_my_data_shows_and_forgets_only_this_browsers_data(world: WebWorld) -> None:
    """/me lists this browser's answers and votes (a multiple-answer poll as one vote, on one
    line; a rating as a rating out of 5, not as a vote); forgetting deletes them and nobody
    else's, and the browser gets a new token."""
    text_round = await world.open_round("text", QUESTION)
    poll = await world.open_round("poll", "选一个", ["甲", "乙"])
    multi = await world.open_round("poll", "选几个", ["丙", "丁", "戊"], multi=True)
    rating = await world.open_round("rating", "你对物业满意吗？")
    phone, neighbour = await world.browser(), await world.browser()
    for browser, text in ((phone, ANSWER), (neighbour, "邻居的回答：停车难")):
        page = await browser.get(world.path(text_round))
        await browser.post(world.path(text_round), {**page.form("answer"), "text": text})
    page = await phone.get(world.path(poll))
    await phone.post(world.path(poll), {**page.form("vote"), "option": "1"})
    page = await phone.get(world.path(multi))
    await phone.post(world.path(multi), {**page.form("vote"), "option": ["0", "2"]})
    page = await phone.get(world.path(rating))
    await phone.post(world.path(rating), {**page.form("vote"), "value": "4"})
    mine = await phone.get("/me")
    assert "1 条回答，3 次投票（一轮多选投票算一次，不论选了几项）" in mine.text, mine.text
    assert "[电话]" in mine.text and "乙" in mine.text
    assert f"第 {multi.id} 轮投票：丙、戊" in mine.text, mine.text
    assert f"第 {rating.id} 轮评分：4 / 5" in mine.text, mine.text
    assert "邻居" not in mine.text
    unconfirmed = await phone.post("/me/forget", mine.form("forget"))
    assert unconfirmed.status == 400
    mine = await phone.get("/me")
    done = await phone.post("/me/forget", {**mine.form("forget"), "confirm": "yes"})
    assert done.status == 200 and "已删除你的 1 条回答和 3 次投票" in done.text
    assert "没有提交过" in (await phone.get("/me")).text
    async with world.core.repo.transaction() as session:
        left = await session.list_answers(round_ids=[text_round.id])
        assert await session.count_votes(poll.id) == []
    assert [a.text for a in left] == ["邻居的回答：停车难"]


async def test_the_page_speaks_the_browsers_language(world: WebWorld) -> None:
    """An English browser gets the English page; ?lang=zh switches to Chinese."""
    round_ = await world.open_round("rating", "你对小区安全满意吗？")
    phone = await world.browser(**{"Accept-Language": "en-GB,en;q=0.9,zh-CN;q=0.5"})
    english = await phone.get(world.path(round_))
    assert "Your rating" in english.text and "Privacy" in english.text
    chinese = await phone.get(world.path(round_) + "?lang=zh")
    assert "请打分" in chinese.text


async def test_the_cookie_is_httponly_lax_and_stores_only_a_hash(world: WebWorld) -> None:
    """The browser token is an HttpOnly SameSite=Lax cookie, and only its keyed hash is
    stored."""
    round_ = await world.open_round("text", QUESTION)
    phone = await world.browser()
    page = await phone.get(world.path(round_))
    cookie = page.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    await phone.post(world.path(round_), {**page.form("answer"), "text": ANSWER})
    token = next(c.value for c in phone.session.cookie_jar if c.key == "minyi")
    async with world.core.repo.transaction() as session:
        rows = await session.tx.fetchall("SELECT resident, source FROM answers")
    assert rows[0]["resident"] == tokens.web_pseudonym(world.core.secret, token)
    assert token not in repr(rows)


async def test_a_confirmation_link_confirms_nothing_to_anyone_else(world: WebWorld) -> None:
    """The "saved" notice after a redirect shows only to the browser whose form was saved: the
    same link in another browser, or a made-up one, shows no confirmation."""
    round_ = await world.open_round("text", QUESTION)
    path = world.path(round_)
    phone, other = await world.browser(), await world.browser()
    done = await phone.post(path, {**(await phone.get(path)).form("answer"), "text": ANSWER})
    link = done.url.removeprefix(world.base)
    assert "已收到你的回答" in (await phone.get(link)).text
    assert "已收到你的回答" not in (await other.get(link)).text
    assert "已收到你的回答" not in (await other.get(path + "?done=stored.0123456789abcdef")).text


async def test_an_answer_of_invisible_characters_is_refused_and_nothing_stored(
    world: WebWorld,
) -> None:
    """Zero-width spaces or a blank Braille pattern pass the text box's `required` check but
    show nothing: the page asks for an answer and stores none."""
    round_ = await world.open_round("text", QUESTION)
    phone = await world.browser()
    page = await phone.get(world.path(round_))
    for blank in ("\u200b\u200b", "\u2800", "\ufeff\u200d"):
        form = (await phone.get(world.path(round_))).form("answer")
        refused = await phone.post(world.path(round_), {**form, "text": blank})
        assert refused.status == 400 and "请先写下你的回答" in refused.text
    assert page.status == 200
    async with world.core.repo.transaction() as session:
        assert await session.list_answers(round_ids=[round_.id]) == []


async def test_an_answer_sent_after_the_round_closed_is_shown_back_not_lost(
    world: WebWorld,
) -> None:
    """A resident who writes a long answer while the round closes is told it closed and sees
    their own text again on the page (to copy), instead of it vanishing; nothing is stored."""
    round_ = await world.open_round("text", QUESTION)
    phone = await world.browser()
    path = world.path(round_)
    form = (await phone.get(path)).form("answer")
    await close_round(world.core, round_.id)
    late = await phone.post(path, {**form, "text": "写了很久：楼道<灯>坏了三个月。"})
    assert late.status == 409 and "已经结束" in late.text
    assert "写了很久：楼道<灯>坏了三个月。" in late.text
    assert "没有保存" in late.text
    assert "<灯>" not in late.html, "the kept text is escaped"
    async with world.core.repo.transaction() as session:
        assert await session.list_answers(round_ids=[round_.id]) == []


async def test_a_form_sent_again_with_new_text_keeps_that_text(world: WebWorld) -> None:
    """An old browser's back button can bring back a page with its used form: a new answer
    written into it is refused as already sent, but stays in the box to send again; a
    double tap (the same text twice) leaves the box empty."""
    round_ = await world.open_round("text", QUESTION)
    phone = await world.browser()
    path = world.path(round_)
    form = (await phone.get(path)).form("answer")
    await phone.post(path, {**form, "text": ANSWER})
    twice = await phone.post(path, {**form, "text": ANSWER})
    assert twice.status == 409 and twice.form("answer").get("text", "") == ""
    again = await phone.post(path, {**form, "text": "还有一件事：垃圾站太臭了。"})
    assert again.status == 409 and "已经提交过了" in again.text
    assert again.form("answer")["text"] == "还有一件事：垃圾站太臭了。"
    resent = await phone.post(path, again.form("answer"))
    assert resent.status == 200 and "已收到你的回答" in resent.text
    async with world.core.repo.transaction() as session:
        stored = await session.list_answers(round_ids=[round_.id])
    assert len(stored) == 2 and stored[1].text == "还有一件事：垃圾站太臭了。"


async def test_a_form_from_before_cookies_were_cleared_asks_to_send_again(
    world: WebWorld,
) -> None:
    """A resident clears cookies (or the chat app's browser drops them) and opens the link in
    another tab, then sends the page still open from before: nothing is stored, the page says
    to send again (not to reload, which would lose the text), the text is still in the box,
    and sending again stores it once."""
    round_ = await world.open_round("text", QUESTION)
    phone = await world.browser()
    path = world.path(round_)
    before = (await phone.get(path)).form("answer")
    phone.session.cookie_jar.clear()
    await phone.get(path)  # the other tab: a new cookie
    stale = await phone.post(path, {**before, "text": "清了Cookie之前写的回答"})
    assert stale.status == 403
    assert "重新提交一次" in stale.text and "刷新" not in stale.text
    assert stale.form("answer")["text"] == "清了Cookie之前写的回答"
    sent = await phone.post(path, stale.form("answer"))
    assert sent.status == 200 and "已收到你的回答" in sent.text
    async with world.core.repo.transaction() as session:
        assert len(await session.list_answers(round_ids=[round_.id])) == 1


async def test_a_closed_rounds_page_points_to_the_communitys_open_round(world: WebWorld) -> None:
    """A resident opening an old link or poster of a closed round finds the round now open in
    their community there (not another community's), and follows it to answer."""
    old = await world.open_round("text", QUESTION)
    await close_round(world.core, old.id)
    phone = await world.browser()
    quiet = await phone.get(world.path(old))
    assert "正在进行" not in quiet.text, "no open round: no pointer"
    new = await world.open_round("poll", "下一步先修哪里？", ["电梯", "路灯"])
    page = await phone.get(world.path(old))
    assert "正在进行" in page.text and "下一步先修哪里？" in page.text
    assert f'href="{world.path(new)}"' in page.html
    assert f'href="{world.path(new, world.communities[1])}"' not in page.html
    opened = await phone.get(world.path(new))
    assert "<form" in opened.html and "电梯" in opened.text


async def test_a_nul_in_a_web_answer_or_edit_is_dropped_on_every_backend(
    tmp_path: Path, storage_url: str
) -> None:
    """A form posted with %00 in its text (PostgreSQL cannot store U+0000, SQLite can) is
    stored without it on both backends, as an answer and as an edit."""
    async with web_world(tmp_path, storage={"url": storage_url}) as world:
        round_ = await world.open_round("text", QUESTION)
        path = world.path(round_)
        phone = await world.browser()
        form = (await phone.get(path)).form("answer")
        page = await phone.post(path, {**form, "text": "路灯\x00坏了"})
        assert page.status == 200 and "?done=stored." in page.url
        async with world.core.repo.transaction() as session:
            assert [a.text for a in await session.list_answers(round_ids=[round_.id])] == [
                "路灯坏了"
            ]
        edited = await phone.post(path, {**page.form("edit"), "text": "路灯\x00坏了，晚上很黑"})
        assert edited.status == 200 and "你的回答已更新" in edited.text
        async with world.core.repo.transaction() as session:
            assert [a.text for a in await session.list_answers(round_ids=[round_.id])] == [
                "路灯坏了，晚上很黑"
            ]
