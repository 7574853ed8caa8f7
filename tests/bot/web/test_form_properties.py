"""Property-based tests: hostile form posts at the real web answer pages (SPEC §11).

A form with wrong or missing tokens, repeated or unknown fields, values no page offers, bodies
in the wrong encoding or content type: each gets a page in the visitor's language, never a
500, and a refused one changes nothing in the database. One served world answers every example
of a test (hypothesis re-runs the body, not the fixture).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes

import aiohttp
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.models import Round
from tests.bot.web.world import Browser, WebWorld, web_world
from tests.e2e.dbfiles import snapshot

RUNS = settings(
    max_examples=int(__import__("os").environ.get("N", "60")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Statuses a refused form may get; a stored one ends on its page (200) after a 303.
REFUSALS = {400, 403, 404, 408, 409, 413, 429}
# Tables a refused form must leave as they were (the web's own bookkeeping aside).
KEPT = ("answers", "answer_themes", "votes", "poll_totals", "tally_votes", "tally_answers")

HOSTILE_VALUES = st.one_of(
    st.sampled_from(
        [
            "", "0", "-1", "1", "2", "5", "6", "99", "١", "０", "²", "1.0", "1e3", " 1", "1\n",
            "9" * 30, "answer", "edit", "vote", "retract", "nope", "\x00", "\ud800",
            "\u202e停车\u200b", "<script>", "a" * 5000, "停" * 2100,
        ]
    ),
    st.text(max_size=40),
)  # fmt: skip
FIELDS = ["nonce", "csrf", "action", "text", "option", "value", "answer_id", "confirm", "x"]


@pytest_asyncio.fixture
async def served(tmp_path: Path) -> Any:
    """Pages over a fresh SQLite file: one text, one poll and one rating round open."""
    async with web_world(tmp_path, per_address=1_000_000) as world:
        rounds = [
            await world.open_round("text", "你觉得停车怎么样？"),
            await world.open_round("poll", "先修哪里？", ["电梯", "路灯", "停车场"], multi=True),
            await world.open_round("rating", "给物业打分"),
        ]
        yield world, rounds


@st.composite
def mutations(draw: st.DrawFn) -> dict[str, Any]:
    """How a form is spoiled: fields dropped, replaced, repeated or added, and how it is sent."""
    changes = draw(
        st.lists(
            st.tuples(
                st.sampled_from(FIELDS),
                st.sampled_from(["drop", "set", "repeat", "keep"]),
                HOSTILE_VALUES,
            ),
            max_size=4,
        )
    )
    return {
        "round": draw(st.integers(0, 2)),
        "changes": changes,
        "encoding": draw(st.sampled_from(["form", "multipart", "json", "plain", "bytes", "gbk"])),
        "token": draw(st.sampled_from(["mine", "none", "other"])),
    }


def _encode(pairs: list[tuple[str, str]], how: str) -> tuple[Any, dict[str, str]]:
    """The body and its headers, sent the way `how` names (a lone surrogate as the bytes a
    careless client writes for it, which are no UTF-8)."""
    if how == "multipart":
        readable = [
            (k, v.encode("utf-8", "surrogatepass").decode("utf-8", "replace")) for k, v in pairs
        ]
        data = aiohttp.FormData(readable, charset="utf-8")
        data._is_multipart = True  # a multipart form, though it carries no file
        return data, {}
    if how == "json":
        return json.dumps(dict(pairs)), {"Content-Type": "application/json"}
    if how == "plain":
        body = "\n".join(f"{k}={v}" for k, v in pairs)
        return body.encode("utf-8", "surrogatepass"), {"Content-Type": "text/plain"}
    # A careless client's bytes for a lone surrogate (no UTF-8); GB18030 has none for it.
    encoding, errors = ("gb18030", "replace") if how == "gbk" else ("utf-8", "surrogatepass")
    junk = b"\xff\xfe" if how == "bytes" else b""
    parts = [
        quote_from_bytes(k.encode(encoding, errors))
        + "="
        + quote_from_bytes(v.encode(encoding, errors) + junk)
        for k, v in pairs
    ]
    return "&".join(parts).encode(), {"Content-Type": "application/x-www-form-urlencoded"}


async def _send(
    world: WebWorld, phone: Browser, path: str, pairs: list[tuple[str, str]], how: str
) -> tuple[int, str, bool]:
    """POST the pairs as `how`; the final status, its page, and whether a redirect came."""
    body, headers = _encode(pairs, how)
    sent = {"Origin": world.base, "Sec-Fetch-Site": "same-origin", **headers}
    async with phone.session.post(world.base + path, data=body, headers=sent) as response:
        return response.status, await response.text(), bool(response.history)


def _kept(world: WebWorld) -> dict[str, Any]:
    rows = snapshot(world.core.settings)
    return {table: rows.get(table) for table in KEPT}


def _form_of(round_: Round) -> str:
    return {"text": "answer", "poll": "vote", "rating": "vote"}[round_.kind]


@RUNS
@given(spoil=mutations())
async def test_a_spoiled_form_gets_a_page_and_a_refused_one_changes_nothing(
    served: tuple[WebWorld, list[Round]], spoil: dict[str, Any]
) -> None:
    """Any spoiling of a real form (tokens, fields, values, encoding, content type) is answered
    with an HTML page, never a 500; unless stored (a redirect to the confirmation), the
    database's answers and votes are as they were."""
    world, rounds = served
    round_ = rounds[spoil["round"]]
    path = world.path(round_)
    phone = await world.browser()
    page = await phone.get(path)
    form = page.form(_form_of(round_))
    if spoil["token"] == "other":
        stranger = await world.browser()
        form.update(
            {k: v for k, v in (await stranger.get(path)).form(_form_of(round_)).items()
             if k in ("nonce", "csrf")}
        )  # fmt: skip
    elif spoil["token"] == "none":
        phone.session.cookie_jar.clear()
    pairs = list(form.items())
    if round_.kind == "text":
        pairs.append(("text", "多建停车位"))
    else:
        pairs.append(("option" if round_.kind == "poll" else "value", "1"))
    for name, how, value in spoil["changes"]:
        if how == "drop":
            pairs = [(k, v) for k, v in pairs if k != name]
        elif how == "set":
            pairs = [(k, v) for k, v in pairs if k != name] + [(name, value)]
        elif how == "repeat":
            pairs.append((name, value))
    before = _kept(world)
    status, html, redirected = await _send(world, phone, path, pairs, spoil["encoding"])
    print(
        "OUT",
        status,
        redirected,
        spoil["encoding"],
        spoil["token"],
        [c[:2] for c in spoil["changes"]],
    )
    assert status != 500 and status in REFUSALS | {200}, (status, html[:300])
    assert "<html" in html and "</html>" in html, html[:300]
    assert "Traceback" not in html and "暂时没能保存" not in html, html[:300]
    if not (status == 200 and redirected):
        assert _kept(world) == before, f"a refused form ({status}) changed the database"
