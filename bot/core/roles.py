"""Who may run organiser commands, and over which communities (SPEC §1).

A configured organiser (`roles.organisers`) has authority over every community. With
`roles.group_admins_are_organisers`, an administrator of a group has authority over the
community of the group the command is sent in, and nothing else: not in private chat, not in
a group that is no community (so an admin cannot register one: only configured organisers run
/community), not over another community's rounds and answers, not over what spans every
community (/digest, and `all`).

Where a command is sent also scopes what it reaches (SPEC §3), whoever asks: in a community's
group, that community alone (/report and /export show its part; /close, /cancel and /hide act
on its rounds and answers only); in a group that is no community, no community at all.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.core.base import Core, Turn
from bot.core.errors import OutOfReach
from bot.core.models import Community, Round, StoredAnswer
from bot.core.settings import Settings


@dataclass(frozen=True)
class Caller:
    """An authorised caller of an organiser command, where it was sent (`in_group`), and the
    community of that group (None in private chat or in a group that is no community)."""

    user_id: int
    community: Community | None
    organiser: bool  # configured in roles.organisers; otherwise an admin of `community`'s group
    in_group: bool = False

    @property
    def scope(self) -> int | None:
        """The community the command addresses: the group's; None (every community) in private
        chat. A command sent in a group addresses that group's community alone (SPEC §3), so
        in a group that is no community it reaches none: OutOfReach `not_a_community`."""
        self.check_place()
        return None if self.community is None else self.community.id

    def check_place(self) -> None:
        """OutOfReach `not_a_community` if sent in a group that is no community: such a
        command addresses no community, so it may neither show nor change anything."""
        if self.in_group and self.community is None:
            raise OutOfReach("not_a_community")


def is_organiser(settings: Settings, user_id: int) -> bool:
    """Listed in roles.organisers: authority over every community."""
    return user_id in settings.roles.organisers


def caller_of(
    settings: Settings,
    user_id: int,
    community: Community | None,
    *,
    group_admin: bool = False,
    organisers_only: bool = False,
    in_group: bool = False,
) -> Caller | None:
    """The caller's authority, or None if they may not run the command here.

    `community` is the one the group is registered as (None in private chat or an unregistered
    group); `group_admin` whether the user administers that group; `organisers_only` for
    commands no group admin may run (/community); `in_group` whether it was sent in a group."""
    if is_organiser(settings, user_id):
        return Caller(user_id, community, organiser=True, in_group=in_group)
    if (
        group_admin
        and not organisers_only
        and community is not None
        and settings.roles.group_admins_are_organisers
    ):
        return Caller(user_id, community, organiser=False, in_group=True)
    return None


async def note_organiser_language(core: Core, user_id: int, lang: Literal["zh", "en"]) -> None:
    """Remember the language a configured organiser's Telegram gave with a command, for the
    reports sent to them later without a command to answer (a closed round's report); for
    anyone else nothing is stored. Its own transaction, which claims no update: the command's
    use case claims it with its effects, and writing the same language again changes nothing."""
    if not is_organiser(core.settings, user_id):
        return
    async with core.repo.transaction() as session:
        await session.set_organiser_language(core.resident(user_id), lang)


async def organiser_languages(core: Core) -> dict[int, Literal["zh", "en"]]:
    """The language to send each configured organiser a report in: the one remembered from
    their commands, else `locale.default`."""
    keys = {organiser: core.resident(organiser) for organiser in core.settings.roles.organisers}
    async with core.repo.transaction() as session:
        stored = await session.get_organiser_languages(list(keys.values()))
    default = core.settings.locale.default
    languages: dict[int, Literal["zh", "en"]] = {}
    for organiser, key in keys.items():
        lang = stored.get(key)
        languages[organiser] = "zh" if lang == "zh" else "en" if lang == "en" else default
    return languages


async def note_missed_report(core: Core, organiser: int, round_id: int) -> None:
    """Remember that a configured organiser could not be sent round `round_id`'s report (they
    never opened a private chat with the bot, or blocked it), under their pseudonym."""
    async with core.repo.transaction() as session:
        await session.add_missed_report(core.resident(organiser), round_id)


async def missed_reports_untold(core: Core, user_id: int, turn: Turn | None = None) -> list[int]:
    """The rounds whose reports a configured organiser missed and was not told of yet (none
    for anyone else)."""
    if not is_organiser(core.settings, user_id):
        return []
    async with core.reading(turn) as session:
        return await session.untold_missed_reports(core.resident(user_id))


async def told_missed_reports(core: Core, user_id: int, round_ids: Sequence[int]) -> None:
    """The organiser was told of these missed reports: not again."""
    async with core.repo.transaction() as session:
        await session.set_missed_reports_told(core.resident(user_id), round_ids)


async def take_missed_reports(core: Core, user_id: int, turn: Turn | None = None) -> list[int]:
    """The rounds whose reports a configured organiser missed, forgotten from now on (they
    opened the private chat: they are told how to get them there)."""
    if not is_organiser(core.settings, user_id):
        return []
    async with core.transaction(turn) as session:
        return await session.take_missed_reports(core.resident(user_id))


def require_organiser(caller: Caller) -> None:
    """Commands over every community (/digest, `all`) are for configured organisers only."""
    if not caller.organiser:
        raise OutOfReach("organisers_only")


def _reaches(caller: Caller, scope: int | None, community_ids: Collection[int]) -> bool:
    """Whether the caller may read or change something of these communities: in a group, only
    if it is of the group's community (`scope`), whoever asks: a configured organiser in one
    group must not close or hide another community's round or answer by mistake; in private
    chat, a configured organiser anything."""
    return caller.organiser if scope is None else scope in community_ids


async def round_in_reach(core: Core, caller: Caller, round_id: int) -> Round:
    """The round, if the caller may read or change it (`_reaches`)."""
    caller.check_place()
    async with core.repo.transaction() as session:
        round_ = await session.get_round(round_id)
        ids = (
            [] if round_ is None else [c.id for c in await session.list_round_communities(round_id)]
        )
    if round_ is None:
        raise OutOfReach("round_not_found", id=round_id)
    if not _reaches(caller, caller.scope, ids):
        assert caller.community is not None  # only a caller scoped to a community is refused
        raise OutOfReach("round_elsewhere", id=round_id, community=caller.community.name)
    return round_


async def answer_in_reach(core: Core, caller: Caller, answer_id: int) -> StoredAnswer:
    """The answer, if the caller may moderate it (`_reaches`)."""
    caller.check_place()
    async with core.repo.transaction() as session:
        answer = await session.get_answer(answer_id)
    if answer is None:
        raise OutOfReach("hide_not_found", id=answer_id)
    if not _reaches(caller, caller.scope, [answer.community_id]):
        assert caller.community is not None
        raise OutOfReach("answer_elsewhere", id=answer_id, community=caller.community.name)
    return answer
