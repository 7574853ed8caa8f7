"""Decoding Bot API request parameters (query string, JSON, form, multipart) and Telegram errors."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import BodyPartReader, web

from sandbox.models import UploadedFile

# Parameters that are always strings: form bodies are not JSON-decoded for these, so a text of
# "123" or "true" stays a string, as Telegram reads it.
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "question",
        "parse_mode",
        "question_parse_mode",
        "explanation",
        "explanation_parse_mode",
        "callback_query_id",
        "url",
        "secret_token",
        "description",
        "short_description",
        "name",
        "title",
        "data",
        "action",
        "language_code",
        "file_id",
        "emoji",
        "business_connection_id",
        "message_effect_id",
        "ip_address",
    }
)


class ApiError(Exception):
    """A Telegram error reply: `{"ok": false, "error_code", "description", "parameters"}`."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def as_json(self) -> dict[str, Any]:
        """The body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str, parameters: dict[str, Any] | None = None) -> ApiError:
    """A 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}", parameters)


def forbidden(reason: str) -> ApiError:
    """A 403 error with Telegram's "Forbidden: " prefix."""
    return ApiError(403, f"Forbidden: {reason}")


def _decode_form_value(name: str, value: str) -> Any:
    """A form value as Telegram reads it: JSON for non-string parameters, else the raw string."""
    if name in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def read_params(request: web.Request) -> dict[str, Any]:
    """All parameters of a Bot API request, whichever way they were sent."""
    params: dict[str, Any] = {
        key: _decode_form_value(key, value) for key, value in request.query.items()
    }
    if request.method != "POST" or not request.can_read_body:
        return params
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise bad_request("can't parse JSON request body") from exc
        if not isinstance(body, dict):
            raise bad_request("request body must be a JSON object")
        params.update(body)
    elif content_type == "multipart/form-data":
        params.update(await _read_multipart(request))
    elif content_type == "application/x-www-form-urlencoded":
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                params[key] = _decode_form_value(key, value)
    return params


async def _read_multipart(request: web.Request) -> dict[str, Any]:
    """Text parts as parameters, file parts as `UploadedFile`s; `attach://` names resolved."""
    params: dict[str, Any] = {}
    attachments: dict[str, UploadedFile] = {}
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        if part.filename is not None:
            data = bytes(await part.read(decode=False))
            upload = UploadedFile(
                filename=part.filename,
                content_type=part.headers.get("Content-Type", "application/octet-stream"),
                data=data,
            )
            attachments[part.name] = upload
            params[part.name] = upload
        else:
            params[part.name] = _decode_form_value(part.name, await part.text())
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            target = attachments.get(value.removeprefix("attach://"))
            if target is not None:
                params[key] = target
                params.pop(value.removeprefix("attach://"), None)
    return params


class Params:
    """Typed access to one request's parameters, raising Telegram's errors for bad ones."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def has(self, name: str) -> bool:
        """Whether the parameter was given (and not null)."""
        return self.raw.get(name) is not None

    def str_(self, name: str, *, empty_message: str | None = None) -> str:
        """A required string parameter."""
        value = self.raw.get(name)
        if value is None or value == "":
            raise bad_request(empty_message or f"{name} is empty")
        return str(value)

    def opt_str(self, name: str) -> str | None:
        """An optional string parameter."""
        value = self.raw.get(name)
        return None if value is None else str(value)

    def int_(self, name: str) -> int:
        """A required integer parameter."""
        value = self.raw.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        return self._to_int(name, value)

    def opt_int(self, name: str) -> int | None:
        """An optional integer parameter."""
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        return self._to_int(name, value)

    def bool_(self, name: str, default: bool = False) -> bool:
        """An optional boolean parameter."""
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        return str(value).lower() in ("true", "1")

    def json_(self, name: str) -> Any:
        """An optional parameter holding a JSON-serialised object (or already decoded)."""
        value = self.raw.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
        return value

    def chat_id(self, name: str = "chat_id") -> int:
        """The chat id parameter (a number; channel usernames are not emulated)."""
        value = self.raw.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        if isinstance(value, str) and value.startswith("@"):
            raise bad_request("chat not found")
        return self._to_int(name, value)

    @staticmethod
    def _to_int(name: str, value: Any) -> int:
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        try:
            return int(str(value))
        except ValueError as exc:
            raise bad_request(f"invalid {name} specified") from exc
