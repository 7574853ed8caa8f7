"""One jieba dictionary per process, keywords added without leaking (nlp/segment.py)."""

from __future__ import annotations

import jieba

from nlp.segment import tokenizer_for, total_frequency, word_frequency

# Words jieba's dictionary does not know, each a keyword of one made-up taxonomy.
FIRST, SECOND = "碧海议事厅", "会展城驿站"


def test_each_keyword_set_has_its_own_words_and_nobody_elses() -> None:
    """Whichever tokenizer the process built first, a keyword comes out whole only where it is
    a keyword; the general dictionary's figures and the global jieba.dt stay as jieba has them.
    """
    total = total_frequency()
    first = tokenizer_for([FIRST])
    second = tokenizer_for([SECOND])
    text = f"{FIRST}旁边新开了{SECOND}"
    assert FIRST in first.lcut(text, HMM=False) and SECOND not in first.lcut(text, HMM=False)
    assert SECOND in second.lcut(text, HMM=False) and FIRST not in second.lcut(text, HMM=False)
    assert tokenizer_for([FIRST]) is first
    assert word_frequency(FIRST) == 0 == word_frequency(SECOND)
    assert word_frequency("停车") > 0
    assert total_frequency() == total
    assert FIRST not in jieba.lcut(text, HMM=False)
