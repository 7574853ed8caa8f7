"""Telegram's flood limits kept for every process sharing a PostgreSQL database (table
`flood_windows`, migration 0019; bot/telegram/shared_flood.py uses it).

Every message to a chat reserves its place in one statement, `take_flood_room`: it locks the
overall row, then the chat's (always in that order, so two never wait for each other; a row
missing, as after a crash empties the unlogged table, is made by the statement), and
either finds room in both windows and no flood wait (and counts the message) or says how long
to wait. A message counts in its group's minute from `hold` seconds after it left (about when
Telegram has it); a send that takes longer moves its moment to when it finished, and one that
Telegram refused gives its place back (`settle_flood_room`): both are rare and cost one more
statement. The overall second counts a message from when it left.

Times are the database's clock unless `now` is given (tests): processes on several machines
then agree on them without their own clocks having to.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.repository.base import Part

OVERALL = ""  # the row of the bot's overall second
GROUP_PERIOD = 60.0
OVERALL_PERIOD = 1.0

_NOW = "COALESCE(CAST(? AS DOUBLE PRECISION), extract(epoch FROM clock_timestamp())::float8)"

_TAKE = f"""
WITH p AS (
    SELECT CAST(? AS TEXT) AS chat, CAST(? AS INTEGER) AS group_limit,
           CAST(? AS INTEGER) AS overall_limit, CAST(? AS DOUBLE PRECISION) AS hold,
           {_NOW} AS now
),
locked AS (
    SELECT f.chat, f.sent, f.paused_until FROM flood_windows f, p
    WHERE f.chat IN ('{OVERALL}', p.chat) ORDER BY f.chat FOR UPDATE OF f
),
windows AS (
    SELECT p.*,
        ARRAY(SELECT x FROM locked l, unnest(l.sent) x
              WHERE l.chat = '{OVERALL}' AND x > p.now - {OVERALL_PERIOD} ORDER BY x) AS overall,
        ARRAY(SELECT x FROM locked l, unnest(l.sent) x
              WHERE l.chat = p.chat AND x > p.now - {GROUP_PERIOD} ORDER BY x) AS grp,
        COALESCE((SELECT l.paused_until FROM locked l WHERE l.chat = p.chat), 0) AS paused
    FROM p
),
decision AS (
    SELECT w.*,
        GREATEST(
            w.paused - w.now,
            CASE WHEN w.group_limit > 0 AND cardinality(w.grp) >= w.group_limit
                 THEN w.grp[cardinality(w.grp) - w.group_limit + 1] + {GROUP_PERIOD} - w.now
                 ELSE 0 END,
            0) AS chat_wait,
        GREATEST(
            CASE WHEN cardinality(w.overall) >= w.overall_limit
                 THEN w.overall[cardinality(w.overall) - w.overall_limit + 1]
                      + {OVERALL_PERIOD} - w.now
                 ELSE 0 END,
            0) AS overall_wait
    FROM windows w
),
overall_row AS (
    INSERT INTO flood_windows (chat, sent)
    SELECT '{OVERALL}', ARRAY[d.now] FROM decision d
    WHERE d.chat_wait <= 0 AND d.overall_wait <= 0
    ON CONFLICT (chat) DO UPDATE SET sent = ARRAY(
        SELECT x FROM unnest(flood_windows.sent || EXCLUDED.sent) x
        WHERE x > EXCLUDED.sent[1] - {OVERALL_PERIOD} ORDER BY x)
),
chat_row AS (
    INSERT INTO flood_windows (chat, sent)
    SELECT d.chat, ARRAY[d.now + d.hold] FROM decision d
    WHERE d.group_limit > 0 AND d.chat_wait <= 0 AND d.overall_wait <= 0
    ON CONFLICT (chat) DO UPDATE SET sent = ARRAY(
        SELECT x FROM unnest(flood_windows.sent || EXCLUDED.sent) x
        WHERE x > EXCLUDED.sent[1] - (SELECT hold FROM p) - {GROUP_PERIOD} ORDER BY x)
)
SELECT now, chat_wait, overall_wait FROM decision
"""

# The chat's `sent` without the moment `at` (one of them, if two are equal).
_WITHOUT_AT = """ARRAY(
    SELECT x FROM unnest(flood_windows.sent) WITH ORDINALITY u(x, i)
    WHERE i IS DISTINCT FROM array_position(flood_windows.sent, CAST(? AS DOUBLE PRECISION))
    ORDER BY i)"""


def private_chat_label(resident: str) -> str:
    """How a private chat is named where its raw id (its person's Telegram id) may not go:
    by the start of its person's pseudonym `resident`. The logs name it so (bot/core/privacy.py
    `chat_label`) and `flood_windows` keys its row so, which the person's /forget deletes
    (storage/repository/erasure.py)."""
    return f"p:{resident[:12]}"


@dataclass(frozen=True)
class FloodRoom:
    """What `take_flood_room` found. If both waits are 0 the message was counted: in its
    group's minute (if `group`) from `at` (the database's clock; what `settle_flood_room`
    takes), in the bot's second from `now`."""

    now: float
    chat_wait: float  # the chat's own: a flood wait Telegram asked of it, its group's minute
    overall_wait: float  # the bot's overall second
    at: float
    group: bool

    @property
    def taken(self) -> bool:
        return self.chat_wait <= 0 and self.overall_wait <= 0


class FloodWindows(Part):
    """Table `flood_windows` (PostgreSQL only)."""

    async def take_flood_room(
        self,
        chat: str,
        *,
        group_limit: int,
        overall_limit: int,
        hold: float,
        now: float | None = None,
    ) -> FloodRoom:
        """Count one message to `chat` (a group's id or a channel's @name as text; a private
        chat by its person's pseudonym, never the raw id) if the chat has no flood wait, its
        group has room in its minute (`group_limit` a minute; 0: not a group) and the bot in
        its second (`overall_limit`); otherwise count nothing and say how long."""
        row = await self.tx.fetchone(_TAKE, (chat, group_limit, overall_limit, hold, now))
        assert row is not None
        start = float(row["now"])
        return FloodRoom(
            now=start,
            chat_wait=float(row["chat_wait"]),
            overall_wait=float(row["overall_wait"]),
            at=start + hold if group_limit > 0 else start,
            group=group_limit > 0,
        )

    async def pause_flood(
        self, chat: str, seconds: float, *, given_back: float | None, now: float | None = None
    ) -> None:
        """Telegram asked for a flood wait of `seconds` in `chat`: no process sends there until
        it is over. The refused message's moment `given_back` (if any) no longer counts."""
        await self.tx.execute(
            f"INSERT INTO flood_windows (chat, paused_until) VALUES (?, {_NOW} + ?) "
            "ON CONFLICT (chat) DO UPDATE SET "
            "paused_until = GREATEST(flood_windows.paused_until, EXCLUDED.paused_until), "
            f"sent = {_WITHOUT_AT}",
            (chat, now, seconds, given_back),
        )

    async def settle_flood_room(self, chat: str, at: float, finished: float | None) -> None:
        """The message counted from `at` in `chat`'s minute counts from `finished` instead (a
        send that took longer than its hold), or not at all (None: refused, never delivered)."""
        await self.tx.execute(
            f"UPDATE flood_windows SET sent = ARRAY(SELECT x FROM unnest({_WITHOUT_AT} "
            "|| CAST(? AS DOUBLE PRECISION[])) x ORDER BY x) "
            "WHERE chat = ? AND array_position(sent, CAST(? AS DOUBLE PRECISION)) IS NOT NULL",
            (at, [] if finished is None else [finished], chat, at),
        )

    async def prune_flood_windows(self, now: float | None = None) -> int:
        """Delete the rows of chats whose flood wait is over and whose minute holds no message
        any more (all but the overall row): they decide nothing, and a private chat's names
        its person (`private_chat_label`). How many went."""
        rows = await self.tx.fetchall(
            f"DELETE FROM flood_windows WHERE chat <> '{OVERALL}' "
            f"AND paused_until < {_NOW} AND NOT EXISTS (SELECT 1 FROM unnest(sent) x "
            f"WHERE x > {_NOW} - {GROUP_PERIOD}) RETURNING chat",
            (now, now),
        )
        return len(rows)
