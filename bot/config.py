"""Loading the configuration (SPEC §7): a TOML file and the environment, validated into the
core's `Settings` (bot/core/settings.py) and passed on explicitly."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.core.settings import SECRET_ENV, TOKEN_ENV, ConfigError, Settings

__all__ = ["ConfigError", "Settings", "load_settings", "settings_from_dict"]

DEFAULT_CONFIG_PATH = Path("config.toml")


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"])
        if item["type"] == "extra_forbidden":
            lines.append(f"unknown key {key!r}")
        else:
            lines.append(f"{key}: {item['msg']}")
    return "; ".join(lines)


def settings_from_dict(data: dict[str, Any], environ: dict[str, str] | None = None) -> Settings:
    """Validate a parsed TOML document, applying the environment overrides of SPEC §7."""
    env = os.environ if environ is None else environ
    merged: dict[str, Any] = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    if env.get(TOKEN_ENV):
        merged.setdefault("telegram", {})["token"] = env[TOKEN_ENV]
    if env.get(SECRET_ENV):
        merged.setdefault("privacy", {})["secret"] = env[SECRET_ENV]
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(f"invalid configuration: {_describe(exc)}") from exc


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Load `path` (default ./config.toml if it exists, else built-in defaults)."""
    if path is None:
        path = DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.exists() else None
    data: dict[str, Any] = {}
    if path is not None:
        try:
            # utf-8-sig: editors that save "UTF-8 with BOM" (Windows Notepad) write one, and
            # tomllib would call it an invalid statement at line 1, column 1.
            data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file not found: {path}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{path} is not UTF-8 text (byte {exc.start + 1} cannot be read); "
                "save it as UTF-8, as TOML requires"
            ) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
        except OSError as exc:
            # A folder, a file the bot may not read, a broken disk: one line naming it.
            raise ConfigError(f"cannot read the config file {path}: {exc.strerror}") from exc
        # A relative path to a file the config names is relative to the config file, not to
        # the working directory the bot happens to start in.
        for table, key in (
            ("nlp", "taxonomy"),
            ("nlp", "principle_answers"),
            ("index", "framework"),
        ):
            section = data.get(table)
            if isinstance(section, dict) and isinstance(section.get(key), str):
                section[key] = str((path.parent / section[key]).resolve())
    return settings_from_dict(data, environ)
