"""Masking of household addresses and personal names in the quotes shown to others.

What is stored is redacted before storage (nlp/redact.py: phone, ID-card, e-mail and
bank-card numbers, SPEC §4) and otherwise kept as written: organisers' exports are their
working data. A quote chosen for a report, a digest or the published index is read by people
who never saw the answer, so there it is masked further (bot/core/reports.py `show_quote`):

- a household address becomes [门牌]: building, unit, floor and room numbers (8栋2单元1102,
  5号楼1203室, 3幢502, 12-3-401, 1单元, B栋, 二栋的业主) and the number of a street address
  (书院路12号 shows as 书院路[门牌]: the street is a public place, the house is not);
- a person's name becomes [姓名]: a common surname with a title (王经理, 李阿姨, 张师傅, 刘书记),
  a familiar 老李 or 小张, a name after the words that introduce one (我叫…, 举报人：…), and the
  names jieba's part-of-speech tagger marks as personal names (`nr`) that begin with a common
  surname and are neither an everyday word (许可证, 张贴) nor a place (杨家塘村, 金溪中学).

Numbers without a household word stay (3号线, 52路, 12345, 5月12号, 2.5元, 101户, 3楼, 3室2厅,
小区有12栋楼), and so do the community's and public places' names (碧海社区, 会展城, 公园, 学校)
and titles without a surname (社区书记, 班主任). Measured on real citizen messages: README
"Known limits". Part-of-speech tagging (`nlp.segment.pos_tagger`: jieba-rs's, about 0.1 ms a
quote and 36 MB loaded on first use; jieba's own where jieba-rs is unavailable, about 3 ms and
180 MB) is for the few quotes shown, in a worker thread, never for every answer stored.
"""

from __future__ import annotations

import re

from nlp.segment import PosTagger, pos_tagger

ADDRESS = "[门牌]"
NAME = "[姓名]"
MARKS = (ADDRESS, NAME)

_ARABIC = r"[0-9０-９]{1,4}"
_CHINESE = r"[一二三四五六七八九十]{1,3}"
_LETTER = r"[A-Za-zＡ-Ｚａ-ｚ]"
_NOT_NUMBER_BEFORE = r"(?<![0-9０-９.\-/:：A-Za-zＡ-Ｚａ-ｚ一二三四五六七八九十百千万两几])"

# A building: 8栋, 5号楼, 3幢, 第7栋, B栋, 3号院, 三号楼. "3栋楼" and "三栋" are counts of
# buildings (小区有12栋楼), not an address, unless more of an address follows.
_BUILDING = (
    rf"第?(?:{_ARABIC}|{_LETTER})(?:号楼|号栋|栋|幢|号院)|第?(?:[0-9０-９]{{1,2}}|{_LETTER})座"
    rf"|第?{_CHINESE}(?:号楼|号栋|号院)"
)
_BUILDING_CN = rf"第?{_CHINESE}(?:栋|幢)"  # only with more of the address after it
_UNIT = rf"(?:{_ARABIC}|{_CHINESE})单元"
_FLOOR = r"(?:[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})(?:层|楼)(?!道|梯|下|上|顶)"
# A bare number is a room, not a year, a price or a count (18号502户2019年).
_ROOM = (
    r"[0-9０-９]{3,4}(?:室|号房|房|号|户|(?![0-9０-９年月日元块米平个人万岁次天页条期届级多余㎡mMfF]))"
    r"|[0-9０-９]{1,2}(?:室|号房|号)"
)
_PART = rf"(?:{_UNIT}|{_FLOOR}|{_ROOM}|{_BUILDING})"
_SEP = r"[\s\-－—/]?"
_CHAIN = (
    rf"(?:(?:{_BUILDING}|{_BUILDING_CN}){_SEP}{_PART}(?:{_SEP}{_PART})*"
    rf"|{_UNIT}(?:{_SEP}{_PART})*"
    rf"|(?:{_BUILDING})(?!楼|房|建筑|住宅|高楼|小区|之间)"
    # 幸福里二栋的业主 (but 建了三栋楼, 有两栋: counts)
    rf"|(?!一){_BUILDING_CN}(?=的|业主|住户|居民|全体|门口|楼下|楼上|楼道|电梯|[，。、！？,.!?]))"
)
# A room alone: 1502室 (three or four digits: 2室1厅 is a flat's layout).
_ROOM_ALONE = r"[0-9０-９]{3,4}(?:室|号房)"
# 12-3-401: building, unit, room; a date has a four-digit year first.
_DASHED = r"[0-9０-９]{1,3}[\-－][0-9０-９]{1,2}[\-－][0-9０-９]{3,4}(?![0-9０-９\-－])"
# 书院路12号, 幸福路88号院3栋, 5组12号: the number after a street (the street stays).
_STREET = (
    r"(?<=[路街巷弄道里组])[0-9０-９]{1,5}(?:[\-－之][0-9０-９]{1,4})?号(?:院|楼)?"
    rf"(?:{_SEP}{_PART})*"
)

_ADDRESS_RE = re.compile(
    rf"{_STREET}|{_NOT_NUMBER_BEFORE}(?:{_DASHED}|{_CHAIN}|{_ROOM_ALONE})(?![0-9０-９])"
)

# After "一栋三层", "1栋8层": how many buildings and how high, not where.
_HOW_HIGH = re.compile("的?(?:违章|违建|临时)?(?:楼|房|办公|建筑|住宅|厂房)")

# Common single-character surnames that seldom read as another word before a title. Left out:
# those that end everyday words before 老师/经理/主任 (向书记反映, 和老师说, 车主任意, 班主任,
# 语文老师, 历史老师, 相关经理, 对方, 其余, 高: 提高, 于: 关于, 时: 到时, 常: 经常).
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶魏苏吕丁"
    "沈任姚卢姜崔钟谭陆汪范金廖贾夏韦付方邹熊孟秦邱侯江尹薛闫段雷龙黎陶贺毛郝顾龚邵钱严覃武戴"
    "莫孔汤温康施牛樊葛邢齐乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳祝宁尚符舒阮柯纪梅童凌毕"
    "季裴霍涂苗谷盛曲翁冉骆蓝"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "慕容", "令狐", "司徒")
_TITLES = (
    "经理|主任|书记|师傅|阿姨|大爷|大妈|大姐|大哥|叔叔|阿婆|奶奶|爷爷|伯伯|婶婶|老师|医生|护士|"
    "校长|院长|所长|局长|科长|处长|站长|村长|组长|队长|部长|楼长|会计|律师|警官|老板|先生|女士|"
    "小姐|同志|总监|主管|网格员|厅长|县长|市长|区长|镇长|乡长|厂长|法官|主席"
)
# Two characters read across a word's end, not a surname: 其余老师, 每周书记, 工程经理.
_NOT_SURNAME_AFTER = {
    "余": "其剩多",
    "周": "每上下本这四",
    "方": "对双各一地多官",
    "金": "资租押奖基现养薪税",
    "程": "工流课过全",
    "江": "长",
    "毛": "羽",
    "龙": "水",
    "钱": "花有没",
    "任": "主责信上担亲现曾兼继出升调新前接改",
    "符": "相",
    "章": "文规",
    "宁": "安",
    "谢": "谢感答致多",
}
# A name right after the words that introduce one: 我叫黄宏伟，本人名叫颜讲生，控告人：李生正.
_CUE = (
    r"(?:我叫|名叫|叫做|我是|本人|姓名|诉求人|求诉人|举报人|控告人|请求人|报告人|申请人|投诉人)"
    r"[：:\s]*"
)
# 老李, 小王: the most common surnames only (小孙子, 老陈醋 are words: see _begins_a_word).
_FAMILIAR = re.compile("[老小]([王李张刘陈杨赵吴周徐胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖])")
# Words the dictionary does not tell from a familiar name (it tags 孙子 a name, like 李家).
_NOT_FAMILIAR = frozenset({"老陈醋", "小孙子", "小孙女", "老孙子"})
_ANY_SURNAME = re.compile(f"[{_SURNAMES}]|{'|'.join(_COMPOUND_SURNAMES)}")
_ONE_SURNAME = rf"(?:{'|'.join(_COMPOUND_SURNAMES)}|[{_SURNAMES}])"
# ... or the beginning of a word: 何时能, 何必, 何况.
_NOT_SURNAME_BEFORE = {
    "何": "时能必况在以须等止曾尝苦妨谓处种为人事益原故去用从干",
    "任": "正副职教",
}
_TITLED = re.compile(rf"{_ONE_SURNAME}(?:{_TITLES})")
_CUED = re.compile(rf"{_CUE}({_ONE_SURNAME}[\u4e00-\u9fff]{{1,2}})(?![\u4e00-\u9fff])")
# Words jieba tags nr that are not people in residents' answers.
_NOT_NAMES = frozenset({"谢谢", "高峰", "黎明", "文明", "光明", "金华", "江山", "安康"})

# Where a word tagged a name is a place: its last character or what follows it.
_PLACE_ENDS = frozenset(
    "家镇乡村路街巷庄岭塘湾桥河湖溪港坪冲坡岗垭洞寨屯铺园苑城县市州省区寺庙山厂"
)
_PLACE_WORDS = frozenset(
    {"中学", "小学", "医院", "大道", "社区", "公司", "宾馆", "大厦", "广场", "小区", "学校",
     "花园", "集团", "酒店", "大桥", "公园", "车站", "水库", "景区", "商场", "超市", "门票",
     "物业", "开发", "沿线", "印刷", "水泥", "建材", "科技", "实业", "地产", "置业", "房产",
     "药业", "矿业", "食品", "商贸", "电器", "家具", "装饰", "餐饮", "驾校", "诊所", "药店"}
)  # fmt: skip
_TITLE_WORDS = frozenset({"市长", "县长", "区长", "镇长", "乡长", "村长", "省长", "州长", "厂长"})
# A three-character dictionary name more frequent than this is a phrase (许可证 351, 申请人 128);
# names are rare (王建国 12, 李秀英 3).
_RARE = 50


def _surname_at(text: str, start: int) -> bool:
    """Whether the text at `start` begins with a common surname that is not the end of a
    word begun before it."""
    if text.startswith(_COMPOUND_SURNAMES, start):
        return True
    char = text[start]
    if char not in _SURNAMES:
        return False
    if start and text[start - 1] in _NOT_SURNAME_AFTER.get(char, ""):
        return False
    return text[start + 1 : start + 2] not in _NOT_SURNAME_BEFORE.get(char, "")


def _name_spans(text: str, tagger: PosTagger) -> list[tuple[int, int]]:
    """(start, end) of each personal name in `text`."""
    spans = [
        (m.start(), m.end())
        for m in _TITLED.finditer(text)
        if _surname_at(text, m.start()) and not _begins_a_word(m.group(), tagger)
    ]
    spans += [m.span(1) for m in _CUED.finditer(text) if not _begins_a_word(m.group(1), tagger)]
    spans += [
        (m.start(), m.end())
        for m in _FAMILIAR.finditer(text)
        if not _begins_a_word(text[m.start(1) : m.start(1) + 2], tagger)
        and text[m.start() : m.start() + 3] not in _NOT_FAMILIAR
    ]
    # jieba tags a surname and a given name apart (陈/nr 秀英/nr): a run of names is one name.
    runs: list[list[int]] = []
    position = 0
    for word, flag in tagger.tag(text):
        start = text.find(word, position)
        if start < 0:
            break  # the tagger changed the text (it does not); names found so far stand
        position = start + len(word)
        if flag in ("nr", "nrfg") and word not in _NOT_NAMES:
            if runs and runs[-1][1] == start:
                runs[-1][1] = position
            else:
                runs.append([start, position])
    for start, end in runs:
        word = text[start:end]
        if (
            2 <= len(word) <= 4
            and all("\u4e00" <= ch <= "\u9fff" for ch in word)
            and _surname_at(text, start)
            and _reads_as_name(word, tagger)
            and not _is_place(text, start, end)
        ):
            spans.append((start, end))
    return spans


def _reads_as_name(word: str, tagger: PosTagger) -> bool:
    """Whether a run of words jieba tagged as names reads as one person's name.

    jieba's dictionary tags about 1,400 two-character words nr that are everyday words in an
    answer (许可, 张贴, 林木, 蓝天, 范畴: a surname's character begins them), so a name of two
    characters counts only when the dictionary does not hold it (jieba's HMM found it: 刘涛,
    张磊), or as a surname with a given name (陈/秀英). Its three-character nr words are mostly
    people (王建国, 李秀英) but a few frequent ones are phrases (许可证, 申请人, 段时间).
    """
    if len(word) == 4 and not word.startswith(_COMPOUND_SURNAMES):
        return False  # 殷殷关怀, 严格执行: four characters are a compound surname's names only
    if _begins_a_word(word, tagger):
        return False  # 马路边, 黄金华
    tag = tagger.dictionary_tag(word)
    if tag is None:
        return True  # not a dictionary word: the HMM tagged it a name, or it is a run
    if tag not in ("nr", "nrfg") or len(word) != 3:
        return False
    return tagger.frequency(word) <= _RARE


def _begins_a_word(text: str, tagger: PosTagger) -> bool:
    """Whether the surname and the character after it are an everyday word (牛奶, 马路)."""
    tag = tagger.dictionary_tag(text[:2])
    return tag is not None and not tag.startswith("nr")


def _is_place(text: str, start: int, end: int) -> bool:
    """Whether the name-like word at [start, end) names a place (杨家塘村, 金溪中学, 江垭镇)."""
    if text[end - 1] in _PLACE_ENDS:
        return True
    after = text[end : end + 2]
    if re.match(_TITLES, after) or after in _TITLE_WORDS:
        return False  # 周辉县长: a person with a title
    return bool(after) and (after[0] in _PLACE_ENDS or after in _PLACE_WORDS)


def find_masks(text: str, tagger: PosTagger | None = None) -> list[tuple[int, int, str]]:
    """(start, end, mark) of what `mask_quote` replaces, in order, overlapping spans joined;
    names found with `tagger` (the process's, `nlp.segment.pos_tagger`, by default)."""
    spans = [
        (m.start(), m.end(), ADDRESS)
        for m in _ADDRESS_RE.finditer(text)
        if not (m.group()[-1] in "层楼" and _HOW_HIGH.match(text, m.end()))
    ]
    # Every name and compound surname here begins with one of the surnames: without one, the
    # tagger is not even loaded.
    names = _name_spans(text, tagger or pos_tagger()) if _ANY_SURNAME.search(text) else []
    spans += [(start, end, NAME) for start, end in names]
    joined: list[tuple[int, int, str]] = []
    for start, end, mark in sorted(spans):
        if joined and start < joined[-1][1]:
            last = joined[-1]
            joined[-1] = (last[0], max(last[1], end), last[2])
        else:
            joined.append((start, end, mark))
    return joined


def mask_quote(text: str, tagger: PosTagger | None = None) -> str:
    """`text` with household addresses replaced by [门牌] and personal names by [姓名]."""
    out: list[str] = []
    position = 0
    for start, end, mark in find_masks(text, tagger):
        out.append(text[position:start])
        out.append(mark)
        position = end
    out.append(text[position:])
    return "".join(out)
