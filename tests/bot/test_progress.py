"""Progress bars: drawn on a real terminal (a pty), silent when output goes to a pipe."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import struct
import termios
from collections.abc import Callable, Iterator
from typing import TextIO

from bot.progress import is_terminal, progress, progress_bar

ROWS, COLUMNS = 24, 80


def on_pty(work: Callable[[TextIO], None]) -> str:
    """Run `work` with a stream on the slave side of a fresh 24x80 pty; return what it drew."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    try:
        with os.fdopen(slave, "w", encoding="utf-8", closefd=True) as stream:
            assert stream.isatty()
            work(stream)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the slave side is closed and everything has been read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
    return b"".join(chunks).decode("utf-8")


def on_pipe(work: Callable[[TextIO], None]) -> str:
    """Run `work` with a stream on the write end of an OS pipe; return what came through."""
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "w", encoding="utf-8") as stream:
        assert not stream.isatty()
        work(stream)
    with os.fdopen(read_end, "rb") as pipe:
        return pipe.read().decode("utf-8")


def tag_forty(stream: TextIO) -> None:
    """What a verb does: walk its items through `progress` and keep them all."""
    seen = list(progress(range(40), "tagging 标注", unit="answer", stream=stream))
    assert seen == list(range(40))


def test_a_terminal_shows_count_rate_and_time_left() -> None:
    """On a pty the bar shows the label, 40/40, a rate per unit and the elapsed<left times."""
    drawn = on_pty(tag_forty)
    assert "tagging 标注" in drawn
    assert "40/40" in drawn
    assert "answer/s" in drawn
    assert "<" in drawn  # tqdm's "elapsed<remaining"


def test_a_pipe_gets_nothing() -> None:
    """Piped output carries no bar at all, not even a carriage return."""
    assert on_pipe(tag_forty) == ""


def test_a_stream_without_a_file_gets_nothing() -> None:
    """An in-memory stream (no file descriptor) is not a terminal and stays empty."""
    stream = io.StringIO()
    tag_forty(stream)
    assert stream.getvalue() == ""
    assert not is_terminal(stream)


def test_a_manual_bar_labels_and_counts_on_a_terminal() -> None:
    """`progress_bar` counts what `advance` reports, under the latest label and total."""

    def copy(stream: TextIO) -> None:
        with progress_bar("copying", unit="row", stream=stream) as bar:
            bar.set_total(300)
            bar.describe("answers")
            bar.advance(120)
            bar.advance(180)

    drawn = on_pty(copy)
    assert "answers" in drawn and "300/300" in drawn

    assert on_pipe(copy) == ""


def test_items_pass_through_unchanged_without_a_length() -> None:
    """A generator (no len) is walked lazily and every item comes out once, in order."""
    produced: list[int] = []

    def numbers() -> Iterator[int]:
        for n in range(5):
            produced.append(n)
            yield n

    out = []
    for item in progress(numbers(), "lazy", stream=io.StringIO()):
        out.append(item)
        assert produced[-1] == item  # the next item is not fetched before this one is used
    assert out == [0, 1, 2, 3, 4]
