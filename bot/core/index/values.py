"""Indicator values (SPEC §10): periods, and the values CSV parsed all or nothing with each bad
row reported by its line."""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from bot.core.csvfiles import CsvInputError, decode_csv_bytes
from bot.core.errors import IndexInputError, MinyiError, ValuesError
from bot.core.index.framework import Framework
from bot.core.numbers import fold_typed, foreign_digits

#: A values file larger than this is refused before parsing (12 periods × 1,000 communities
#: × 30 indicators is about 15 MB).
MAX_VALUES_BYTES = 64 * 1024 * 1024

_PERIOD = re.compile(r"^(?P<year>[0-9]{4})(?:-Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?$")
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_HEADER = ("community", "indicator", "period", "value")
# The years a period may name: its start and end must be dates in any time zone (year 0000 or
# 9999 failed in the date library, `/index 0000` with a traceback), and no index is older.
FIRST_YEAR, LAST_YEAR = 1900, 2999


# --- values ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorValue:
    """One value of one indicator for one community in one period."""

    community: str
    indicator: str
    period: str
    value: float


def _period_problem(period: str) -> tuple[str, dict[str, object]] | None:
    """What is wrong with a period (template key and values), or None."""
    match = _PERIOD.match(period)
    if match is None:
        return "index_period_bad", {"period": period[:40]}
    if not FIRST_YEAR <= int(match["year"]) <= LAST_YEAR:
        return "index_period_year", {"period": period, "first": FIRST_YEAR, "last": LAST_YEAR}
    return None


def check_period(period: str) -> str:
    """Return `period` if it is `YYYY`, `YYYY-Qn` or `YYYY-MM` of a year from FIRST_YEAR to
    LAST_YEAR; raise IndexInputError if not."""
    problem = _period_problem(period)
    if problem is not None:
        key, values = problem
        raise IndexInputError(key, **values)
    return period


def typed_period(text: str) -> str:
    """A period as a person typed it, in the form `check_period` reads: full-width digits and
    letters folded (a Chinese input method's `２０２６-Ｑ２`), spaces dropped, the quarter's Q
    upper case (`2026-q2`). Other digits stay, for `check_period` to refuse."""
    return fold_typed(text).strip().upper()


def is_period(period: str) -> bool:
    """Whether `check_period` takes `period` (a period stored before years were bounded may
    not: such a one is left out of what is scored, and refused when asked for)."""
    return _period_problem(period) is None


def period_key(period: str) -> tuple[int, int, int]:
    """Chronological sort key: (year, last month covered, length in months, shortest first)
    of a period of the right shape, whatever its year (it sorts what is stored)."""
    match = _PERIOD.match(period)
    if match is None:
        raise IndexInputError("index_period_bad", period=period[:40])
    year = int(match["year"])
    if match["quarter"]:
        return (year, 3 * int(match["quarter"]), 3)
    if match["month"]:
        return (year, int(match["month"]), 1)
    return (year, 12, 12)


def previous_period(period: str, available: Iterable[str]) -> str | None:
    """The latest period of the same kind (year, quarter or month) before `period` among
    `available`, or None."""
    kind = period_key(period)[2]
    earlier = [
        p for p in set(available) if period_key(p)[2] == kind and period_key(p) < period_key(period)
    ]
    return max(earlier, key=period_key, default=None)


def period_bounds(period: str, zone: tzinfo) -> tuple[datetime, datetime]:
    """The start (inclusive) and end (exclusive) of a period in the deployment's time zone."""
    year, last_month, months = period_key(period)
    first_month = last_month - months + 1
    start = datetime(year, first_month, 1, tzinfo=zone)
    end = (
        datetime(year + 1, 1, 1, tzinfo=zone)
        if last_month == 12
        else (datetime(year, last_month + 1, 1, tzinfo=zone))
    )
    return start, end


def period_of(moment: datetime, months: int, zone: tzinfo) -> str:
    """The period of `months` months (1, 3 or 12) that holds `moment` in `zone`."""
    local = moment.astimezone(zone)
    if months == 12:
        return f"{local.year:04d}"
    if months == 3:
        return f"{local.year:04d}-Q{(local.month - 1) // 3 + 1}"
    return f"{local.year:04d}-{local.month:02d}"


def select_periods(available: Iterable[str], period: str | None = None) -> tuple[str, str | None]:
    """The period to score (`period`, or the latest in `available`) and the previous one to
    compare with: the two periods whose values `compute_index` needs, so a caller loads only
    those."""
    periods = set(available)
    if period is None:
        if not periods:
            raise IndexInputError("index_no_values")
        period = max(periods, key=period_key)
    check_period(period)
    return period, previous_period(period, periods)


def parse_values_csv(
    data: bytes,
    *,
    name: str,
    framework: Framework,
    communities: Collection[str],
    now: datetime | None = None,
) -> list[IndicatorValue]:
    """Parse a values CSV `community,indicator,period,value` from its bytes (UTF-8 with or
    without BOM, or GBK: bot/core/csvfiles.py `decode_csv_bytes`).

    Every bad row (unknown community or indicator, bad period, a value that is not a finite
    number, a repeated community/indicator/period, a wrong number of cells) is reported by its
    line number, the header being line 1; if any row is bad, ValuesError lists them (each a
    `CsvInputError` naming the file and line) and no value is returned, so nothing of the file
    is imported.

    With `now` (timezone-aware, in the deployment's zone), a period that has not begun by then
    is a bad row too: a value measures a period under way or past, and a future period (2099
    typed for 2019) would otherwise become the latest, the one every table shows by default.
    """
    if len(data) > MAX_VALUES_BYTES:
        raise ValuesError(
            name,
            [
                CsvInputError(
                    "csv_too_big", path=name, line=0, size=len(data), limit=MAX_VALUES_BYTES
                )
            ],
        )
    try:
        text = decode_csv_bytes(data, name)
    except CsvInputError as exc:
        raise ValuesError(name, [exc]) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    # A name as typed in the sheet (full-width letters, stray spaces) maps back to the name
    # the community is registered under, which is what storage looks up.
    known_communities = {_clean(c): c for c in communities}
    # An indicator named in another letter case is the framework's own id (ids are told apart
    # without regard to case).
    indicators = {i.id.casefold(): i.id for i in framework.indicators}
    scales = {i.id: scale for i in framework.indicators if (scale := i.scale) is not None}
    periods: set[str] = set()
    problems: list[MinyiError] = []
    values: list[IndicatorValue] = []
    first: dict[tuple[str, str, str], int] = {}
    start = 1
    header_seen = False
    order = list(range(len(_HEADER)))
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if not header_seen:
                header_seen = True
                header = tuple(_clean(c).lower() for c in row)
                while header and not header[-1]:
                    header = header[:-1]  # spreadsheets leave separators of unused columns
                if sorted(header) != sorted(_HEADER):
                    found = ",".join(_clean(c) for c in row)[:200]
                    raise ValuesError(
                        name,
                        [
                            CsvInputError(
                                "index_header",
                                path=name,
                                line=line,
                                found=found,
                                needed=",".join(_HEADER),
                            )
                        ],
                    )
                # The columns in any order, found by their names (a sheet may list the value
                # first); rows are read back in `_HEADER`'s order.
                order = [header.index(column) for column in _HEADER]
                continue
            cells = [_clean(c) for c in row]
            while len(cells) > len(_HEADER) and not cells[-1]:
                cells.pop()  # the separators of unused columns, as in the header
            if len(cells) == len(_HEADER):
                cells = [cells[n] for n in order]
                # 2026-q1 as typed is the quarter 2026-Q1.
                cells[2] = cells[2].upper()
            problem = _row_problem(cells, known_communities, indicators, periods, now) or (
                _off_scale(indicators[cells[1].casefold()], cells[3], scales)
            )
            if problem is not None:
                key, details = problem
                problems.append(CsvInputError(key, path=name, line=line, **details))
                continue
            typed, named, period, value = cells
            community, indicator = known_communities[typed], indicators[named.casefold()]
            key3 = (community, indicator, period)
            if key3 in first:
                problems.append(
                    CsvInputError("index_repeated", path=name, line=line, first=first[key3])
                )
                continue
            first[key3] = line
            values.append(IndicatorValue(community, indicator, period, float(value)))
    except csv.Error as exc:
        problems.append(CsvInputError("csv_malformed", path=name, line=start, reason=str(exc)))
    if not header_seen:
        raise ValuesError(name, [CsvInputError("csv_empty", path=name, line=0)])
    if problems:
        raise ValuesError(name, problems)
    if not values:
        raise ValuesError(name, [CsvInputError("index_no_rows", path=name, line=0)])
    return values


def _clean(cell: str) -> str:
    if cell.isascii():
        return cell.strip()
    # Invisible format characters (zero-width spaces and joiners, direction marks, a BOM)
    # come with text copied from web pages and chats: not what the official typed, and a
    # name refused for one looks like the registered name in the error.
    cell = "".join(c for c in cell if unicodedata.category(c) != "Cf")
    # NFKC folds full-width digits and letters typed with a Chinese input method to ASCII;
    # other digits stay as written, for `_row_problem` to refuse (NFKC made ① a 1 and 1² 12).
    return fold_typed(cell).strip()


def _off_scale(
    indicator: str, value: str, scales: Mapping[str, tuple[float, float]]
) -> tuple[str, dict[str, object]] | None:
    """A value off its indicator's scale (`45` for a 1–5 rating: clamped, it scored 100
    without a word), or None."""
    scale = scales.get(indicator)
    if scale is None or scale[0] <= float(value) <= scale[1]:
        return None
    low, high = (f"{x:g}" for x in scale)
    return "index_off_scale", {
        "value": value[:40],
        "indicator": indicator,
        "scale": f"{low}–{high}",
    }


def _row_problem(
    cells: list[str],
    communities: Mapping[str, str],
    indicators: Mapping[str, str],
    periods: set[str],
    now: datetime | None = None,
) -> tuple[str, dict[str, object]] | None:
    """What is wrong with a row of cleaned cells (template key and values), or None;
    `periods` caches valid periods (begun by `now`, when given)."""
    if len(cells) != len(_HEADER):
        return "csv_row_cells", {"cells": len(cells), "header": len(_HEADER)}
    community, indicator, period, value = cells
    if community not in communities:
        return "index_unknown_community", {"community": community[:80]}
    if indicator.casefold() not in indicators:
        return "index_unknown_indicator", {"indicator": indicator[:80]}
    if digits := foreign_digits(period + value):
        # Numbers are typed with ASCII or full-width digits only (bot/core/numbers.py).
        return "parse_digits_foreign", {"digits": digits}
    if period not in periods:
        problem = _period_problem(period)
        if problem is not None:
            return problem
        if now is not None and now < period_bounds(period, now.tzinfo or UTC)[0]:
            return "index_period_future", {"period": period}
        periods.add(period)
    if not _NUMBER.match(value):
        return "index_not_number", {"value": value[:40]}
    if not math.isfinite(float(value)):
        return "index_too_large", {"value": value[:40]}
    return None
