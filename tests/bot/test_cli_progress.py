"""Long verbs draw a progress bar when stderr is a terminal and print nothing extra in a pipe."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from bot.config import settings_from_dict
from bot.core.base import open_core
from bot.core.retag import retag_answers
from bot.progress import progress_bar
from storage.copy import TABLES, copy_database
from tests.bot.test_cli import LABELLED, ROOT, _config
from tests.seeding import seed_text_round


@contextmanager
def pty_stderr() -> Iterator[tuple[int, list[bytes]]]:
    """A fresh 24x100 pty: yields its slave fd (to write to) and the bytes drawn on it, read by
    a thread while the writer works (a full pty would block the writer); complete on exit."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    drawn: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO once every slave side is closed
                return
            if not chunk:
                return
            drawn.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        yield slave, drawn
    finally:
        os.close(slave)
        reader.join(timeout=60)
        os.close(master)


def _run_on_pty(config: Path, *args: str) -> tuple[int, str, str]:
    """Run `python -m bot --config CONFIG ARGS…` with stderr on a pty and stdout on a pipe;
    return the exit code, stdout and what the terminal showed."""
    with pty_stderr() as (slave, drawn):
        done = subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(config), *args],
            stdout=subprocess.PIPE,
            stderr=slave,
            text=True,
            timeout=300,
            check=False,
            cwd=ROOT,
        )
    return done.returncode, done.stdout, b"".join(drawn).decode("utf-8", "replace")


async def on_pty(work: Callable[[TextIO], Awaitable[None]]) -> str:
    """What `work` draws on a stream that is a terminal."""
    with pty_stderr() as (slave, drawn):
        stream = os.fdopen(os.dup(slave), "w", encoding="utf-8")
        assert stream.isatty()
        with stream:
            await work(stream)
    return b"".join(drawn).decode("utf-8", "replace")


async def on_pipe(work: Callable[[TextIO], Awaitable[None]]) -> str:
    """What `work` writes on a stream that is a pipe."""
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "w", encoding="utf-8") as stream:
        await work(stream)
    with os.fdopen(read_end, "rb") as pipe:
        return pipe.read().decode("utf-8")


def test_learn_and_evaluate_draw_a_bar_on_a_terminal_only(tmp_path: Path) -> None:
    """On a terminal `learn` and `evaluate` show their label, a count of texts and a rate; with
    stderr piped they print only their result, so scripts reading --json are not disturbed."""
    config = _config(tmp_path)
    code, _, learn_bar = _run_on_pty(config, "learn", "--labelled", str(LABELLED))
    assert code == 0, learn_bar
    assert "learning" in learn_bar and "text/s" in learn_bar, learn_bar
    code, out, evaluate_bar = _run_on_pty(config, "evaluate", "--labelled", str(LABELLED), "--json")
    assert code == 0 and out.startswith("{"), evaluate_bar
    rows = sum(1 for _ in LABELLED.open(encoding="utf-8-sig")) - 1
    assert "evaluating" in evaluate_bar and f"{rows}/{rows}" in evaluate_bar, evaluate_bar
    command = [sys.executable, "-m", "bot", "--config", str(config), "evaluate"]
    quiet = subprocess.run(
        [*command, "--labelled", str(LABELLED), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert quiet.returncode == 0 and "evaluating" not in quiet.stderr and "it/s" not in quiet.stderr
    assert "text/s" not in quiet.stderr and "\r" not in quiet.stderr, quiet.stderr


TEXTS = ["小区停车位太少了", "晚上广场舞太吵了", "物业费账目从来不公开", "垃圾没人清运"] * 30


async def _seeded(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    core = await open_core(settings_from_dict({"storage": {"url": url}}, environ={}), secret=b"k")
    try:
        await seed_text_round(core, TEXTS, numbered_hashes=True)
    finally:
        await core.repo.close()
    return url


async def test_retag_and_db_copy_count_their_rows_on_a_terminal(tmp_path: Path) -> None:
    """`retag` counts every stored answer and `db copy` every row it writes, on the bar the
    CLI passes them; the same bar in a pipe stays silent."""
    url = await _seeded(tmp_path)
    settings = settings_from_dict({"storage": {"url": url}}, environ={})

    async def retag(stream: TextIO) -> None:
        core = await open_core(settings, secret=b"k")
        try:
            with progress_bar("re-tagging", unit="answer", stream=stream) as bar:
                await retag_answers(core, full=True, progress=bar)
        finally:
            await core.repo.close()

    async def copy(stream: TextIO, target: str) -> None:
        with progress_bar("copying", unit="row", stream=stream) as bar:
            await copy_database(url, f"sqlite:///{tmp_path / target}", bar)

    drawn = await on_pty(retag)
    assert f"{len(TEXTS)}/{len(TEXTS)}" in drawn and "answer/s" in drawn, drawn
    assert await on_pipe(retag) == ""
    copied = await on_pty(lambda stream: copy(stream, "a.db"))
    # The label names the table being copied: the last one when the bar closes.
    assert TABLES[-1] in copied and "row/s" in copied, copied
    assert await on_pipe(lambda stream: copy(stream, "b.db")) == ""
