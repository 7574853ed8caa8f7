"""`minyi report --since DATE` lists the rounds opened since that day (SPEC §6): a round that
is only scheduled, or was cancelled before it opened, has not opened."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from bot.config import settings_from_dict
from bot.core.base import open_core
from bot.core.parsing import RoundRequest
from bot.core.rounds import advance_due_rounds, cancel_round, create_round
from tests.bot.test_cli import _config_in, _seed, minyi


async def test_since_leaves_out_rounds_that_never_opened(tmp_path: Path) -> None:
    """Beside a round opened 2 days ago, a round scheduled for tomorrow and one cancelled
    before opening are not listed by `--since` (in JSON or as text); without `--since`
    every round is."""
    config = _config_in(tmp_path)
    ids = await _seed(tmp_path)
    url = f"sqlite:///{tmp_path / 'm.db'}"
    core = await open_core(settings_from_dict({"storage": {"url": url}}, environ={}), secret=b"k")
    try:
        async with core.repo.transaction() as session:
            (community,) = await session.list_communities()
        later = []
        for question in ("明天的征询：停车怎么管？", "取消的征询：要不要装路灯？"):
            request = RoundRequest(
                kind="text",
                question=question,
                duration=timedelta(hours=2),
                opens_at=core.now() + timedelta(days=1),
            )
            created = await create_round(core, request, [community], "organiser")
            later.append(created.round.id)
        await cancel_round(core, later[1])
    finally:
        await core.repo.close()
    since = (core.now() - timedelta(days=7)).date().isoformat()
    done = minyi(config, "report", "--since", since, "--json")
    assert done.returncode == 0, done.stderr
    assert [r["id"] for r in json.loads(done.stdout)["rounds"]] == [ids["new"]]
    text = minyi(config, "report", "--since", since)
    assert text.returncode == 0, text.stderr
    assert "明天的征询" not in text.stdout and "取消的征询" not in text.stdout
    every = minyi(config, "report", "--json")
    listed = {r["id"]: r["state"] for r in json.loads(every.stdout)["rounds"]}
    assert listed == {
        ids["old"]: "closed",
        ids["new"]: "closed",
        later[0]: "scheduled",
        later[1]: "cancelled",
    }


async def test_since_lists_a_round_that_opened_late_within_the_days_asked(tmp_path: Path) -> None:
    """A round due ten days ago that the scheduler opened only today (the bot was down) opened
    since a week ago: `--since` lists it, as it lists the round opened 2 days ago."""
    config = _config_in(tmp_path)
    ids = await _seed(tmp_path)
    url = f"sqlite:///{tmp_path / 'm.db'}"
    core = await open_core(settings_from_dict({"storage": {"url": url}}, environ={}), secret=b"k")
    try:
        now = core.now()
        async with core.repo.transaction() as session:
            (community,) = await session.list_communities()
            late = await session.add_round(
                kind="text",
                state="scheduled",
                question="迟开的征询：楼道堆物怎么办？",
                community_ids=[community.id],
                opens_at=now - timedelta(days=10),
                closes_at=now + timedelta(days=1),
                reminder_at=None,
                created_by="organiser",
                at=now - timedelta(days=11),
            )
        assert await advance_due_rounds(core, now) == 1
        async with core.repo.transaction() as session:
            opened = await session.get_round(late.id)
        assert opened is not None and opened.state == "open" and opened.opened_at is not None
    finally:
        await core.repo.close()
    since = (now - timedelta(days=7)).date().isoformat()
    done = minyi(config, "report", "--since", since, "--json")
    assert done.returncode == 0, done.stderr
    assert [r["id"] for r in json.loads(done.stdout)["rounds"]] == [ids["new"], late.id]
