"""Property-based tests: every key of config.example.toml given a value of the wrong TOML type,
or one out of any sensible range, is refused naming the key (SPEC §7), never read as something
else or left to fail later while the bot runs."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import ConfigError, settings_from_dict
from bot.core.base import open_core
from bot.scheduler import purge_expired

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE: dict[str, dict[str, Any]] = tomllib.loads(
    (ROOT / "config.example.toml").read_text(encoding="utf-8")
)
KEYS = sorted((table, key) for table, values in EXAMPLE.items() for key in values)


def toml_type(value: object) -> str:
    """The TOML type of a parsed value (a float key takes an integer too)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "table"


# What a TOML file can hold, of every type.
SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "12", "1.5", "true", "yes", "72h", "zh", "0 9 * * mon"]),
    st.text(max_size=12),
)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.sampled_from(["a", "token"]), SCALARS, max_size=2),
)


# What an array key's elements are (its example may be the empty array): Telegram ids.
ID_ARRAYS = frozenset(["organisers", "staff_chats"])


def wrong_type(table: str, key: str, value: object) -> bool:
    """Whether `value` is of another TOML type than the example's value of the key (or, for
    an array, has an element of another type than the key's)."""
    expected = toml_type(EXAMPLE[table][key])
    if toml_type(value) != expected:
        return True
    if isinstance(value, list):
        if key in ID_ARRAYS:
            return not all(toml_type(v) == "number" and isinstance(v, int) for v in value)
        return not all(toml_type(v) == "string" for v in value)
    # An integer key takes no fraction; a fractional key takes an integer.
    return isinstance(EXAMPLE[table][key], int) and isinstance(value, float)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(st.sampled_from(KEYS), VALUES)
def test_a_value_of_the_wrong_type_is_refused_naming_its_key(
    where: tuple[str, str], value: object
) -> None:
    """A value whose TOML type is not the key's (`true` for a number, "12" for a list of ids,
    a number for a text) is refused with the key's name, not converted (`max_answer_chars =
    true` read as 1 refused every answer longer than one character)."""
    table, key = where
    data = {name: dict(values) for name, values in EXAMPLE.items()}
    data[table][key] = value
    if not wrong_type(table, key, value):
        try:
            settings_from_dict(data, environ={})
        except ConfigError as error:
            assert f"{table}.{key}" in str(error), str(error)
        return
    with pytest.raises(ConfigError) as refused:
        settings_from_dict(data, environ={})
    assert f"{table}.{key}" in str(refused.value)


@pytest.mark.parametrize(
    ("table", "key", "value"),
    [
        ("schedule", "tick_seconds", float("inf")),
        ("schedule", "tick_seconds", float("nan")),
        ("schedule", "tick_seconds", 1e300),
        ("privacy", "retention_days", 1_000_000_000),
        ("privacy", "retention_days", 2**62),
        ("index", "min_coverage", float("nan")),
        ("roles", "organisers", [2**70]),
        ("roles", "staff_chats", [-(2**70)]),
    ],
)
def test_a_number_past_what_the_bot_can_use_is_refused_naming_its_key(
    table: str, key: str, value: object
) -> None:
    """A number the bot would fail on later (a tick of infinite seconds cannot be scheduled;
    a retention of 1,000,000,000 days is no time span Python holds; a chat id past 64 bits
    cannot be stored) is refused at start with the key's name."""
    with pytest.raises(ConfigError, match=rf"{table}\.{key}"):
        settings_from_dict({table: {key: value}}, environ={})


async def test_the_longest_retention_accepted_purges(tmp_path: Path) -> None:
    """With the longest retention the configuration accepts, the purge runs and deletes
    nothing (a cut-off before year 1 raised OverflowError at every tick)."""
    top = 1
    while True:
        try:
            settings_from_dict({"privacy": {"retention_days": top * 2}}, environ={})
        except ConfigError:
            break
        top *= 2
        assert top < 2**40, "no upper bound on privacy.retention_days"
    for days in range(top, top * 2 + 1, max(top // 8, 1)):
        try:
            config = settings_from_dict(
                {
                    "storage": {"url": f"sqlite:///{tmp_path / 'minyi.db'}"},
                    "privacy": {"retention_days": days, "secret": "s"},
                },
                environ={},
            )
        except ConfigError:
            break
        core = await open_core(config)
        try:
            assert await purge_expired(core) == 0
        finally:
            await core.repo.close()
    assert timedelta(days=top) > timedelta(days=365 * 50), "a long retention must stay possible"


@pytest.mark.parametrize("days", [99_999, 1_000_000])
async def test_a_retention_meant_as_keep_everything_still_loads_and_deletes_nothing(
    tmp_path: Path, days: int
) -> None:
    """`retention_days = 99999` (an operator's "keep everything", which ran before numbers
    were bounded) still loads after the upgrade, and the purge it makes, whose cut-off is before
    any answer (before year 1 for 1,000,000 days), runs and deletes nothing."""
    config = settings_from_dict(
        {
            "storage": {"url": f"sqlite:///{tmp_path / 'minyi.db'}"},
            "privacy": {"retention_days": days, "secret": "s"},
        },
        environ={},
    )
    core = await open_core(config)
    try:
        assert await purge_expired(core) == 0
    finally:
        await core.repo.close()


def test_a_rate_limit_meant_as_none_still_loads() -> None:
    """`answers_per_minute = 1000000` (an operator's "no limit", which ran before numbers were
    bounded, and which nothing fails on) still loads after the upgrade."""
    config = settings_from_dict({"limits": {"answers_per_minute": 1_000_000}}, environ={})
    assert config.limits.answers_per_minute == 1_000_000
