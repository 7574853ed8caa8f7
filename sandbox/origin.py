"""Who may change the emulated world: only this machine, and for the page only the page.

The emulator and the sandbox page listen on 127.0.0.1, but a web page on any site can make the
browser send requests there: a cross-site form post (no CORS preflight for `text/plain`), or a
DNS-rebinding page whose own name resolves to 127.0.0.1. So every state-changing request must
name a loopback Host (a rebinding page's request carries its own name), and the page's API
also takes only JSON (which a cross-site form cannot send) from its own origin.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


def host_name(host: str) -> str:
    """The name part of a Host header: `[::1]:8080` -> `::1`, `localhost.:80` -> `localhost`."""
    host = host.strip().lower()
    if host.startswith("["):
        name = host[1:].partition("]")[0]
    else:
        name = host.rpartition(":")[0] if host.count(":") == 1 else host
    return name.rstrip(".")


def loopback_host(request: web.Request, also: Iterable[str] = ()) -> bool:
    """Whether the request's Host names this machine's loopback (or one of `also`)."""
    host = request.headers.get("Host")
    if not host:
        return False
    name = host_name(host)
    return name in LOOPBACK_NAMES or name in {host_name(a) for a in also if a}


def same_origin(request: web.Request) -> bool:
    """Whether the request carries no Origin, or the origin of the server it was sent to."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return origin.lower() == f"{request.scheme}://{request.headers.get('Host', '')}".lower()


def forbidden(reason: str) -> web.Response:
    """A 403 that says why, as JSON (the page shows `error`; Telegram's clients `description`)."""
    return web.json_response(
        {"ok": False, "error_code": 403, "description": f"Forbidden: {reason}", "error": reason},
        status=403,
    )
