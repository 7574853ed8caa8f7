"""The consultation core's shared state: settings, repository, tagger and clock.

`Core` is what PTB's typed `bot_data` holds (see bot/app.py). Its `transaction()` claims the
Telegram update being processed in the same transaction as the update's effects, so an update
delivered twice changes nothing the second time (SPEC §9).
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import Settings
from bot.core.privacy import pseudonym
from bot.core.tag_helper import Meanwhile, TagHelper
from nlp.tagger import Tagger, ThemeTag
from nlp.taxonomy import load_taxonomy
from storage.repository import Repository, Session

log = logging.getLogger(__name__)

MODEL_NAME = "tagger"


class AlreadyProcessed(Exception):
    """This update's effects were committed before (a redelivery): do nothing."""


@dataclass
class UpdateClaim:
    """The Telegram update whose effects the current task is committing."""

    update_id: int
    claimed: bool = False
    error: BaseException | None = None


current_update: contextvars.ContextVar[UpdateClaim | None] = contextvars.ContextVar(
    "current_update", default=None
)


def utcnow() -> datetime:
    """The current time, timezone-aware, UTC."""
    return datetime.now(UTC)


@dataclass
class Core:
    """Everything the core functions need, passed explicitly."""

    settings: Settings
    repo: Repository
    tagger: Tagger
    secret: bytes
    clock: Callable[[], datetime] = utcnow
    bot_username: str = "minyi_bot"
    # Set when a resident's data was deleted: the scheduler then scrubs the database files.
    scrub_due: bool = False
    # While the bot runs with nlp.helper_process: a second process tagging big batches.
    helper: TagHelper | None = None

    @property
    def post_lock(self) -> AbstractAsyncContextManager[None]:
        """Serialises sending of owed posts (the outbox, bot/telegram/outbox.py) across every
        process sharing the database, so two processes never send the same post."""
        return self.repo.exclusive("outbox")

    def now(self) -> datetime:
        """The current time (injectable for tests)."""
        return self.clock()

    async def tag_many(
        self, texts: Sequence[str], meanwhile: Meanwhile | None = None
    ) -> list[list[ThemeTag]]:
        """Themes of each text, in order (on two cores when a helper process runs);
        `meanwhile` is awaited once before the last of the tagging is done (see TagHelper)."""
        if self.helper is not None:
            return await self.helper.tag_many(texts, meanwhile)
        tags = self.tagger.tag_many(texts)
        if meanwhile is not None:
            await meanwhile()
        return tags

    def resident(self, user_id: int) -> str:
        """The pseudonym stored for a Telegram user."""
        return pseudonym(user_id, self.secret)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        """A repository session that also claims the current update, if any, once."""
        claim = current_update.get()
        claimed_here = False
        try:
            async with self.repo.transaction() as session:
                if claim is not None and not claim.claimed:
                    if not await session.add_processed_update(claim.update_id, self.now()):
                        raise AlreadyProcessed(claim.update_id)
                    claim.claimed = claimed_here = True
                yield session
        except BaseException:
            # Rolled back, claim included: the update must be retried, not taken as done
            # (e.g. a unique violation or deadlock against another process on PostgreSQL).
            if claim is not None and claimed_here:
                claim.claimed = False
            raise


async def load_tagger(settings: Settings, repo: Repository) -> Tagger:
    """The taxonomy from config (or built in) and this deployment's learned model, if any."""
    taxonomy = load_taxonomy(settings.nlp.taxonomy)
    async with repo.transaction() as session:
        blob = await session.get_model(MODEL_NAME)
    model = None
    if blob:
        from nlp.learn import LearnedModel  # numpy: only for deployments that learned

        model = LearnedModel.from_bytes(blob)
    return Tagger(taxonomy, model)


async def open_core(settings: Settings, *, secret: bytes | None = None) -> Core:
    """Open the database (migrating it) and load the tagger."""
    repo = Repository.from_url(settings.storage.url)
    await repo.open()
    try:
        tagger = await load_tagger(settings, repo)
    except BaseException:
        await repo.close()
        raise
    return Core(
        settings=settings,
        repo=repo,
        tagger=tagger,
        secret=secret if secret is not None else settings.privacy_secret(),
    )
