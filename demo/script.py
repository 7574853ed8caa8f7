"""The scripted consultation of `minyi demo` and the starting world of `minyi sandbox`.

Residents of two communities in Guiyang's Guanshanhu district: 碧海社区 (an older estate with
many retired and relocated residents) and 会展城社区 (new high-rises by the convention centre,
younger working residents, some from abroad). Their answers are written for this demo: plain
residents' language, mostly Simplified Chinese, some Traditional, some English.
"""

from __future__ import annotations

from dataclasses import dataclass

BIHAI = "碧海社区"
HUIZHANCHENG = "会展城社区"
GROUP_TITLES = {BIHAI: "碧海社区居民群", HUIZHANCHENG: "会展城社区业主群"}
ORGANISER = "李娜（社区工作者）"

TEXT_QUESTION = "在智慧社区里，你心目中的“好治理”是什么样的？说说你最在意的一两件事。"
POLL_QUESTION = "智慧社区治理中，你认为哪一条原则最重要？"
POLL_OPTIONS = ["居民参与", "公开透明", "及时回应", "公平包容", "隐私与数据安全"]
# How often each option is chosen (same order as POLL_OPTIONS).
POLL_WEIGHTS = [24, 28, 20, 13, 15]
RATING_QUESTION = "你给社区现在的线上服务（小程序报修、网上办事、信息公开）打几分？"
# How often each rating 1..5 is given.
RATING_WEIGHTS = [8, 17, 35, 28, 12]

# The governance index (SPEC §10): a priorities round over the framework's principles, and a
# rating round whose per-community mean becomes the indicator `INDICATOR_RATED`.
PRIORITIES_QUESTION = "在下面这些方面中，你最希望社区做好哪几项？（可多选，最多选三项为宜）"
# How likely a resident is to pick each principle of the shipped framework, per community
# (framework order: participation, transparency, accountability, inclusiveness, equity,
# responsiveness, rule_of_law, efficiency, sustainability, privacy): 碧海's older residents
# weigh inclusiveness and responsiveness, 会展城's younger ones privacy and efficiency.
PRIORITY_LIKELIHOOD = {
    BIHAI: [0.35, 0.3, 0.15, 0.55, 0.3, 0.6, 0.1, 0.2, 0.15, 0.2],
    HUIZHANCHENG: [0.3, 0.45, 0.2, 0.15, 0.2, 0.35, 0.15, 0.5, 0.25, 0.6],
}
INDICATOR_RATED = "voice_heard"
INDICATOR_QUESTION = "社区在做决定时，听取居民意见了吗？（1 很少 — 5 总是）"
# Ratings 1..5 per community for the indicator round.
INDICATOR_WEIGHTS = {BIHAI: [6, 14, 30, 34, 16], HUIZHANCHENG: [12, 24, 34, 22, 8]}
# How far each community has come from the indicators' baseline towards their target in the
# demo's imported values (a share of the distance), at the first of the imported quarters and
# per quarter after it.
INDEX_PROGRESS = {BIHAI: (0.05, 0.12), HUIZHANCHENG: (0.2, 0.05)}


@dataclass(frozen=True)
class Resident:
    """One scripted resident: who, where, in which language, and what they say."""

    name: str
    community: str
    language_code: str
    answer: str | None


_BIHAI = [
    Resident(
        "王阿姨",
        BIHAI,
        "zh-hans",
        "好的治理就是有事能找到人。我们楼的电梯坏了一个星期，在小程序上报修三次都没人回，"
        "最后还是去居委会当面说才解决。智慧不智慧无所谓，关键是要有回应。",
    ),
    Resident(
        "李大爷",
        BIHAI,
        "zh-hans",
        "我七十多岁了，不会用智能手机。现在什么都要扫码、刷脸，办个事还得让孙子帮忙。"
        "希望社区保留人工窗口，别把我们老年人落下。",
    ),
    Resident(
        "张伟",
        BIHAI,
        "zh-hans",
        "小区装了人脸识别门禁，可是谁在管这些人脸数据？存在哪里、存多久、会不会被泄露，"
        "从来没人跟我们说清楚。数据安全要放在第一位。",
    ),
    Resident(
        "刘芳",
        BIHAI,
        "zh-hans",
        "物业费每年都在涨，但钱花到哪里去了没人知道。希望收支账目每个季度在群里和公告栏公示，"
        "大家看得明白才放心。",
    ),
    Resident(
        "陈明",
        BIHAI,
        "zh-hans",
        "社区的大事应该让居民一起商量，比如停车位怎么划、健身器材放哪里。可以开居民议事会，"
        "线上线下都能参加，而不是定好了再通知我们。",
    ),
    Resident(
        "杨静",
        BIHAI,
        "zh-hans",
        "晚上广场舞音响太吵，孩子没法写作业。投诉了好几次，每次都说会处理，结果还是老样子。"
        "治理好不好，就看这种小事能不能真正解决。",
    ),
    Resident(
        "赵磊",
        BIHAI,
        "zh-hans",
        "垃圾分类搞了两年，定时定点投放的时间对上班族太不友好，早上七点到八点半根本赶不上。"
        "定政策之前应该先听听我们的意见。",
    ),
    Resident(
        "黄丽",
        BIHAI,
        "zh-hans",
        "希望网格员能多来走访。手机上的服务再方便，也替代不了面对面聊一聊，"
        "特别是独居老人，谁家有困难网格员最清楚。",
    ),
    Resident(
        "周杰",
        BIHAI,
        "zh-hans",
        "停车太难了！小区车位只有住户的一半，外来车辆还随便进。可以用智能道闸加预约，"
        "但规则要公开、公平，不能有关系户。",
    ),
    Resident(
        "吴敏",
        BIHAI,
        "zh-hans",
        "社区微信群里通知太多太杂，重要的事反而被刷掉了。能不能有一个统一的平台，"
        "办事进度可以查，像查快递一样一步一步看得到。",
    ),
    Resident(
        "徐强",
        BIHAI,
        "zh-hans",
        "好的治理要依法办事。前段时间有人占用消防通道搭棚子，物业说管不了，社区说不归他们管，"
        "推来推去。职责要清楚，谁的问题谁负责。",
    ),
    Resident(
        "孙悦",
        BIHAI,
        "zh-hans",
        "我觉得公平最重要。残疾人、低保户这些困难群体在智慧社区里也要有位置，"
        "比如无障碍通道、语音播报，不能只为会用手机的人设计。",
    ),
    Resident(
        "马老师",
        BIHAI,
        "zh-hans",
        "我是退休教师，愿意当志愿者教老年人用手机。社区可以办“数字助老”课堂，"
        "让大家一起跨过数字鸿沟。",
    ),
    Resident(
        "朱红",
        BIHAI,
        "zh-hans",
        "有事可以打我电话 13812345678，我是三栋的楼长。楼长和居民代表应该真正参与社区决策，"
        "不要只是走个形式。",
    ),
    Resident(
        "胡斌",
        BIHAI,
        "zh-hans",
        "小区监控摄像头越装越多，安全是安全了，但有几个正对着住户窗户，这就侵犯隐私了。"
        "装在哪里应该先征求居民同意。",
    ),
    Resident(
        "陳婆婆",
        BIHAI,
        "zh-hant",
        "我從香港搬來碧海住了五年，覺得社區工作人員很熱心。希望辦事流程再簡單一點，"
        "資訊公開透明，老人家也看得懂。",
    ),
    Resident(
        "郭婷",
        BIHAI,
        "zh-hans",
        "充电桩太少，电动车只能从楼上拉线充电，很危险。安全隐患应该提前排查，"
        "不要等出了事故才重视。",
    ),
    Resident(
        "何军",
        BIHAI,
        "zh-hans",
        "说到底就两个字：透明。决策透明、资金透明，收集了我们什么数据、拿去做什么也要透明。",
    ),
    Resident(
        "林晓",
        BIHAI,
        "zh-hans",
        "社区医院现在可以线上预约挂号了，这个很好。希望以后家庭医生签约、慢病随访也能在网上办，"
        "少跑几趟腿。",
    ),
    Resident(
        "罗娟",
        BIHAI,
        "zh-hans",
        "希望社区搞活动前先像今天这样问问大家想要什么。居民说的话有人听、有反馈，"
        "大家才愿意一直参与下去。",
    ),
]

_HUIZHANCHENG = [
    Resident(
        "Emma Lewis",
        HUIZHANCHENG,
        "en",
        "I moved here to work at the convention centre. Good governance for me means notices in "
        "English too, and a clear way to report problems online and see when they will be fixed.",
    ),
    Resident(
        "梁浩",
        HUIZHANCHENG,
        "zh-hans",
        "会展城年轻人多，白天都上班，线下开会根本去不了。希望社区议事可以线上提意见、线上投票，"
        "效率高一点。",
    ),
    Resident(
        "宋雪",
        HUIZHANCHENG,
        "zh-hans",
        "孩子上学是大问题，附近学校学位紧张，入学政策每年都在变。希望政策早点公开，"
        "给家长留出准备时间。",
    ),
    Resident(
        "David Okafor",
        HUIZHANCHENG,
        "en",
        "Transparency and accountability. If the community collects data through smart cameras "
        "and apps, residents should know what is collected, who can see it, and be able to say no.",
    ),
    Resident(
        "郑凯",
        HUIZHANCHENG,
        "zh-hans",
        "外卖电动车在小区里横冲直撞，好几次差点撞到老人小孩。希望物业和社区一起定规矩，"
        "划出专门的通道。",
    ),
    Resident(
        "谢琳",
        HUIZHANCHENG,
        "zh-hans",
        "一办展交通就堵得厉害，公交也挤不上。社区能不能和交通部门沟通，提前发布出行提示，"
        "调整公交班次。",
    ),
    Resident(
        "韩冰",
        HUIZHANCHENG,
        "zh-hans",
        "我理解的好治理是“数据多跑路，群众少跑腿”。前提是各部门数据要打通，"
        "不要每个小程序都让我重新填一遍身份证号。",
    ),
    Resident(
        "唐伟",
        HUIZHANCHENG,
        "zh-hans",
        "希望社区能及时回应居民反映的问题，哪怕暂时解决不了，也告诉我们原因和时间表，"
        "不要石沉大海。",
    ),
    Resident(
        "冯霞",
        HUIZHANCHENG,
        "zh-hans",
        "小区一块绿地被改成了停车位，事先没有征求业主意见。涉及大家共同利益的事，"
        "必须经过业主大会表决。",
    ),
    Resident(
        "蕭嘉欣",
        HUIZHANCHENG,
        "zh-hant",
        "智慧社區不只是裝很多科技設備，更重要的是尊重居民的隱私和選擇權。"
        "個人資料要好好保護，用途要說清楚。",
    ),
    Resident(
        "于涛",
        HUIZHANCHENG,
        "zh-hans",
        "展馆周边夜里噪音大，工地也经常超时施工。希望执法部门加强监管，居民投诉要有回音。",
    ),
    Resident(
        "Priya Sharma",
        HUIZHANCHENG,
        "en",
        "Please make the community app usable for older people and foreigners: bigger fonts, "
        "simple Chinese and English. Inclusion should be designed in from the start.",
    ),
    Resident(
        "董梅",
        HUIZHANCHENG,
        "zh-hans",
        "社区养老服务点太少，我父母白天没人照顾。希望多建几个日间照料中心，收费公开合理。",
    ),
    Resident(
        "陳志明",
        HUIZHANCHENG,
        "zh-hant",
        "社區的事情要讓大家參與決定，開會時間可以放在週末，也可以線上直播，讓上班族也能表達意見。",
    ),
    Resident(
        "曹宇",
        HUIZHANCHENG,
        "zh-hans",
        "我是做IT的，社区系统的网络安全很重要。之前居民信息泄露过一次，被推销电话骚扰了好几个月，"
        "社区应该有应急预案，并且公开处理结果。",
    ),
    Resident(
        "许静",
        HUIZHANCHENG,
        "zh-hans",
        "快递柜超时还要收费，引进这些服务之前应该先问问居民，合同条款也要公开。",
    ),
    Resident(
        "Tom Becker",
        HUIZHANCHENG,
        "en",
        "Good governance = listen first, then build. Ask residents before installing new smart "
        "systems, and report back on what changed because of our feedback.",
    ),
    Resident(
        "邓丽",
        HUIZHANCHENG,
        "zh-hans",
        "希望社区的各种补贴名单、评优名单都公示出来，接受大家监督，这样才公平。",
    ),
    Resident(
        "彭飞",
        HUIZHANCHENG,
        "zh-hans",
        "公园里的健身器材坏了很久没人修。打了12345热线，工单显示已办结，其实根本没修。",
    ),
    Resident(
        "曾雅",
        HUIZHANCHENG,
        "zh-hans",
        "社区也要讲可持续：雨水回收、垃圾减量、屋顶光伏都可以试试，让居民一起参与绿色社区建设。",
    ),
]


def scripted_residents(count: int) -> list[Resident]:
    """`count` residents, alternating between the two communities; beyond the script they vote."""
    mixed = [person for pair in zip(_BIHAI, _HUIZHANCHENG, strict=True) for person in pair]
    people = mixed[:count]
    for index in range(len(people), count):
        community = BIHAI if index % 2 == 0 else HUIZHANCHENG
        people.append(Resident(f"居民{index + 1}", community, "zh-hans", None))
    return people


# Examples the sandbox page offers, per role and place; "…" marks what to fill in.
SANDBOX_HINTS: dict[str, list[dict[str, str]]] = {
    "organiser": [
        {"where": "group", "label": "/ask 发起文字征询", "text": f"/ask 48h {TEXT_QUESTION}"},
        {
            "where": "group",
            "label": "/poll 发起投票",
            "text": f"/poll 24h {POLL_QUESTION} | " + " | ".join(POLL_OPTIONS),
        },
        {"where": "group", "label": "/rate 发起评分", "text": f"/rate 24h {RATING_QUESTION}"},
        {"where": "group", "label": "/rounds 征询列表", "text": "/rounds"},
        {"where": "group", "label": "/report 本群最新报告", "text": "/report"},
        {"where": "group", "label": "/close 结束征询", "text": "/close …"},
        {
            "where": "private",
            # {communities}: filled by the page with how many communities there are now.
            "label": "/ask all {communities} 个社区一起问",
            "text": f"/ask all 48h {TEXT_QUESTION}",
        },
        {"where": "private", "label": "/rounds", "text": "/rounds"},
        {"where": "private", "label": "/report 报告", "text": "/report …"},
        {"where": "private", "label": "/close 结束", "text": "/close …"},
        {"where": "private", "label": "/digest 周报+图表", "text": "/digest"},
        {"where": "private", "label": "/export 导出 CSV", "text": "/export"},
        {"where": "private", "label": "/qr 网页二维码", "text": "/qr"},
        {"where": "private", "label": "/themes 主题表", "text": "/themes"},
    ],
    "resident": [
        {"where": "group", "label": "/help 怎么参与", "text": "/help"},
        {"where": "private", "label": "/privacy 隐私说明", "text": "/privacy"},
        {"where": "private", "label": "/mydata 我的数据", "text": "/mydata"},
        {"where": "private", "label": "/forget 删除我的数据", "text": "/forget"},
    ],
}

# The people already in the sandbox when it starts (the organiser comes first, see demo/sandbox.py).
SANDBOX_RESIDENTS = [
    Resident("王阿姨", BIHAI, "zh-hans", None),
    Resident("张伟", BIHAI, "zh-hans", None),
    Resident("陳婆婆", BIHAI, "zh-hant", None),
    Resident("梁浩", HUIZHANCHENG, "zh-hans", None),
    Resident("Emma Lewis", HUIZHANCHENG, "en", None),
]
