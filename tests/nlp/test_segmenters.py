"""The two segmentation engines (nlp/segment.py): same words, same tags, the fallback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jieba
import pytest

from nlp import segment
from nlp.normalise import normalise
from nlp.segment import ENGINES, Engine, segmenter_for, tokenizer_for
from nlp.tagger import Tagger
from nlp.taxonomy import Taxonomy

REPO = Path(__file__).resolve().parents[2]
_TRIPLED = re.compile(r"(.)\1\1")

# Written for these tests: everyday complaints with the number, date, phone, address and
# repeated-character runs on which the two engines' cutting rules could part.
SENTENCES = [
    "小区停车位太少，晚上十点以后根本找不到地方停车。",
    "2019.6.5日下午，3栋2单元的电梯又坏了，困了两位老人40多分钟！",
    "物业费从每平米1.5元涨到2.8元，业主大会根本没开过。",
    "请拨打0731-88886666或者12345热线反映，已经打了3-5次都没人接。",
    "楼下烧烤店油烟扰民，晚上噪音轰轰轰的，孩子没法写作业。",
    "学校门口上下学时段特别堵，希望交警来维持秩序，好好管一管。",
    "A10-2-503的住户长期在楼道堆放杂物，存在消防安全隐患。",
    "垃圾分类的桶太少了，厨余垃圾经常溢出来，臭味很大。",
    "醫院掛號太難了，網上預約總是約不到，老年人更是沒辦法。",
    "公交车改线了也没有提前公示，我们都不知道在哪里等车。",
    "希望社区多开几次居民议事会，重大事情要先征求大家的意见。",
    "违建的阳光房占了消防通道，投诉了好几次，城管说要先调查。",
    "GB50500-2013标准规定的工程量清单，开发商根本不按这个执行。",
    "滴滴滴的喇叭声从早上6:30响到晚上11:00，能不能管管？",
    "低保申请材料交了两个月，社区说还在审核，到底要等多久？",
]


def _cjk_keywords(tagger: Tagger) -> list[str]:
    return sorted(k for k in tagger.keyword_set() if segment.is_cjk_word(k) and " " not in k)


@pytest.mark.parametrize("engine", ENGINES)
def test_every_keyword_of_the_taxonomy_comes_out_whole(taxonomy: Taxonomy, engine: Engine) -> None:
    """Each engine cuts every Chinese keyword of the built-in taxonomy into one token."""
    tagger = Tagger(taxonomy, segmenter=engine)
    assert tagger.segmenter == engine
    cutter = segmenter_for(_cjk_keywords(tagger), engine)
    split = [k for k in _cjk_keywords(tagger) if cutter.cut(k, hmm=False) != [k]]
    assert split == []
    assert len(_cjk_keywords(tagger)) > 100


def test_jieba_rs_keeps_each_taxonomys_words_to_itself() -> None:
    """With jieba-rs, a word added for one word set is whole there only, not in another set's
    segmenter, and rjieba's own default dictionary is left untouched."""
    import rjieba

    first, second = "碧海议事厅", "会展城驿站"
    text = f"{first}旁边新开了{second}"
    one = segmenter_for([first], "jieba-rs")
    two = segmenter_for([second], "jieba-rs")
    assert one.engine == two.engine == "jieba-rs"
    assert first in one.cut(text, hmm=False) and second not in one.cut(text, hmm=False)
    assert second in two.cut(text, hmm=False) and first not in two.cut(text, hmm=False)
    assert segmenter_for([first], "jieba-rs") is one
    assert first not in rjieba.cut(text, False) and second not in rjieba.cut(text, False)
    assert segment.word_frequency(first) == 0


def test_the_engines_agree_on_tags_and_tokens(taxonomy: Taxonomy) -> None:
    """On everyday complaints with numbers, phones and repeated characters, both engines give
    the same themes and the same tokens, with HMM and without."""
    reference = Tagger(taxonomy, segmenter="jieba")
    native = Tagger(taxonomy, segmenter="jieba-rs")
    tagged = 0
    for text in SENTENCES:
        themes = [t.id for t in reference.tag(text)]
        assert [t.id for t in native.tag(text)] == themes, text
        tagged += bool(themes)
        norm = normalise(text)
        if _TRIPLED.search(text):
            # A run of one character three times (滴滴滴) ties two cuts; the engines break the
            # tie on opposite sides (滴滴/滴, 滴/滴滴): same words, other order.
            assert Counter(native.tokens(norm)) == Counter(reference.tokens(norm)), text
            assert Counter(native.segment(text)) == Counter(reference.segment(text)), text
        else:
            assert native.tokens(norm) == reference.tokens(norm), text
            assert native.segment(text) == reference.segment(text), text
    assert tagged >= len(SENTENCES) - 2


@pytest.mark.parametrize("engine", ENGINES)
def test_one_tagger_segments_from_several_threads_at_once(
    taxonomy: Taxonomy, engine: Engine
) -> None:
    """A report's emerging terms segment in a worker thread while the intake tags answers with
    the same tagger (bot/core/reports.py): threads sharing one segmenter (jieba-rs releases the
    GIL while it cuts) get exactly what one thread alone gets, and nothing raises."""
    tagger = Tagger(taxonomy, segmenter=engine)
    texts = SENTENCES * 20
    alone = [(tagger.segment(t), tagger.tokens(normalise(t))) for t in texts]

    def cut_all(shift: int) -> list[tuple[list[str], list[str]]]:
        order = texts[shift:] + texts[:shift]
        done = [(tagger.segment(t), tagger.tokens(normalise(t))) for t in order]
        return done[-shift:] + done[:-shift] if shift else done

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(cut_all, [0, 7, 13, 29]))
    assert all(result == alone for result in results)


def test_number_runs_are_split_as_jieba_splits_them() -> None:
    """jieba-rs's HMM step would keep 0731-88886666 whole; the segmenter splits it at the
    hyphen as jieba does, and keeps a dictionary word with a symbol (AT&T) whole."""
    native = segmenter_for([], "jieba-rs")
    text = "电话0731-88886666，房号3-5，AT&T"
    reference = tokenizer_for([]).lcut(text, HMM=True)
    assert native.cut(text, hmm=True) == reference
    assert "-" in reference and "AT&T" in reference


def test_general_dictionary_figures_do_not_depend_on_the_engine(taxonomy: Taxonomy) -> None:
    """Frequencies read from jieba's dictionary file (what a jieba-rs process uses) equal those
    the loaded jieba tokenizer reports, keywords it raised (省道) or added (碧海议事厅) included."""
    words, total = segment._reference()
    Tagger(taxonomy, segmenter="jieba")
    tokenizer_for(["碧海议事厅"])
    assert total == segment.total_frequency()
    for word in ("停车", "小区", "物业", "的", "噪音", "省道", "县道"):
        assert words[word] == segment.word_frequency(word) > 0
    assert segment.word_frequency("碧海议事厅") == 0


def test_missing_rjieba_falls_back_to_jieba_and_says_so_once(tmp_path: Path) -> None:
    """Where rjieba is not installed (a Python without site-packages, jieba alone on its path),
    asking for jieba-rs gives jieba's segmentation and one warning for the whole process."""
    only_jieba = tmp_path / "path"
    only_jieba.mkdir()
    (only_jieba / "jieba").symlink_to(Path(jieba.__file__).parent)
    script = textwrap.dedent(
        """
        import logging
        logging.basicConfig(level=logging.WARNING, format="%(name)s %(message)s")
        from nlp.segment import segmenter_for
        a = segmenter_for(["碧海议事厅"], "jieba-rs")
        b = segmenter_for(["会展城驿站"], "jieba-rs")
        print(a.engine, b.engine, "/".join(a.cut("碧海议事厅门口", hmm=False)))
        """
    )
    env = {
        **os.environ,
        "PYTHONPATH": f"{only_jieba}{os.pathsep}{REPO}",
        "MINYI_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONIOENCODING": "utf-8",
    }
    done = subprocess.run(
        [sys.executable, "-S", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == ["jieba", "jieba", "碧海议事厅/门口"]
    warnings = [line for line in done.stderr.splitlines() if "rjieba" in line]
    assert len(warnings) == 1 and warnings[0].startswith("nlp.segment ")


def test_jieba_rs_loads_no_dictionary_but_its_own() -> None:
    """A jieba-rs segmenter in a fresh process does not run rjieba's package import (which
    builds a default dictionary nobody uses), and a later `import rjieba` still works."""
    code = (
        "import sys\n"
        "from nlp.segment import segmenter_for\n"
        "cutter = segmenter_for(['碧海议事厅'], 'jieba-rs')\n"
        "print(cutter.engine, 'rjieba' in sys.modules, cutter.cut('去碧海议事厅', hmm=False))\n"
        "import rjieba\n"
        "print(rjieba.cut('去碧海议事厅', False))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    first, second = done.stdout.splitlines()
    assert first == "jieba-rs False ['去', '碧海议事厅']"
    assert "碧海议事厅" not in second
