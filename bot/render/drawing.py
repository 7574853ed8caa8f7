"""One chart drawn at a time in the process.

Charts are drawn in worker threads (`asyncio.to_thread`), off the event loop. matplotlib's
object API (a `Figure` of its own per chart, never pyplot's global figures) keeps one chart's
state apart from another's, and its font objects are per thread; but it does not promise that
two threads may draw at once (its font list, caches and text layout are shared and
unlocked), and charts are rare (a digest, a few scorecards), so they simply take turns.
This module does not import matplotlib, so modules that draw only sometimes can use it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")

_DRAWING = threading.RLock()


def one_at_a_time(draw: Callable[_P, _R]) -> Callable[_P, _R]:
    """`draw`, waiting for any other chart being drawn in the process to finish first."""

    @functools.wraps(draw)
    def drawn(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with _DRAWING:
            return draw(*args, **kwargs)

    return drawn
