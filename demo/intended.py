"""What each scripted resident of demo/script.py meant, written by hand from their words.

The themes a reader of the answer would name, with no tagger involved: principles and
first-level service domains (a child domain's answer names its parent: 停车 → 交通运输, but
停车 in the residents' own estate → 城乡建设, as the city's message board files it; 物业 →
城乡建设, 数字服务 → 城乡建设, 养老 → 劳动和社会保障, 噪音 and 垃圾分类 → 环境保护). An answer that
is only about how to govern names no domain. tests/e2e/test_demo_story.py checks the demo's
digest against these.
"""

from __future__ import annotations

# Resident name -> (principles, first-level domains) they meant.
INTENDED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "王阿姨": (("responsiveness",), ("urban_rural_construction",)),
    "李大爷": (("inclusiveness",), ("urban_rural_construction",)),
    "张伟": (("privacy", "transparency"), ("urban_rural_construction",)),
    "刘芳": (("transparency",), ("urban_rural_construction",)),
    "陈明": (("participation",), ()),
    "杨静": (("responsiveness",), ("environment",)),
    "赵磊": (("participation",), ("environment",)),
    "黄丽": (("inclusiveness",), ("labour_social_security",)),
    "周杰": (("transparency", "equity"), ("urban_rural_construction",)),
    "吴敏": (("efficiency", "transparency"), ("urban_rural_construction",)),
    "徐强": (("rule_of_law", "accountability"), ("urban_rural_construction",)),
    "孙悦": (("equity", "inclusiveness"), ("labour_social_security",)),
    "马老师": (("inclusiveness", "participation"), ("urban_rural_construction",)),
    "朱红": (("participation",), ()),
    "胡斌": (("privacy", "participation"), ("urban_rural_construction",)),
    "陳婆婆": (("efficiency", "transparency"), ()),
    "郭婷": (("responsiveness",), ("urban_rural_construction",)),
    "何军": (("transparency", "privacy"), ()),
    "林晓": (("efficiency",), ("health_family_planning",)),
    "罗娟": (("participation", "responsiveness"), ()),
    "Emma Lewis": (("inclusiveness", "responsiveness"), ("urban_rural_construction",)),
    "梁浩": (("participation", "efficiency"), ("urban_rural_construction",)),
    "宋雪": (("transparency",), ("education_culture_sports",)),
    "David Okafor": (
        ("transparency", "accountability", "privacy"),
        ("urban_rural_construction",),
    ),
    "郑凯": ((), ("transport",)),
    "谢琳": (("responsiveness",), ("transport",)),
    "韩冰": (("efficiency",), ("urban_rural_construction",)),
    "唐伟": (("responsiveness", "transparency"), ()),
    "冯霞": (("participation", "rule_of_law"), ("urban_rural_construction",)),
    "蕭嘉欣": (("privacy", "transparency"), ("urban_rural_construction",)),
    "于涛": (("rule_of_law", "responsiveness"), ("environment",)),
    "Priya Sharma": (("inclusiveness",), ("urban_rural_construction",)),
    "董梅": (("transparency",), ("labour_social_security",)),
    "陳志明": (("participation", "inclusiveness"), ()),
    "曹宇": (("privacy", "transparency"), ("urban_rural_construction",)),
    "许静": (("participation", "transparency"), ("commerce_tourism",)),
    "Tom Becker": (("participation", "responsiveness"), ("urban_rural_construction",)),
    "邓丽": (("transparency", "equity"), ("labour_social_security",)),
    "彭飞": (("accountability", "responsiveness"), ("education_culture_sports",)),
    "曾雅": (("sustainability", "participation"), ("environment",)),
}
