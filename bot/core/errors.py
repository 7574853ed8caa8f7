"""The one error tree of the consultation core (like httpx's `_exceptions.py`).

Every request the core cannot carry out raises a `MinyiError`: `key` names the message
template in bot/render/texts.py and `values` fill it, so the core never renders text itself.
Each channel maps these errors to its reply in one place (Telegram: handlers/errors.py).

    MinyiError
    ├── RefusedError      what was asked cannot be done now (a round not open, out of reach …)
    │   ├── CommunityError    an unknown community, a chat that is none
    │   ├── RoundError        a round that does not exist or is in the wrong state
    │   └── OutOfReach        another community's round, an organisers-only command
    └── InputError        the input itself is malformed
        ├── UsageError        command arguments that do not fit (carries the command)
        ├── DurationError     a duration we do not understand
        ├── CsvInputError     a CSV file that cannot be used (bot/core/csvfiles.py: file, line)
        └── IndexInputError   what the governance index cannot use (a period, no values yet)
            ├── FrameworkError    a framework TOML: every problem, each naming indicator and field
            └── ValuesError       a values CSV: every bad row, each a CsvInputError with its line

`PostNotStoredYet` stands apart: no request failed, an update came before what it refers to.
"""

from __future__ import annotations


class MinyiError(Exception):
    """A request the core cannot carry out; nothing was changed."""

    def __init__(self, key: str, /, **values: object) -> None:
        super().__init__(key, values)
        self.key = key
        self.values = values

    def __str__(self) -> str:
        # A log line names the template, never the values: they may hold a resident's words.
        return self.key


class PostNotStoredYet(Exception):
    """An update names a round post Telegram has accepted but whose message id is not stored
    yet (a press or a reply the moment the post appeared): processing it fails, to be retried
    once the id is stored, rather than ignored as an answer to no round (SPEC §9). A poll
    vote never waits so: it is kept as a stray until its poll is stored
    (bot/core/answers.py `record_poll_vote`)."""


class RefusedError(MinyiError):
    """What was asked cannot be done in the state things are in."""


class CommunityError(RefusedError):
    """An unknown community name, or a chat that is not registered as one."""


class RoundError(RefusedError):
    """A round that does not exist, or is not in a state that allows the change."""


class OutOfReach(RefusedError):
    """Something the caller may not read or change (another community's, organisers only)."""


class InputError(MinyiError, ValueError):
    """The input is malformed (a ValueError too, so validators such as pydantic's take it)."""


class UsageError(InputError):
    """The arguments do not fit `command`; the reply adds the command's usage line."""

    def __init__(self, command: str, key: str, /, **values: object) -> None:
        super().__init__(key, **values)
        self.command = command


class LoneWord(UsageError):
    """In private chat, a round command whose one word was taken as its community, leaving no
    question: the word may be the question written alone (`/ask 你觉得停车怎么样？`), which the
    channel tells apart by whether it names a community (bot/core/communities.py
    `check_community_first`)."""

    def __init__(self, command: str, key: str, word: str) -> None:
        super().__init__(command, key)
        self.word = word


class DurationError(InputError):
    """Not a duration we understand (90s, 30m, 48h, 7d, 1d12h)."""


class IndexInputError(InputError):
    """Something the governance index (SPEC §10) cannot use: a bad period, no values yet."""


class FrameworkError(IndexInputError):
    """A framework TOML that cannot be used: `problems` lists every problem found, each an
    error of its own (key and values) naming the indicator and the field."""

    def __init__(self, name: str, problems: list[MinyiError]) -> None:
        super().__init__("index_framework_invalid", name=name, count=len(problems))
        self.problems = problems


class ValuesError(IndexInputError):
    """A values CSV of which nothing is imported: `problems` lists every bad row (each a
    `CsvInputError` with the file and line), or the one problem of the file as a whole."""

    def __init__(self, name: str, problems: list[MinyiError]) -> None:
        super().__init__("index_values_invalid", name=name, count=len(problems))
        self.problems = problems
