"""The web channel's HTTP side (aiohttp): one page per open round and community, answers
and votes posted from it into the same core functions Telegram answers use.

For the lead wiring it into `minyi run`: `options_from(settings)` is None when `web.listen`
is empty; otherwise `async with serving_web(core, options): ...` serves the pages until the
block ends, and `page_url(core, options, round_id, community_id)` is a page's address (for
/qr and the opening posts).

Every state change is one POST carrying a one-time nonce and a CSRF token (bot/web/tokens.py).
The nonce is claimed in the same transaction as the answer or vote (`GroupCommit`: forms
posted at the same moment share one transaction), so a form is stored once or not at all, and
the browser hears "saved" (a redirect) only after the commit. Refused, each with a page that
changes nothing: a request naming another Host (421),
a cross-site POST (403, by Origin or Sec-Fetch-Site), a form without this browser's cookie or
with a wrong token (403), an expired form (403), a replayed one (409), too many submissions
from one browser or one address (429), a form too large to read (413) or whose body does not
arrive (408), and any address that is not a page (404, one page for all of them). A method
an address does not take (405) and a failure of the server (500) get a page too: a resident
never sees a bare line of text or a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import unquote_to_bytes, urlsplit

from aiohttp import web
from multidict import MultiDict

from bot.config import Settings
from bot.core.answers import AnswerDraft, RateLimiter, cast_vote, replace_answer, stored_text
from bot.core.base import Core, Turn
from bot.core.durations import local_minute
from bot.core.models import Community, Round, StoredAnswer
from bot.core.numbers import read_number
from bot.core.options import option_names
from bot.core.privacy import failure
from bot.core.reports import build_round_report, top_themes
from bot.core.residents import data_of, forget_pseudonym
from bot.listening import start_listening
from bot.render.texts import Lang, pick_web_lang, question_in
from bot.web import pages, tokens
from bot.web.group_commit import GroupCommit
from bot.web.index_pages import IndexPages, add_index_routes
from bot.web.pages import Form, Notice, say

log = logging.getLogger(__name__)

# A form may be sent this long after its page was served (a phone left on the page overnight).
FORM_LIFETIME = timedelta(hours=24)
# Answers and votes per minute from one client address: far above one household behind a
# shared address (carrier NAT), far below a script flooding a round.
PER_ADDRESS_PER_MINUTE = 60
# Closed rounds' summaries are rebuilt at most this often (a report reads every answer).
SUMMARY_SECONDS = 300.0
SUMMARY_ENTRIES = 256
# Form posts reuse a page's round lookup this long (see _target).
TARGET_SECONDS = 2.0
TARGET_ENTRIES = 4096
PRUNE_SECONDS = 600.0
# Browsers cap cookie lifetimes at 400 days.
COOKIE_DAYS_MAX = 400

SECURITY_HEADERS = {
    "Content-Security-Policy": pages.CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Not "no-referrer": with it, browsers send "Origin: null" on our own form POSTs (Fetch
    # standard), which the cross-site check must refuse. "same-origin" still keeps the page
    # address (its token) from any other site.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class WebOptions:
    """Where the pages listen and the address residents open."""

    host: str
    port: int
    public_url: str  # scheme://host[:port], no trailing slash
    per_address_per_minute: int = PER_ADDRESS_PER_MINUTE
    # Reverse proxies whose X-Forwarded-For is believed (`web.trusted_proxies`).
    trusted_proxies: tuple[IPNetwork, ...] = ()

    @property
    def secure(self) -> bool:
        """Whether residents reach us over https (the cookie is then Secure and __Host-)."""
        return self.public_url.startswith("https://")

    @property
    def cookie_name(self) -> str:
        """The browser cookie's name (the __Host- prefix pins it to this host, over https)."""
        return "__Host-minyi" if self.secure else "minyi"

    def allowed_hosts(self) -> frozenset[str]:
        """Host header values we answer to: the public address and the listen address."""
        hosts: set[str] = set()
        public = urlsplit(self.public_url)
        if public.hostname:
            name = _host_text(public.hostname)
            default = 443 if public.scheme == "https" else 80
            port = public.port or default
            hosts.add(f"{name}:{port}")
            if port == default:
                hosts.add(name)
        hosts.add(f"{_host_text(self.host)}:{self.port}")
        if self.host in ("0.0.0.0", "::", "127.0.0.1", "::1", "localhost"):
            hosts.update(f"{h}:{self.port}" for h in ("127.0.0.1", "localhost", "[::1]"))
        return frozenset(h.lower() for h in hosts)

    def allowed_origins(self) -> frozenset[str]:
        """Origin header values a POST may carry."""
        origins = {f"http://{h}" for h in self.allowed_hosts()}
        public = urlsplit(self.public_url)
        origins.add(f"{public.scheme}://{public.netloc}".lower())
        return frozenset(origins)


def _host_text(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def options_from(settings: Settings) -> WebOptions | None:
    """The web options of a deployment, or None when `web.listen` is empty (pages off)."""
    listen = settings.web.listen
    if not listen:
        return None
    host, _, port = listen.rpartition(":")
    host = host.strip("[]")
    public = settings.web.public_url or f"http://{_host_text(host)}:{port}"
    return WebOptions(
        host=host,
        port=int(port),
        public_url=public.rstrip("/"),
        trusted_proxies=tuple(
            ipaddress.ip_network(entry, strict=False) for entry in settings.web.trusted_proxies
        ),
    )


def page_path(core: Core, round_id: int, community_id: int) -> str:
    """The path of a round's page for one community."""
    return f"/r/{tokens.page_token(core.secret, round_id, community_id)}"


def page_url(core: Core, options: WebOptions, round_id: int, community_id: int) -> str:
    """The address residents of one community open to answer a round (also in its QR code)."""
    return options.public_url + page_path(core, round_id, community_id)


@dataclass
class _State:
    """What the pages share while the server runs."""

    core: Core
    options: WebOptions
    by_resident: RateLimiter
    by_address: RateLimiter
    commits: GroupCommit
    summaries: dict[tuple[int, int, Lang], tuple[float, str]] = field(default_factory=dict)
    targets: dict[tuple[int, int], tuple[float, Round, Community]] = field(default_factory=dict)
    communities: dict[int, list[Community]] = field(default_factory=dict)


STATE: web.AppKey[_State] = web.AppKey("minyi_web", _State)


class _Refused(Exception):
    """A request answered with a page that changes nothing."""

    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status = status
        self.key = key


# -- the request's surroundings ------------------------------------------------------------


def _client_address(request: web.Request, trusted: tuple[IPNetwork, ...]) -> str:
    """Who is asking: the peer, or when the peer is a trusted reverse proxy the right-most
    X-Forwarded-For entry that is not a trusted proxy itself (entries left of it were written
    by the client and prove nothing)."""
    peer = request.remote or ""

    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        # A dual-stack socket shows an IPv4 peer as ::ffff:a.b.c.d.
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in network for network in trusted)

    if not is_trusted(peer):
        return _client_network(peer)
    # Several X-Forwarded-For headers read as one list, in order (RFC 9110 §5.3).
    chain = [
        entry.strip()
        for header in request.headers.getall("X-Forwarded-For", [])
        for entry in header.split(",")
    ]
    chain = [entry for entry in chain if entry]
    for entry in reversed(chain):
        if not is_trusted(entry):
            return _client_network(entry[:64])
    # Only trusted proxies in the chain: the left-most is the closest we know to the client.
    return _client_network(chain[0][:64] if chain else peer)


def _client_network(address: str) -> str:
    """An IPv6 address as its /64: one subscriber's line holds the whole /64 and may send from
    any address in it, so per address a script could rotate past every limit. IPv4 (also
    mapped into IPv6) and anything unreadable are kept as they are."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return address


def _lang(request: web.Request, core: Core) -> Lang:
    """The reader's language, for every page (the index pages too): `?lang=`, else the
    browser's Accept-Language, else the deployment's default."""
    return pick_web_lang(
        request.headers.get("Accept-Language"),
        request.query.get("lang"),
        core.settings.locale.default,
    )


def _browser(request: web.Request, options: WebOptions) -> str | None:
    value = request.cookies.get(options.cookie_name)
    return value if tokens.valid_browser_token(value) else None


def _set_browser(response: web.StreamResponse, state: _State, token: str) -> None:
    days = min(state.core.settings.privacy.retention_days, COOKIE_DAYS_MAX)
    response.set_cookie(
        state.options.cookie_name,
        token,
        max_age=days * 86400,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=state.options.secure,
    )


def _form(state: _State, browser: str, scope: str) -> Form:
    nonce = tokens.new_nonce()
    return Form(nonce=nonce, csrf=tokens.form_token(state.core.secret, browser, scope, nonce))


def _html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def _message(request: web.Request, key: str, status: int) -> web.Response:
    """A page that only says something (`pages.message_page`), in the visitor's language."""
    lang = _lang(request, request.app[STATE].core)
    return _html(pages.message_page(lang, key), status=status)


def _not_found(request: web.Request) -> web.Response:
    """Any address that is not a page: one page in the visitor's language, the same for all
    (readable on a phone; it names nothing of what was asked)."""
    return _message(request, "not_found", 404)


@web.middleware
async def _guard(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Host and cross-site checks before any handler; security headers on every answer.

    Whatever a person may see is a page in their language, never a bare line of text or a
    traceback: the refusals here, aiohttp's own 404 and 405, and a handler that fails."""
    state = request.app[STATE]
    host = request.headers.get("Host", "").lower()
    if host not in state.options.allowed_hosts():
        log.info("web request for an unknown host refused")
        response: web.StreamResponse = _message(request, "wrong_host", 421)
    elif request.method == "POST" and not _same_origin(request, state.options):
        # Refused unread: the page shows nothing the form carried.
        log.info("cross-site web POST refused")
        response = _message(request, "cross_site", 403)
    else:
        try:
            response = await handler(request)
        except web.HTTPNotFound:
            # aiohttp's own (no route matched) and the index pages' 404s: the one page.
            response = _not_found(request)
        except web.HTTPMethodNotAllowed as exc:
            # e.g. the delete form's address opened from the history (GET /me/forget).
            response = _message(request, "not_allowed", 405)
            response.headers["Allow"] = exc.headers["Allow"]
        except web.HTTPException as exc:
            if exc.status < 400:
                # Redirects are raised: they get the headers too.
                exc.headers.update(SECURITY_HEADERS)
                raise
            response = _message(request, "failed", exc.status)
        except Exception as exc:
            # The route's pattern, not the path: a round page's path is its access token.
            route = request.match_info.route.resource
            where = route.canonical if route is not None else "?"
            log.error("web %s %s failed: %s", request.method, where, failure(exc))
            response = _message(request, "failed", 500)
    for name, value in SECURITY_HEADERS.items():
        # A page may set its own policy (the index pages allow their style sheet's hash).
        response.headers.setdefault(name, value)
    return response


def _same_origin(request: web.Request, options: WebOptions) -> bool:
    """Whether a POST comes from our own pages (old browsers send neither header; the CSRF
    token and the SameSite cookie still stand for them)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    return origin is None or origin.lower() in options.allowed_origins()


# -- pages ---------------------------------------------------------------------------------


async def _target(
    state: _State, token: str, *, recent: bool = False
) -> tuple[Round, Community] | None:
    """The round and community a page address names, or None (a plain 404).

    With `recent`, a lookup up to TARGET_SECONDS old will do: the answer and vote paths check
    again that the round is open, under a lock, in the transaction that stores (and refuse a
    round that just closed), so a form post needs no fresh read of its own.
    """
    opened = tokens.open_page_token(state.core.secret, token)
    if opened is None:
        return None
    now = time.monotonic()
    cached = state.targets.get(opened)
    if recent and cached is not None and cached[0] > now:
        return cached[1], cached[2]
    round_id, community_id = opened
    async with state.core.repo.transaction() as session:
        round_ = await session.get_round(round_id)
        if round_ is None:
            return None
        communities = await session.list_round_communities(round_id)
    community = next((c for c in communities if c.id == community_id), None)
    if community is None:
        return None
    if len(state.targets) >= TARGET_ENTRIES:
        state.targets.clear()
    state.targets[opened] = (now + TARGET_SECONDS, round_, community)
    return round_, community


async def _closed_results(state: _State, round_: Round, community: Community, lang: Lang) -> str:
    """The closed round's summary for this community (cached: a report reads every answer)."""
    key = (round_.id, community.id, lang)
    now = time.monotonic()
    cached = state.summaries.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    report = await build_round_report(state.core, round_.id, community_id=community.id)
    if report is None:
        return ""
    poll = report.poll
    summary = pages.Summary(
        participants=report.participants,
        answers=report.answers if round_.kind == "text" else None,
        voters=None if poll is None else poll.voters,
        average=None if poll is None else poll.average,
        options=[]
        if poll is None
        else [
            # A priorities round's principles in the page's language.
            pages.ResultLine(text=o.names.get(lang, o.text), votes=o.votes, share=o.share)
            for o in poll.options
        ],
        themes=[
            (t.name_zh if lang == "zh" else t.name_en, t.share)
            for t in top_themes(report.themes, 5)
            if t.count > 0
        ],
    )
    html = pages.summary_section(lang, summary)
    if len(state.summaries) >= SUMMARY_ENTRIES:
        state.summaries.clear()
    state.summaries[key] = (now + SUMMARY_SECONDS, html)
    return html


async def _render_round(
    state: _State,
    request: web.Request,
    token: str,
    browser: str,
    notice: Notice | None = None,
    draft: str = "",
) -> str | None:
    """The page as this browser sees it now (None: the address names no page).

    One read transaction: the round as it is now, this browser's own answers or vote.
    """
    core = state.core
    opened = tokens.open_page_token(core.secret, token)
    if opened is None:
        return None
    resident = tokens.web_pseudonym(core.secret, browser)
    own: list[StoredAnswer] = []
    vote: list[int] = []
    now_open: list[Round] = []
    async with core.repo.transaction() as session:
        round_ = await session.get_round(opened[0])
        if round_ is None:
            return None
        communities = state.communities.get(round_.id)
        if communities is None:
            # A round's communities never change once it exists.
            communities = await session.list_round_communities(round_.id)
            if len(state.communities) >= TARGET_ENTRIES:
                state.communities.clear()
            state.communities[round_.id] = communities
        community = next((c for c in communities if c.id == opened[1]), None)
        if community is None:
            return None
        if round_.state == "open" and round_.kind == "text":
            own = await session.list_answers(round_ids=[round_.id], resident=resident)
        elif round_.state == "open":
            vote = await session.list_round_votes(round_.id, resident)
        elif round_.state in ("closed", "cancelled"):
            # An old link or poster: the rounds this community answers now.
            now_open = await session.list_open_rounds_for(community.id)
    state.targets[opened] = (time.monotonic() + TARGET_SECONDS, round_, community)
    lang = _lang(request, core)
    zone = core.settings.schedule.tz
    path = f"/r/{token}"
    days = core.settings.privacy.retention_days
    if round_.state != "open":
        if round_.state == "scheduled":
            message = say("state_scheduled", lang, opens=local_minute(round_.opens_at, zone))
            results = ""
        elif round_.state == "cancelled":
            message, results = say("state_cancelled", lang), ""
        else:
            closed = local_minute(round_.closed_at or round_.closes_at, zone)
            message = say("state_closed", lang, closed=closed)
            results = await _closed_results(state, round_, community, lang)
        return pages.state_page(
            lang,
            path,
            round_.id,
            question_in(round_.kind, round_.question, lang),
            community.name,
            message,
            days,
            results,
            notice,
            unsaved=draft,
            now_open=[
                (page_path(core, r.id, community.id), question_in(r.kind, r.question, lang))
                for r in now_open[:3]
            ],
        )
    if draft and any(a.text == stored_text(draft) for a in own):
        # The same text again (a double tap on a used form): it is stored, the box is free.
        draft = ""
    view = pages.OpenView(
        lang=lang,
        path=path,
        round_id=round_.id,
        kind=round_.kind,
        question=question_in(round_.kind, round_.question, lang),
        community=community.name,
        closes=local_minute(round_.closes_at, zone),
        options=option_names(core, round_, lang),
        multi=round_.multi,
        limit=core.settings.limits.max_answer_chars,
        retention_days=days,
        form=_form(state, browser, token),
        notice=notice,
        draft=draft,
        own_answers=[
            pages.OwnAnswer(answer_id=a.id, text=a.text, form=_form(state, browser, token))
            for a in own
            if a.channel == "web"
        ],
        own_vote=vote,
        retract_form=_form(state, browser, token) if vote else None,
    )
    return pages.open_page(view)


def _flash(state: _State, request: web.Request, browser: str | None, scope: str) -> Notice | None:
    """The confirmation after a redirect, shown only to the browser whose form it confirms."""
    done = request.query.get("done", "")
    outcome, _, mac = done.partition(".")
    if browser is None or outcome not in _DONE_KEYS:
        return None
    expected = tokens.flash_token(state.core.secret, browser, scope, outcome)
    if not hmac.compare_digest(mac.encode(), expected.encode()):
        return None
    return Notice("flash", say(_DONE_KEYS[outcome], _lang(request, state.core)))


_DONE_KEYS = {
    "stored": "done_stored",
    "updated": "done_updated",
    "duplicate": "done_duplicate",
    "recorded": "done_recorded",
    "retracted": "done_retracted",
}


async def round_page(request: web.Request) -> web.StreamResponse:
    """GET a round's page: the question and a form while open, the results once closed."""
    state = request.app[STATE]
    token = request.match_info["token"]
    browser = _browser(request, state.options)
    notice = _flash(state, request, browser, token)
    fresh = browser is None
    browser = browser or tokens.new_browser_token()
    body = await _render_round(state, request, token, browser, notice)
    if body is None:
        return _not_found(request)
    response = _html(body)
    if fresh:
        _set_browser(response, state, browser)
    return response


Fields = dict[str, list[str]]


# A form's body (a few KB) arrives within this, even over a poor mobile connection; a client
# that announces a body and then sends it a byte at a time holds a connection for no one else.
FORM_READ_SECONDS = 30.0


# More fields than any of our forms has (a poll takes at most 10 options).
FORM_FIELDS_MAX = 64
# A form sent without a charset: ours is UTF-8; an old browser in mainland China that ignores
# the page's charset sends GBK, which GB18030 reads. Bytes neither reads are a malformed form.
FORM_ENCODINGS = ("utf-8", "gb18030")


def _urlencoded(body: bytes, charset: str | None) -> list[tuple[str, str]]:
    """An application/x-www-form-urlencoded body's fields, decoded strictly (a lenient decoder
    would store U+FFFD in place of every character of a GBK answer)."""
    pairs: list[tuple[bytes, bytes]] = []
    for part in body.strip().split(b"&"):
        if not part:
            continue
        name, _, value = part.partition(b"=")
        pairs.append(
            (
                unquote_to_bytes(name.replace(b"+", b" ")),
                unquote_to_bytes(value.replace(b"+", b" ")),
            )
        )
        if len(pairs) > FORM_FIELDS_MAX:
            raise ValueError("too many form fields")
    for encoding in (charset,) if charset else FORM_ENCODINGS:
        try:
            return [(n.decode(encoding), v.decode(encoding)) for n, v in pairs]
        except UnicodeDecodeError:
            continue
    raise ValueError("the form is in no encoding we read")


async def _read_form(request: web.Request) -> Fields:
    """The form's text fields (a file upload, bad encoding or an unknown charset is a
    malformed form; a body past the size limit is too large, not a failure to retry; a body
    still not all there after FORM_READ_SECONDS is a 408)."""
    try:
        async with asyncio.timeout(FORM_READ_SECONDS):
            if request.content_type == "application/x-www-form-urlencoded":
                data: Mapping[str, object] = MultiDict(
                    _urlencoded(await request.read(), request.charset)
                )
            else:
                data = await request.post()
    except TimeoutError as exc:
        raise _Refused(408, "error_form") from exc
    except web.HTTPRequestEntityTooLarge as exc:
        raise _Refused(413, "error_too_large") from exc
    except (ValueError, LookupError) as exc:  # UnicodeDecodeError is a ValueError
        raise _Refused(400, "error_form") from exc
    fields: Fields = {}
    for name, value in data.items():
        if not isinstance(value, str):
            raise _Refused(400, "error_form")
        fields.setdefault(name, []).append(value)
    return fields


def _field(form: Fields, name: str) -> str:
    values = form.get(name)
    return values[0] if values else ""


def _clean_text(text: str) -> str:
    """Drop control characters a form should never carry (NUL breaks PostgreSQL text), keep
    line breaks and tabs."""
    return "".join(c for c in text if c in "\n\t" or not (ord(c) < 32 or 127 <= ord(c) < 160))


def _check_form(state: _State, browser: str | None, scope: str, form: Fields) -> str:
    """The form's nonce, once its CSRF token and age are right for this browser."""
    if browser is None:
        raise _Refused(403, "error_cookie")
    nonce, csrf = _field(form, "nonce"), _field(form, "csrf")
    age = tokens.nonce_age(nonce)
    if age is None:
        raise _Refused(403, "error_form")
    if not tokens.check_form_token(state.core.secret, browser, scope, nonce, csrf):
        # A page served to this browser under a cookie it no longer has (cleared, or dropped
        # by a chat app's browser): the page now shown carries a form that works.
        raise _Refused(403, "error_stale")
    if not -300 <= age <= FORM_LIFETIME.total_seconds():
        raise _Refused(403, "error_expired")
    return nonce


_STATUS = {
    "replayed": (409, "error_replayed"),
    "too_long": (400, "error_too_long"),
    "ignored": (400, "error_empty"),
    "not_text": (400, "error_empty"),
    "rate_limited": (429, "error_rate_limited"),
    "closed": (409, "error_closed"),
    "invalid": (400, "error_invalid"),
    "unknown": (400, "error_invalid"),
    "not_yours": (404, "error_not_yours"),
}


async def round_post(request: web.Request) -> web.StreamResponse:
    """POST an answer, an edit, a vote or a withdrawal from a round's page."""
    state = request.app[STATE]
    core = state.core
    token = request.match_info["token"]
    found = await _target(state, token, recent=True)
    if found is None:
        return _not_found(request)
    round_, community = found
    browser = _browser(request, state.options)
    lang = _lang(request, core)
    draft = ""
    try:
        form = await _read_form(request)
        draft = _clean_text(_field(form, "text"))
        nonce = _check_form(state, browser, token, form)
        assert browser is not None
        if not state.by_address.allow(
            tokens.address_key(core.secret, _client_address(request, state.options.trusted_proxies))
        ):
            raise _Refused(429, "error_rate_limited")
        resident = tokens.web_pseudonym(core.secret, browser)
        action = _field(form, "action")
        if action == "answer" and round_.kind == "text":
            answer = AnswerDraft(
                round=round_,
                community_id=community.id,
                resident=resident,
                source=f"w:{nonce}",
                via="page",
                text=draft,
                channel="web",
            )
            outcome = await state.commits.answer(nonce, answer)
        else:
            outcome = await state.commits.submit(
                nonce,
                lambda turn: _act(state, round_, community, resident, action, form, draft, turn),
            )
        if outcome in _STATUS:
            raise _Refused(*_STATUS[outcome])
    except _Refused as refused:
        status, key = refused.status, refused.key
        length = len(draft.strip())
        notice = Notice(
            "error",
            say(key, lang, length=length, limit=core.settings.limits.max_answer_chars),
        )
        fresh = browser is None
        browser = browser or tokens.new_browser_token()
        # Read afresh: a refused form may have met a round that just closed (its text is then
        # shown back to copy), and a used form may carry new text (kept in the box).
        body = await _render_round(state, request, token, browser, notice, draft)
        response = _html(body or "", status)
        if fresh:
            _set_browser(response, state, browser)
        return response
    except Exception as exc:
        log.error("web answer to round %s not stored: %s", round_.id, failure(exc))
        notice = Notice("error", say("error_failed", lang))
        body = await _render_round(
            state, request, token, browser or tokens.new_browser_token(), notice, draft
        )
        return _html(body or "", 500)
    mac = tokens.flash_token(core.secret, browser, token, outcome)
    lang_part = (
        f"&lang={request.query['lang']}" if request.query.get("lang") in ("zh", "en") else ""
    )
    raise web.HTTPSeeOther(f"/r/{token}?done={outcome}.{mac}{lang_part}")


async def _act(
    state: _State,
    round_: Round,
    community: Community,
    resident: str,
    action: str,
    form: Fields,
    text: str,
    turn: Turn,
) -> str:
    """The core call one form asks for; its outcome name (a refusal is mapped to its page
    after the commit, see _STATUS: raising here would roll back the other forms of the
    group commit)."""
    core = state.core
    if action == "edit" and round_.kind == "text":
        outcome: str = await _edit(state, round_, resident, _field(form, "answer_id"), text, turn)
    elif action in ("vote", "retract") and round_.kind != "text":
        if not state.by_resident.allow(resident):
            return "rate_limited"
        outcome = await cast_vote(
            core,
            round_,
            community.id,
            resident,
            _choice(round_, action, form),
            channel="web",
            turn=turn,
        )
    else:
        outcome = "invalid"
    return outcome


def _choice(round_: Round, action: str, form: Fields) -> list[int]:
    if action == "retract":
        return []
    name = "value" if round_.kind == "rating" else "option"
    values = form.get(name, [])
    # The form's own values are ASCII digits (bot/core/numbers.py): "²", "١" or "１" were
    # typed into a forged form, and int() reads some of them.
    numbers = [read_number(v, typed=False, max_digits=12) for v in values]
    if not numbers or len(numbers) > 10 or None in numbers:
        # An empty vote is a withdrawal only when asked for; otherwise it is a mistake.
        return [-1]
    return [n for n in numbers if n is not None]


async def _edit(
    state: _State, round_: Round, resident: str, answer_id: str, text: str, turn: Turn
) -> str:
    """Replace one of the visitor's own answers to this round (anyone else's: not found)."""
    number = read_number(answer_id, typed=False, max_digits=12)
    if number is None:
        return "not_yours"
    if not state.by_resident.allow(resident):
        return "rate_limited"
    async with state.core.reading(turn) as session:
        own = await session.list_answers(round_ids=[round_.id], resident=resident)
    if not any(a.id == number and a.channel == "web" for a in own):
        return "not_yours"
    if not text.strip():
        return "ignored"
    result = await replace_answer(state.core, number, round_.id, text, turn=turn)
    return result.outcome


# -- my data -------------------------------------------------------------------------------


async def _me_view(
    state: _State, request: web.Request, browser: str, notice: Notice | None
) -> pages.MeView:
    core = state.core
    data = await data_of(core, tokens.web_pseudonym(core.secret, browser))
    return pages.MeView(
        lang=_lang(request, core),
        answers=[(a.round_id, a.text) for a in data.answers],
        votes=data.choices,
        retention_days=core.settings.privacy.retention_days,
        form=_form(state, browser, "me"),
        notice=notice,
    )


async def me_page(request: web.Request) -> web.StreamResponse:
    """GET /me: what this browser has sent, and the form that deletes it."""
    state = request.app[STATE]
    browser = _browser(request, state.options)
    notice = None
    done = request.query.get("done", "")
    # The counts ride in the MAC-protected outcome: "forgotten-<answers>-<votes>.<mac>".
    outcome, _, mac = done.partition(".")
    if (
        browser is not None
        and outcome.startswith("forgotten-")
        and outcome.count("-") == 2
        and hmac.compare_digest(
            mac.encode(), tokens.flash_token(state.core.secret, browser, "me", outcome).encode()
        )
    ):
        _, answers, votes = outcome.split("-", 2)
        lang = _lang(request, state.core)
        notice = Notice(
            "flash", say("done_forgotten", lang, answers=int(answers), votes=int(votes))
        )
    fresh = browser is None
    browser = browser or tokens.new_browser_token()
    response = _html(pages.me_page(await _me_view(state, request, browser, notice)))
    if fresh:
        _set_browser(response, state, browser)
    return response


async def forget_post(request: web.Request) -> web.StreamResponse:
    """POST /me/forget: delete everything this browser sent, then give it a new token."""
    state = request.app[STATE]
    core = state.core
    browser = _browser(request, state.options)
    try:
        form = await _read_form(request)
        nonce = _check_form(state, browser, "me", form)
        assert browser is not None
        if _field(form, "confirm") != "yes":
            raise _Refused(400, "error_confirm")
        resident = tokens.web_pseudonym(core.secret, browser)

        async def forget(turn: Turn) -> str:
            answers, votes = await forget_pseudonym(core, resident, turn=turn)
            return f"forgotten-{answers}-{votes}"

        outcome = await state.commits.submit(nonce, forget)
        if outcome in _STATUS:
            raise _Refused(*_STATUS[outcome])
    except _Refused as refused:
        lang = _lang(request, core)
        notice = Notice("error", say(refused.key, lang, length=0, limit=0))
        fresh = browser is None
        browser = browser or tokens.new_browser_token()
        response = _html(
            pages.me_page(await _me_view(state, request, browser, notice)), refused.status
        )
        if fresh:
            _set_browser(response, state, browser)
        return response
    # A new token: nothing links this browser to what it sent before.
    renewed = tokens.new_browser_token()
    mac = tokens.flash_token(core.secret, renewed, "me", outcome)
    # The confirmation speaks the language of the page the form was sent from (its address
    # carries `?lang=`), not the browser's preference the visitor switched away from.
    asked = request.query.get("lang")
    lang_part = f"&lang={asked}" if asked in ("zh", "en") else ""
    response = web.HTTPSeeOther(f"/me?done={outcome}.{mac}{lang_part}")
    _set_browser(response, state, renewed)
    raise response


# -- the application -----------------------------------------------------------------------


async def _prune_forms(state: _State) -> None:
    """Every few minutes forget used nonces of forms that would be refused as expired anyway."""
    while True:
        await asyncio.sleep(PRUNE_SECONDS)
        try:
            before = state.core.now() - FORM_LIFETIME - timedelta(hours=1)
            async with state.core.repo.transaction() as session:
                await session.delete_web_forms_before(before)
        except Exception as exc:
            log.error("pruning used web form nonces failed; trying again later: %s", failure(exc))


def web_app(core: Core, options: WebOptions) -> web.Application:
    """The aiohttp application of the answer pages."""
    limit = core.settings.limits
    by_resident = RateLimiter(per_minute=limit.answers_per_minute)
    state = _State(
        core=core,
        options=options,
        by_resident=by_resident,
        by_address=RateLimiter(per_minute=options.per_address_per_minute),
        commits=GroupCommit(core, by_resident),
    )
    # Room for the longest answer, percent-encoded (up to 9 bytes a character), and the rest.
    app = web.Application(
        middlewares=[_guard], client_max_size=limit.max_answer_chars * 9 * 2 + 16384
    )
    app[STATE] = state

    async def background(_app: web.Application) -> AsyncIterator[None]:
        # Cleanup runs after the server stopped taking requests and those in flight ended.
        tasks = [asyncio.create_task(_prune_forms(state)), asyncio.create_task(state.commits.run())]
        yield
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.cleanup_ctx.append(background)
    app.router.add_get("/r/{token}", round_page)
    app.router.add_post("/r/{token}", round_post)
    app.router.add_get("/me", me_page)
    app.router.add_post("/me/forget", forget_post)
    add_index_routes(app, IndexPages(core), lambda request: _lang(request, core))
    return app


@contextlib.asynccontextmanager
async def serving_web(core: Core, options: WebOptions) -> AsyncIterator[web.AppRunner]:
    """Serve the answer pages on options.host:port until the block ends (requests in flight
    get SHUTDOWN_GRACE seconds to commit and answer)."""
    runner = await start_listening(
        web_app(core, options), options.host, options.port, setting="web.listen"
    )
    log.info(
        "web answer pages on http://%s:%s (public %s)",
        options.host,
        options.port,
        options.public_url,
    )
    try:
        yield runner
    finally:
        await runner.cleanup()
