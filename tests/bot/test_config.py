"""Configuration (SPEC §7): defaults, the example file, env overrides and clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings, settings_from_dict

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_match_the_spec() -> None:
    """With no file, every key has the documented default."""
    s = settings_from_dict({}, environ={})
    assert s.storage.url == "sqlite:///minyi.db"
    assert s.roles.organisers == [] and s.roles.group_admins_are_organisers is False
    assert s.rounds.default_duration == "72h" and s.rounds.reminder_before == "24h"
    assert s.schedule.timezone == "Asia/Shanghai" and s.schedule.digest_cron == "0 9 * * mon"
    assert s.limits.max_answer_chars == 2000
    assert s.privacy.retention_days == 365 and s.locale.default == "zh"
    assert s.web.trusted_proxies == ["127.0.0.0/8", "::1"]


def test_example_config_loads_and_documents_every_key() -> None:
    """config.example.toml is valid and names every key of every table."""
    s = load_settings(ROOT / "config.example.toml", environ={})
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    for table, model in s:
        for key in type(model).model_fields:
            assert f"{key} =" in text, f"{table}.{key} is not documented"


def test_operators_guide_documents_every_key() -> None:
    """docs/operators.md's table of keys has a row for every key the settings accept, and
    none for a key they no longer accept."""
    text = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", text, flags=re.MULTILINE))
    accepted = {f"{table}.{key}" for table, model in Settings() for key in type(model).model_fields}
    assert accepted - rows == set(), "keys missing from docs/operators.md"
    assert rows - accepted == set(), "docs/operators.md documents keys that do not exist"


def test_unknown_key_is_an_error_naming_it(tmp_path: Path) -> None:
    """A typo in a key is refused with the key's name, not silently ignored."""
    path = tmp_path / "config.toml"
    path.write_text("[roles]\norganizers = [1]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"roles\.organizers"):
        load_settings(path, environ={})


def test_unknown_table_is_an_error(tmp_path: Path) -> None:
    """An unknown table is refused with its name."""
    path = tmp_path / "config.toml"
    path.write_text("[telegramm]\ntoken = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="telegramm"):
        load_settings(path, environ={})


def test_missing_token_has_a_clear_error() -> None:
    """Asking for the token when none is set says where to put it."""
    s = settings_from_dict({}, environ={})
    with pytest.raises(ConfigError, match="MINYI_TELEGRAM_TOKEN"):
        s.token()


def test_environment_overrides_token_and_secret() -> None:
    """MINYI_TELEGRAM_TOKEN and MINYI_PRIVACY_SECRET win over the file."""
    s = settings_from_dict(
        {"telegram": {"token": "file"}, "privacy": {"secret": "file"}},
        environ={"MINYI_TELEGRAM_TOKEN": "env-token", "MINYI_PRIVACY_SECRET": "env-secret"},
    )
    assert s.token() == "env-token"
    assert s.privacy_secret() == b"env-secret"


@pytest.mark.parametrize(
    ("table", "body", "fragment"),
    [
        ("rounds", 'default_duration = "forever"', "rounds.default_duration"),
        ("schedule", 'timezone = "Mars/Olympus"', "schedule.timezone"),
        ("schedule", 'digest_cron = "every monday"', "schedule.digest_cron"),
        # Valid syntax, but 31 February never comes: the digest would fail at every tick.
        ("schedule", 'digest_cron = "0 9 31 2 *"', r"schedule\.digest_cron.*never fires"),
        ("storage", 'url = "mysql://x"', "storage.url"),
        ("locale", 'default = "fr"', "locale.default"),
        ("limits", "max_answer_chars = 0", "limits.max_answer_chars"),
        ("web", 'trusted_proxies = ["10.0.0.0/33"]', r"web\.trusted_proxies.*10\.0\.0\.0/33"),
        ("web", 'trusted_proxies = ["proxy.example"]', r"web\.trusted_proxies.*proxy\.example"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, table: str, body: str, fragment: str) -> None:
    """An invalid value is refused with the key's name."""
    path = tmp_path / "config.toml"
    path.write_text(f"[{table}]\n{body}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=fragment):
        load_settings(path, environ={})


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    """A --config path that does not exist is named in the error."""
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", environ={})


@pytest.mark.parametrize("value", [0, -1, -0.5])
def test_tick_seconds_must_be_positive(value: float) -> None:
    """A scheduler tick of zero or less seconds is refused naming schedule.tick_seconds."""
    with pytest.raises(ConfigError, match=r"schedule\.tick_seconds"):
        settings_from_dict({"schedule": {"tick_seconds": value}}, environ={})


def test_segmenter_is_chosen_by_config_and_checked() -> None:
    """nlp.segmenter defaults to jieba-rs, accepts jieba, and refuses other names by key."""
    assert settings_from_dict({}, environ={}).nlp.segmenter == "jieba-rs"
    chosen = settings_from_dict({"nlp": {"segmenter": "jieba"}}, environ={})
    assert chosen.nlp.segmenter == "jieba"
    with pytest.raises(ConfigError, match=r"nlp\.segmenter"):
        settings_from_dict({"nlp": {"segmenter": "jieba_fast"}}, environ={})


def test_the_removed_helper_process_key_still_loads(caplog: pytest.LogCaptureFixture) -> None:
    """An old config setting nlp.helper_process still loads, with a deprecation warning."""
    with caplog.at_level("WARNING"):
        settings = settings_from_dict({"nlp": {"helper_process": True}}, environ={})
    assert settings.nlp.segmenter == "jieba-rs"
    assert "nlp.helper_process is deprecated" in caplog.text


@pytest.mark.parametrize(
    ("key", "value"), [("default_duration", "forever"), ("reminder_before", "999d")]
)
def test_a_bad_duration_says_what_a_duration_looks_like(key: str, value: str) -> None:
    """A bad `rounds` duration is explained in words (90s, 30m, 48h, 7d), not by the name of a
    message template such as `duration_not_understood`."""
    with pytest.raises(ConfigError) as caught:
        settings_from_dict({"rounds": {key: value}}, environ={})
    message = str(caught.value)
    assert f"rounds.{key}" in message and "48h" in message
    assert "duration_" not in message


def test_files_the_config_names_are_found_next_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative taxonomy, principle answers file or index framework is read from beside the
    config file, wherever the bot was started."""
    folder = tmp_path / "deployment"
    folder.mkdir()
    config = folder / "config.toml"
    config.write_text(
        '[nlp]\ntaxonomy = "tax.json"\nprinciple_answers = "data/answers.csv"\n'
        '[index]\nframework = "framework.toml"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    settings = load_settings(config)
    assert settings.nlp.taxonomy == folder / "tax.json"
    assert settings.nlp.principle_answers == folder / "data" / "answers.csv"
    assert settings.index.framework == folder / "framework.toml"
