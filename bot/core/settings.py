"""The deployment's settings: one pydantic model per TOML table (SPEC §7).

The core owns these models (it reads them everywhere); bot/config.py loads them from a file and
the environment at the edge, and passes them on explicitly.
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, Strict, field_validator

from bot.core.durations import MAX_DURATION, parse_duration
from bot.core.errors import DurationError
from bot.core.numbers import read_number
from nlp.segment import DEFAULT_ENGINE, Engine

_log = logging.getLogger(__name__)

TOKEN_ENV = "MINYI_TELEGRAM_TOKEN"
SECRET_ENV = "MINYI_PRIVACY_SECRET"


class ConfigError(Exception):
    """The configuration cannot be used; the message says why and names the key."""


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Numbers and switches are read strictly, as TOML typed them: converted, `max_answer_chars =
# true` became 1 (every answer longer than one character refused), `organisers = ["12"]` a
# list of ids and `group_admins_are_organisers = "no"` false. A float key takes an integer.
Number = Annotated[int, Strict()]
Switch = Annotated[bool, Strict()]
Real = Annotated[float, Field(strict=True, allow_inf_nan=False)]
# A Telegram user or chat id: 64 bits signed, as Telegram sends and storage keeps them.
TelegramId = Annotated[int, Strict(), Field(ge=-(2**63), lt=2**63)]


class TelegramConfig(_Table):
    token: SecretStr | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str | None = None
    webhook_secret: SecretStr | None = None


class StorageConfig(_Table):
    url: str = "sqlite:///minyi.db"

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not (
            value.startswith("sqlite:///") or value.startswith(("postgresql://", "postgres://"))
        ):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value


class RolesConfig(_Table):
    organisers: list[TelegramId] = Field(default_factory=list)
    group_admins_are_organisers: Switch = False
    staff_chats: list[TelegramId] = Field(default_factory=list)


def _check_duration(value: str) -> str:
    """`value` if it is a duration; else a ValueError in words (DurationError carries only the
    key of a chat message, which would reach the operator as `duration_not_understood`)."""
    try:
        parse_duration(value)
    except DurationError as exc:
        raise ValueError(
            f"not a duration of up to {MAX_DURATION.days} days written like 90s, 30m, 48h, 7d "
            f"or 1d12h: {value!r}"
        ) from exc
    return value


class RoundsConfig(_Table):
    default_duration: str = "72h"
    reminder_before: str = "24h"

    @field_validator("default_duration")
    @classmethod
    def _duration(cls, value: str) -> str:
        return _check_duration(value)

    @field_validator("reminder_before")
    @classmethod
    def _optional_duration(cls, value: str) -> str:
        return _check_duration(value) if value else value


class ScheduleConfig(_Table):
    timezone: str = "Asia/Shanghai"
    digest_cron: str = "0 9 * * mon"
    # How often the scheduler looks for transitions that fell due (seconds).
    # At most an hour: rounds open and close on the tick.
    tick_seconds: Real = Field(default=1.0, gt=0, le=3600)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("digest_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        from bot.core.crontab import next_fire, validate_cron

        validate_cron(value)
        # A valid expression may still never fire ("0 9 31 2 *"): the digest would then fail
        # at every tick, so it is refused at start.
        next_fire(value, datetime.now(UTC), UTC)
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The configured zone as a tzinfo."""
        return ZoneInfo(self.timezone)


class NlpConfig(_Table):
    taxonomy: Path | None = None
    # Deprecated and ignored: the tagging helper process is gone (issue 18: with jieba-rs it
    # no longer paid for itself). Still accepted so that existing config files keep loading.
    helper_process: bool | None = None
    # Word segmentation: jieba-rs (native, the default) or jieba (pure Python, the reference);
    # jieba-rs falls back to jieba, with a warning, where its wheel is missing.
    segmenter: Engine = DEFAULT_ENGINE
    # /label: the principle model learns again, in the background, after every this many
    # labels (0: only `minyi learn` does, e.g. from the file `minyi export --labels` writes).
    learn_every: Number = Field(default=20, ge=0, le=100_000)
    # A labelled answers file (text,labels,split like nlp/data/principles_answers.csv) to build
    # the principle model from instead of the shipped one, for residents who write unlike it.
    principle_answers: Path | None = None

    @field_validator("helper_process")
    @classmethod
    def _deprecated_helper(cls, value: bool | None) -> bool | None:
        if value is not None:
            _log.warning(
                "nlp.helper_process is deprecated and ignored: the bot tags in its own process; "
                "nlp.helper_process 已弃用，不再生效：机器人在自身进程内分类"
            )
        return value


class LimitsConfig(_Table):
    max_answer_chars: Number = Field(default=2000, ge=1, le=100_000)
    # Answers one resident may send per minute before the bot asks them to slow down.
    answers_per_minute: Number = Field(default=10, ge=1)


class PrivacyConfig(_Table):
    secret: SecretStr | None = None
    # Up to what a time span holds: operators who keep everything wrote `99999` and more
    # before numbers were bounded; one reaching before year 1 keeps everything too
    # (bot/scheduler.py `retention_cutoff`).
    retention_days: Number = Field(default=365, ge=1, le=999_999_999)


class LocaleConfig(_Table):
    default: Literal["zh", "en"] = "zh"


class IndexConfig(_Table):
    """The governance index (SPEC §10)."""

    # The framework TOML in force when none was stored with `minyi index framework`; default:
    # the shipped example (bot/core/data/index_framework.toml).
    framework: Path | None = None
    # Share of the framework's indicators a community needs a value for to be ranked.
    min_coverage: Real = Field(default=0.5, ge=0.0, le=1.0)


class WebConfig(_Table):
    """The web answer pages (SPEC §11): off unless `listen` is set."""

    # HOST:PORT the pages are served on ("" = no web pages).
    listen: str = ""
    # The address residents open (scheme, host and optional port, no path), e.g.
    # "https://minyi.example.org"; links and QR codes use it and requests must name its host.
    public_url: str = ""
    # Reverse proxies (IP addresses or CIDR networks) whose X-Forwarded-For is believed; the
    # default trusts only a proxy on this machine.
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.0/8", "::1"])

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        if value:
            host, sep, port = value.rpartition(":")
            number = read_number(port, typed=False, max_digits=5)
            if not sep or not host or number is None or not 0 < number < 65536:
                raise ValueError(f"wants HOST:PORT, e.g. 0.0.0.0:8080, not {value!r}")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"wants http(s)://HOST[:PORT], not {value!r}")
        if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
            raise ValueError(f"wants only a scheme, host and port (no path), not {value!r}")
        return value.rstrip("/")

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"wants IP addresses or networks, e.g. 10.0.0.5 or 10.0.0.0/24, not {entry!r}"
                ) from None
        return value


class Settings(_Table):
    """The whole configuration of one deployment."""

    telegram: TelegramConfig = TelegramConfig()
    storage: StorageConfig = StorageConfig()
    roles: RolesConfig = RolesConfig()
    rounds: RoundsConfig = RoundsConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    nlp: NlpConfig = NlpConfig()
    limits: LimitsConfig = LimitsConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    locale: LocaleConfig = LocaleConfig()
    index: IndexConfig = IndexConfig()
    web: WebConfig = WebConfig()

    def token(self) -> str:
        """The bot token, or a ConfigError that says where to put it."""
        if self.telegram.token is None or not self.telegram.token.get_secret_value():
            raise ConfigError(
                f"no Telegram bot token: set telegram.token in the config file or {TOKEN_ENV}"
            )
        return self.telegram.token.get_secret_value()

    def privacy_secret(self) -> bytes | None:
        """The configured key for pseudonymous resident ids (`privacy.secret`, or
        MINYI_PRIVACY_SECRET), or None when none is set: the deployment then uses the key it
        generated and stored in its database (bot/core/base.py `privacy_key`)."""
        if self.privacy.secret is None or not self.privacy.secret.get_secret_value():
            return None
        return self.privacy.secret.get_secret_value().encode()
