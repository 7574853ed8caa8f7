"""The one error the consultation core raises for a request it cannot carry out."""

from __future__ import annotations


class CoreError(Exception):
    """What was asked cannot be done; `key` names the message in bot/render/texts.py,
    `values` fill it.

    Handlers answer with `say(error.key, lang, **error.values)` and change nothing.
    """

    def __init__(self, key: str, /, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values
