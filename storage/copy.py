"""Moving a deployment to another database: `minyi db copy --to postgresql://…` (SPEC §8).

Both databases are migrated to the same schema version, then every table is copied row for row
(ids kept, so references stay valid) inside one transaction on the target: either all of it
arrives or none. The target must be empty. Identity sequences are moved past the copied ids, so
new rows do not collide with old ones. Stop the bot while copying: rows written meanwhile would
be left behind.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import ProgressSink
from storage.backends.base import Backend, DatabaseUnavailable, Tx
from storage.backends.factory import backend_for
from storage.migrations import migrate

# Referenced tables before the tables that reference them.
TABLES = (
    "communities",
    "rounds",
    "round_communities",
    "posts",
    "answers",
    "answer_themes",
    "answer_labels",
    "votes",
    "poll_tallies",
    "poll_totals",
    "processed_updates",
    "dead_letters",
    "learned_models",
    # Which learned models rest on deleted answers travels with them (migration 0015).
    "label_erasures",
    # A generated privacy key travels with the answers it pseudonymised.
    "deployment_secrets",
    # Keyed by pseudonyms of that key, like the answers.
    "organiser_languages",
    "missed_reports",
    "digests",
    "digest_deliveries",
    # Staff chats that became supergroups: the digest keeps following them after the move.
    "chat_migrations",
    "moderation_log",
    "private_sessions",
    # Messages whose answers were deleted while their round is open: their edits store nothing.
    "deleted_sources",
    # Votes in polls whose id is not stored yet (migration 0023), pseudonymous like votes.
    "stray_poll_votes",
    "index_frameworks",
    "index_values",
    "index_posts",
    "web_forms",
    # The report tallies are copied as they are: they count the rows copied above.
    "tally_answers",
    "tally_themes",
    "tally_votes",
    "tally_round_people",
    "tally_round_totals",
    "tally_activity",
    "tally_arrivals",
)
# Tables whose `id` comes from an identity sequence.
IDENTITY_TABLES = ("communities", "rounds", "answers", "moderation_log", "index_frameworks")
# Maintained by migrations on each side, counts of the last minute only, or /label claims of a
# few minutes: never copied.
SKIPPED = ("schema_version", "refusal_counts", "flood_windows", "label_claims")
BATCH = 2000


class CopyError(Exception):
    """The copy cannot be done; nothing was written to the target."""


async def list_tables(tx: Tx) -> set[str]:
    """The tables of the database (the current schema on PostgreSQL)."""
    if tx.dialect == "sqlite":
        rows = await tx.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        return {r["name"] for r in rows}
    rows = await tx.fetchall(
        "SELECT table_name AS name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    )
    return {r["name"] for r in rows}


async def _copy_table(
    source: Tx, target: Tx, table: str, progress: ProgressSink | None = None
) -> int:
    """Copy one table (read whole, written in batches); return the rows copied."""
    rows = await source.fetchall(f"SELECT * FROM {table}")
    if not rows:
        return 0
    columns = list(rows[0])
    marks = ", ".join("?" for _ in columns)
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        await target.executemany(insert, [[row[c] for c in columns] for row in chunk])
        if progress is not None:
            progress.advance(len(chunk))
    return len(rows)


async def advance_identities(target: Tx, tables: Sequence[str] = IDENTITY_TABLES) -> None:
    """Move the identity sequences of `tables` past their largest id, after rows were inserted
    with explicit ids (PostgreSQL would otherwise hand out those ids again)."""
    if target.dialect != "postgresql":
        return  # SQLite's AUTOINCREMENT follows the largest id inserted by itself.
    for table in tables:
        await target.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
        )


async def copy_between(
    source: Backend, target: Backend, progress: ProgressSink | None = None
) -> dict[str, int]:
    """Copy every row from `source` into an empty `target` (both open); rows per table;
    `progress` counts the rows written."""
    await migrate(source)
    await migrate(target)
    counts: dict[str, int] = {}
    async with source.transaction() as src, target.transaction() as dst:
        unknown = (await list_tables(src)) - set(TABLES) - set(SKIPPED)
        if unknown:
            # A newer migration added tables this module does not know: copying would lose them.
            raise CopyError(f"do not know how to copy table(s): {', '.join(sorted(unknown))}")
        for table in TABLES:
            if await dst.fetchval(f"SELECT count(*) AS n FROM {table}"):
                raise CopyError(
                    f"the target database already has rows in {table}; "
                    "copy only into an empty database"
                )
        if progress is not None:
            totals = [await src.fetchval(f"SELECT count(*) AS n FROM {t}") for t in TABLES]
            progress.set_total(sum(int(n or 0) for n in totals))
        for table in TABLES:
            if progress is not None:
                progress.describe(table)
            counts[table] = await _copy_table(src, dst, table, progress)
        await advance_identities(dst)
    return counts


async def copy_database(
    source_url: str, target_url: str, progress: ProgressSink | None = None
) -> dict[str, int]:
    """`minyi db copy`: copy the deployment at `source_url` into the empty `target_url`."""
    if source_url == target_url:
        raise CopyError("source and target are the same database")
    try:
        target = backend_for(target_url)
    except ValueError as exc:
        raise CopyError(f"--to: {exc}") from exc
    source = backend_for(source_url)
    await source.open()
    try:
        try:
            await target.open()
        except DatabaseUnavailable as exc:  # names the target without its password
            raise CopyError(f"--to: {exc}") from exc
        try:
            return await copy_between(source, target, progress)
        finally:
            await target.close()
    finally:
        await source.close()
