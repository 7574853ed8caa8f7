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
  surname and are neither an everyday word (许可证, 张贴) nor a place (柳树湾村, 桂花岭小学) nor a
  business, estate or medicine (明辰塑胶公司, 金桂绿城); the 百家姓's compound surnames and
  rarer ones with a title (诸葛主任, 瞿主任), surnames that are also words when the title is
  spoken to (尊敬的高书记：, 向主任，您好; not 向主任反映); a given name alone where a person is
  named (小明说, 找了建国, 邻居秀英, 建国师傅) or with a surname (陈桂兰); and in English a
  title and a name (Mr Zhang), a pinyin name with the surname first (Wang Wei) and common
  given names (Tom), with building and room numbers (building 3, Room 1203) as addresses.
  Traditional characters and full-width letters are read as Simplified and half-width
  (陳主任, Ｍｒ Ｚｈａｎｇ).

Numbers without a household word stay (3号线, 52路, 12345, 5月12号, 2.5元, 101户, 3楼, 3室2厅,
小区有12栋楼, 有6栋, 建成2栋18层的), thanks stay (谢谢您), and so do the community's and public
places' names (碧海社区, 会展城, 公园, 学校), titles without a surname (社区书记, 班主任) and
titles after a word ending in a surname's character (照顾奶奶, 十分钟师傅, 卖萝卜大爷).
Measured on real citizen messages: README "Known limits". Part-of-speech tagging
(`nlp.segment.pos_tagger`: jieba-rs's, about 0.1 ms a quote and 36 MB loaded on first use, the
whole masking about 0.2 ms; jieba's own where jieba-rs is unavailable, about 3 ms and 180 MB)
is for the few quotes shown and a report's candidate emerging terms (`masked_in`), in a worker
thread, never for every answer stored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from nlp.normalise import fold_width, to_simplified
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
_HOW_HIGH = re.compile("的?(?:违章|违建|临时)?(?:楼|房|办公|建筑|住宅|厂房|公寓|高楼|大楼|高层)")
# Before "有6栋", "共5栋", "建成2栋18层的": how many buildings there are or will be.
_COUNTABLE = re.compile(rf"(?:{_BUILDING}|{_BUILDING_CN})(?:{_SEP}{_FLOOR})?")
_COUNTING = ("有", "共", "建成", "建了", "盖了", "新建", "变为", "变成", "楼房", "修建", "盖")

# Common single-character surnames that seldom read as another word before a title. Left out:
# those that end everyday words before 老师/经理/主任 (向书记反映, 和老师说, 车主任意, 班主任,
# 语文老师, 历史老师, 相关经理, 对方, 其余, 高: 提高, 于: 关于, 时: 到时, 常: 经常).
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶魏苏吕丁"
    "沈任姚卢姜崔钟谭陆汪范金廖贾夏韦付方邹熊孟秦邱侯江尹薛闫段雷龙黎陶贺毛郝顾龚邵钱严覃武戴"
    "莫孔汤温康施牛樊葛邢齐乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳祝宁尚符舒阮柯纪梅童凌毕"
    "季裴霍涂苗谷盛曲翁冉骆蓝"
)
# The compound surnames of the 百家姓, less those that are also a gate, a distance or an
# ordinal before a title (东门, 西门, 南门, 百里, 第五).
_COMPOUND_SURNAMES = (
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "慕容", "令狐", "司徒", "万俟", "夏侯", "闻人",
    "赫连", "尉迟", "公羊", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于", "太叔", "申屠", "公孙",
    "仲孙", "轩辕", "钟离", "宇文", "长孙", "鲜于", "闾丘", "司空", "亓官", "司寇", "子车", "颛孙",
    "端木", "巫马", "公西", "漆雕", "乐正", "壤驷", "公良", "拓跋", "夹谷", "宰父", "谷梁", "段干",
    "东郭", "呼延", "羊舌", "微生", "梁丘", "左丘", "南宫",
)  # fmt: skip
# Less common surnames, recognised before a title or after a cue only (瞿主任, 我叫邝…): the
# tagger's names must begin with a common one. Left out: those ending everyday words before a
# title (旅游局长, 住房经理, 少年宫主任, 旁边阿姨, 城管局长, 相关经理, 供应经理, 检查组长,
# 亲戚阿姨, 仓储经理).
_RARE_SURNAMES = (
    "瞿邝晏甘饶阎蔺屈滕储靳巫邬卞柴尤竺虞卜窦佘鄢艾隋佟牟匡廉仇栾褚娄卓麦蒲闵萧邸祁茅鄂姬裘石洪谈邰"
)
# Surnames that are as often a word before a title (向主任反映: "to the director", 高校长年,
# 对于老师, 和老师说): a name only when the title is spoken to (尊敬的高书记：, 向主任，您好).
_WORDY_SURNAMES = "向于高和文车时常白万"
_TITLES = (
    "总经理|董事长|工程师|副?(?:局长|市长|县长|区长|镇长|主任|书记|院长|校长|所长|科长|处长)|教授|大夫|民警|"
    "经理|主任|书记|师傅|阿姨|大爷|大妈|大姐|大哥|叔叔|阿婆|奶奶|爷爷|伯伯|婶婶|老师|医生|护士|"
    "校长|院长|所长|局长|科长|处长|站长|村长|组长|队长|部长|楼长|会计|律师|警官|老板|先生|女士|"
    "小姐|同志|总监|主管|网格员|厅长|省长|县长|市长|区长|镇长|乡长|厂长|法官|主席|"
    # 孙总 (the boss), not 金总额, 马总是, 任总体
    "总(?![额数计共是体结之和量部算会要能在不也还都归的局站队理书督策工关原统])"
)
# Two characters read across a word's end, not a surname: 其余老师, 每周书记, 工程经理.
_NOT_SURNAME_AFTER = {
    "余": "其剩多",
    "周": "每上下本这四",
    "方": "对双各一地多官平院",
    "金": "资租押奖基现养薪税",
    "程": "工流课过全",
    "江": "长两",
    "毛": "羽",
    "龙": "水",
    "钱": "花有没",
    "任": "主责信上担亲现曾兼继出升调新前接改自",
    "田": "土",
    "叶": "枝",
    "符": "相",
    "章": "文规",
    "宁": "安",
    "谢": "谢感答致多",
    "洪": "防山抗",
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
# (The lookahead on first characters spares trying every compound at every position.)
_FIRSTS = "".join(sorted({c[0] for c in _COMPOUND_SURNAMES} | set(_SURNAMES + _RARE_SURNAMES)))
_ANY_SURNAME = re.compile(f"[{_FIRSTS}{_WORDY_SURNAMES}]")  # a compound's first, too
_ONE_SURNAME = rf"(?:{'|'.join(_COMPOUND_SURNAMES)}|[{_SURNAMES}])"
# ... or the beginning of a word: 何时能, 何必, 何况.
_NOT_SURNAME_BEFORE = {
    "何": "时能必况在以须等止曾尝苦妨谓处种为人事益原故去用从干",
    "任": "正副职教董",
    "谢": "谢",
}
_TITLED = re.compile(rf"(?=[{_FIRSTS}])(?:{_ONE_SURNAME}|[{_RARE_SURNAMES}])(?:{_TITLES})")
# Spoken to: after 尊敬的/亲爱的 or the start of a sentence, before a comma, a colon or 您好.
_ADDRESSED = re.compile(rf"[{_WORDY_SURNAMES}](?:{_TITLES})(?=[\s，。！？；：、,.!?;:]|您好|你好)")
_BEFORE_ADDRESSED = (*' \t\n，。！？；：、,.!?;:“”"（(', "尊敬的", "亲爱的")
_CUED = re.compile(
    rf"{_CUE}((?:{_ONE_SURNAME}|[{_RARE_SURNAMES}])[\u4e00-\u9fff]{{1,2}})(?![\u4e00-\u9fff])"
)
# Verbs of saying jieba-rs's tagger may join to a name before them (孙总说/nr).
_SAID = frozenset("说讲")
# Words jieba tags nr that are not people in residents' answers.
_NOT_NAMES = frozenset(
    {"谢谢", "谢谢您", "谢谢你", "高峰", "黎明", "文明", "光明", "金华", "江山", "安康"}
)

# A given name alone, where a person is named: before what people say (小明说, 建国告诉我),
# after asking for someone (找了建国, 问小明) or a relation (邻居秀英), before a title (秀英阿姨,
# 建国师傅). After a word that also joins things (和, 给, 让, 请: 和许可, 给张贴) or before a
# title, only a common given name, 小X/阿X or a given name the dictionary holds counts; after
# the others a name the tagger found alone counts too (`_given_name`).
_GIVEN = r"(?P<name>[小阿][\u4e00-\u9fff]|[\u4e00-\u9fff]{2})"
_GIVEN_AFTER = re.compile(
    r"(?=[找问叫喊联通告邻同朋老爱丈妻儿女孙室网楼保房租姐妹哥弟请让跟和给帮])"
    r"(?:(?P<strong>(?:找|问|叫|喊|联系|通知|告诉)了?|邻居|同事|朋友|老公|老婆|爱人|丈夫|妻子|"
    r"儿子|女儿|孙子|孙女|同学|室友|网格员|楼长|保安|保洁|房东|租客|姐姐|妹妹|哥哥|弟弟)"
    rf"|(?:请|让|跟|和|同|给|帮)了?){_GIVEN}"
)
_GIVEN_BEFORE = re.compile(
    r"(?P<strong>说|讲|告诉|打电话|打了电话|来电|答应)|回复|跟我|和我|帮我|让我|叫我"
    r"|师傅|阿姨|大爷|大妈|大姐|大哥|叔叔|老师|医生|奶奶|爷爷|伯伯|婶婶"
)
# Common given names the dictionary holds as words (建国: founding a state): only where a
# person is named.
_GIVEN_NAMES = frozenset(
    {"建国", "建华", "建军", "建平", "建新", "国强", "国华", "国平", "志强", "志明", "志刚",
     "志勇", "秀英", "秀兰", "秀珍", "桂英", "桂兰", "桂芳", "玉兰", "玉梅", "玉珍", "丽华",
     "丽娟", "淑珍", "淑英", "淑华", "海燕", "红梅", "红霞", "春梅", "晓明", "晓燕", "晓红",
     "小红", "小明", "小刚", "小军", "小华", "小丽", "小芳", "子轩", "浩然", "梓涵", "欣怡",
     "宇轩", "俊杰", "文博", "明辉", "永强", "永刚", "卫东", "德华", "振华", "凤英", "美玲",
     "婷婷", "丹丹", "静静", "伟强", "建明", "金凤", "翠花", "春花", "亚军", "海涛", "海波"}
)  # fmt: skip
# A surname before one of them, with no title or cue beside it (陈桂兰, 周建国).
_SURNAMED_GIVEN = re.compile(
    rf"(?=[{_FIRSTS}]){_ONE_SURNAME}(?:{'|'.join(sorted(_GIVEN_NAMES, key=len, reverse=True))})"
)
# 小/阿 words the dictionary does not hold: the editor, the tuck shop, the couple.
_NOT_GIVEN = frozenset({"小编", "小卖", "小两"})
# ... nor 小 before a function word or a place word (大小的, 从小里看).
_NOT_GIVEN_SECOND = frozenset("的了是在和就也都里外上下中内前后时点些个们儿子这那么吗呢吧啊学区")

# Where a word tagged a name is a place: its last character or what follows it.
_PLACE_ENDS = frozenset(
    "家镇乡村路街巷庄岭塘湾桥河湖溪港坪冲坡岗垭洞寨屯铺园苑城县市州省区寺庙山厂观阁宫殿祠"
)
_PLACE_WORDS = frozenset(
    {"中学", "小学", "医院", "大道", "社区", "公司", "宾馆", "大厦", "广场", "小区", "学校",
     "花园", "集团", "酒店", "大桥", "公园", "车站", "水库", "景区", "商场", "超市", "门票",
     "物业", "开发", "沿线", "印刷", "水泥", "建材", "科技", "实业", "地产", "置业", "房产",
     "药业", "矿业", "食品", "商贸", "电器", "家具", "装饰", "餐饮", "驾校", "诊所", "药店"}
)  # fmt: skip
# A business, an estate or a medicine named like a person: a name-like word, a few characters
# of its trade (no verb or function word between) and one of these.
_NAMED_AFTER = re.compile(
    r"[^\s，。！？、；：,.!?;:“”的在说和是给跟对把被去到来了也都向从与及开办进回找问告让叫请帮管任"
    r"担自己得黑为]{0,2}?(?:公司|集团|有限|药业|制药|医药|胶囊|颗粒|口服液|注射液|小区|花园|家园|"
    r"公寓|广场|大厦|景区|酒店|商场|超市|诊所|药店|绿城|新城|山庄|华府|楼盘|培训|学校|幼儿园|"
    r"工作室|门诊|食品|网络|美容|健身|肥业|科技|实业|置业|地产|车队|车行|物流|酒家|饭店|餐厅|宾馆)"
)
_TITLE_WORDS = frozenset({"市长", "县长", "区长", "镇长", "乡长", "村长", "省长", "州长", "厂长"})
# A three-character dictionary name more frequent than this is a phrase (许可证 351, 申请人 128);
# names are rare (王建国 12, 李秀英 3).
_RARE = 50
# A word ending in a surname more frequent than this is an everyday one (照顾 2157, 允许 3247,
# 分钟 6285); below, it may be a given name (文龙 40, 成林 24).
_EVERYDAY = 100


def _surname_at(text: str, start: int, *, rare: bool = False) -> bool:
    """Whether the text at `start` begins with a common surname (or, with `rare`, a less
    common one) that is not the end of a word begun before it."""
    if text.startswith(_COMPOUND_SURNAMES, start):
        return True
    char = text[start]
    if char not in _SURNAMES and not (rare and char in _RARE_SURNAMES):
        return False
    if start and text[start - 1] in _NOT_SURNAME_AFTER.get(char, ""):
        return False
    return text[start + 1 : start + 2] not in _NOT_SURNAME_BEFORE.get(char, "")


def _titled(text: str, match: re.Match[str], tagger: PosTagger) -> bool:
    """Whether a surname-and-title match (王经理, 诸葛主任, 瞿主任) is a person."""
    start = match.start()
    if not _surname_at(text, start, rare=True):
        return False
    if not text.startswith(_COMPOUND_SURNAMES, start) and _ends_a_word(text, start, tagger):
        return False  # 照顾奶奶, 十分钟师傅, 卖萝卜大爷: the end of a word, not a surname
    # A compound surname is a word of its own in the dictionary (欧阳: a place): no check.
    return text.startswith(_COMPOUND_SURNAMES, match.start()) or not _begins_a_word(
        match.group(), tagger
    )


def _ends_a_word(text: str, at: int, tagger: PosTagger) -> bool:
    """Whether the surname at `at` ends a word of two or three characters begun before it:
    an everyday one (照顾, 允许, 分钟: more frequent than `_EVERYDAY`, while 文龙, 成林 and
    生肖 may be a name and a surname, 蒋文龙老师, 主治医生肖医生) or, for a less common surname,
    any (约谈, 萝卜, 受委屈); not one that calls a person by the surname (老王, 小李, 大王)."""
    if at and text[at - 1] in "老小大阿":
        return False
    least = 1 if text[at] in _RARE_SURNAMES else _EVERYDAY
    return any(at >= k and tagger.frequency(text[at - k : at + 1]) >= least for k in (1, 2))


def _name_spans(text: str, tagger: PosTagger) -> list[tuple[int, int]]:
    """(start, end) of each personal name in `text`."""
    spans = [(m.start(), m.end()) for m in _TITLED.finditer(text) if _titled(text, m, tagger)]
    spans += [
        m.span()
        for m in _ADDRESSED.finditer(text)
        if m.start() == 0 or text.endswith(_BEFORE_ADDRESSED, 0, m.start())
    ]
    spans += [m.span(1) for m in _CUED.finditer(text) if not _begins_a_word(m.group(1), tagger)]
    spans += [
        (m.start(), m.end())
        for m in _FAMILIAR.finditer(text)
        if not _begins_a_word(text[m.start(1) : m.start(1) + 2], tagger)
        and text[m.start() : m.start() + 3] not in _NOT_FAMILIAR
    ]
    tags: dict[tuple[int, int], str] = {}
    # jieba tags a surname and a given name apart (陈/nr 秀英/nr): a run of names is one name.
    runs: list[list[int]] = []
    position = 0
    for word, flag in tagger.tag(text):
        start = text.find(word, position)
        if start < 0:
            break  # the tagger changed the text (it does not); names found so far stand
        position = start + len(word)
        tags[(start, position)] = flag
        if flag in ("nr", "nrfg") and word not in _NOT_NAMES:
            if runs and runs[-1][1] == start:
                runs[-1][1] = position
            else:
                runs.append([start, position])
    for start, end in runs:
        if text[end - 1] in _SAID and (end - start >= 3 or (start and text[start - 1] in "小老")):
            end -= 1  # 孙总说/nr, 小/a 李说/nrfg: what they said is no part of the name
        word = text[start:end]
        if (
            2 <= len(word) <= 4
            and all("\u4e00" <= ch <= "\u9fff" for ch in word)
            and _surname_at(text, start)
            and _reads_as_name(word, tagger)
            and not _is_place(text, start, end)
        ):
            spans.append((start, end))
    ends = {end for _, end in tags}
    # A surname and a common given name the dictionary holds as a word (陈桂兰: 陈/nr 桂兰/ns),
    # ending where a word ends; not after a word the surname ends (花钱建新楼, 园林建新).
    spans += [
        m.span()
        for m in _SURNAMED_GIVEN.finditer(text)
        if m.end() in ends
        and _surname_at(text, m.start())
        and not _ends_a_word(text, m.start(), tagger)
        and not _is_place(text, m.start(), m.end())
    ]
    # After 找/邻居 the name must end where a word ends (找小朋友: no 小朋); before 说, it is
    # the two characters before.
    given = [
        (*m.span("name"), m.group("strong") is not None)
        for m in _GIVEN_AFTER.finditer(text)
        if m.end() in ends
    ]
    given += [
        (m.start() - 2, m.start(), m.group("strong") is not None)
        for m in _GIVEN_BEFORE.finditer(text)
        if m.start() >= 2
    ]
    spans += [
        (start, end)
        for start, end, strong in given
        if _given_name(text[start:end], tags.get((start, end)), tagger, strong=strong)
        and not _is_place(text, start, end)
    ]
    return spans


def _given_name(word: str, flag: str | None, tagger: PosTagger, *, strong: bool) -> bool:
    """Whether `word`, found where a person is named (小明说, 找了建国, 秀英阿姨), is a given
    name: a common one; 小/阿 before a character that makes no everyday word with it (小明,
    阿强; not 小区, 小孩); or, after a `strong` cue (找, 说), a word the dictionary does not
    hold that the tagger took for a name there. (The dictionary's own two-character names are
    mostly everyday words: 许可, 张贴, 林木.)"""
    if word in _GIVEN_NAMES:
        return True
    if word in _NOT_GIVEN or not all("\u4e00" <= ch <= "\u9fff" for ch in word):
        return False
    if tagger.dictionary_tag(word) is not None:
        return False
    if word[0] in "小阿":
        return word[1] not in _NOT_GIVEN_SECOND
    return strong and flag in ("nr", "nrfg", "nrt")


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
        return False  # 马路边, 黄金周
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
    """Whether the name-like word at [start, end) names a place (柳树湾村, 桂花岭小学, 杏林坡镇)."""
    if text[end - 1] in _PLACE_ENDS:
        return True
    after = text[end : end + 2]
    if re.match(_TITLES, after) or after in _TITLE_WORDS:
        return False  # 周明县长: a person with a title
    if bool(after) and (after[0] in _PLACE_ENDS or after in _PLACE_WORDS):
        return True
    return bool(_NAMED_AFTER.match(text, end))  # 明辰塑胶公司, 金桂绿城: a business, an estate


# English: a title and a name (Mr Zhang, Dr. Li Na), a Chinese name in pinyin with the surname
# first (Wang Wei, Li Xiaoming), a common English given name (Tom, Jenny) and a building or
# room number (building 3, Room 1203).
_EN_TITLED = re.compile(
    r"(?<![A-Za-z])(?:Mr|Mrs|Ms|Miss|Dr|Prof|Madam|Auntie|Uncle)\.?\s*[A-Z][a-z]+"
    r"(?:\s+[A-Z][a-z]+)?(?![A-Za-z])"
)
_PINYIN_SURNAMES = (
    "Wang|Li|Zhang|Liu|Chen|Yang|Huang|Zhao|Wu|Zhou|Xu|Sun|Ma|Zhu|Hu|Guo|Lin|Luo|Zheng|Liang|"
    "Xie|Song|Tang|Han|Feng|Deng|Cao|Peng|Zeng|Xiao|Tian|Dong|Pan|Yuan|Cai|Jiang|Yu|Du|Ye|Wei|Su|"
    "Lu|Ding|Shen|Ren|Yao|Lv|Cui|Zhong|Tan|Fan|Jin|Liao|Jia|Xia|Fu|Fang|Zou|Xiong|Meng|Qin|Qiu|"
    "Hou|Yin|Xue|Yan|Duan|Lei|Tao|Mao|Hao|Gu|Gong|Shao|Qian|Dai|Kong|Wen|Kang|Shi|Niu|Qi|"
    "Qiao|Zhuang|Nie|Ouyang|Situ|Sima|Zhuge|Shangguan"
)
# A pinyin syllable (initial and final), one to three to a given name: Wei, Xiaoming.
_SYLLABLE = (
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|in|un|ia|ie|iu|ua|uo|"
    r"ue|ui|er|a|o|e|i|u|v)"
)
_PINYIN_NAME = re.compile(
    rf"(?<![A-Za-z])(?:{_PINYIN_SURNAMES})[ \t]+(?P<given>[A-Z](?i:{_SYLLABLE}){{1,3}})(?![A-Za-z])"
)
# English words that are spelt like a pinyin given name (Sun Can, Wang Long).
_NOT_PINYIN_GIVEN = frozenset(
    {"A", "I", "O", "E", "He", "She", "Me", "We", "Go", "So", "No", "Can", "Man", "Men",
     "Pan", "Ban", "Ran", "Fan", "Hang", "Long", "Gang", "Pen", "Ten", "Den", "Hen", "Tie",
     "Lie", "Die", "Pie", "Sing", "Song", "King", "Ring", "Bang", "Bin", "Tan", "Chin",
     "Shun", "Bun", "Gun", "Nun", "Run", "Fun", "Hung", "Sung", "Lung", "Bong", "Tong",
     "Ming", "Wan", "Lay", "Gay", "Bay", "Day", "May", "Say", "Way", "Pay"}
)  # fmt: skip
# Pinyin pairs that are places and sayings, not people.
_NOT_PINYIN_NAMES = frozenset(
    {"hong kong", "shen zhen", "shang hai", "su zhou", "wu han", "tian jin", "wu xi", "fu zhou",
     "he fei", "xia men", "jin hua", "feng shui", "yin yang", "qi gong", "gong xi", "tai chi"}
)  # fmt: skip
# Given names that are seldom an English word too (not Will, May, Mark, Rose, Frank, Jack).
_EN_GIVEN = re.compile(
    r"(?<![A-Za-z])(?:Tom|John|Mary|David|Michael|James|Robert|William|Peter|Paul|Sarah|Emma|Linda|Lucy|"
    r"Jenny|Kevin|Tony|Eric|Jason|Amy|Alice|Anna|Helen|Jessica|Daniel|Andrew|Chris|Steven|"
    r"Jennifer|Lisa|Karen|Nancy|Susan|Emily|Sophia|Olivia|George|Henry|Cindy|Vivian|Angela|"
    r"Annie|Bob|Ben|Sam|Alex|Mike|Steve|Joe|Tim|Ken|Leo|Ryan|Kelly|Wendy|Judy|Fiona|Gary|Jerry|"
    r"Terry|Nick|Kate|Jane|Ellen|Ivy|Eva|Tina|Yvonne|Elaine|Coco|Jimmy|Lily|Sophie|Richard)"
    r"(?:\s+[A-Z][a-z]+(?=\s+(?:said|says|told|from|in|of|at|and|called|is|was)\b))?(?![A-Za-z])"
)
_EN_ADDRESS = re.compile(
    r"(?<![A-Za-z])(?i:building|bldg|block|blk|unit|room|rm|flat|apt|apartment|tower)\.?\s*(?:no\.?\s*)?#?"
    r"[0-9]{1,4}[A-Za-z]?(?:\s*[-/]\s*[0-9]{1,4}[A-Za-z]?)*(?![0-9A-Za-z])"
    # ... not a count: building 3 new car parks, flat 3 years.
    r"(?!\s+(?i:more|new|other|extra|years?|months?|weeks?|days?|hours?|times|teams?|people|"
    r"cars?|floors|storeys|stories|buildings|blocks|units|rooms|flats|towers)\b)"
)
# "building" as a verb: they are building 3 …, will be building 2 … (not Tom's building 3).
_BUILDING_VERB = re.compile(
    r"(?i:\b(?:is|are|was|were|be|been|am|will|to|start|keep|stop|\w+'re)\s+building\s*)$"
)

# Cheap checks first: most answers hold neither.
_EN_ADDRESS_WORD = re.compile("(?i)bu?i?ld|block|blk|unit|room|rm|flat|apt|apartment|tower")
_CAPITALISED = re.compile("[A-Z][a-z]")


def _english_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, mark) of English names and building or room numbers."""
    spans = []
    if _EN_ADDRESS_WORD.search(text):
        spans += [
            (m.start(), m.end(), ADDRESS)
            for m in _EN_ADDRESS.finditer(text)
            if not _BUILDING_VERB.search(text, max(0, m.start() - 24), m.start() + 9)
        ]
    if not _CAPITALISED.search(text):
        return spans
    spans += [(m.start(), m.end(), NAME) for m in _EN_TITLED.finditer(text)]
    spans += [
        (m.start(), m.end(), NAME)
        for m in _PINYIN_NAME.finditer(text)
        if " ".join(m.group().lower().split()) not in _NOT_PINYIN_NAMES
        and m.group("given") not in _NOT_PINYIN_GIVEN
    ]
    spans += [(m.start(), m.end(), NAME) for m in _EN_GIVEN.finditer(text)]
    return spans


def _readable(text: str) -> str:
    """`text` as the rules read it, each character in its place: full-width letters and digits
    (an input method's full-width mode) half-width, and Traditional characters Simplified
    where that changes no length (it nearly never does; else they stay as written)."""
    wide = fold_width(text)
    simplified = to_simplified(wide)
    return simplified if len(simplified) == len(wide) else wide


def find_masks(text: str, tagger: PosTagger | None = None) -> list[tuple[int, int, str]]:
    """(start, end, mark) of what `mask_quote` replaces, in order, overlapping spans joined;
    names found with `tagger` (the process's, `nlp.segment.pos_tagger`, by default). Text in
    Traditional characters or full-width letters is read as Simplified and half-width
    (陳主任, Ｍｒ Ｚｈａｎｇ): the spans are the same."""
    text = _readable(text)
    spans = [
        (m.start(), m.end(), ADDRESS)
        for m in _ADDRESS_RE.finditer(text)
        if not (m.group()[-1] == "层" and _HOW_HIGH.match(text, m.end()))
        and not (text.endswith(_COUNTING, 0, m.start()) and _COUNTABLE.fullmatch(m.group()))
    ]
    # Every name here begins with one of the surnames or stands where a given name would:
    # without either, the tagger is not even loaded.
    named = any(r.search(text) for r in (_ANY_SURNAME, _GIVEN_AFTER, _GIVEN_BEFORE))
    names = _name_spans(text, tagger or pos_tagger()) if named else []
    spans += [(start, end, NAME) for start, end in names]
    spans += _english_spans(text)
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


# How far around a word `masked_in` reads, and how many of its places.
_AROUND = 24
_PLACES_READ = 20


class ReadTexts:
    """Texts read once for many `masked_in` questions (a report's candidate terms): each as the
    terms were found in it (Simplified, half-width: 陳秀英 holds the term 陈秀英) and lower-cased
    (Mr Zhang holds the term zhang). Reading is the costly part of a question asked of every
    text; the maskings that answer it are few."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts: list[tuple[str, str]] = []
        for written in texts:
            text = _readable(written)
            lowered = text.lower()
            if len(lowered) != len(text):
                lowered = text  # lower-casing changed the length (rare letters): as written
            self.texts.append((text, lowered))


def masked_in(word: str, texts: Sequence[str] | ReadTexts, tagger: PosTagger | None = None) -> bool:
    """Whether `word` (as segmented, possibly lower-cased) is mostly part of a mask where it
    occurs in `texts`: a name or an address, not a word to show as the residents' own (the
    emerging terms of a report, nlp/emerging.py). Reads the first `_PLACES_READ` places, each
    with `_AROUND` characters either side. Asking of many words, read the texts once
    (`ReadTexts`)."""
    if not word:
        return False
    read = texts if isinstance(texts, ReadTexts) else ReadTexts(texts)
    needle = word.lower()
    seen = masked = 0
    for text, lowered in read.texts:
        start = lowered.find(needle)
        while start >= 0 and seen < _PLACES_READ:
            left = max(0, start - _AROUND)
            window = text[left : start + len(needle) + _AROUND]
            at, end = start - left, start - left + len(needle)
            seen += 1
            masked += any(a < end and at < b for a, b, _ in find_masks(window, tagger))
            start = lowered.find(needle, start + len(needle))
        if seen >= _PLACES_READ:
            break
    return seen > 0 and 2 * masked >= seen
