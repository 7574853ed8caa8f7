"""The local Telegram Bot API server: HTTP, long polling, webhooks, call recording and faults."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from sandbox.flood import SENDING_METHODS, FloodControl, messages_of
from sandbox.methods import METHODS
from sandbox.models import Fault, FaultKind, QueuedUpdate, RecordedCall
from sandbox.origin import forbidden, loopback_host, same_origin
from sandbox.params import ApiError, Params, bad_request, read_params
from sandbox.payloads import webhook_info_json
from sandbox.world import World

logger = logging.getLogger(__name__)


def _dumps(data: Any) -> str:
    """JSON as Telegram sends it: UTF-8 text as is, but a lone surrogate (which a person's
    client can send and UTF-8 cannot carry) as its `\\ud800` escape, as in Telegram's JSON."""
    text = json.dumps(data, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data)
    return text


_BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)

_SECRET_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class _Dropped(Exception):
    """The emulator dropped the connection on purpose (fault injection)."""


class BotAPIEmulator(World):
    """A Telegram Bot API server on 127.0.0.1 that a real python-telegram-bot talks to.

    Use as `async with BotAPIEmulator() as em:` and point PTB at `em.base_url` and
    `em.base_file_url`. The people API (inherited from `World`) acts as residents and
    organisers; `calls`, `messages_to` and `polls` show what the bot did.
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "minyi_bot",
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(token, bot_username, clock)
        self.host = host
        self.port = port
        self.calls: list[RecordedCall] = []
        self.faults: list[Fault] = []
        # Called with each call as it arrives, before it takes effect; one that returns a fault
        # kind makes that call take it ("drop": it never takes effect, "drop_after": it does):
        # for tests that act (kill the bot) at the instant of a chosen call.
        self.interceptors: list[Callable[[RecordedCall], FaultKind | None]] = []
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.webhook_max_connections = 40
        self.webhook_allowed_updates: list[str] | None = None
        # Telegram retries a failed webhook delivery after a growing delay; kept short here.
        self.webhook_retry_delay = 0.2
        # The next N acknowledged webhook deliveries are POSTed once more, as when Telegram
        # never saw the acknowledgement: for testing that processing is idempotent.
        self.webhook_duplicates = 0
        # None: no flood limits. Set a FloodControl (or call enable_flood_control) to have sends
        # beyond Telegram's limits answered with 429 and counted in `violations`.
        self.flood_control: FloodControl | None = None
        self.webhook_deliveries: list[dict[str, Any]] = []
        # More routes on the same server, added at start (sandbox/webui.py: the browser page).
        self.web_extensions: list[Callable[[web.Application], None]] = []
        self._webhook_last_error: tuple[int, str] | None = None
        self._webhook_in_flight: set[int] = set()
        self._webhook_next_attempt: dict[int, float] = {}
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_deliveries_running: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()
        self._poll_generation = 0
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, str] = {name.lower(): name for name in METHODS}
        for name in ("getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo"):
            self._methods[name.lower()] = name

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        """The Bot API base PTB appends the token to: `http://127.0.0.1:PORT/bot`."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """The file download base PTB appends the token and file path to."""
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def bot_user_id(self) -> int:
        """The bot's Telegram user id (the number before the colon of the token)."""
        return self.bot.id

    async def start(self) -> None:
        """Listen on `host:port` (a free port when 0) and start webhook delivery."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        for extend in self.web_extensions:
            extend(app)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, handler_cancellation=True)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()
        self._stopping = False
        self._changed = asyncio.Event()
        self._webhook_task = asyncio.create_task(self._webhook_loop(), name="emulator-webhook")

    async def stop(self) -> None:
        """End long polls, webhook delivery and the server."""
        self._stopping = True
        self._wake()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        for task in list(self._webhook_deliveries_running):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotAPIEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ observation
    def calls_to(self, method: str) -> list[RecordedCall]:
        """The recorded calls of one Bot API method, oldest first."""
        return [call for call in self.calls if call.method == method]

    # The agreed public API takes `timeout` (not an asyncio.timeout block): tests read better.
    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until `predicate()` holds; TimeoutError says what the bot did meanwhile."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(self._timeout_message(predicate, timeout))
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.05))

    async def wait_idle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot confirmed every queued update (its offset moved past them)."""
        await self.wait_for(lambda: not self.queue, timeout)

    def _timeout_message(self, predicate: Callable[[], bool], timeout: float) -> str:
        name = getattr(predicate, "__qualname__", repr(predicate))
        recent = [
            f"{call.method}({_short(call.params)}) -> "
            + ("ok" if call.ok else f"{call.error_code} {call.description}")
            for call in self.calls
            if call.method != "getUpdates"
        ][-8:]
        pending = [f"{update.update_id}:{update.kind}" for update in self.queue][:10]
        return (
            f"condition {name} not met within {timeout}s; "
            f"pending updates {pending or 'none'} (confirmed offset {self.confirmed_offset}); "
            f"last bot calls: {recent or 'none'}"
        )

    # ------------------------------------------------------------------ faults
    def inject_fault(
        self,
        kind: FaultKind,
        *,
        method: str | None = None,
        count: int = 1,
        retry_after: int = 1,
        chat_id: int | None = None,
        description: str | None = None,
    ) -> None:
        """Make the next `count` matching calls fail.

        `400` answers Bad Request as Telegram does when it refuses a message for good (by
        default: the bot may not send messages in that chat; `description` names another
        reason); `413` answers Request Entity Too Large, as Telegram does for an upload over its
        size limit; `429` answers Too Many Requests with
        `retry_after`; `500` an internal error; `502` an nginx HTML page; `drop` closes the
        connection before the call has any effect; `drop_after` performs the call and then
        closes the connection (the bot cannot know it succeeded). `method=None` matches every
        method except getUpdates, whose long poll would otherwise take the fault at a random
        moment; name it to fault it. `chat_id` limits the fault to calls addressed to that
        chat.
        """
        self.faults.append(
            Fault(
                kind=kind,
                method=method,
                remaining=count,
                retry_after=retry_after,
                chat_id=chat_id,
                description=description,
            )
        )

    def enable_flood_control(self) -> FloodControl:
        """Answer sends beyond Telegram's flood limits with 429; returns the counter."""
        self.flood_control = FloodControl()
        return self.flood_control

    def _intercepted(self, call: RecordedCall) -> Fault | None:
        """The fault an interceptor chose for this call, if any."""
        for intercept in list(self.interceptors):
            kind = intercept(call)
            if kind is not None:
                return Fault(kind=kind, method=call.method, remaining=0, retry_after=1)
        return None

    def _take_fault(self, method: str, chat_id: object = None) -> Fault | None:
        for fault in self.faults:
            matches = (
                fault.method.lower() == method.lower()
                if fault.method is not None
                else method != "getUpdates"
            )
            if fault.chat_id is not None and str(fault.chat_id) != str(chat_id):
                matches = False
            if matches:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    # ------------------------------------------------------------------ HTTP
    def _wake(self) -> None:
        """Wake every long poll and waiter: something changed."""
        self._changed.set()
        self._changed = asyncio.Event()

    def _refused(self, request: web.Request) -> web.Response | None:
        """A 403 for a request a web page could have made the browser send (sandbox/origin.py):
        a Host that is not loopback (DNS rebinding), or an Origin other than this server (a
        bot sends none); a 401 for a path without this bot's token; None if it may go on."""
        if not loopback_host(request, also=(self.host,)):
            return forbidden("the emulator answers only requests to this machine (Host)")
        if not same_origin(request):
            return forbidden("the emulator takes no cross-site requests (Origin)")
        if request.match_info["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        refused = self._refused(request)
        if refused is not None:
            return refused
        raw_name = request.match_info["method"]
        method = self._methods.get(raw_name.lower())
        try:
            raw = await read_params(request)
        except ApiError as exc:
            return _error_response(exc)
        call = RecordedCall(method=method or raw_name, params=raw, time=self.clock())
        self.calls.append(call)
        self._wake()
        try:
            result = await self._perform(request, call, method, raw)
        except ApiError as exc:
            call.ok, call.error_code, call.description = False, exc.code, exc.description
            self._wake()
            return _error_response(exc)
        except _Dropped:
            call.ok, call.description = False, "connection dropped"
            return web.Response(status=500)  # never reaches the client: the socket is closed
        if isinstance(result, web.StreamResponse):
            return result
        call.ok, call.result = True, result
        self._wake()
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    async def _perform(
        self, request: web.Request, call: RecordedCall, method: str | None, raw: dict[str, Any]
    ) -> Any:
        fault = self._intercepted(call) or self._take_fault(
            method or call.method, raw.get("chat_id")
        )
        if fault is not None:
            if fault.kind == "400":
                raise bad_request(
                    fault.description or "not enough rights to send text messages to the chat"
                )
            if fault.kind == "413":
                raise ApiError(413, "Request Entity Too Large")
            if fault.kind == "429":
                raise _too_many_requests(fault.retry_after)
            if fault.kind == "500":
                raise ApiError(500, "Internal Server Error")
            if fault.kind == "502":
                call.ok, call.error_code, call.description = False, 502, "Bad Gateway"
                return web.Response(status=502, text=_BAD_GATEWAY_HTML, content_type="text/html")
            if fault.kind == "drop":
                _drop(request)
        if method is None:
            logger.warning("the emulator does not know Bot API method %r: 404", call.method)
            raise ApiError(404, "Not Found")
        params = Params(raw)
        if self.flood_control is not None and method in SENDING_METHODS and params.has("chat_id"):
            media = params.raw.get("media") if method == "sendMediaGroup" else None
            if isinstance(media, str):
                with contextlib.suppress(ValueError):
                    media = json.loads(media)
            retry_after = self.flood_control.check(
                params.chat_id(), time.monotonic(), messages_of(method, media)
            )
            if retry_after is not None:
                raise _too_many_requests(retry_after)
        special: dict[str, Callable[[Params], Awaitable[Any]]] = {
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
        }
        if method in special:
            result = await special[method](params)
        else:
            result = METHODS[method](self, params)
        if fault is not None and fault.kind == "drop_after":
            call.ok, call.result = True, result
            _drop(request)
        return result

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        refused = self._refused(request)
        if refused is not None:
            return refused
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.file_path == path:
                return web.Response(
                    body=stored.data, content_type=stored.mime_type or "application/octet-stream"
                )
        return _error_response(ApiError(404, "Not Found"))

    # ------------------------------------------------------------------ updates
    async def _get_updates(self, p: Params) -> Any:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = p.opt_int("offset")
        limit = min(max(p.opt_int("limit") or 100, 1), 100)
        timeout = float(p.raw.get("timeout") or 0)
        allowed = p.json_("allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = frozenset(str(kind) for kind in allowed) or None
        if offset is not None and offset > 0:
            self.confirm_below(offset)
        elif offset is not None and offset < 0:
            kept = self.queue[offset:]
            if kept:
                self.confirm_below(kept[0].update_id)
        # A newer getUpdates ends an older one still waiting, as Telegram does.
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._deliverable_head(limit)
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._stopping:
                break
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
        # Queued payloads are private copies that nothing mutates, and the reply is serialised
        # at once: no copy needed.
        return [update.payload for update in batch]

    def _deliverable_head(self, limit: int) -> list[QueuedUpdate]:
        """Up to `limit` deliverable updates from the front of the queue, dropping the
        undeliverable ones met on the way (only the head is walked: the queue can be long)."""
        out: list[QueuedUpdate] = []
        index = 0
        queue = self.queue
        while index < len(queue) and len(out) < limit:
            if self.deliverable(queue[index]):
                out.append(queue[index])
                index += 1
            else:
                del queue[index]
        return out

    def _drop_undeliverable(self) -> None:
        """Updates of kinds the bot did not ask for are never delivered (nor kept)."""
        self.queue = [update for update in self.queue if self.deliverable(update)]

    # ------------------------------------------------------------------ webhooks
    async def _set_webhook(self, p: Params) -> Any:
        url = p.opt_str("url") or ""
        if url and not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.opt_str("secret_token")
        if secret is not None and (
            not 1 <= len(secret) <= 256 or not set(secret) <= _SECRET_TOKEN_CHARS
        ):
            raise bad_request("secret token contains unallowed characters")
        max_connections = p.opt_int("max_connections") or 40
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        if p.bool_("drop_pending_updates"):
            self._drop_pending()
        allowed = p.json_("allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = frozenset(str(kind) for kind in allowed) or None
            self.webhook_allowed_updates = [str(kind) for kind in allowed]
        self.webhook_url = url
        self.webhook_secret = secret
        self.webhook_max_connections = max_connections
        self._webhook_last_error = None
        self._wake()
        return True

    async def _delete_webhook(self, p: Params) -> Any:
        if p.bool_("drop_pending_updates"):
            self._drop_pending()
        self.webhook_url = ""
        self.webhook_secret = None
        self._wake()
        return True

    async def _get_webhook_info(self, p: Params) -> Any:
        last = self._webhook_last_error
        return webhook_info_json(
            self.webhook_url,
            len(self.queue),
            max_connections=self.webhook_max_connections,
            allowed_updates=self.webhook_allowed_updates,
            last_error_date=last[0] if last else None,
            last_error_message=last[1] if last else None,
        )

    def _drop_pending(self) -> None:
        if self.queue:
            self.confirm_below(self.queue[-1].update_id + 1)

    async def _webhook_loop(self) -> None:
        """Deliver queued updates by POST while a webhook is set, retrying failures."""
        async with aiohttp.ClientSession() as session:
            while not self._stopping:
                event = self._changed
                ready = self._webhook_ready()
                for update in ready:
                    self._webhook_in_flight.add(update.update_id)
                    task = asyncio.create_task(self._deliver(session, update))
                    self._webhook_deliveries_running.add(task)
                    task.add_done_callback(self._webhook_deliveries_running.discard)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), 0.05)

    def _webhook_ready(self) -> list[QueuedUpdate]:
        if not self.webhook_url:
            return []
        self._drop_undeliverable()
        now = time.monotonic()
        free = self.webhook_max_connections - len(self._webhook_in_flight)
        ready = [
            update
            for update in self.queue
            if update.update_id not in self._webhook_in_flight
            and self._webhook_next_attempt.get(update.update_id, 0.0) <= now
        ]
        return ready[: max(free, 0)]

    async def _deliver(self, session: aiohttp.ClientSession, update: QueuedUpdate) -> None:
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
        url = self.webhook_url
        status: int | None = None
        error = ""
        try:
            async with session.post(
                url,
                data=_dumps(update.payload).encode(),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=60),
            ) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            error = f"Connection failed: {exc!r}"
        finally:
            self._webhook_in_flight.discard(update.update_id)
        self.webhook_deliveries.append(
            {"update_id": update.update_id, "url": url, "status": status, "time": self.clock()}
        )
        if status is not None and 200 <= status < 300 and self.webhook_duplicates > 0:
            self.webhook_duplicates -= 1
        elif status is not None and 200 <= status < 300:
            self.queue = [queued for queued in self.queue if queued.update_id != update.update_id]
            self.confirmed_offset = max(self.confirmed_offset, update.update_id + 1)
            self._webhook_next_attempt.pop(update.update_id, None)
        else:
            message = error or f"Wrong response from the webhook: {status}"
            self._webhook_last_error = (self.now(), message)
            self._webhook_next_attempt[update.update_id] = (
                time.monotonic() + self.webhook_retry_delay
            )
            logger.info("webhook delivery of update %s failed: %s", update.update_id, message)
        self._wake()


def _drop(request: web.Request) -> None:
    """Close the client's connection without an answer."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise _Dropped


def _too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def _error_response(exc: ApiError) -> web.Response:
    return web.json_response(exc.as_json(), status=exc.code, dumps=_dumps)


def _short(params: dict[str, Any]) -> str:
    text = ", ".join(f"{key}={value!r}" for key, value in params.items())
    return text if len(text) <= 120 else text[:117] + "..."
