"""The repository: every SQL statement Minyi runs, over any Backend.

`Repository.transaction()` yields a `Session`; everything done through one session commits
together or not at all. Method names follow add_/get_/list_/count_/delete_/set_. The session's
operations live in one module per aggregate (updates, communities, rounds, posts, votes,
answers, erasure, reports, digests, learned models); session.py composes them.
"""

from storage.repository.communities import NameTaken
from storage.repository.database import Repository
from storage.repository.index import StoredFramework, UnknownCommunity, ValueRow
from storage.repository.reports import SAMPLE_STRIDE, Scope
from storage.repository.session import Session

__all__ = [
    "SAMPLE_STRIDE",
    "NameTaken",
    "Repository",
    "Scope",
    "Session",
    "StoredFramework",
    "UnknownCommunity",
    "ValueRow",
]
