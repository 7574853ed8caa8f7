"""Tagging on two cores: a helper process tags part of each big batch of answers.

Segmenting with jieba is pure Python and holds the interpreter, so one process tags on one
core. While the bot tags the first part of a batch (and then writes the answer rows), the
helper (`python -m nlp.worker`, the same taxonomy and learned model) tags the rest; the split
follows which of the two finished last. Small batches are not worth the hand-over and are
tagged here. The helper only ever speeds things up: if it is not ready yet, dies, hangs or
answers nonsense, its part is tagged here too and a new helper is started a little later, so
an answer is never held up or lost because of it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence

from bot.core.settings import Settings
from nlp.tagger import Tagger, ThemeTag

log = logging.getLogger(__name__)

# Work for the bot to do while the helper still tags (Core.tag_many).
Meanwhile = Callable[[], Awaitable[object]]

# Fewer texts than this are tagged here alone (the hand-over costs about as much as it saves).
MIN_SHARED = 16
# Longest wait for the helper's part of a batch (a few hundred texts take a fraction of this).
ANSWER_TIMEOUT = 30.0
# After the helper failed, how long to tag everything here before starting another.
RESTART_AFTER = 30.0
# The helper's share of a batch starts at half and follows the two processes' speeds: it
# shrinks when the helper finished its part after the bot finished its own (and the work
# given to do meanwhile), grows when it finished first.
SHARE_STEP = 0.02
SHARE_LIMITS = (0.3, 0.8)


def _split(texts: Sequence[str], part: float) -> int:
    """The index before which `texts` hold about `part` of all their characters (the cost of
    tagging follows length: a long message weighs as much as a dozen short ones)."""
    goal = part * sum(len(t) for t in texts)
    total = 0
    for index, text in enumerate(texts):
        if total + len(text) / 2 > goal:
            return index
        total += len(text)
    return len(texts)


class TagHelper:
    """A helper process tagging against the same taxonomy and model as the bot's tagger.

    `start` launches it at once (it loads jieba's dictionary while the bot opens its
    database and loads its own); `attach` then hands it the bot's tagger to copy.
    """

    def __init__(self, settings: Settings) -> None:
        self._taxonomy = str(settings.nlp.taxonomy) if settings.nlp.taxonomy else None
        self._tagger: Tagger | None = None
        self._attached = asyncio.Event()
        self._process: asyncio.subprocess.Process | None = None
        self._ready = False
        self._lock = asyncio.Lock()
        self._starter: asyncio.Task[None] | None = None
        self._retry_at = 0.0
        self.shared_batches = 0  # batches the helper took part in (for logs and tests)
        self.share = 0.5  # of each shared batch's characters, the part the helper tags
        self._requests = 0

    @property
    def tagger(self) -> Tagger:
        """The bot's tagger (tags what the helper does not)."""
        if self._tagger is None:
            raise RuntimeError("attach() the bot's tagger first")
        return self._tagger

    def attach(self, tagger: Tagger) -> None:
        """The tagger the helper must copy (same taxonomy and learned model)."""
        self._tagger = tagger
        self._attached.set()

    @property
    def pid(self) -> int | None:
        """The helper's process id while it runs."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the helper in the background; it takes part once it has loaded."""
        if self._starter is None or self._starter.done():
            self._starter = asyncio.create_task(self._start(), name="minyi-tag-helper")

    async def _start(self) -> None:
        env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "nlp.worker",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                env=env,
            )
            self._process = process
            assert process.stdin is not None and process.stdout is not None
            await self._attached.wait()
            model = self.tagger.model
            setup = {
                "taxonomy": self._taxonomy,
                "model": base64.b64encode(model.to_bytes()).decode() if model else None,
                "segmenter": self.tagger.segmenter,
            }
            process.stdin.write(json.dumps(setup).encode() + b"\n")
            await process.stdin.drain()
            hello = await process.stdout.readline()
            if json.loads(hello or b"null") != {"ready": True}:
                raise RuntimeError(f"unexpected greeting {hello[:200]!r}")
        except Exception as exc:
            await self._failed(f"did not start ({exc!r})")
            return
        self._ready = True
        log.info("tagging helper %s ready", process.pid)

    async def wait_ready(self, timeout: float) -> None:  # noqa: ASYNC109
        """Until the helper has started (tests; the bot never waits for it)."""
        async with asyncio.timeout(timeout):
            while not self._ready:
                if self._starter is None or self._starter.done():
                    if self._ready:
                        break
                    raise RuntimeError("the tagging helper did not start")
                await asyncio.sleep(0.05)

    async def tag_many(
        self, texts: Sequence[str], meanwhile: Meanwhile | None = None
    ) -> list[list[ThemeTag]]:
        """Themes of each text, in order: part of a big batch tagged by the helper.

        `meanwhile` (awaited once, after this process has tagged its part and before the
        helper's part is read) is work that leaves the interpreter free, such as a database
        write: it runs while the helper still tags, and the helper's share grows to match.
        """
        async with self._lock:
            if len(texts) < MIN_SHARED or not self._usable():
                mine = self.tagger.tag_many(texts)
                if meanwhile is not None:
                    await meanwhile()
                return mine
            split = _split(texts, 1.0 - self.share)
            self._requests += 1
            request = self._requests
            sent = await self._send(request, texts[split:])
            # If this raises, the helper's answer is left unread: the next batch skips it by id.
            mine = self.tagger.tag_many(texts[:split])
            if meanwhile is not None:
                await meanwhile()
            done_here = time.monotonic()
            answer = await self._receive(request, len(texts) - split) if sent else None
            if answer is None:
                return mine + self.tagger.tag_many(texts[split:])
            theirs, done_there = answer
            self.shared_batches += 1
            # Both clocks are the machine's monotonic clock: whoever finished later had too much.
            step = -SHARE_STEP if done_there > done_here else SHARE_STEP
            self.share = min(max(self.share + step, SHARE_LIMITS[0]), SHARE_LIMITS[1])
            return mine + theirs

    def _usable(self) -> bool:
        """Whether the helper can take part now (if not, and it is time, start a new one)."""
        if not self._ready and self._process is None and time.monotonic() >= self._retry_at:
            self.start()
        return self._ready

    async def _send(self, request: int, texts: Sequence[str]) -> bool:
        process = self._process
        assert process is not None and process.stdin is not None
        line = json.dumps({"id": request, "texts": list(texts)}, ensure_ascii=False)
        try:
            process.stdin.write(line.encode() + b"\n")
            await process.stdin.drain()
        except (ConnectionError, OSError) as exc:
            await self._failed(f"could not be written to ({exc!r})")
            return False
        return True

    async def _receive(self, request: int, count: int) -> tuple[list[list[ThemeTag]], float] | None:
        """The helper's themes for the `count` texts of `request` and when (monotonic clock)
        it finished; answers to earlier requests nobody read (their batch failed) are skipped."""
        process = self._process
        assert process is not None and process.stdout is not None
        try:
            async with asyncio.timeout(ANSWER_TIMEOUT):
                answer = json.loads(await process.stdout.readline())
                while answer["id"] < request:
                    answer = json.loads(await process.stdout.readline())
            themes, done = answer["themes"], float(answer["done"])
            if answer["id"] != request or not isinstance(themes, list) or len(themes) != count:
                raise ValueError(f"request {request} of {count} texts, answer {str(answer)[:200]}")
            return [[ThemeTag.model_validate(t) for t in tags] for tags in themes], done
        except (TimeoutError, ValueError, TypeError, KeyError) as exc:
            # ValueError covers an empty line (the helper died) and malformed JSON.
            await self._failed(f"gave no usable answer ({exc!r})")
            return None

    async def _failed(self, what: str) -> None:
        log.warning("tagging helper %s; tagging here, new helper in %.0fs", what, RESTART_AFTER)
        await self._discard()
        self._retry_at = time.monotonic() + RESTART_AFTER

    async def _discard(self) -> None:
        self._ready = False
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            process.kill()
            with contextlib.suppress(ProcessLookupError):
                await process.wait()

    async def close(self) -> None:
        """Stop the helper (it ends when its input closes)."""
        if self._starter is not None and not self._starter.done():
            self._starter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._starter
        async with self._lock:
            process = self._process
            if process is not None and process.stdin is not None:
                process.stdin.close()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), 5)
            await self._discard()
