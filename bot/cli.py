"""`minyi`, the one entry point (also `python -m bot`): SPEC §6."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from bot.config import DEFAULT_CONFIG_PATH, ConfigError, Settings, load_settings
from bot.core.base import opened_core
from bot.core.csvfiles import CsvInputError
from bot.core.errors import IndexInputError, MinyiError
from bot.core.numbers import foreign_digits, read_number
from bot.core.settings import TOKEN_ENV
from storage.backends.base import DatabaseUnavailable
from storage.migrations import SchemaTooNew

if TYPE_CHECKING:
    from nlp.tagger import Tagger

Verb = Callable[[argparse.Namespace, Settings], Awaitable[int]]
log = logging.getLogger("minyi")


class CliError(Exception):
    """A clear, short message for the person at the terminal (exit 2)."""


# The largest id storage holds (a 64-bit integer; the chat commands' `parse_id` allows as much):
# a longer `--round` overflowed the database driver, a traceback instead of "no round".
MAX_ID = 2**62


def _whole_number(text: str, what: str) -> int:
    """`text` as a whole number of ASCII (or full-width) digits, or the argparse error saying
    why not: another script's digits (`--round ١`, which int() read as 1) say which to use."""
    value = read_number(text.strip(), max_digits=19)
    if value is not None:
        return value
    if digits := foreign_digits(text):
        raise argparse.ArgumentTypeError(
            f"not {what}: {text!r} (write {digits!r} with the digits 0-9)"
        )
    if text.strip().startswith("-") and read_number(text.strip()[1:]) is not None:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    raise argparse.ArgumentTypeError(f"not {what}: {text!r}")


def _round_id(text: str) -> int:
    """An argparse type: a round id, 1 to MAX_ID."""
    value = _whole_number(text, "a round id")
    if not 0 < value <= MAX_ID:
        raise argparse.ArgumentTypeError(f"not a round id (1 or more): {text!r}")
    return value


def _count(text: str) -> int:
    """An argparse type: a count, 0 or more (`--cv -3` was quietly no cross-validation)."""
    return _whole_number(text, "a whole number")


def _port(text: str) -> int:
    """An argparse type: a TCP port, 1 to 65535."""
    value = _whole_number(text, "a port")
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"not a port (1 to 65535): {text!r}")
    return value


def sqlite_file(url: str) -> Path | None:
    """The file of a `sqlite:///` storage URL (None for PostgreSQL or an in-memory database)."""
    if not url.startswith("sqlite:///"):
        return None
    name = url.removeprefix("sqlite:///")
    return None if name in ("", ":memory:") else Path(name)


def database_missing(settings: Settings) -> Path | None:
    """The configured SQLite file when it does not exist (None if it does, or for PostgreSQL).

    Checked before opening: opening creates the file and migrates it, so a verb run with the
    wrong (or no) config would otherwise report on a new empty database as if all were well.
    """
    path = sqlite_file(settings.storage.url)
    return path if path is not None and not path.exists() else None


def output_folder(path_text: str) -> Path:
    """The folder `--out` names, made if need be; CliError naming it when it cannot be (a file
    of that name, a file on the way, no permission) rather than a traceback at the end."""
    path = Path(path_text)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise CliError(f"cannot write into {path}: a file of that name is in the way") from exc
    except OSError as exc:
        raise CliError(f"cannot make the folder {path}: {exc.strerror or exc}") from exc
    return path


def writable_folder(path_text: str) -> Path:
    """The folder `--out` names, not made yet (for a verb that first checks its other
    arguments); CliError naming it when a file stands where it or a parent folder would be."""
    path = Path(path_text)
    for place in (path, *path.parents):
        if place.exists():
            if not place.is_dir():
                raise CliError(f"cannot write into {path}: {place} is a file, not a folder")
            break
    return path


def _config_used(args: argparse.Namespace) -> str:
    if args.config is not None:
        return str(args.config)
    if DEFAULT_CONFIG_PATH.exists():
        return str(DEFAULT_CONFIG_PATH)
    return "none (no ./config.toml, built-in defaults)"


def require_database(args: argparse.Namespace, settings: Settings) -> None:
    """CliError naming `--config` when the configured SQLite database does not exist."""
    missing = database_missing(settings)
    if missing is not None:
        raise CliError(
            f"there is no database at {missing} (storage.url = {settings.storage.url}; "
            f"config file: {_config_used(args)}). Pass --config with your deployment's "
            "config.toml; nothing was created"
        )


def _skip_httpx_cli() -> None:
    """Keep httpx from importing its command-line client on import.

    httpx's package import loads `httpx._main` (click, rich, pygments) whenever those happen
    to be installed (a development machine: linters and pytest bring them), ≈ 0.1–0.25 s of
    every start-up; without them the import fails and httpx goes on. The bot never uses that
    client, so it is made to fail here too. Left alone if httpx is imported already.
    """
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


async def verb_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the bot (long polling, or a webhook server with --webhook)."""
    _skip_httpx_cli()
    from telegram.error import InvalidToken, NetworkError

    from bot.app import run_bot

    token = settings.token()
    if not args.webhook:
        if args.listen or args.webhook_url:
            raise CliError("--listen and --webhook-url only make sense with --webhook")
        try:
            await run_bot(settings, token)
        except InvalidToken as exc:
            # Not `exc`: PTB's message repeats the token, and standard error goes to the journal.
            raise CliError(
                f"Telegram refused the bot token (401 Unauthorized); check telegram.token or "
                f"{TOKEN_ENV}"
            ) from exc
        except NetworkError as exc:
            raise CliError(
                f"cannot reach the Bot API at {settings.telegram.base_url} ({exc}); "
                "check telegram.base_url and the network"
            ) from exc
        return 0
    from bot.telegram.webhook import WebhookOptions, check_secret, parse_listen, serve_webhook
    from bot.web.server import options_from

    secret = settings.telegram.webhook_secret
    try:
        host, port = parse_listen(args.listen or "127.0.0.1:8080")
        options = WebhookOptions(
            host=host,
            port=port,
            secret=check_secret(None if secret is None else secret.get_secret_value()),
            public_url=args.webhook_url,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    web = options_from(settings)
    if web is not None and web.port == port:
        raise CliError(
            f"the webhook (--listen) and the web pages (web.listen) both want port {port}; "
            "give them different ports"
        )
    await run_bot(settings, token, serve_webhook(options))
    return 0


async def verb_db_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Apply pending schema migrations to the configured database."""
    from storage.backends.factory import backend_for
    from storage.migrations import migrate

    backend = backend_for(settings.storage.url)
    await backend.open()
    try:
        applied = await migrate(backend)
    finally:
        await backend.close()
    if applied:
        print("applied migrations: " + ", ".join(f"{v:04d}" for v in applied))
    else:
        print("database is up to date")
    return 0


async def verb_db_copy(args: argparse.Namespace, settings: Settings) -> int:
    """Copy every row of the configured database into another (e.g. SQLite to PostgreSQL)."""
    from bot.progress import progress_bar
    from storage.copy import CopyError, copy_database

    require_database(args, settings)
    try:
        with progress_bar("copying", unit="row") as bar:
            counts = await copy_database(settings.storage.url, args.to, bar)
    except CopyError as exc:
        raise CliError(str(exc)) from exc
    for table, count in counts.items():
        print(f"{table:20} {count:>9}")
    print(f"copied {sum(counts.values())} rows; point storage.url at the new database")
    return 0


async def verb_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Run a whole consultation offline against the built-in emulator."""
    from demo.play import run_demo

    if not args.verbose:
        # The demo's own progress lines are the output; the bot's INFO logs would bury them.
        logging.getLogger().setLevel(logging.WARNING)
    return await run_demo(
        writable_folder(args.out), residents=args.residents, fast=args.fast, base=settings
    )


async def verb_sandbox(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the browser sandbox: the real bot behind the local emulator, until Ctrl-C."""
    from demo.sandbox import run_sandbox

    if not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)
    database = Path(args.db) if args.db else None
    return await run_sandbox(host=args.host, port=args.port, database=database, base=settings)


async def _tagger(settings: Settings) -> Tagger:
    """The deployment's tagger (its learned model, if any); keywords only when the configured
    SQLite database does not exist, which is then left uncreated (tagging writes nothing)."""
    from bot.core.base import load_tagger
    from nlp.tagger import Tagger
    from nlp.taxonomy import load_taxonomy

    if database_missing(settings) is not None:
        return Tagger(load_taxonomy(settings.nlp.taxonomy))
    async with opened_core(settings, keyed=False) as core:
        return await load_tagger(settings, core.repo)


async def verb_tag(args: argparse.Namespace, settings: Settings) -> int:
    """Tag texts from a file or standard input (one per line, or a CSV's `text` column)."""
    from bot.core.tagging import iter_texts, tag_verb
    from bot.progress import progress_bar

    # Each text is bounded as a resident's answer is (`limits.max_answer_chars`), and the input
    # is read a line at a time: a huge line or file never sits in memory whole.
    limit = settings.limits.max_answer_chars
    tagger = await _tagger(settings)
    stream: BinaryIO
    if args.file and args.file != "-":
        path = Path(args.file)
        if not path.exists():
            raise CliError(f"no such file: {path}")
        try:
            stream = path.open("rb")
        except OSError as exc:
            raise CliError(f"cannot read {path}: {exc.strerror or exc}") from exc
        name = str(path)
    else:
        stream, name = sys.stdin.buffer, "<stdin>"
    try:
        with progress_bar("tagging", unit="text") as bar:
            texts = iter_texts(stream, name, limit=limit)
            return tag_verb(texts, args.jsonl, tagger, sys.stdout, bar, limit=limit)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


async def verb_learn(args: argparse.Namespace, settings: Settings) -> int:
    """Learn from labelled examples; later tagging in this deployment uses the model."""
    from bot.core.tagging import is_multilabel, learn, learn_sets, read_labelled, read_multilabelled
    from bot.progress import progress_bar
    from nlp.taxonomy import load_taxonomy

    path = Path(args.labelled)
    # The whole file is read and checked before the database is opened: a bad row changes
    # nothing, not even by creating a deployment's database.
    taxonomy = load_taxonomy(settings.nlp.taxonomy)
    if is_multilabel(path):
        # text,labels (e.g. `minyi export --labels`): principles and first-level domains.
        sets = read_multilabelled(path, taxonomy)
        async with opened_core(settings, keyed=False) as core:
            summary = await learn_sets(core, sets)
        print(f"learned {summary}; run `minyi retag` to re-tag stored answers")
        return 0
    examples = read_labelled(path, taxonomy)
    async with opened_core(settings, keyed=False) as core:
        with progress_bar("learning", len(examples), unit="text") as bar:
            summary = await learn(core, examples, bar)
    print(
        f"learned from {len(examples)} labelled examples ({summary}); run `minyi retag` to "
        "re-tag stored answers"
    )
    return 0


async def verb_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    """Precision, recall and F1 per theme and macro-averaged."""
    from bot.core.tagging import (
        evaluate_labelled_sets,
        evaluation_json,
        is_multilabel,
        read_labelled,
        read_multilabelled,
        run_evaluation,
    )
    from bot.progress import progress_bar
    from bot.render.evaluation import render_evaluation

    path = Path(args.labelled)
    tagger = await _tagger(settings)
    if is_multilabel(path):
        if args.cv or args.train_per_label:
            raise CliError("--cv and --train-per-label need a file with a single `label` column")
        sets = read_multilabelled(path, tagger.taxonomy)
        with progress_bar("evaluating", unit="text") as bar:
            result, protocol = evaluate_labelled_sets(sets, tagger, bar)
    else:
        examples = read_labelled(path, tagger.taxonomy)
        with progress_bar("evaluating", unit="text") as bar:
            result, protocol = run_evaluation(
                examples,
                tagger,
                kind=args.kind,
                cv=args.cv,
                train_per_label=args.train_per_label,
                seed=args.seed,
                progress=bar,
            )
    if args.json:
        payload = evaluation_json(result, protocol, tagger.taxonomy)
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_evaluation(result, protocol, tagger.taxonomy))
    return 0


def _parse_date(text: str, settings: Settings) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise CliError(f"not a date (YYYY-MM-DD): {text!r}") from exc
    return datetime.combine(day, time(0), tzinfo=settings.schedule.tz)


async def verb_report(args: argparse.Namespace, settings: Settings) -> int:
    """The report of every round, one round, or rounds opened since a date."""
    from bot.core.reports import build_round_report
    from bot.render.report import render_report

    require_database(args, settings)
    async with opened_core(settings, keyed=False) as core:
        async with core.repo.transaction() as session:
            if args.round is not None:
                found = await session.get_round(args.round)
                if found is None:
                    raise CliError(f"there is no round {args.round}")
                rounds = [found]
            else:
                if args.since:
                    # "Opened since": a round still scheduled, or cancelled (only a scheduled
                    # round can be), has not opened; one the scheduler opened late (the bot
                    # was down when it was due) opened when it did, not when it was due.
                    since = _parse_date(args.since, settings)
                    rounds = [
                        r
                        for r in await session.list_rounds(states=("open", "closed"))
                        if (r.opened_at or r.opens_at) >= since
                    ]
                else:
                    rounds = await session.list_rounds()
        rounds = sorted(rounds, key=lambda r: r.id)
        reports = [r for r in [await build_round_report(core, x.id) for x in rounds] if r]
        if args.json:
            print(
                json.dumps(
                    {"rounds": [r.json_dict() for r in reports]}, ensure_ascii=False, indent=2
                )
            )
        else:
            if not reports:
                print("no rounds")
            lang = settings.locale.default
            print("\n\n".join(render_report(r, lang, settings.schedule.tz) for r in reports))
    return 0


async def verb_digest(args: argparse.Namespace, settings: Settings) -> int:
    """Build the digest of the last 7 days into a folder (text, PNG, CSV)."""
    from bot.render.digest import build_digest, write_digest

    require_database(args, settings)
    async with opened_core(settings, keyed=False) as core:
        digest = await build_digest(core, core.now(), settings.locale.default)
    out = output_folder(args.out)
    written = write_digest(digest, out, settings.locale.default, settings.schedule.tz)
    zone = settings.schedule.tz
    print(
        f"digest {digest.since.astimezone(zone).date()} – {digest.until.astimezone(zone).date()} "
        f"written to {out}: " + ", ".join(written)
    )
    return 0


async def verb_export(args: argparse.Namespace, settings: Settings) -> int:
    """All answers with their themes, as CSV or JSON, to standard output; for a poll or rating
    round, its votes (pseudonymous) and per-community results."""
    from bot.core.exports import export_rows, rows_to_csv, rows_to_json, vote_export, votes_to_csv

    require_database(args, settings)
    if args.labels:
        from bot.core.tagging import labels_csv

        async with (
            opened_core(settings, keyed=False) as core,
            core.repo.transaction() as session,
        ):
            labels = [(t, themes) for _, t, themes in await session.list_labels(visible=True)]
        sys.stdout.buffer.write(labels_csv(labels))
        sys.stdout.flush()
        return 0
    votes = None
    async with opened_core(settings, keyed=False) as core:
        if args.round is not None:
            async with core.repo.transaction() as session:
                if await session.get_round(args.round) is None:
                    raise CliError(f"there is no round {args.round}")
            votes = await vote_export(core, args.round)
        rows = [] if votes is not None else await export_rows(core, args.round)
    if votes is not None:
        if args.format == "json":
            print(json.dumps(votes, ensure_ascii=False, indent=2))
        else:
            sys.stdout.buffer.write(votes_to_csv(votes))
    elif args.format == "json":
        print(rows_to_json(rows))
    else:
        sys.stdout.buffer.write(rows_to_csv(rows))
    sys.stdout.flush()
    return 0


async def verb_qr(args: argparse.Namespace, settings: Settings) -> int:
    """Write each community's QR card of a round's web page into a folder."""
    from bot.render.qr import save_cards
    from bot.web.qr import round_cards
    from bot.web.server import options_from

    options = options_from(settings)
    if options is None:
        raise MinyiError("qr_web_off")
    require_database(args, settings)
    # Pages are addressed by keyed tokens: the real secret, or the codes would lead nowhere.
    async with opened_core(settings) as core:
        cards = await round_cards(core, options, args.round)
    out = output_folder(args.out)
    save_cards(cards, out)
    for card in cards:
        print(f"{out / card.filename}  {card.community}  {card.url}")
    return 0


async def verb_retag(args: argparse.Namespace, settings: Settings) -> int:
    """Re-tag stored answers after the taxonomy or learned model changed."""
    from bot.core.retag import retag_answers
    from bot.progress import progress_bar

    require_database(args, settings)
    async with opened_core(settings, keyed=False) as core:
        with progress_bar("re-tagging", unit="answer") as bar:
            result = await retag_answers(core, full=args.full, progress=bar)
    how = "only those a keyword change can affect" if result.incremental else "all of them"
    print(
        f"{result.seen} stored answers; re-tagged {result.retagged} ({how}); "
        f"{result.changed} got different themes"
    )
    return 0


#: `minyi index report` writes one scorecard PNG per community up to this many communities
#: (matplotlib takes about 0.2 s an image; the HTML and PDF always have every scorecard).
SCORECARD_PNGS_UP_TO = 60
#: ... and the PDF has a page per community up to this many (Typst takes about 35 ms of CPU a
#: page: 1,000 communities would spend 34 s there, bench/README.md); above it the PDF holds
#: the method, the city table and the sources, and the HTML every scorecard.
PDF_SCORECARDS_UP_TO = 200


def _read_input(path_text: str) -> tuple[bytes, str]:
    """A file's bytes and the name errors show."""
    path = Path(path_text)
    try:
        return path.read_bytes(), path.name
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from exc


async def verb_index(args: argparse.Namespace, settings: Settings) -> int:
    """The governance index (SPEC §10): compute, or (sub-verbs) store a framework, import
    values, write the published report."""
    sub = getattr(args, "index_verb", None)
    if sub == "framework":
        return await _index_framework(args, settings)
    if sub == "import":
        return await _index_import(args, settings)
    if sub == "report":
        return await _index_report(args, settings)
    from bot.core.index.compute import index_json
    from bot.core.indexing import compute
    from bot.render.index_text import index_table

    require_database(args, settings)
    async with opened_core(settings, keyed=False) as core:
        result = await compute(core, args.period)
    if args.json:
        print(json.dumps(index_json(result), ensure_ascii=False, indent=2))
    else:
        print(index_table(result, settings.locale.default))
    return 0


async def _index_framework(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core.indexing import store_framework
    from bot.render.texts import say

    data, name = _read_input(args.file)
    async with opened_core(settings, keyed=False) as core:
        framework = await store_framework(core, data, name)
    lang = settings.locale.default
    print(
        say(
            "index_framework_stored",
            lang,
            principles=len(framework.principles),
            indicators=len(framework.indicators),
        )
    )
    return 0


async def _index_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core.indexing import import_values
    from bot.render.texts import say

    data, name = _read_input(args.file)
    async with opened_core(settings, keyed=False) as core:
        summary = await import_values(core, data, name)
    periods = ", ".join(summary.periods)
    print(say("index_imported", settings.locale.default, rows=summary.rows, periods=periods))
    return 0


async def _index_report(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core.indexing import community_voices, compute
    from bot.progress import progress_bar
    from bot.render.index_report import report_parts, write_report
    from bot.render.texts import say

    require_database(args, settings)
    async with opened_core(settings, keyed=False) as core:
        result = await compute(core, args.period)
        voices = await community_voices(core, result)
    out = output_folder(args.out)
    scorecards = len(result.communities) <= SCORECARD_PNGS_UP_TO
    pdf_scorecards = len(result.communities) <= PDF_SCORECARDS_UP_TO
    with progress_bar(
        "index report", report_parts(result, scorecards=scorecards), unit="file"
    ) as bar:
        files = await asyncio.to_thread(
            write_report,
            result,
            out,
            voices,
            scorecards=scorecards,
            pdf_scorecards=pdf_scorecards,
            on_part=lambda _name: bar.advance(),
        )
    names = [files.html.name, files.pdf.name, files.csv.name, *(p.name for p in files.charts)]
    if len(names) > 8:
        names = [*names[:7], f"… ({len(names) - 7} more)"]
    print(say("index_report_written", settings.locale.default, out=out, files=", ".join(names)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every verb."""
    parser = argparse.ArgumentParser(prog="minyi", description="Minyi (民意) consultation bot")
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="config file (default ./config.toml, else built-in defaults)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    def add(name: str, func: Verb, help_text: str) -> argparse.ArgumentParser:
        sub = verbs.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--config",
            type=Path,
            default=argparse.SUPPRESS,
            help="config file (default ./config.toml)",
        )
        sub.set_defaults(func=func)
        return sub

    run = add("run", verb_run, "run the bot (long polling, or a webhook server)")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates by HTTP POST instead of polling (needs telegram.webhook_secret)",
    )
    run.add_argument(
        "--listen", default=None, metavar="HOST:PORT", help="webhook address (127.0.0.1:8080)"
    )
    run.add_argument(
        "--webhook-url",
        default=None,
        metavar="URL",
        help="public URL Telegram should POST to (registered with setWebhook on start)",
    )
    db = verbs.add_parser("db", help="database maintenance", description="database maintenance")
    # Taken before the sub-verb too (`minyi db --config PATH migrate`), as `index` does.
    db.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
    db_verbs = db.add_subparsers(dest="db_verb", required=True, metavar="DB_VERB")
    for name, func, help_text in (
        ("migrate", verb_db_migrate, "apply pending schema migrations"),
        ("copy", verb_db_copy, "copy all data into another, empty database"),
    ):
        sub = db_verbs.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
        sub.set_defaults(func=func)
        if name == "copy":
            sub.add_argument(
                "--to", required=True, metavar="URL", help="target, e.g. postgresql://host/db"
            )
    demo = add("demo", verb_demo, "run a whole consultation offline against the local emulator")
    demo.add_argument("--out", default="demo-out", help="output folder (default demo-out)")
    demo.add_argument(
        "--residents", type=_count, default=36, help="scripted residents (default 36)"
    )
    demo.add_argument("--fast", action="store_true", help="shorter pauses (for tests)")
    sandbox = add(
        "sandbox", verb_sandbox, "try the bot in your browser: a local chat page, no Telegram"
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on")
    sandbox.add_argument("--port", type=_port, default=8765, help="port (default 8765)")
    sandbox.add_argument("--db", default=None, help="SQLite file to keep (default: a fresh one)")
    tag = add("tag", verb_tag, "tag texts (one per line, or a CSV with a text column)")
    tag.add_argument("--jsonl", action="store_true", help="one JSON object per input line")
    tag.add_argument("file", nargs="?", help="input file (default standard input)")
    learn = add("learn", verb_learn, "learn from a CSV of text,label")
    learn.add_argument(
        "--labelled", required=True, help="CSV with text,label or text,labels (a;b) columns"
    )
    evaluate = add("evaluate", verb_evaluate, "precision, recall and F1 on labelled examples")
    evaluate.add_argument(
        "--labelled", required=True, help="CSV with text,label or text,labels (a;b) columns"
    )
    evaluate.add_argument("--json", action="store_true", help="JSON instead of a table")
    evaluate.add_argument("--kind", choices=["principle", "domain"], default=None)
    evaluate.add_argument("--cv", type=_count, default=0, help="k-fold cross-validation")
    evaluate.add_argument(
        "--train-per-label",
        type=_count,
        default=0,
        help="learn on N examples per label, test on the rest",
    )
    evaluate.add_argument("--seed", type=_count, default=0)
    report = add("report", verb_report, "reports from the database")
    report.add_argument("--round", type=_round_id, default=None)
    report.add_argument("--since", default=None, help="rounds opened since YYYY-MM-DD")
    report.add_argument("--json", action="store_true")
    digest = add("digest", verb_digest, "build the digest of the last 7 days into a folder")
    digest.add_argument("--out", default="digest-out")
    export = add(
        "export",
        verb_export,
        "all answers with their themes (a poll or rating round: its votes and results)",
    )
    export.add_argument("--round", type=_round_id, default=None)
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    qr = add("qr", verb_qr, "QR cards of a round's web answer pages, one PNG per community")
    qr.add_argument(
        "--round",
        type=_round_id,
        default=None,
        help="round id (default: the newest open, else the next scheduled)",
    )
    qr.add_argument("--out", default="qr-out", help="output folder (default qr-out)")
    export.add_argument(
        "--labels",
        action="store_true",
        help="organisers' /label labels as a text,labels CSV (for minyi learn / evaluate)",
    )
    retag = add("retag", verb_retag, "re-tag stored answers after the taxonomy or model changed")
    retag.add_argument("--full", action="store_true", help="re-tag every answer")
    index = add("index", verb_index, "the governance index (compute; or framework/import/report)")
    index.add_argument("--period", default=None, help="YYYY, YYYY-Qn or YYYY-MM (default latest)")
    index.add_argument("--json", action="store_true", help="the JSON of SPEC §10")
    index_verbs = index.add_subparsers(dest="index_verb", required=False, metavar="INDEX_VERB")
    for name, help_text in (
        ("framework", "validate and store the index framework (TOML)"),
        ("import", "import indicator values (CSV community,indicator,period,value)"),
        ("report", "write the published report: index.html, index.pdf, index.csv, charts"),
    ):
        sub = index_verbs.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
        if name == "report":
            # SUPPRESS: a subparser's own default would overwrite the `--period` given before
            # `report` (`minyi index --period P report`), publishing the latest period instead.
            sub.add_argument("--period", default=argparse.SUPPRESS, help="YYYY, YYYY-Qn or YYYY-MM")
            sub.add_argument("--out", required=True, help="output folder")
        else:
            sub.add_argument("file", help="the TOML file" if name == "framework" else "the CSV")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, load the configuration, run the verb; errors are one clear line."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "apscheduler", "jieba"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    settings: Settings | None = None
    try:
        settings = load_settings(args.config)
        code: int = asyncio.run(args.func(args, settings))
        return code
    except (ConfigError, CliError) as exc:
        print(f"minyi: {exc}", file=sys.stderr)
        return 2
    except SchemaTooNew as exc:  # a newer Minyi's database: this code must not write there
        print(f"minyi: {exc}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as exc:
        print(
            f"minyi: {exc}; check storage.url and that the database is reachable", file=sys.stderr
        )
        return 2
    except MinyiError as exc:
        # A core error, worded as the chat channels word them: a file's (a CSV file's with its
        # file and line, an index file's every problem) in the deployment's language, like its
        # reports; a refusal in English (a terminal).
        from bot.render.errors import describe_error
        from bot.render.texts import after_colon

        about_a_file = isinstance(exc, CsvInputError | IndexInputError)
        lang = settings.locale.default if settings is not None and about_a_file else "en"
        print(f"minyi: {after_colon(describe_error(exc, lang))}", file=sys.stderr)
        return 2
    except ValueError as exc:  # bad labelled files, taxonomy errors: say what, not a traceback
        print(f"minyi: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `minyi report | head`: the reader has gone, so stop quietly as Unix tools do. Point
        # stdout at /dev/null so that flushing it at exit cannot raise a second time.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + signal.SIGPIPE
