"""The consultation core's shared state: settings, repository, tagger and clock.

Every channel holds one `Core` (Telegram: the typed `bot_data`, bot/telegram/context.py).
`Core.transaction(turn)` claims the update a `Turn` stands for in the same transaction as its
effects, so an update delivered twice changes nothing the second time (SPEC §9).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from bot.core.privacy import pseudonym
from bot.core.settings import SECRET_ENV, ConfigError, Settings
from nlp.model import LearnedModel
from nlp.tagger import Tagger, ThemeTag
from nlp.taxonomy import Taxonomy, load_taxonomy
from storage.repository import Repository, Session

log = logging.getLogger(__name__)

MODEL_NAME = "tagger"
# The principle model learned from organisers' labels (/label, bot/core/labelling.py).
PRINCIPLE_MODEL_NAME = "principles"
# The first-level domain model learned from organisers' labels (nlp/domain_model.py).
DOMAIN_MODEL_NAME = "domains"
# The rows of `minyi learn`'s `text,labels` files that are no stored answer's text (JSON): every
# later learning from labels learns from them too (bot/core/labelling.py `file_examples`).
FILE_EXAMPLES_NAME = "learned_examples"


class AlreadyProcessed(Exception):
    """This update's effects were committed before (a redelivery): do nothing."""


@dataclass(frozen=True)
class OwedReply:
    """A reply a channel owes for a turn, sent only once the turn committed.

    `chat_id` is the conversation it goes to (replies to one conversation keep their order);
    a `refusal` (too long, text only, too fast, round closed, ...), and the answer to what anyone
    may ask again and again (/help), may be dropped when a conversation gets too many of them
    (bot/telegram/replies.py).
    """

    chat_id: int
    send: Callable[[], Awaitable[object]]
    refusal: bool = False


@dataclass(frozen=True, slots=True)
class PreparedText:
    """An answer's text redacted and tagged before its turn stores it (`bot.core.answers
    prepare_texts`): the intake works on the next batch while the one before commits."""

    clean: str  # as `store_answers` would store it: stripped, then redacted
    tags: list[ThemeTag]
    tagger: Tagger  # the tags hold while the core still tags with this tagger


@dataclass
class Turn:
    """One piece of incoming work (a Telegram update, a web form) whose effects commit once.

    A channel's intake makes one and hands it to the use case it calls (`turn=`), which hands
    it to `Core.transaction`: the first transaction records `update_id` as processed together
    with the effects (a redelivered update then changes nothing, SPEC §9), and a turn that is
    part of a batch joins the batch's open session instead of committing on its own.
    Replies the channel owes for the turn wait in `replies` until the intake has committed.
    """

    update_id: int | None = None
    claimed: bool = False
    error: BaseException | None = None
    batch: Session | None = None
    replies: list[OwedReply] = field(default_factory=list)
    # Answer texts of this turn already redacted and tagged, by their text as received.
    prepared: Mapping[str, PreparedText] = field(default_factory=dict)


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
    # Set when a resident's data was deleted: the scheduler then scrubs the database files.
    scrub_due: bool = False
    # Bumped whenever this process deleted or hid answers (/forget, /hide, the retention
    # purge): what was computed from them, quotes included (the public index pages,
    # bot/web/index_pages.py), is computed again.
    answers_removed: int = 0
    # Set after a transition stored posts it owes (the outbox, storage `posts`): the channel
    # sends them right after the commit (bot/telegram/intake.py), no handler sends them itself;
    # the scheduler's tick sends whatever is still owed.
    posts_owed: asyncio.Event = field(default_factory=asyncio.Event)
    # Bumped with every `owe_posts`: the channel compares it around one update to tell
    # whether that update owed posts, or only somebody else's transition did meanwhile.
    posts_owed_count: int = 0
    # Set after `/index post` stored the scorecards it owes (storage `index_posts`): the
    # channel sends them in the background, since rendering and sending one per community
    # takes minutes at city scale and must not hold up the intake.
    index_posts_owed: asyncio.Event = field(default_factory=asyncio.Event)
    # Learning from organisers' labels, while it runs in the background (bot/core/labelling.py).
    learning: asyncio.Task[None] | None = None
    # Failed learning runs in a row, and when the last one failed (relearning backs off).
    learning_failures: int = 0
    learning_failed_at: datetime | None = None
    # When each learned model this process tags with was stored, as last seen in storage
    # (bot/core/labelling.py `follow_stored_models`); None until first looked at.
    models_seen: dict[str, float] | None = None

    def owe_posts(self) -> None:
        """A transition just committed posts it owes (the outbox): have them sent."""
        self.posts_owed_count += 1
        self.posts_owed.set()

    @property
    def post_lock(self) -> AbstractAsyncContextManager[None]:
        """Serialises sending of owed posts (the outbox, bot/telegram/outbox.py) across every
        process sharing the database, so two processes never send the same post."""
        return self.repo.exclusive("outbox")

    @property
    def index_post_lock(self) -> AbstractAsyncContextManager[None]:
        """Serialises sending of owed index scorecards across processes, apart from the round
        posts' lock so a long run of scorecards never delays a round's posts."""
        return self.repo.exclusive("index_outbox")

    def now(self) -> datetime:
        """The current time (injectable for tests)."""
        return self.clock()

    def resident(self, user_id: int) -> str:
        """The pseudonym stored for a Telegram user."""
        return pseudonym(user_id, self.secret)

    def reading(self, turn: Turn | None = None) -> AbstractAsyncContextManager[Session]:
        """A repository session for reads: it claims nothing, and joins the turn's batch (a
        second transaction beside the batch's open one could wait on it for ever)."""
        return self.repo.transaction(join=turn.batch if turn is not None else None)

    @asynccontextmanager
    async def transaction(self, turn: Turn | None = None) -> AsyncIterator[Session]:
        """A repository session; for a `turn`, it also claims the turn's update (once), or
        joins the turn's batch."""
        if turn is None:
            async with self.repo.transaction() as session:
                yield session
            return
        claimed_here = False
        try:
            async with self.repo.transaction(join=turn.batch) as session:
                if turn.update_id is not None and not turn.claimed:
                    if not await session.add_processed_update(turn.update_id, self.now()):
                        raise AlreadyProcessed(turn.update_id)
                    turn.claimed = claimed_here = True
                yield session
        except BaseException:
            # Rolled back, claim included: the update must be retried, not taken as done
            # (e.g. a unique violation or deadlock against another process on PostgreSQL).
            if claimed_here:
                turn.claimed = False
            raise


async def load_tagger(settings: Settings, repo: Repository) -> Tagger:
    """The taxonomy from config (or built in) and this deployment's learned model, if any."""
    taxonomy = load_taxonomy(settings.nlp.taxonomy)
    async with repo.transaction() as session:
        blob = await session.get_model(MODEL_NAME)
        principles = await session.get_model(PRINCIPLE_MODEL_NAME)
        domains = await session.get_model(DOMAIN_MODEL_NAME)
    model = None
    if blob:
        model = LearnedModel.from_bytes(blob)
    # Learned from organisers' labels (/label) on top of the base examples, if it still fits.
    principle_model: LearnedModel | Literal["default"] | None = stored_principle_model(
        principles, taxonomy
    )
    if principle_model is None:
        principle_model = unlearned_principles(settings, taxonomy)
    return Tagger(
        taxonomy,
        model,
        settings.nlp.segmenter,
        principle_model=principle_model,
        domain_model=stored_domain_model(domains, taxonomy),
    )


def stored_domain_model(blob: bytes | None, taxonomy: Taxonomy) -> LearnedModel | None:
    """The stored first-level domain model, if one is stored and fits the taxonomy."""
    model = LearnedModel.from_bytes(blob) if blob else None
    if model is not None and not _first_level_domains(model, taxonomy):
        # Learned before the taxonomy changed: keyword tagging until organisers label again.
        log.warning("the learned domain model does not fit the taxonomy: not used")
        return None
    return model


def stored_principle_model(blob: bytes | None, taxonomy: Taxonomy) -> LearnedModel | None:
    """The stored principle model learned from labels, if one is stored and fits the taxonomy
    (None: the caller tags with `unlearned_principles`)."""
    model = LearnedModel.from_bytes(blob) if blob else None
    if model is not None and not _principles(model, taxonomy):
        # Learned before the taxonomy changed: the unlearned model until organisers label again.
        log.warning("the learned principle model does not fit the taxonomy: not used")
        return None
    return model


def unlearned_principles(
    settings: Settings, taxonomy: Taxonomy
) -> LearnedModel | Literal["default"]:
    """The principle model before any label: the shipped one, or one learned from the
    deployment's own labelled answers (`nlp.principle_answers`; slow, seconds)."""
    if settings.nlp.principle_answers is None:
        return "default"
    from nlp.build_model import neutral_examples, read_answers
    from nlp.learn import train_multilabel

    rows = read_answers(settings.nlp.principle_answers, taxonomy)
    examples = [(t, ls) for t, ls, split in rows if split == "train"]
    return train_multilabel(
        examples + neutral_examples(taxonomy),
        taxonomy,
        [t.id for t in taxonomy.by_kind("principle")],
    )


def _principles(model: LearnedModel, taxonomy: Taxonomy) -> bool:
    """Whether a model is multi-label and every theme it learned is a principle of this
    taxonomy."""
    themes = [taxonomy.get(label) for label in model.themes]
    return model.multilabel and all(t is not None and t.kind == "principle" for t in themes)


def _first_level_domains(model: LearnedModel, taxonomy: Taxonomy) -> bool:
    """Whether every theme a model learned is a first-level domain of this taxonomy."""
    themes = [taxonomy.get(label) for label in model.labels]
    return model.multilabel and all(
        t is not None and t.kind == "domain" and t.parent is None for t in themes
    )


async def open_core(settings: Settings, *, secret: bytes | None = None, keyed: bool = True) -> Core:
    """Open the database (migrating it) and load the tagger. `keyed=False`: for work that
    makes no pseudonym and no link (reports, exports, the index, tagging), which may run without
    the deployment's configured secret (see `privacy_key`)."""
    repo = Repository.from_url(settings.storage.url)
    await repo.open()
    try:
        tagger = await load_tagger(settings, repo)
        if secret is None:
            secret = await privacy_key(settings, repo, keyed=keyed)
    except BaseException:
        await repo.close()
        raise
    return Core(settings=settings, repo=repo, tagger=tagger, secret=secret)


@asynccontextmanager
async def opened_core(
    settings: Settings, *, secret: bytes | None = None, keyed: bool = True
) -> AsyncIterator[Core]:
    """`open_core` for the length of a block, its database closed at the end."""
    core = await open_core(settings, secret=secret, keyed=keyed)
    try:
        yield core
    finally:
        await core.repo.close()


# The name of the generated privacy key in `deployment_secrets`.
PRIVACY_KEY_NAME = "privacy"
# The name of the check value of a configured privacy secret in `deployment_secrets`: an HMAC
# of a fixed text under that secret, so a process started without it, or with another, can
# tell. It reveals no more of the secret than the pseudonyms stored beside it do.
PRIVACY_CHECK_NAME = "privacy_check"
_CHECK_TEXT = b"minyi: the privacy.secret of this deployment"


def _check_value(secret: bytes) -> bytes:
    return hmac.new(secret, _CHECK_TEXT, hashlib.sha256).hexdigest().encode()


async def privacy_key(settings: Settings, repo: Repository, *, keyed: bool = True) -> bytes:
    """The key of residents' pseudonyms: `privacy.secret` (or MINYI_PRIVACY_SECRET) when set;
    otherwise the key this deployment generated on its first start and stored in its database
    (SPEC §7: every key but the token has a default), so restarts, processes sharing the
    database and CLI verbs all agree. A configured key is never stored, only its check value:
    once a deployment ran with one, a start without it or with another is a ConfigError, not a
    new key (residents would become strangers to /mydata, /forget and the web pages). Without
    `keyed` (work that makes no pseudonym or link: a report, an export) a missing secret is no
    error: that work gets a throwaway key, never stored; a wrong one still is."""
    configured = settings.privacy_secret()
    async with repo.transaction() as session:
        if configured is not None:
            check = _check_value(configured)
            # Read first: only the first start with the secret writes its check value.
            stored_check = await session.get_secret(
                PRIVACY_CHECK_NAME
            ) or await session.get_or_add_secret(PRIVACY_CHECK_NAME, check, datetime.now(UTC))
            if not hmac.compare_digest(stored_check, check):
                raise ConfigError(
                    f"privacy.secret ({SECRET_ENV}) is not the one this database's residents "
                    "are keyed with: use the deployment's own secret (it must never change, "
                    "docs/operators.md); nothing was changed"
                )
            return configured
        if await session.get_secret(PRIVACY_CHECK_NAME) is not None:
            if not keyed:
                return secrets.token_urlsafe(32).encode()
            raise ConfigError(
                f"this database's residents are keyed with a configured privacy.secret: set "
                f"privacy.secret or {SECRET_ENV} as for the bot; nothing was changed"
            )
        stored = await session.get_secret(PRIVACY_KEY_NAME)
        if stored is not None:
            return stored
        if await session.holds_pseudonyms():
            # Residents keyed, but neither a generated key nor a check value: a database of a
            # version that kept no check, run with a configured secret. A new key now would
            # make them strangers; the first start with the secret stores its check.
            if not keyed:
                return secrets.token_urlsafe(32).encode()
            raise ConfigError(
                f"this database's residents are keyed with a privacy.secret configured before "
                f"this version kept its check: set privacy.secret or {SECRET_ENV} as before; "
                "nothing was changed"
            )
        candidate = secrets.token_urlsafe(32).encode()
        key = await session.get_or_add_secret(PRIVACY_KEY_NAME, candidate, datetime.now(UTC))
    if key == candidate:
        log.warning(
            "no privacy.secret configured: generated a random key for residents' pseudonyms "
            "and stored it in the database (it is backed up and copied with it); to keep the key "
            "outside the database, set privacy.secret or %s before residents answer, and never "
            "change it afterwards (docs/operators.md)",
            SECRET_ENV,
        )
    return key
