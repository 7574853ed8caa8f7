"""Looking at the SQLite database from outside the bot: table snapshots and raw-byte scans."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path
from typing import Any

from bot.config import Settings

# Tables whose rows change on every update whatever the update does (idempotence bookkeeping).
BOOKKEEPING = {"processed_updates"}


def database_path(settings: Settings) -> Path:
    """The SQLite file a test bot writes to."""
    return Path(settings.storage.url.removeprefix("sqlite:///"))


def snapshot(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (bookkeeping excepted), sorted, read from a second connection."""
    path = database_path(settings)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if r[0] not in BOOKKEEPING and not r[0].startswith("sqlite_")
        ]
        return {
            t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables
        }
    finally:
        conn.close()


def database_bytes(settings: Settings) -> bytes:
    """The database file and its write-ahead log, as bytes on disk."""
    path = database_path(settings)
    data = path.read_bytes()
    for suffix in ("-wal", "-journal"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            data += extra.read_bytes()
    return data


def id_patterns(user_id: int) -> list[bytes]:
    """How a Telegram user id could appear in a SQLite file: as text or a big-endian integer."""
    patterns = [str(user_id).encode()]
    if user_id < 2**31:
        patterns.append(struct.pack(">i", user_id))
    if user_id < 2**47:
        patterns.append(struct.pack(">q", user_id)[2:])  # SQLite's 6-byte integer
    patterns.append(struct.pack(">q", user_id))
    return patterns
