"""`minyi demo`: a scripted consultation in two communities (demo/script.py), played through
the local app, with what organisers and staff would get written into a folder."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.config import Settings
from bot.core.base import Core
from bot.core.index.framework import Framework
from bot.core.index.values import period_of
from bot.core.indexing import community_voices, compute, import_values, load_framework
from bot.core.models import Round
from bot.core.reports import Report, build_round_report
from bot.render.digest import build_digest, write_digest
from bot.render.files import write_file, write_text
from bot.render.index_report import write_report
from bot.render.report import render_report
from demo.local import LocalBot, local_bot
from demo.script import (
    BIHAI,
    HUIZHANCHENG,
    INDEX_PROGRESS,
    INDICATOR_QUESTION,
    INDICATOR_RATED,
    INDICATOR_WEIGHTS,
    POLL_OPTIONS,
    POLL_QUESTION,
    POLL_WEIGHTS,
    PRIORITIES_QUESTION,
    PRIORITY_LIKELIHOOD,
    RATING_QUESTION,
    RATING_WEIGHTS,
    TEXT_QUESTION,
    Resident,
    scripted_residents,
)
from demo.web import answer_on_page, free_local_port
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimUser

log = logging.getLogger(__name__)

MAX_RESIDENTS = 400
_START_LINK = re.compile(r"\?start=([\w-]+)")


# ---------------------------------------------------------------------- progress
class Progress:
    """Live lines on the terminal: a timestamp per step and a bar that redraws in place."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.tty = stream.isatty()
        self._bar_open = False

    def elapsed(self) -> float:
        """Seconds since the demo started."""
        return time.monotonic() - self.started

    def step(self, text: str) -> None:
        """One finished step."""
        self._end_bar()
        print(f"[{self.elapsed():5.1f}s] {text}", file=self.stream, flush=True)

    def note(self, text: str) -> None:
        """An indented detail under the last step."""
        self._end_bar()
        print(f"         {text}", file=self.stream, flush=True)

    def bar(self, label: str, done: int, total: int) -> None:
        """A progress bar; on a terminal it redraws in place, elsewhere it prints quarters."""
        width = 24
        filled = width * done // total if total else width
        text = f"         {label} ▕{'█' * filled}{'░' * (width - filled)}▏ {done}/{total}"
        if self.tty:
            print("\r" + text, end="", file=self.stream, flush=True)
            self._bar_open = True
        elif total and (done == total or done % max(1, total // 4) == 0):
            print(text, file=self.stream, flush=True)

    def _end_bar(self) -> None:
        if self._bar_open:
            print(file=self.stream, flush=True)
            self._bar_open = False


# ---------------------------------------------------------------------- the demo
@dataclass
class DemoResult:
    """What the demo produced, for the closing lines and for tests."""

    rounds: list[Report]
    digest_answers: int
    files: dict[str, str]
    seconds: float


async def run_demo(
    out: Path,
    residents: int = 36,
    fast: bool = False,
    *,
    base: Settings | None = None,
    stream: TextIO | None = None,
) -> int:
    """Play a whole consultation offline and write its outputs into `out`; 0 on success."""
    if not 2 <= residents <= MAX_RESIDENTS:
        raise ValueError(f"--residents must be between 2 and {MAX_RESIDENTS}")
    await play_demo(out, residents, fast, base=base, stream=stream or sys.stdout)
    return 0


async def play_demo(
    out: Path,
    residents: int,
    fast: bool,
    *,
    base: Settings | None = None,
    stream: TextIO = sys.stdout,
) -> DemoResult:
    """The demo itself (see `run_demo`)."""
    show = Progress(stream)
    database = _fresh_database(out)
    print(
        "民意 Minyi demo: a whole consultation, offline, on a local Telegram emulator", file=stream
    )
    pause = 0.0 if fast else 0.03
    rng = random.Random(2024)

    web_listen = f"127.0.0.1:{free_local_port()}"
    async with (
        BotAPIEmulator() as em,
        local_bot(em, database, base, web_listen=web_listen) as bot,
    ):
        show.step(f"bot @{em.bot.username} running against the emulator at {em.base_url}")
        show.note(f"web answer pages on http://{web_listen}")
        await bot.ask_privately("/start")

        people = scripted_residents(residents)
        users = [em.add_user(p.name, language_code=p.language_code) for p in people]
        for name in (BIHAI, HUIZHANCHENG):
            members = [u for u, p in zip(users, people, strict=True) if p.community == name]
            chat = await bot.register(name, members)
            show.step(f"community {name} registered ({chat.title}, {len(members)} residents)")

        text_round = await _text_round(bot, people, users, show, pause, out)
        poll_round = await _poll_round(bot, people, users, show, pause, rng, out)
        rating_round = await _rating_round(bot, people, users, show, pause, rng, out)
        priorities_round = await _priorities_round(bot, people, users, show, pause, rng)
        indicator_round = await _indicator_round(bot, people, users, show, pause, rng)
        round_ids = [text_round, poll_round, rating_round, priorities_round, indicator_round]
        await _import_index_values(bot, out, show, random.Random(2025))
        await bot.ask_privately("/index")
        await bot.ask_privately("/index post")
        show.step("organiser asked for /index (table and scorecards) and /index post (groups)")

        await bot.ask_privately("/digest")
        await bot.ask_privately("/export")
        show.step("organiser asked for /digest (text, chart, CSV) and /export in private chat")

        result = await _write_outputs(bot, out, round_ids, show)
    _closing(result, out, show, stream)
    return result


def _fresh_database(out: Path) -> Path:
    """The demo's database path in `out`, with any database of an earlier run removed."""
    out.mkdir(parents=True, exist_ok=True)
    database = out / "minyi.db"
    for stale in (database, out / "minyi.db-wal", out / "minyi.db-shm"):
        stale.unlink(missing_ok=True)
    for card in (out / "qr").glob("round-*.png"):  # an earlier run's rounds
        card.unlink()
    return database


async def _text_round(
    bot: LocalBot,
    people: list[Resident],
    users: list[SimUser],
    show: Progress,
    pause: float,
    out: Path,
) -> int:
    em = bot.emulator
    await bot.ask_privately(f"/ask all 30m {TEXT_QUESTION}")
    round_ = await bot.latest_round()
    posts = {p.community_name: p for p in await bot.open_posts(round_.id)}
    show.step(f"round #{round_.id} (text) opened in {len(posts)} communities: {TEXT_QUESTION}")
    answering = [
        (index, person, user)
        for index, (person, user) in enumerate(zip(people, users, strict=True))
        if person.answer is not None and index % 9 != 4  # a few answer on the web instead
    ]
    private = 0
    for done, (index, person, user) in enumerate(answering, start=1):
        assert person.answer is not None
        post = posts[person.community]
        assert post.message_id is not None
        if index % 6 == 5:
            # Some answer privately, through the link in the round's message (as a tap would).
            chat = em.private_chat(user)
            link = next(
                m.get("text", "")
                for m in em.messages_to(post.chat_id)
                if m["message_id"] == post.message_id
            )
            found = _START_LINK.search(link)
            assert found is not None, "the round message carries a private-answer link"
            em.send_message(user, chat, f"/start {found.group(1)}")
            em.send_message(user, chat, person.answer)
            private += 1
        else:
            em.send_message(
                user, bot.groups[person.community], person.answer, reply_to=post.message_id
            )
        show.bar("answers", done, len(answering))
        if pause:
            await asyncio.sleep(pause)
    await bot.settle()
    on_web = [
        (person, {"action": "answer", "text": person.answer})
        for index, person in enumerate(people)
        if person.answer is not None and index % 9 == 4
    ]
    await _web_residents(bot, round_.id, on_web, out, show)
    async with bot.core.repo.transaction() as session:
        stored = await session.list_answers(round_ids=[round_.id])
    tagged = sum(1 for a in stored if a.themes)
    web = sum(1 for a in stored if a.channel == "web")
    show.step(
        f"{len(stored)} answers stored ({private} privately, {web} on the web page), "
        f"{tagged} tagged with themes"
    )
    await _close(bot, round_.id, show)
    return round_.id


async def _poll_round(
    bot: LocalBot,
    people: list[Resident],
    users: list[SimUser],
    show: Progress,
    pause: float,
    rng: random.Random,
    out: Path,
) -> int:
    """A poll round: most residents vote in their group's poll, some on the web page."""
    round_ = await _vote_polls(
        bot,
        f"/poll all 30m {POLL_QUESTION} | " + " | ".join(POLL_OPTIONS),
        lambda round_: f"(poll) opened: {POLL_QUESTION}",
        [(p, u) for i, (p, u) in enumerate(zip(people, users, strict=True)) if i % 10 != 7],
        lambda person: [rng.choices(range(len(POLL_OPTIONS)), weights=POLL_WEIGHTS)[0]],
        show,
        pause,
    )
    on_web = [
        (
            person,
            {
                "action": "vote",
                "option": str(rng.choices(range(len(POLL_OPTIONS)), weights=POLL_WEIGHTS)[0]),
            },
        )
        for index, person in enumerate(people)
        if index % 10 == 7
    ]
    await _web_residents(bot, round_.id, on_web, out, show)
    await _close(bot, round_.id, show)
    return round_.id


async def _rating_round(
    bot: LocalBot,
    people: list[Resident],
    users: list[SimUser],
    show: Progress,
    pause: float,
    rng: random.Random,
    out: Path,
) -> int:
    """A rating round: most residents press a star button in their group, some rate on the
    web page."""
    round_ = await _press_ratings(
        bot,
        f"/rate all 30m {RATING_QUESTION}",
        f"(rating) opened: {RATING_QUESTION}",
        [(p, u) for i, (p, u) in enumerate(zip(people, users, strict=True)) if i % 7 != 3],
        lambda person: RATING_WEIGHTS,
        (show, pause, rng),
    )
    on_web = [
        (
            person,
            {"action": "vote", "value": str(rng.choices(range(1, 6), weights=RATING_WEIGHTS)[0])},
        )
        for index, person in enumerate(people)
        if index % 7 == 3
    ]
    await _web_residents(bot, round_.id, on_web, out, show)
    await _close(bot, round_.id, show)
    return round_.id


async def _press_ratings(
    bot: LocalBot,
    command: str,
    opened: str,
    raters: list[tuple[Resident, SimUser]],
    weights_of: Callable[[Resident], Sequence[float]],
    pace: tuple[Progress, float, random.Random],
) -> Round:
    """Open a rating round with `command`, then have each rater press a star button in their
    group's post, 1–5 drawn with their weights; the round, once the bot has stored them."""
    show, pause, rng = pace
    em = bot.emulator
    await bot.ask_privately(command)
    round_ = await bot.latest_round()
    posts = {p.chat_id: p for p in await bot.open_posts(round_.id)}
    show.step(f"round #{round_.id} {opened}")
    for done, (person, user) in enumerate(raters, start=1):
        chat = bot.groups[person.community]
        post = posts[chat.id]
        assert post.message_id is not None
        value = rng.choices(range(1, 6), weights=weights_of(person))[0]
        data = _button_data(em, chat.id, post.message_id, str(value))
        em.press_button(user, chat, post.message_id, data)
        show.bar("ratings", done, len(raters))
        if pause:
            await asyncio.sleep(pause)
    await bot.settle()
    return round_


async def _vote_polls(
    bot: LocalBot,
    command: str,
    opened: Callable[[Round], str],
    voters: list[tuple[Resident, SimUser]],
    choose: Callable[[Resident], list[int]],
    show: Progress,
    pause: float,
) -> Round:
    """Open a poll round with `command`, then have each voter vote in their group's poll for
    the options `choose` picks; the round, once the bot has stored the votes."""
    em = bot.emulator
    await bot.ask_privately(command)
    round_ = await bot.latest_round()
    polls = {p.chat_id: p.poll_id for p in await bot.open_posts(round_.id) if p.poll_id}
    show.step(f"round #{round_.id} {opened(round_)}")
    for done, (person, user) in enumerate(voters, start=1):
        poll_id = polls[bot.groups[person.community].id]
        assert poll_id is not None
        em.vote_poll(user, poll_id, choose(person))
        show.bar("votes", done, len(voters))
        if pause:
            await asyncio.sleep(pause)
    await bot.settle()
    return round_


async def _priorities_round(
    bot: LocalBot,
    people: list[Resident],
    users: list[SimUser],
    show: Progress,
    pause: float,
    rng: random.Random,
) -> int:
    """A priorities round: each resident picks the principles that matter most to them."""

    def pick(person: Resident) -> list[int]:
        likely = PRIORITY_LIKELIHOOD[person.community]
        picked = [i for i, p in enumerate(likely) if rng.random() < p][:3]
        return picked or [likely.index(max(likely))]

    round_ = await _vote_polls(
        bot,
        f"/priorities all 30m {PRIORITIES_QUESTION}",
        lambda round_: f"(priorities) opened: {len(round_.options)} principles",
        [(p, u) for i, (p, u) in enumerate(zip(people, users, strict=True)) if i % 8 != 6],
        pick,
        show,
        pause,
    )
    await _close(bot, round_.id, show)
    return round_.id


async def _indicator_round(
    bot: LocalBot,
    people: list[Resident],
    users: list[SimUser],
    show: Progress,
    pause: float,
    rng: random.Random,
) -> int:
    """A rating round tied to an index indicator: its mean per community is that value."""
    round_ = await _press_ratings(
        bot,
        f"/rate --indicator {INDICATOR_RATED} all 30m {INDICATOR_QUESTION}",
        f"(rating → indicator {INDICATOR_RATED}) opened",
        [(p, u) for i, (p, u) in enumerate(zip(people, users, strict=True)) if i % 5 != 2],
        lambda person: INDICATOR_WEIGHTS[person.community],
        (show, pause, rng),
    )
    await bot.settle()
    await _close(bot, round_.id, show)
    return round_.id


def index_values_csv(framework: Framework, periods: list[str], rng: random.Random) -> bytes:
    """Indicator values for the two communities over `periods`, as an official's spreadsheet
    would hold them: each community moves from the baseline towards the target at its own
    pace, with noise; 会展城 lacks two indicators in the first quarter (missing values), and
    the indicator residents rate is left to the rating round in the last quarter."""
    lines = ["community,indicator,period,value"]
    for name, (start, step) in INDEX_PROGRESS.items():
        for q, period in enumerate(periods):
            for k, ind in enumerate(framework.indicators):
                if ind.id == INDICATOR_RATED and q == len(periods) - 1:
                    continue
                if name == HUIZHANCHENG and q == 0 and k % 9 == 4:
                    continue
                base = ind.baseline if ind.baseline is not None else ind.threshold
                share = start + step * q + rng.uniform(-0.08, 0.08)
                value = base + (ind.target - base) * share
                lines.append(f"{name},{ind.id},{period},{value:.2f}")
    return ("\n".join(lines) + "\n").encode("utf-8")


async def _import_index_values(
    bot: LocalBot, out: Path, show: Progress, rng: random.Random
) -> None:
    """Values for the current quarter and the three before it, imported as `minyi index
    import` would (the CSV is kept in `out`)."""
    core = bot.core
    zone = core.settings.schedule.tz
    framework = await load_framework(core)
    now = core.now().astimezone(zone)
    periods = []
    for back in (3, 2, 1, 0):
        months = now.year * 12 + now.month - 1 - 3 * back
        periods.append(
            period_of(now.replace(year=months // 12, month=months % 12 + 1, day=1), 3, zone)
        )
    data = index_values_csv(framework, periods, rng)
    write_file(out / "index_values.csv", data)
    summary = await import_values(core, data, "index_values.csv")
    show.step(f"imported {summary.rows} indicator values for {', '.join(summary.periods)}")


async def _qr_links(bot: LocalBot, round_id: int, out: Path) -> dict[str, str]:
    """The organiser's `/qr`: the cards it sent written into out/qr/; community -> page link."""
    em = bot.emulator
    chat = em.private_chat(bot.organiser).id
    mark = max((m["message_id"] for m in em.messages_to(chat)), default=0)
    await bot.ask_privately(f"/qr {round_id}")
    folder = out / "qr"
    folder.mkdir(exist_ok=True)
    links: dict[str, str] = {}
    for message in em.messages_to(chat):
        name = message.get("document", {}).get("file_name", "")
        if message["message_id"] <= mark or not name.startswith(f"round-{round_id}-"):
            continue
        write_file(folder / Path(name).name, message["file_bytes"])
        first, *_, url = message.get("caption", "").split("\n")
        community = next(c for c in (BIHAI, HUIZHANCHENG) if c in first)
        links[community] = url
    if len(links) != 2:
        raise RuntimeError(f"/qr sent {len(links)} cards for round {round_id}, not 2")
    return links


async def _web_residents(
    bot: LocalBot,
    round_id: int,
    chosen: list[tuple[Resident, dict[str, str]]],
    out: Path,
    show: Progress,
) -> None:
    """Residents who got the round's link or QR code in another chat app answer on its page."""
    links = await _qr_links(bot, round_id, out)
    outcomes = [await answer_on_page(links[p.community], fields) for p, fields in chosen]
    confirmed = sum(1 for o in outcomes if o in ("stored", "recorded"))
    show.step(
        f"organiser sent /qr: {len(links)} QR cards (written to {out / 'qr'}/); "
        f"{confirmed} of {len(chosen)} residents answered on the web page"
    )


def _button_data(em: BotAPIEmulator, chat_id: int, message_id: int, label: str) -> str:
    """The callback data of the inline button labelled `label` (as a tap would send it)."""
    message = next(m for m in em.messages_to(chat_id) if m["message_id"] == message_id)
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button.get("text") == label:
                return str(button["callback_data"])
    raise RuntimeError(f"no button {label!r} on message {message_id}")


async def _close(bot: LocalBot, round_id: int, show: Progress) -> None:
    await bot.ask_privately(f"/close {round_id}")
    report = await build_round_report(bot.core, round_id)
    assert report is not None
    if report.poll is not None and report.poll.average is not None:
        figure = f"{report.poll.voters} ratings, average {report.poll.average:.2f}"
    elif report.poll is not None:
        best = max(report.poll.options, key=lambda o: o.votes)
        figure = f"{report.poll.voters} voters; most chosen: {best.text} ({best.share:.0%})"
    else:
        principles = [t for t in report.themes if t.kind == "principle"][:3]
        figure = "top principles: " + ", ".join(
            f"{t.name_zh} {t.name_en} {t.share:.0%}" for t in principles
        )
    show.step(f"round #{round_id} closed: summary posted to each community, report sent")
    show.note(figure)


# ---------------------------------------------------------------------- outputs
async def _write_outputs(
    bot: LocalBot, out: Path, round_ids: list[int], show: Progress
) -> DemoResult:
    core = bot.core
    lang = core.settings.locale.default
    zone = core.settings.schedule.tz
    reports = [r for r in [await build_round_report(core, i) for i in round_ids] if r]
    files: dict[str, str] = {}

    write_text(
        out / "reports.txt", "\n\n".join(render_report(r, lang, zone) for r in reports) + "\n"
    )
    files["reports.txt"] = "the rounds' reports, as organisers receive them"
    write_text(
        out / "reports.json",
        json.dumps({"rounds": [r.json_dict() for r in reports]}, ensure_ascii=False, indent=2),
    )
    files["reports.json"] = "the same as JSON (the shape of `minyi report --json`)"

    digest = await build_digest(core, core.now(), lang)
    for name in write_digest(digest, out, lang, core.settings.schedule.tz):
        files[name] = {
            "digest.txt": "the weekly digest, as staff receive it",
            "digest.json": "the digest's figures as JSON",
            "digest.csv": "the digest's answers with their themes",
            "digest.png": "the digest chart",
        }.get(name, "")

    organiser_chat = bot.emulator.private_chat(bot.organiser).id
    export = [
        m
        for m in bot.emulator.messages_to(organiser_chat)
        if m.get("document", {}).get("file_name", "").startswith("minyi-answers")
    ]
    if export:
        write_file(out / "answers.csv", export[-1]["file_bytes"])
        files["answers.csv"] = "the /export CSV the organiser got (pseudonymous)"

    result = await compute(core)
    voices = await community_voices(core, result)
    written = await asyncio.to_thread(write_report, result, out / "index", voices, scorecards=True)
    files["index/index.html"] = f"the governance index {result.period}, one page that opens offline"
    files["index/index.pdf"] = "the same as an A4 PDF"
    files["index/index.csv"] = "the index table for spreadsheets"
    files["index/"] = f"and {len(written.charts)} charts: city, principles, each scorecard"
    files["index_values.csv"] = "the indicator values the demo imported"
    ranked = ", ".join(f"{c.name} {c.index:.1f}" for c in result.communities if c.index is not None)
    show.step(f"index {result.period}: {ranked}")

    cards = sorted((out / "qr").glob("round-*.png"))
    if cards:
        files["qr/"] = f"{len(cards)} QR cards of the rounds' web pages, as /qr sent them"
    write_text(out / "transcript.txt", transcript(bot))
    files["transcript.txt"] = "every chat, as residents and the organiser saw it"
    write_text(
        out / "config.toml",
        "# Points `minyi` at the demo's database: minyi --config demo-out/config.toml report\n"
        f'[storage]\nurl = "{core.settings.storage.url}"\n\n'
        f'[locale]\ndefault = "{lang}"\n\n'
        # The demo's own (public, not secret) key: pseudonyms and page links in the database
        # were made with it, so `minyi export`, `minyi qr` … must use it too.
        f'[privacy]\nsecret = "{_secret(core)}"\n',
    )
    files["minyi.db"] = "the SQLite database (config.toml points `minyi` at it)"
    show.step(f"wrote {len(files)} files to {out}/")
    return DemoResult(
        rounds=reports,
        digest_answers=digest.report.answers,
        files=files,
        seconds=show.elapsed(),
    )


def transcript(bot: LocalBot) -> str:
    """Every chat with a message in it, as plain text: who said what, replies, polls, files."""
    em = bot.emulator
    zone = bot.settings.schedule.tz
    sections = []
    chats = [em.private_chat(bot.organiser), *bot.groups.values()]
    chats += [
        state.chat
        for state in em.chats.values()
        if state.chat.type == "private" and state.chat.id != bot.organiser.id and state.messages
    ]
    for chat in chats:
        title = chat.title or f"{em.users[chat.id].first_name} ↔ @{em.bot.username} (private)"
        lines = [f"===== {title} ====="]
        for message in em.history(chat.id):
            lines.extend(_transcript_lines(message, zone))
        sections.append("\n".join(lines))
    return "\n\n".join(sections) + "\n"


def _transcript_lines(message: dict[str, Any], zone: Any) -> list[str]:
    when = datetime.fromtimestamp(message["date"], UTC).astimezone(zone).strftime("%H:%M:%S")
    who = message.get("from", {}).get("first_name", "?")
    if message.get("new_chat_members"):
        names = "、".join(m.get("first_name", "") for m in message["new_chat_members"])
        return [f"[{when}] · {names} joined"]
    head = f"[{when}] {who}:"
    body: list[str] = []
    replied = message.get("reply_to_message")
    if replied is not None:
        quoted = (replied.get("text") or replied.get("poll", {}).get("question") or "").split("\n")
        body.append(f"  ↩ {replied.get('from', {}).get('first_name', '')}: {quoted[0][:60]}")
    if "poll" in message:
        poll = message["poll"]
        body.append(f"  📊 {poll['question']}" + ("  (closed)" if poll.get("is_closed") else ""))
        body += [f"     · {o['text']}: {o['voter_count']}" for o in poll["options"]]
    if "photo" in message:
        body.append("  🖼 [photo]")
    if "document" in message:
        body.append(f"  📎 {message['document'].get('file_name', 'file')}")
    text = message.get("text") or message.get("caption")
    if text:
        body += ["  " + line for line in text.split("\n")]
    markup = message.get("reply_markup", {})
    buttons = [b.get("text", "") for row in markup.get("inline_keyboard", []) for b in row]
    if buttons:
        body.append("  [" + "] [".join(buttons) + "]")
    return [head, *body]


def _closing(result: DemoResult, out: Path, show: Progress, stream: TextIO) -> None:
    show.step(f"done in {result.seconds:.1f} s")
    # As the person ran it (`make demo` runs .venv/bin/minyi, which is not on their PATH).
    minyi = sys.argv[0] if Path(sys.argv[0]).name == "minyi" else "minyi"
    print(f"\nWhat the demo wrote to {out}/:", file=stream)
    column = max(len(str(out / name)) for name in result.files) + 1
    for name, what in result.files.items():
        print(f"  {out / name!s:<{column}} {what}", file=stream)
    report = f"{minyi} --config {out / 'config.toml'} report"
    sandbox = f"{minyi} sandbox"
    width = max(len(report), len(sandbox)) + 3
    print(
        "\nNext:\n"
        f"  {report:<{width}}# the reports again, from the database\n"
        f"  {sandbox:<{width}}# try it yourself in the browser",
        file=stream,
        flush=True,
    )


def _secret(core: Core) -> str:
    """The privacy key the demo ran with (its built-in, public one)."""
    secret = core.settings.privacy.secret
    return secret.get_secret_value() if secret is not None else ""
