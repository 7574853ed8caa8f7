"""`Session`: every repository operation inside one transaction, composed from the parts.

The parts are mixins rather than attributes (`session.rounds.get_round`): callers (about 380
calls: 136 in 16 modules of bot/ and demo/, the rest in tests and benchmarks) keep the flat method
names they use. A test (tests/storage/test_session_parts.py) checks that no two parts define
the same name, which mixins would otherwise let one part hide silently.
"""

from __future__ import annotations

from storage.backends.base import Tx
from storage.repository.answers import Answers
from storage.repository.chats import ChatMigrations
from storage.repository.communities import Communities
from storage.repository.digests import Digests
from storage.repository.erasure import Erasure
from storage.repository.flood import FloodWindows
from storage.repository.index import IndexValues
from storage.repository.labels import Labels
from storage.repository.learned import LearnedModels
from storage.repository.organisers import MissedReports, OrganiserLanguages
from storage.repository.posts import IndexPosts, Posts
from storage.repository.refusals import RefusalCounts
from storage.repository.reports import Reports
from storage.repository.rounds import PrivateSessions, Rounds
from storage.repository.secrets import DeploymentSecrets
from storage.repository.updates import Updates
from storage.repository.votes import Votes
from storage.repository.web_forms import WebForms


class Session(
    Updates,
    Communities,
    ChatMigrations,
    Rounds,
    PrivateSessions,
    Posts,
    IndexPosts,
    Votes,
    Answers,
    Erasure,
    Reports,
    Digests,
    LearnedModels,
    IndexValues,
    WebForms,
    Labels,
    DeploymentSecrets,
    RefusalCounts,
    FloodWindows,
    OrganiserLanguages,
    MissedReports,
):
    """Repository operations inside one transaction."""

    def __init__(self, tx: Tx) -> None:
        super().__init__(tx)
        # Set when work that joined this session failed (see Repository.transaction).
        self.failed = False
