"""Progress bars for long CLI verbs: rate and time left on a terminal, silence in a pipe.

`minyi learn`, `retag`, `index import`, `db copy` and `evaluate` can run for minutes on a big
deployment (issue 19 item 10). On a terminal they show a bar with items per second and the
time left; when their output is piped or redirected (cron, scripts reading `--json`) they print
nothing, so logs and JSON stay clean. The bar goes to stderr unless told otherwise, never to
stdout, where the verbs print their results.

Built on tqdm: well kept, computes rate and ETA with smoothing, and redraws in place.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sized
from contextlib import contextmanager
from typing import Never, TextIO, TypeVar

from tqdm import tqdm

T = TypeVar("T")

# Redrawing more often than this only costs the work being measured.
_MIN_INTERVAL_SECONDS = 0.2


def is_terminal(stream: TextIO) -> bool:
    """Whether `stream` is an interactive terminal (a closed or fileless stream is not)."""
    try:
        return stream.isatty()
    except (ValueError, OSError):
        return False


class Progress:
    """A running bar: call `advance` as work is done; does nothing when the bar is silent."""

    def __init__(self, bar: tqdm[Never]) -> None:
        self._bar = bar

    def advance(self, done: int = 1) -> None:
        """Count `done` more items as finished."""
        self._bar.update(done)

    def describe(self, label: str) -> None:
        """Change the label in front of the bar (e.g. the table being copied)."""
        self._bar.set_description_str(label, refresh=False)

    def set_total(self, total: int | None) -> None:
        """Set or change how many items there are in all, once it is known."""
        self._bar.total = total
        self._bar.refresh()


@contextmanager
def progress_bar(
    label: str, total: int | None = None, *, unit: str = "it", stream: TextIO | None = None
) -> Iterator[Progress]:
    """A progress bar on `stream` (stderr by default), drawn only if it is a terminal."""
    out = sys.stderr if stream is None else stream
    # A bar fed by update() only, never iterated: its item type is Never.
    bar: tqdm[Never] = tqdm(
        total=total,
        desc=label,
        unit=unit,
        file=out,
        disable=not is_terminal(out),
        mininterval=_MIN_INTERVAL_SECONDS,
        dynamic_ncols=True,
    )
    try:
        yield Progress(bar)
    finally:
        bar.close()


def progress(
    items: Iterable[T],
    label: str,
    *,
    total: int | None = None,
    unit: str = "it",
    stream: TextIO | None = None,
) -> Iterator[T]:
    """Yield `items` unchanged while a bar counts them (silent unless `stream` is a terminal).

    `total` defaults to `len(items)` when the iterable has one; without it the bar shows the
    count and rate but no time left.
    """
    if total is None and isinstance(items, Sized):
        total = len(items)
    with progress_bar(label, total, unit=unit, stream=stream) as bar:
        for item in items:
            yield item
            bar.advance()
