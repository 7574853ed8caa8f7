"""The change against the previous round compares like with like (SPEC §5).

A round put to one community was compared with the whole of an earlier round put to three:
会展城社区's second round, answered by the same one resident as its part of the first, read
"与 #1 相比：参与 -3，回答 -3" (the other communities' answers counted as a drop), and its
theme moves were against the three communities' shares. The earlier round is now read over
the communities of the round reported on, in the organiser's report and `minyi report --json`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sandbox.emulator import BotAPIEmulator
from tests.e2e.test_privacy import open_post
from tests.harness import SECRET, start_bot

ROOT = Path(__file__).resolve().parents[2]


async def test_previous_round_is_read_over_the_reported_communities_only(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """Round 2 (会展城社区 only, 1 answer) against round 1 (three communities, 会展城社区's
    part 1 answer): the change is +0 answers and +0 participants, 垃圾分类 stays at 100%,
    in the organiser's report and in `minyi report --json`; an empty round in 碧海社区 is
    compared with 碧海社区's 3 answers of round 1, not all 4."""
    em = emulator
    async with start_bot(em, tmp_path) as bot:
        bihai = await bot.register("碧海社区居民群", "碧海社区")
        huizhan = await bot.register("会展城业主群", "会展城社区")
        await bot.register("花果园群", "花果园社区")
        private = em.private_chat(bot.organiser)
        await bot.command(private, "/start")
        await bot.command(private, "/ask all 2h 你觉得小区最需要改进什么？")
        post = open_post(bot, bihai, "社区征询 #1")["message_id"]
        for i, text in enumerate(
            [
                "小区停车位太少，晚上没地方停车。",
                "物業費的賬目從來不公開，希望定期公示。",
                "Please publish the property accounts every month.",
            ]
        ):
            em.send_message(em.add_user(f"碧海居民{i}"), bihai, text, reply_to=post)
        resident = em.add_user("会展城居民")
        post = open_post(bot, huizhan, "社区征询 #1")["message_id"]
        em.send_message(resident, huizhan, "垃圾分类的桶太少，厨余垃圾经常溢出来。", reply_to=post)
        await bot.settle()
        await bot.command(private, "/close 1")

        await bot.command(huizhan, "/ask 2h 垃圾分类做得怎么样？")
        post = open_post(bot, huizhan, "社区征询 #2")["message_id"]
        em.send_message(resident, huizhan, "垃圾站臭味很大，希望垃圾分类做好。", reply_to=post)
        await bot.settle()
        await bot.command(private, "/close 2")
        await bot.command(bihai, "/ask 2h 还有什么想说的？")
        await bot.command(private, "/close 3")

        report = await bot.wait_text(private, lambda t: "征询报告 #2" in t)
        assert "与 #1 相比：参与 +0，回答 +0" in report, report
        assert "垃圾分类 +" not in report, report  # 100% then, 100% now
        empty = await bot.wait_text(private, lambda t: "征询报告 #3" in t)
        assert "与 #1 相比：参与 -3，回答 -3" in empty, empty
        url = bot.settings.storage.url

    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "{url}"\n[privacy]\nsecret = "{SECRET}"\n')
    out = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--json", "--config", str(config)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,  # this checkout's code, whatever PYTHONPATH says
    )
    rounds = {r["id"]: r for r in json.loads(out.stdout)["rounds"]}
    previous = rounds[2]["previous"]
    assert (previous["label"], previous["participants"], previous["answers"]) == ("#1", 1, 1)
    assert previous["themes"]["waste_sorting"] == 1.0
    assert list(previous["per_community"]) == ["会展城社区"]
    assert (rounds[3]["previous"]["participants"], rounds[3]["previous"]["answers"]) == (3, 3)
