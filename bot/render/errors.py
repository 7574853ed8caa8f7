"""What any core error says, whatever its shape: one template, a CSV file and line, or a list
of problems (an index framework or values file), in Chinese or English.

Channels call `describe_error` where they map a `MinyiError` to what the person reads (the
Telegram reply, the command line's one message), so a file's errors read the same everywhere.
"""

from __future__ import annotations

from bot.core.csvfiles import CsvInputError
from bot.core.errors import FrameworkError, MinyiError, ValuesError
from bot.render.csv_errors import describe_csv_error
from bot.render.texts import Lang, error_reason, say

#: At most this many of a file's problems are listed in one error; the rest are counted.
MAX_LISTED_PROBLEMS = 20


def describe_error(error: MinyiError, lang: Lang) -> str:
    """The error's message: a file's problems one per line (at most MAX_LISTED_PROBLEMS, then
    how many more), a CSV row's with its file and line in front."""
    if isinstance(error, CsvInputError):
        return describe_csv_error(error, lang)
    if isinstance(error, FrameworkError | ValuesError):
        if isinstance(error, ValuesError) and len(error.problems) == 1:
            # One problem of the file as a whole (not CSV, wrong header): one line says it.
            only = error.problems[0]
            return (
                say("index_values_invalid", lang, **error.values) + " " + describe_error(only, lang)
            )
        lines = [error_reason(error, lang)]
        listed = error.problems[:MAX_LISTED_PROBLEMS]
        lines += ["• " + describe_error(problem, lang) for problem in listed]
        more = len(error.problems) - len(listed)
        if more:
            lines.append(say("index_more_problems", lang, more=more))
        return "\n".join(lines)
    return error_reason(error, lang)
