"""The group commit of the web pages: forms posted while a transaction commits wait and commit
together in the next one (bot/web/server.py submits every form through it)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.answers import AnswerDraft, RateLimiter, store_answers
from bot.core.base import Core, Turn

log = logging.getLogger(__name__)


@dataclass
class Submission:
    """One form waiting for the next group commit: a text answer (`draft`) or other core
    calls (`work`)."""

    nonce: str
    done: asyncio.Future[str]
    draft: AnswerDraft | None = None
    work: Callable[[Turn], Awaitable[str]] | None = None


class GroupCommit:
    """Forms posted while a transaction commits wait and commit together in the next one.

    Each form's nonce is claimed in the same transaction as its answer or vote, so a form is
    stored once or not at all, and its browser hears the outcome only after the commit. With
    many phones answering at once, one transaction (one fsync on SQLite, one hand-off to the
    database thread per statement) carries many of them: the nonces are claimed in one
    statement and the text answers stored by one `store_answers` call, as the Telegram intake
    does with a batch of updates. If a group fails, each of its forms is tried again alone,
    so one bad form never costs the others their answer.
    """

    MOST = 100  # forms per transaction: the lock is held well under a second

    def __init__(self, core: Core, limiter: RateLimiter) -> None:
        self._core = core
        self._limiter = limiter
        self._waiting: list[Submission] = []
        self._wake = asyncio.Event()

    async def answer(self, nonce: str, draft: AnswerDraft) -> str:
        """Store a text answer with its form's nonce; the outcome ("replayed": nothing ran)."""
        return await self._submit(nonce, draft, None)

    async def submit(self, nonce: str, work: Callable[[Turn], Awaitable[str]]) -> str:
        """Run `work` (core calls) with the nonce's claim in one transaction; its outcome, or
        "replayed" if the nonce was used before (then nothing runs)."""
        return await self._submit(nonce, None, work)

    async def _submit(
        self,
        nonce: str,
        draft: AnswerDraft | None,
        work: Callable[[Turn], Awaitable[str]] | None,
    ) -> str:
        done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiting.append(Submission(nonce, done, draft, work))
        self._wake.set()
        return await done

    async def run(self) -> None:
        """Commit waiting forms, a group at a time, until cancelled."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._waiting:
                group = self._waiting[: self.MOST]
                del self._waiting[: self.MOST]
                await self._commit(group)

    async def _commit(self, group: list[Submission]) -> None:
        core = self._core
        outcomes: dict[int, str] = {}
        try:
            async with core.repo.transaction() as session:
                # Every core call of the group joins this transaction (the group's Turn).
                turn = Turn(batch=session)
                first: dict[str, int] = {}
                for index, item in enumerate(group):
                    first.setdefault(item.nonce, index)
                claimed = await session.add_web_forms(list(first), core.now())
                fresh = [
                    i
                    for i, item in enumerate(group)
                    if item.nonce in claimed and first[item.nonce] == i
                ]
                outcomes = {i: "replayed" for i in range(len(group)) if i not in fresh}
                answers = [i for i in fresh if group[i].draft is not None]
                drafts = [group[i].draft for i in answers]
                results = await store_answers(core, drafts, self._limiter, turn=turn)
                outcomes.update((i, r.outcome) for i, r in zip(answers, results, strict=True))
                for i in fresh:
                    work = group[i].work
                    if work is not None:
                        outcomes[i] = await work(turn)
        except Exception as exc:
            if len(group) == 1:
                if not group[0].done.done():
                    group[0].done.set_exception(exc)
                return
            log.warning("a group of %s web forms failed; committing them one by one", len(group))
            for item in group:
                await self._commit([item])
            return
        for index, item in enumerate(group):
            if not item.done.done():  # the browser may have gone (its request cancelled)
                item.done.set_result(outcomes[index])
