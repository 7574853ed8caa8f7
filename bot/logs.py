"""Log records that name nobody (SPEC §9), whichever library writes them.

Minyi's own log lines name a chat by `chat_label` and an error by `failure`. The libraries it
runs on do not: at DEBUG python-telegram-bot logs every Bot API call's parameters and answer
(chat ids, names, usernames, texts) and every update it processes, and any logger's traceback
ends in its exception's message, which can quote what a resident wrote. `protect_logs`
installs a log record factory, so every record is made safe as it is created, before any
handler (a file, the journal, a test's capture) sees it:

- a record's exception (`log.exception`, `exc_info=`) becomes `failure` text: type and frames;
- a library's arguments keep numbers (of any kind) and short ASCII words (an endpoint, a job
  name); a mapping becomes its keys, a sequence its length, an exception its type, a long or
  non-ASCII text its length, a URL (text or httpx's) without the bot token, anything else its
  type name.
"""

from __future__ import annotations

import logging
import numbers
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from bot.core.privacy import failure

# Loggers whose arguments are the product's own, already made safe at each call.
PRODUCT = ("bot", "handlers", "storage", "nlp", "demo", "minyi")
_WORD = re.compile(r"[A-Za-z0-9_.:/\-]{0,64}")
_TOKEN = re.compile(r"/bot\d+:[^/\s]+")  # a token is the bot id, a colon, a key

_installed = False


def _safe_arg(value: Any) -> Any:
    if value is None or isinstance(value, datetime | date | timedelta):
        return value
    if isinstance(value, numbers.Number):
        # Any kind (a Decimal, a NumPy integer): a `%d` or `%.2f` must still find a number.
        return value
    if isinstance(value, BaseException):
        return type(value).__name__
    if isinstance(value, str):
        if not _WORD.fullmatch(value):
            return f"<text of {len(value)} characters>"
        # A short word may still be a Bot API URL (PTB logs its own at DEBUG): not its token.
        return _TOKEN.sub("/bot<token>", value)
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    if isinstance(value, Mapping):
        keys = [k for k in value if isinstance(k, str) and _WORD.fullmatch(k)]
        return f"<{type(value).__name__} of {', '.join(keys) or len(value)}>"
    if isinstance(value, list | tuple | set | frozenset):
        return f"<{type(value).__name__} of {len(value)}>"
    update_id = getattr(value, "update_id", None)
    if type(update_id) is int:
        return f"<update {update_id}>"
    kind = type(value)
    if kind.__name__ == "URL" or kind.__module__.startswith("apscheduler"):
        # An httpx URL (the Bot API's carries the token), an APScheduler job (Minyi's tick).
        return _TOKEN.sub("/bot<token>", str(value))
    return f"<{kind.__name__}>"


def _is_product(name: str) -> bool:
    return name.split(".", 1)[0] in PRODUCT


def _protected(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        if not _is_product(record.name):
            if not isinstance(record.msg, str):
                record.msg = f"<{type(record.msg).__name__}>"
            if isinstance(record.args, Mapping):
                record.args = {k: _safe_arg(v) for k, v in record.args.items()}
            elif isinstance(record.args, tuple):
                record.args = tuple(_safe_arg(a) for a in record.args)
            elif record.args:
                # One value given as the arguments (a `makeRecord` call): `%s` formats it whole.
                record.args = _safe_arg(record.args)
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            try:
                message = record.getMessage()
            except Exception:  # a bad format string: keep the template alone
                message = str(record.msg)
            record.msg, record.args = f"{message}: {failure(exc)}", ()
            record.exc_info, record.exc_text = None, None
        return record

    make_record.minyi_protected = True  # type: ignore[attr-defined]
    return make_record


def protect_logs() -> None:
    """Make every log record of this process safe from now on (once; later calls do nothing)."""
    global _installed
    current = logging.getLogRecordFactory()
    if _installed or getattr(current, "minyi_protected", False):
        return
    logging.setLogRecordFactory(_protected(current))
    _installed = True
