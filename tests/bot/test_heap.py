"""The bot process's heap settling (bot/app.py `settle_heap`), in a process of its own: frozen
objects are never collected, so it must not run in the test process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

_PROBE = textwrap.dedent(
    """
    import gc
    from bot.app import YOUNG_COLLECTION_EVERY, settle_heap

    class Cycle:
        pass

    before = gc.get_freeze_count()
    kept = Cycle()
    kept.me = kept  # a start-up object in a cycle: frozen, so never collected
    settle_heap()
    frozen = gc.get_freeze_count()
    dropped = Cycle()
    dropped.me = dropped  # made after start-up: still collected
    del dropped
    collected = gc.collect()
    print(before, frozen > before, gc.get_threshold()[0] == YOUNG_COLLECTION_EVERY, collected)
    """
)


def test_settle_heap_freezes_start_up_objects_and_keeps_collecting_new_ones() -> None:
    """After settling, what start-up built is out of the collector's reach, young collections
    run less often, and a cycle made afterwards is still collected."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    before, frozen, threshold, collected = out
    assert before == "0"
    assert frozen == "True"
    assert threshold == "True"
    assert int(collected) >= 1
