"""The index framework (SPEC §10): principles weighed and indicators with reference values,
parsed from TOML and checked against the taxonomy."""

from __future__ import annotations

import re
import tomllib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core.errors import FrameworkError, MinyiError
from nlp.taxonomy import Taxonomy

# --- framework ------------------------------------------------------------------------------


# A unit that is a scale: two numbers joined by a dash (`1–5`, `0-10`), nothing else.
_SCALE = re.compile(r"^\s*(?P<low>[0-9]+(?:\.[0-9]+)?)\s*[–—-]\s*(?P<high>[0-9]+(?:\.[0-9]+)?)\s*$")


class Indicator(BaseModel):
    """One indicator with its reference values; direction follows from threshold and target."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    # A letter, then letters, digits, `_`, `-` and `.` (`air_quality`, `I-3`, `H1.2`): a word `/rate
    # --indicator` and a values CSV can name. Ids are told apart without regard to case.
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$")
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    principle: str = Field(min_length=1)
    unit: str = Field(min_length=1, max_length=100)
    source: str = Field(min_length=1, max_length=1000)
    threshold: float
    target: float
    baseline: float | None = None

    @property
    def scale(self) -> tuple[float, float] | None:
        """The lowest and highest value a unit that is a scale allows (`1–5`, a rating: 1, 5),
        or None for any other unit (`%`, `分钟 min`: a share may grow past 100)."""
        match = _SCALE.match(self.unit)
        if match is None:
            return None
        low, high = float(match["low"]), float(match["high"])
        return (low, high) if low < high else None

    @property
    def higher_is_better(self) -> bool:
        """Whether a larger value scores higher (`target > threshold`)."""
        return self.target > self.threshold


class Principle(BaseModel):
    """A principle the index weighs, with its names from the taxonomy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name_zh: str
    name_en: str


class Framework(BaseModel):
    """A validated framework: its principles (in file order) and indicators (in file order)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    principles: tuple[Principle, ...]
    indicators: tuple[Indicator, ...]

    def indicator(self, indicator_id: str) -> Indicator | None:
        """The indicator with this id (in any letter case), or None."""
        wanted = indicator_id.casefold()
        for item in self.indicators:
            if item.id.casefold() == wanted:
                return item
        return None


def _off_scale(label: str, indicator: Indicator) -> list[MinyiError]:
    """The reference values off the scale the indicator's unit names (a 1–5 rating's
    threshold at 0: no value on the scale, which is all an import takes, could score 0)."""
    scale = indicator.scale
    if scale is None:
        return []
    low, high = scale
    named = f"{low:g}–{high:g}"
    fields = {
        "threshold": indicator.threshold,
        "target": indicator.target,
        "baseline": indicator.baseline,
    }
    return [
        MinyiError("fw_off_scale", indicator=label, field=field, value=f"{x:g}", scale=named)
        for field, x in fields.items()
        if x is not None and not low <= x <= high
    ]


def parse_framework(
    source: str | bytes, taxonomy: Taxonomy, *, name: str = "framework", scales: bool = True
) -> Framework:
    """Parse and validate a framework TOML (SPEC §10).

    Raises FrameworkError listing every problem, each naming the indicator and the field:
    TOML syntax (with its line), a missing or unknown field, a principle that is not a
    principle of the taxonomy or not in the framework's `principles`, threshold equal to
    target, a duplicate id, a number that is not finite, and (with `scales`) a reference
    value off the scale the unit names. A framework already in force is read without
    `scales`: one stored before that check keeps working.
    """
    try:
        text = source.decode("utf-8-sig") if isinstance(source, bytes) else source
    except UnicodeDecodeError as exc:
        raise FrameworkError(name, [MinyiError("fw_not_utf8", byte=exc.start + 1)]) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FrameworkError(name, [MinyiError("fw_not_toml", error=str(exc))]) from exc
    problems: list[MinyiError] = []
    unknown_top = sorted(set(data) - {"principles", "indicator"})
    problems += [MinyiError("fw_unknown_top", key=key) for key in unknown_top]
    principles = _framework_principles(data.get("principles"), taxonomy, problems)
    raw_indicators = data.get("indicator")
    if not isinstance(raw_indicators, list) or not raw_indicators:
        problems.append(MinyiError("fw_no_indicators"))
        raw_indicators = []
    indicators: list[Indicator] = []
    seen: dict[str, int] = {}
    for number, entry in enumerate(raw_indicators, start=1):
        label = _indicator_label(number, entry)
        if not isinstance(entry, dict):
            problems.append(MinyiError("fw_not_table", indicator=label))
            continue
        try:
            indicator = Indicator.model_validate(entry)
        except ValidationError as exc:
            problems += [_field_problem(label, err) for err in exc.errors()]
            continue
        key = indicator.id.casefold()
        if key in seen:
            problems.append(MinyiError("fw_duplicate", indicator=label, first=seen[key]))
        seen.setdefault(key, number)
        if indicator.threshold == indicator.target:
            problems.append(MinyiError("fw_equal", indicator=label, value=f"{indicator.target:g}"))
        if scales:
            problems += _off_scale(label, indicator)
        known = {p.id for p in principles}
        if principles and indicator.principle not in known:
            problems.append(
                MinyiError(
                    "fw_indicator_principle"
                    if taxonomy.get(indicator.principle)
                    else "fw_indicator_principle_unknown",
                    indicator=label,
                    principle=indicator.principle,
                    known=", ".join(sorted(known)),
                )
            )
        indicators.append(indicator)
    used = {i.principle for i in indicators}
    problems += [
        MinyiError("fw_principle_unused", id=p.id)
        for p in principles
        if indicators and p.id not in used
    ]
    if problems:
        raise FrameworkError(name, problems)
    return Framework(principles=tuple(principles), indicators=tuple(indicators))


def _framework_principles(
    raw: object, taxonomy: Taxonomy, problems: list[MinyiError]
) -> list[Principle]:
    if raw is None:
        problems.append(MinyiError("fw_principles_missing"))
        return []
    if not isinstance(raw, list) or not raw or not all(isinstance(p, str) for p in raw):
        problems.append(MinyiError("fw_principles_type"))
        return []
    found: list[Principle] = []
    for pid in raw:
        theme = taxonomy.get(pid)
        if theme is None or theme.kind != "principle" or theme.id != pid:
            kinds = ", ".join(t.id for t in taxonomy.by_kind("principle"))
            problems.append(MinyiError("fw_principle_unknown", id=pid[:80], known=kinds))
        elif any(p.id == pid for p in found):
            problems.append(MinyiError("fw_principle_twice", id=pid))
        else:
            found.append(Principle(id=theme.id, name_zh=theme.name_zh, name_en=theme.name_en))
    return found


def _indicator_label(number: int, entry: object) -> str:
    # Language-neutral: the templates put "indicator"/"指标" in front of it.
    label = f"#{number}"
    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
        label += f" ({entry['id'][:64]!r})"
    return label


def _field_problem(label: str, err: Any) -> MinyiError:
    fieldname = ".".join(str(part) for part in err["loc"]) or "entry"
    if err["type"] == "extra_forbidden":
        return MinyiError("fw_field_unknown", indicator=label, field=fieldname[:64])
    if err["type"] == "missing":
        return MinyiError("fw_field_missing", indicator=label, field=fieldname)
    # pydantic's own words (English) say what the value should be.
    return MinyiError("fw_field_bad", indicator=label, field=fieldname, message=err["msg"])
