"""English texts list names with ", " and Chinese texts with "、", wherever the list is built."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.communities import resolve_targets
from bot.core.errors import CommunityError
from bot.core.parsing import parse_ask
from bot.core.rounds import create_round
from bot.render.listings import round_created_text, themes_text
from bot.render.texts import error_reason
from tests.bot.pollseed import BIHAI, HUIZHAN, NOW, open_test_core

ZONE = ZoneInfo("Asia/Shanghai")


async def test_round_confirmation_and_unknown_community_list_names_per_language(
    tmp_path: Path,
) -> None:
    """`/ask all …` confirms the two communities as "碧海社区, 会展城社区" in English and
    "碧海社区、会展城社区" in Chinese; an unknown name lists the known ones the same way."""
    core = await open_test_core(tmp_path)
    try:
        async with core.repo.transaction() as session:
            await session.set_community(-100, BIHAI, NOW)
            await session.set_community(-200, HUIZHAN, NOW)
        communities = (await resolve_targets(core, "all")).communities
        created = await create_round(core, parse_ask("48h 物业服务怎么样？"), communities, "o")
        with pytest.raises(CommunityError) as raised:
            await resolve_targets(core, "海月社区")
    finally:
        await core.repo.close()
    names = [c.name for c in communities]  # in the order the repository lists them
    assert sorted(names) == sorted([BIHAI, HUIZHAN])
    english = round_created_text(created, "en", ZONE)
    assert ", ".join(names) in english and "、" not in english, english
    assert "、".join(names) in round_created_text(created, "zh", ZONE)
    assert ", ".join(names) in error_reason(raised.value, "en")
    assert "、".join(names) in error_reason(raised.value, "zh")


async def test_english_theme_list_separates_keywords_with_commas(tmp_path: Path) -> None:
    """/themes in English separates each theme's sample keywords with ", "."""
    core = await open_test_core(tmp_path)
    try:
        text = themes_text(core.tagger.taxonomy, "en")
    finally:
        await core.repo.close()
    assert "、" not in text and ", " in text
