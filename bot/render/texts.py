"""Every user-facing sentence, in Chinese and English, in one place.

`say(key, lang, **values)` renders a template; `lang` is "zh" or "en". Keys are grouped by
feature. Templates use str.format fields; in English a count and its noun are written
`{answers:answer|answers}`, which reads "1 answer", "2 answers" (`plural`; Chinese has none).
"""

from __future__ import annotations

import string
from datetime import tzinfo
from typing import Literal

from bot.core.errors import MinyiError

Lang = Literal["zh", "en"]

TEMPLATES: dict[str, tuple[str, str]] = {
    # -- generic ------------------------------------------------------------------------------
    "not_organiser": (
        "抱歉，只有组织者可以使用这个命令。",
        "Sorry, only organisers can use this command.",
    ),
    "not_organiser_here": (
        "抱歉，只有组织者可以使用这个命令。群管理员只能管理自己的社区：请在那个社区的群里发送。",
        "Sorry, only organisers can use this command. A group admin manages their own "
        "community only: send it in that community's group.",
    ),
    "anonymous_not_organiser": (
        "你以匿名管理员身份发言，我无法确认你是组织者。请在群设置里关闭“保持匿名”后再发一次。",
        "You are posting as an anonymous admin, so I cannot tell that you are an organiser. "
        "Turn off “Remain anonymous” in the group's admin settings and send it again.",
    ),
    "anonymous_private": (
        "你以匿名管理员身份发言，结果无法私下发给你。请关闭“保持匿名”，私聊我后再发一次。",
        "You are posting as an anonymous admin, so I cannot send you the result privately. "
        "Turn off “Remain anonymous”, open a private chat with me and send it again.",
    ),
    "group_only": (
        "请在社区群里使用这个命令。",
        "Please use this command in the community group.",
    ),
    "not_a_community": (
        "这个群还没有登记为社区。组织者可以发送 /community <名称> 登记。",
        "This group is not registered as a community yet. An organiser can send /community <name>.",
    ),
    "unknown_community": (
        "找不到社区“{name}”。已登记的社区：{known}",
        "No community called “{name}”. Registered communities: {known}",
    ),
    "no_community_yet": (
        "还没有登记任何社区。先把我加进社区的群，再在群里发送 /community <名称> 登记。",
        "No community is registered yet. Add me to a community's group, then send "
        "/community <name> there.",
    ),
    "ambiguous_community": (
        "“{name}”可以指好几个社区：{candidates}。请照登记的写法输入名称。",
        "“{name}” could be any of these communities: {candidates}. Type the name as registered.",
    ),
    "group_named": (
        "在群里发的命令只发往本群的社区，不用写“{word}”。要发往其他社区或全部社区，请私聊我发送。",
        "A command sent in a group goes to this group's community only: leave out “{word}”. "
        "To reach other communities or all of them, send it to me privately.",
    ),
    "edited_command": (
        "✏️ 编辑过的命令不会再执行一次（原来那条已经处理过了）。请把改好的命令作为新消息发送。",
        "✏️ An edited command is not run again (the original one was already handled). Send "
        "the corrected command as a new message.",
    ),
    "usage": ("用法：{usage}", "Usage: {usage}"),
    "error_prefix": ("⚠️ {message}", "⚠️ {message}"),
    # -- communities --------------------------------------------------------------------------
    "community_registered": (
        "✅ 本群已登记为社区“{name}”。",
        "✅ This group is now registered as the community “{name}”.",
    ),
    "community_renamed": (
        "✅ 社区已更名为“{name}”。",
        "✅ The community is now called “{name}”.",
    ),
    "community_name_alike": (
        "名称“{name}”和另一个群的社区“{other}”只差繁简体、大小写或全角半角，私聊时无法区分，"
        "请换一个名称。",
        "The name “{name}” differs from another group's community “{other}” only in "
        "Traditional/Simplified characters, case or width, so commands could not tell them "
        "apart; please choose another.",
    ),
    "community_name_taken": (
        "名称“{name}”已被另一个群使用，请换一个名称。",
        "The name “{name}” is used by another group; please choose another.",
    ),
    # -- command usage (bot/core/parsing.py raises UsageError(command, key, **values)) -------------
    # `{community}` is where the community argument goes in private chat ("" in a group).
    "usage_private_community": ("<社区名称|all> ", "<community|all> "),
    "usage_community": ("/community <名称（不含空格）>", "/community <name without spaces>"),
    "usage_ask": (
        "/ask {community}[时长] <问题>，例如 /ask {example}48h 你希望社区怎样改进？",
        "/ask {community}[duration] <question>, e.g. /ask {example}48h What should our "
        "community improve?",
    ),
    "usage_poll": (
        "/poll [--multi] [--anonymous] {community}[时长] <问题> | <选项> | <选项> [| …]",
        "/poll [--multi] [--anonymous] {community}[duration] <question> | <option> | <option> "
        "[| …]",
    ),
    "usage_rate": (
        "/rate [--indicator <指标编号>] {community}[时长] <问题>",
        "/rate [--indicator <indicator id>] {community}[duration] <question>",
    ),
    "usage_schedule": (
        '/schedule [--cron "0 9 * * mon"] [--multi] [--anonymous] {community}<YYYY-MM-DD> '
        "<HH:MM> <时长> <问题> [| 选项 | 选项 …]（有 --cron 时可以不写日期和时间；"
        "--multi 和 --anonymous 只用于投票）",
        '/schedule [--cron "0 9 * * mon"] [--multi] [--anonymous] {community}<YYYY-MM-DD> '
        "<HH:MM> <duration> <question> [| option | option …] (with --cron the date and time "
        "may be left out; --multi and --anonymous are for polls only)",
    ),
    "usage_close": ("/close <征询编号>", "/close <round_id>"),
    "usage_cancel": (
        "/cancel [--series] <征询编号>（--series：停止整个周期征询）",
        "/cancel [--series] <round_id> (--series: stop the whole recurring series)",
    ),
    "usage_report": ("/report [征询编号]", "/report [round_id]"),
    "usage_export": ("/export [征询编号]", "/export [round_id]"),
    "usage_hide": ("/hide <回答编号>", "/hide <answer_id>"),
    "usage_rounds": (
        "/rounds（私聊时可以加一个社区名称，只看这个社区）",
        "/rounds (in private chat, optionally one community's name to see only its rounds)",
    ),
    "parse_rounds_words": (
        "最多写一个社区名称（或 all）。",
        "Name one community (or all) at most.",
    ),
    "usage_digest": ("/digest", "/digest"),
    "usage_themes": ("/themes", "/themes"),
    "usage_qr": ("/qr [征询编号]", "/qr [round_id]"),
    # A flag is 参数 in Chinese: 选项 is what a poll's choices are called.
    "parse_no_flags": (
        "/{command} 不带参数，请去掉 --{flag}。",
        "/{command} takes no flags; remove --{flag}.",
    ),
    "parse_unknown_flag": (
        "/{command} 没有参数 --{flag}（可用的参数：{allowed}）。",
        "/{command} has no flag --{flag} (its flags: {allowed}).",
    ),
    "parse_cron_unquoted": (
        '--cron 后面要写带引号的表达式，例如 --cron "0 9 * * mon"。',
        '--cron takes a quoted expression, e.g. --cron "0 9 * * mon".',
    ),
    "parse_cron_invalid": ("周期表达式无效：{value}", "Not a cron expression: {value} ({error})"),
    "parse_flag_first": ("参数 --{flag} 要写在最前面。", "Put the flag --{flag} first."),
    "parse_community_first": (
        "私聊中请先写社区名称或 all。",
        "In private chat, name a community or `all` first.",
    ),
    "parse_community_first_known": (
        "私聊中请先写社区名称或 all，再写问题。已登记的社区：{known}",
        "In private chat, name a community or `all` first, then the question. Registered "
        "communities: {known}",
    ),
    "duration_not_understood": (
        "时长无效：“{text}”（请写成 90s、30m、48h、7d 这样）",
        "Invalid duration: not a duration: {text!r} (use e.g. 90s, 30m, 48h, 7d)",
    ),
    "duration_not_positive": (
        "时长无效：时长必须大于零。",
        "Invalid duration: a duration must be longer than zero",
    ),
    "duration_too_long": (
        "时长无效：时长最多 {days} 天。",
        "Invalid duration: a duration may be at most {days:day|days}",
    ),
    "parse_question_missing": ("缺少问题。", "The question is missing."),
    "parse_question_long": (
        "问题最多 {limit} 字。",
        "A question may have at most {limit:character|characters}.",
    ),
    "parse_option_empty": ("有空的选项。", "An option is empty."),
    "parse_option_count": (
        "投票需要 {min}–{max} 个选项（现在 {count} 个）。",
        "A poll needs {min} to {max:option|options} (got {count}).",
    ),
    "parse_option_long": (
        "每个选项最多 {limit} 字。",
        "An option may have at most {limit:character|characters}.",
    ),
    "parse_option_repeated": ("选项不能重复。", "Options must be different."),
    "parse_no_options": (
        "这种征询不能带选项；投票请用 /poll。",
        "This round takes no options; use /poll for a poll.",
    ),
    "parse_poll_separator": (
        "请用 | 分隔问题和选项。",
        "Separate the question and options with |.",
    ),
    "parse_cron_too_long": (
        "周期表达式最多 {limit} 个字符。",
        "A cron expression may have at most {limit:character|characters}.",
    ),
    "parse_cron_too_often": (
        "周期征询最多每小时一次：{cron} 太频繁了。",
        "A recurring round may open at most once an hour: {cron} is too often.",
    ),
    "parse_cron_never": (
        "周期表达式 {cron} 永远不会触发（例如 2 月没有 31 日）。",
        "The cron expression {cron} never fires (e.g. February has no 31st).",
    ),
    "parse_schedule_parts": (
        "需要日期、时间、时长和问题。",
        "A date, a time, a duration and a question are needed.",
    ),
    "parse_schedule_when": (
        "日期或时间格式不对，请写成 2026-12-01 09:30。",
        "Date or time not understood; write it like 2026-12-01 09:30.",
    ),
    "parse_schedule_past": (
        "这个时间已经过去了（现在是{zone} {now}）。",
        "That time is in the past (it is now {now} in {zone}).",
    ),
    "parse_schedule_skipped": (
        "按{zone}，{when} 不存在（那天时钟拨快，跳过了这段时间），请换一个时间。",
        "There is no {when} in {zone} (the clocks go forward past it that day); choose "
        "another time.",
    ),
    "parse_schedule_far": (
        "最多只能提前一年安排。",
        "A round can be scheduled at most a year ahead.",
    ),
    "parse_duration_missing": ("缺少时长（例如 48h）。", "The duration is missing (e.g. 48h)."),
    "parse_duration_malformed": (
        "“{word}”像是写错的时长：时长请写成 90s、30m、48h、7d 或 1d12h。",
        "“{word}” looks like a duration written wrong: write it as 90s, 30m, 48h, 7d or 1d12h.",
    ),
    "parse_poll_flags_only": (
        "--multi 和 --anonymous 只用于投票（用 | 写出选项）。",
        "--multi and --anonymous are for polls only (give options after |).",
    ),
    "parse_no_arguments": ("这个命令后面不用写别的。", "This command takes nothing after it."),
    "parse_id_missing": ("缺少编号。", "The id is missing."),
    "parse_id_not_number": ("编号应是一个数字。", "The id should be one number."),
    "parse_id_not_positive": ("编号应是正整数。", "The id should be a positive number."),
    "parse_digits_foreign": (
        "“{digits}”不是能识别的数字：数字请用 0–9（全角 ０–９ 也可以）。",
        "“{digits}” are not digits the bot reads: write numbers with 0–9 (or full-width ０–９).",
    ),
    "parse_community_missing": ("缺少社区名称。", "The community name is missing."),
    "parse_community_bad": (
        "社区名称需要 1–{limit} 个字符，且不能是 all。",
        "A community name needs 1–{limit:character|characters} and cannot be `all`.",
    ),
    "parse_community_invisible": (
        "社区名称不能含有控制字符或不可见字符（如零宽空格），请直接输入名称。",
        "A community name cannot contain control or invisible characters (such as a zero-width "
        "space); type the name plainly.",
    ),
    "parse_community_spaces": (
        "社区名称不能有空格（私聊发起征询时，名称后面紧跟其他参数），例如 /community 碧海社区。",
        "A community name cannot contain spaces (in private chat other arguments follow it); "
        "write e.g. /community Bihai-Community.",
    ),
    # -- the command menu (one bilingual menu: "zh / en") ---------------------------------------
    "menu_help": ("怎么参与", "how to take part"),
    "menu_privacy": ("隐私说明", "privacy"),
    "menu_mydata": ("我的数据", "my data"),
    "menu_forget": ("删除我的数据", "delete my data"),
    # -- rounds -------------------------------------------------------------------------------
    "round_opened": (
        "✅ 第 {id} 轮征询已开始（{kind}），{closes} 结束，发往：{communities}。",
        "✅ Round {id} ({kind}) is open until {closes}, in: {communities}.",
    ),
    "round_scheduled": (
        "🗓 第 {id} 轮征询已安排在 {opens} 开始，{closes} 结束，发往：{communities}。",
        "🗓 Round {id} is scheduled to open at {opens} and close at {closes}, in: {communities}.",
    ),
    "round_not_found": ("找不到第 {id} 轮征询。", "There is no round {id}."),
    "round_not_open": ("第 {id} 轮征询现在没有开放。", "Round {id} is not open now."),
    "round_close_scheduled": (
        "第 {id} 轮征询还没开始（{opens} 开始）。要取消它，请发 /cancel {id}。",
        "Round {id} has not opened yet (it opens at {opens}). To call it off, send /cancel {id}.",
    ),
    "round_cancel_open": (
        "第 {id} 轮征询已经开始了。要现在结束它，请发 /close {id}。",
        "Round {id} is already open. To end it now, send /close {id}.",
    ),
    "round_not_scheduled": (
        "第 {id} 轮征询不是待开始状态，无法取消。",
        "Round {id} is not scheduled, so it cannot be cancelled.",
    ),
    "round_cancel_open_series": (
        "第 {id} 轮征询已经开始了。要现在结束它，请发 /close {id}；要停止以后各期，请发 "
        "/cancel --series {id}。",
        "Round {id} is already open. To end it now, send /close {id}; to stop the rounds after "
        "it, send /cancel --series {id}.",
    ),
    "round_closed_ok": ("✅ 第 {id} 轮征询已结束。", "✅ Round {id} is closed."),
    "round_cancelled_ok": ("✅ 第 {id} 轮征询已取消。", "✅ Round {id} is cancelled."),
    # A recurring round's occurrence was cancelled or closed: the series goes on.
    "round_occurrence_skipped": (
        "只取消这一期，周期征询继续。",
        " Only this occurrence: the series goes on.",
    ),
    "round_next_occurrence": (
        "下一期是第 {id} 轮，{opens} 开始。要停止以后各期，请发 /cancel --series {id}。",
        "The next occurrence is round {id}, opening at {opens}. To stop the series, send "
        "/cancel --series {id}.",
    ),
    "round_series_stopped": (
        "✅ 周期征询已停止：第 {id} 轮已取消，以后不再重复。",
        "✅ The series is stopped: round {id} is cancelled and nothing recurs after it.",
    ),
    "round_series_stopped_open": (
        "✅ 周期征询已停止：进行中的第 {id} 轮照常在 {closes} 结束，之后不再重复。",
        "✅ The series is stopped: round {id}, open now, still closes at {closes}; nothing "
        "recurs after it.",
    ),
    "round_not_recurring": (
        "第 {id} 轮征询不是周期征询（用 /schedule --cron 安排的才是），没有系列可停止。",
        "Round {id} is not a recurring round (only /schedule --cron makes one): there is no "
        "series to stop.",
    ),
    "round_series_ended": (
        "第 {id} 轮征询所属的周期征询已经停止了。",
        "The series of round {id} is already stopped.",
    ),
    "round_in_past": (
        "这个时间已经过去了，请选择将来的时间。",
        "That time is in the past; please choose a future time.",
    ),
    "no_communities": (
        "还没有可以发往的社区。请先在社区群里发送 /community <名称>。",
        "There is no community to send this to yet. Send /community <name> in a group first.",
    ),
    "round_recurring": ("（每期按 {cron} 重复）", " (recurs on {cron})"),
    # `all` left out communities the bot was removed from (inactive until it is added back).
    "round_skipped_one": (
        "⚠️ 没有发往{communities}：机器人已不在这个社区的群里。把机器人重新加入该群，"
        "以后的征询才能发到那里。",
        "⚠️ Not sent to {communities}: the bot is no longer in its group. Add the bot back to "
        "that group for later rounds to reach it.",
    ),
    "round_skipped_many": (
        "⚠️ 没有发往{communities}：机器人已不在这些社区的群里。把机器人重新加入这些群，"
        "以后的征询才能发到那里。",
        "⚠️ Not sent to {communities}: the bot is no longer in their groups. Add the bot back to "
        "those groups for later rounds to reach them.",
    ),
    # A community named on its own whose group removed the bot: the round is stored (its web
    # page and QR code still work) but no group post can reach it.
    "round_unposted": (
        "⚠️ 机器人已不在{communities}的群里，这轮征询发不到群里（网页链接和二维码仍可用，见 /qr）。"
        "把机器人重新加入该群，以后的征询才能发到那里。",
        "⚠️ The bot is no longer in the group of {communities}: this round cannot be posted "
        "there (its web page and QR code still work, see /qr). Add the bot back to that group "
        "for later rounds to reach it.",
    ),
    "no_community_reachable": (
        "没有可以发往的社区：机器人已不在{communities}的群里。请先把机器人重新加入社区群。",
        "There is no community to send this to: the bot is no longer in the groups of "
        "{communities}. Add the bot back to a community's group first.",
    ),
    # A round that opened well after its time (the bot was down): when it opened, and when due.
    "round_opened_late": ("{opened}（原定 {due}）", "{opened} (due {due})"),
    "no_rounds": ("还没有征询。", "No rounds yet."),
    "rounds_header": ("征询列表：", "Rounds:"),
    "rounds_to": ("发往：{communities}", "to: {communities}"),
    # A round put to many communities: how many, and the first few of them by name.
    "rounds_to_many": (
        "发往 {count} 个社区：{communities} 等",
        "to {count:community|communities}: {communities} and others",
    ),
    "rounds_more": (
        "……另有 {count} 轮较早的征询没有列出。",
        "… and {count:older round|older rounds} not listed.",
    ),
    "round_line": (
        "#{id} {state} · {kind} · {question} · {opens} → {closes}",
        "#{id} {state} · {kind} · {question} · {opens} → {closes}",
    ),
    "open_post_text": (
        "📣 社区征询 #{id}\n\n{question}\n\n{late}"
        "怎么回答：直接回复这条消息，或点此私下回答：{link}\n"
        "截止：{closes}\n你的回答会被匿名汇总，用于社区治理讨论。详见 /privacy",
        "📣 Community consultation #{id}\n\n{question}\n\n{late}"
        "How to answer: reply to this message, or answer privately: {link}\n"
        "Closes: {closes}\nAnswers are summarised anonymously for community governance. "
        "See /privacy",
    ),
    "open_post_poll_note": (
        "📊 社区投票 #{id}：请在上方的投票里选择，截止前可以改票。截止：{closes}。\n"
        "{late}{visibility}\n结果会匿名汇总后发回本群，用于社区治理讨论。详见 /privacy",
        "📊 Community poll #{id}: choose in the poll above; you can change your vote until it "
        "closes. Closes: {closes}.\n{late}{visibility}\nResults are summarised anonymously back to "
        "this group for the community's governance. See /privacy",
    ),
    "poll_anonymous": (
        "这是匿名投票：谁投了什么，任何人（包括组织者）都看不到。",
        "This poll is anonymous: nobody, organisers included, can see who chose what.",
    ),
    # The poll's note, when the poll was sent twice (Telegram took the first send as the bot
    # lost its answer) and the first copy, closed now, had been found.
    "poll_earlier_anonymous": (
        "上方之前还发出过一份同样的投票（已关闭），其中的票照常计入；在那里投过票的请不要在这里再投："
        "匿名投票认不出同一个人，再投一次会被算两次。",
        "The same poll was also posted once before, above (closed now): votes there count. If "
        "you voted there, please do not vote here again: an anonymous poll cannot tell it is "
        "the same person, and a second vote would count twice.",
    ),
    "poll_earlier_public": (
        "上方之前还发出过一份同样的投票（已关闭），其中的票照常计入；在这里再投会取代那一票。",
        "The same poll was also posted once before, above (closed now): votes there count; a "
        "vote here replaces yours there.",
    ),
    "poll_public": (
        "这是公开投票：群成员可以看到谁投了什么；我们只保存匿名编号。",
        "This poll is public: group members can see who chose what; we store only pseudonyms.",
    ),
    "open_post_rating": (
        "⭐ 社区评分 #{id}\n\n{question}\n\n{late}请点按 1（很差）到 5（很好）。可以在截止前修改。"
        "\n截止：{closes}。详见 /privacy",
        "⭐ Community rating #{id}\n\n{question}\n\n{late}Press 1 (poor) to 5 (excellent). You can "
        "change your vote until it closes.\nCloses: {closes}. See /privacy",
    ),
    # Before "how to answer" in an opening that came well after its time (the bot was down).
    "open_post_late": (
        "⏰ 本轮原定 {opens} 开始，推迟了，截止时间不变。\n",
        "⏰ This round was due to open at {opens} and opened late; it still closes on time.\n",
    ),
    "reminder_post": (
        "⏰ 提醒：征询 #{id}“{question}”将在 {closes} 结束，还没回答的居民请抓紧。",
        "⏰ Reminder: round #{id} “{question}” closes at {closes}. There is still time to answer.",
    ),
    "kind_text": ("文字征询", "text"),
    "kind_poll": ("投票", "poll"),
    "kind_rating": ("评分", "rating"),
    "state_scheduled": ("待开始", "scheduled"),
    "state_open": ("进行中", "open"),
    "state_closed": ("已结束", "closed"),
    "state_cancelled": ("已取消", "cancelled"),
    # -- answers ------------------------------------------------------------------------------
    "answer_too_long": (
        "回答太长了（{length} 字），最多 {limit} 字。请精简后再发。",
        "Your answer is too long ({length:character|characters}; at most {limit}). "
        "Please shorten it.",
    ),
    "answer_forwarded": (
        "转发的消息不算回答。请用你自己的话写下你的看法。",
        "A forwarded message does not count as an answer. Please write your view in your own "
        "words.",
    ),
    "answer_not_text": (
        "这轮征询只收文字回答，请用文字回复。",
        "This round takes text answers only; please reply in words.",
    ),
    "answer_received_private": (
        "✅ 已收到你对征询 #{id} 的回答，谢谢！{themes}",
        "✅ Thank you, your answer to round #{id} is recorded. {themes}",
    ),
    "answer_updated_private": (
        "✅ 你对征询 #{id} 的回答已更新。",
        "✅ Your answer to round #{id} is updated.",
    ),
    "answer_duplicate": (
        "你已经发过同样的回答，这条不会重复计算。",
        "You already sent this answer; it counts once.",
    ),
    "answer_rate_limited": (
        "你发得太快了，请稍等一分钟再回答。",
        "You are answering very fast; please wait a minute.",
    ),
    "answer_themes_hint": ("（主题：{themes}）", "(themes: {themes})"),
    "private_start": (
        "你正在私下回答征询 #{id}：\n\n{question}\n\n请直接发送你的回答（文字）。截止：{closes}。",
        "You are answering round #{id} privately:\n\n{question}\n\nSend your answer as a text "
        "message. Closes: {closes}.",
    ),
    "private_no_session": (
        "要回答征询，请点群里征询消息中的链接。发送 /help 查看说明。",
        "To answer a round, open the link in its message in your community's group. Send /help "
        "to see how to take part.",
    ),
    "start_vote_in_group": (
        "第 {id} 轮征询是投票或评分，不用私下回答：请在社区群里这一轮的消息上投票或点按分数。",
        "Round #{id} is a vote or a rating, not a private answer: vote on its message in your "
        "community's group.",
    ),
    "start_bad_link": (
        "这个链接无效或征询已结束。",
        "This link is not valid, or the round has ended.",
    ),
    "private_community_inactive": (
        "本机器人已不在这个社区的群里，无法确认你是群成员，你对征询 #{id} 的私聊回答已结束，"
        "这条消息不会计入。你之前的回答仍然保留。",
        "The bot is no longer in this community's group and cannot check that you are a member: "
        "your private answer to round #{id} has ended and this message does not count. Your "
        "earlier answers are kept.",
    ),
    "start_members_only": (
        "通过这个链接发送的回答，只有该社区群的成员才会计入。请打开你所在社区群里征询消息中的链接。",
        "Answers through this link count only from members of that community's group. Open "
        "the link in the round's message in your own community's group.",
    ),
    "vote_recorded": ("已记录你的评分：{value}", "Your rating is recorded: {value}"),
    "vote_closed": ("这轮评分已经结束。", "This rating round has ended."),
    # -- resident commands --------------------------------------------------------------------
    # /help and /start (bot/render/help.py): the residents' part, then for an organiser or a
    # group admin their commands, one "syntax — effect" line each (the syntax is usage_<name>).
    "help_residents": (
        "民意 · 社区征询机器人\n\n"
        "居民：回复群里的征询消息即可回答；也可以点消息里的链接私下回答。\n"
        "/privacy 我们存什么、存多久、谁能看\n/mydata 查看你的回答和投票\n"
        "/forget 删除你的全部回答和投票",
        "Minyi · community consultation bot\n\n"
        "Residents: reply to the round message in the group, or open its link to answer "
        "privately.\n/privacy what we store, for how long, who sees it\n"
        "/mydata your answers and votes\n/forget delete all your answers and votes",
    ),
    "help_organisers": (
        "组织者命令（在群里只作用于本群的社区）：",
        "Organiser commands (in a group they act on that group's community only):",
    ),
    "help_organisers_private": (
        "组织者命令（私聊时先写社区名称，或写 all 发往所有社区）：",
        "Organiser commands (in private chat, name the community first, or all for every "
        "community):",
    ),
    "help_group_admins": (
        "你是本群管理员，可以在本群使用这些组织者命令（只作用于本社区）：",
        "As an admin of this group you may use these organiser commands here (for this "
        "community only):",
    ),
    "help_admins_ask_in_group": (
        "群管理员：在你管理的社区群里发送 /help，查看你在那里可以用的组织者命令。",
        "Group admins: send /help in your community's group to see the organiser commands you "
        "may use there.",
    ),
    "help_command_line": ("• {syntax}\n  {effect}", "• {syntax}\n  {effect}"),
    "help_community": (
        "在群里发送：把本群登记为社区（已登记则改名）",
        "in a group: register it as a community (or rename it)",
    ),
    "help_ask": (
        "现在开一轮文字征询（时长如 90s、30m、48h、7d）",
        "open a text round now (durations like 90s, 30m, 48h, 7d)",
    ),
    "help_poll": (
        "现在开一轮投票（2–10 个选项；--multi 可多选，--anonymous 匿名）",
        "open a poll now (2–10 options; --multi for several answers, --anonymous for a "
        "secret vote)",
    ),
    "help_rate": ("现在开一轮 1–5 分评分", "open a 1–5 rating round now"),
    "help_priorities": (
        "开一轮优先事项投票：居民在治理原则中选出最看重的几项",
        "open a priorities round: residents pick the governance principles that matter most",
    ),
    "help_schedule": (
        "安排以后开始的征询；带选项就是投票",
        "schedule a round for later; with options it is a poll",
    ),
    "help_rounds": (
        "列出待开始、进行中和最近结束的征询及编号",
        "list scheduled, open and recently closed rounds with their ids",
    ),
    "help_close": ("现在结束一轮进行中的征询", "close an open round now"),
    "help_cancel": (
        "取消一轮还没开始的征询（周期征询只取消这一期）",
        "cancel a scheduled round (of a recurring one, this occurrence only)",
    ),
    "help_report": (
        "一轮征询的报告（默认本社区最近一轮）",
        "a round's report (by default this community's latest round)",
    ),
    "help_export": (
        "私下发给你一份回答及其主题的 CSV（匿名）",
        "a CSV of answers with their themes (pseudonymous), sent to you privately",
    ),
    "help_hide": (
        "隐藏一条回答，不再计入报告和导出",
        "hide an answer from reports and exports",
    ),
    "help_themes": (
        "列出主题分类（原则、领域和示例关键词）",
        "list the taxonomy (themes, kinds, sample keywords)",
    ),
    "help_digest": (
        "现在生成最近 7 天的摘要并私下发给你",
        "build the digest of the last 7 days now and send it to you",
    ),
    "help_index": (
        "治理指数：各社区的评分卡私下发给你；加 post 发到各社区群",
        "the governance index: each community's scorecard to you; with post, to each "
        "community's group",
    ),
    "help_label": (
        "私聊中：逐条确认或更正自动标注最没把握的回答的主题",
        "in private: confirm or correct the themes of the answers the tagger is least sure of",
    ),
    "help_qr": (
        "一轮征询的网页回答链接和每个社区的二维码",
        "a round's web answer link and a QR code per community",
    ),
    "privacy": (
        "🔒 隐私说明\n\n"
        "• 我们保存：你的回答文字（电话、身份证号、邮箱、银行卡号会在保存前被遮盖）、"
        "你的投票和评分、时间。\n"
        "• 我们不保存你的姓名、用户名或 Telegram 账号；你只以一个加密的匿名编号出现。\n"
        "• 保存期限：{days} 天，之后自动删除。\n"
        "• 谁能看：组织者看到汇总和每条回答的原文（不署名）；其他人只看到汇总，以及公开的治理指数"
        "报告里不署名的摘录（其中能识别出的门牌号和人名会被遮盖；请不要在回答里写自己或他人的姓名和住址）。"
        "你在群里回复的内容，群里所有人都能看到；私人的事请用私聊链接回答。\n"
        "• /mydata 查看你的数据，/forget 随时全部删除（已发出的报告收不回，其中的摘录不署名）。",
        "🔒 Privacy\n\n"
        "• We store: your answer text (phone, ID-card, e-mail and bank-card numbers are masked "
        "before storage), your votes and ratings, and when.\n"
        "• We never store your name, username or Telegram account; you appear only as a keyed "
        "pseudonym.\n"
        "• Kept for {days:day|days}, then deleted automatically.\n"
        "• Who sees it: organisers see summaries and the text of every answer, unsigned; anyone "
        "else sees only summaries and the unsigned quotes of the published governance index "
        "(room numbers and names masked where recognised: better not to write your own or "
        "others' names and addresses). A "
        "reply in the group is seen by everyone in it: for anything personal, use the private "
        "link.\n"
        "• /mydata shows your data; /forget deletes all of it at any time (reports already sent "
        "cannot be recalled; their quotes carry no name).",
    ),
    "mydata_empty": ("我们没有保存你的任何回答或投票。", "We hold no answers or votes of yours."),
    # A vote is counted per round: a multiple-answer poll is one vote with several options.
    "mydata_header": (
        "你的数据：{answers} 条回答，{votes} 次投票（一轮多选投票算一次，不论选了几项）：",
        "Your data: {answers:answer|answers} and {votes:vote|votes} (a multiple-answer poll "
        "counts as one vote, however many options you chose):",
    ),
    "mydata_answer": ("• #{round}：{text}", "• #{round}: {text}"),
    "mydata_vote": ("• #{round} 投票：{choice}", "• #{round} vote: {choice}"),
    "mydata_rating": ("• #{round} 评分：{choice} / 5", "• #{round} rating: {choice} / 5"),
    "mydata_choice": ("• #{round} 你选了：{choice}", "• #{round} you chose: {choice}"),
    # A vote in a poll Telegram took just before a crash, its round not known until the bot
    # finds that poll: the options' places, as its round's options are not known either.
    "mydata_waiting": (
        "• 一次投票（等待确认属于哪一轮）：第 {choice} 项",
        "• a vote waiting to be matched to its round: option {choice}",
    ),
    "private_only": (
        "为保护你的隐私，请私聊我使用这个命令。",
        "To protect your privacy, please use this command in a private chat with me.",
    ),
    "forget_confirm": (
        "确定要删除你的全部回答和投票吗？此操作不能撤销。",
        "Delete all your answers and votes? This cannot be undone.",
    ),
    "forget_yes": ("确定删除", "Yes, delete"),
    "forget_no": ("取消", "Cancel"),
    "forget_done": (
        "已删除你的 {answers} 条回答和 {votes} 次投票。",
        "Deleted your {answers:answer|answers} and {votes:vote|votes}.",
    ),
    "forget_kept": ("好的，什么都没有删除。", "OK, nothing was deleted."),
    "button_not_here": ("这个按钮不属于这条消息。", "That button does not belong to this message."),
    "button_gone": ("这个按钮已失效。", "This button is no longer valid."),
    # -- reports ------------------------------------------------------------------------------
    "kind_period": ("周报", "period"),
    "report_title": (
        "📋 征询报告 #{id}（{kind}，{state}）",
        "📋 Report on round #{id} ({kind}, {state})",
    ),
    "digest_title": ("📰 社区民意周报", "📰 Weekly digest of residents' views"),
    "report_question": ("问题：{question}", "Question: {question}"),
    "report_never_posted": (
        "⚠️ 这轮征询没有发到任何群里（整个征询时段机器人都没有运行，或群里已没有机器人），"
        "下面的 0 不代表居民没有回应。",
        "⚠️ This round never reached a group (the bot was not running for its whole window, "
        "or no group had the bot any more): the zeros below do not mean residents had nothing "
        "to say.",
    ),
    "report_communities": ("社区：{communities}", "Communities: {communities}"),
    "report_window": ("时间：{opens} → {closes}", "Window: {opens} → {closes}"),
    "report_counts": (
        "参与居民：{participants} · 回答：{answers}",
        "Participants: {participants} · Answers: {answers}",
    ),
    "report_channels": (
        "其中来自 Telegram：{telegram} · 来自网页：{web}",
        "Of which through Telegram: {telegram} · through the web page: {web}",
    ),
    "report_voters": ("投票人数：{voters}", "Voters: {voters}"),
    # A rating round: people gave a score, they did not vote for an option.
    "report_raters": ("评分人数：{voters}", "People who rated: {voters}"),
    # Poll and rating rounds have voters, not answers: "回答：0" would read as nobody took part.
    "report_counts_votes": ("参与居民：{participants}", "Participants: {participants}"),
    "report_average": ("  平均分：{average}", "  Average: {average}"),
    "report_principles": ("治理原则：", "Governance principles:"),
    "report_domains": ("服务领域（一级类别）：", "Service domains (first-level categories):"),
    # Child domains are a second level, counted on their own and never added to a parent.
    "report_subdomains": (
        "细分领域（另计，不计入上面的一级类别）：",
        "Sub-domains (counted on their own, not added to the categories above):",
    ),
    "report_untagged": (
        "未归入任何主题的回答：{count}（{share}）",
        "Answers with no theme: {count} ({share})",
    ),
    # Over every label so far (SPEC §4), not only the labels of the report's answers.
    "report_agreement": (
        "自动标注与组织者的标注一致：{share}（按至今全部 {answers} 条已标注回答计，不限于本报告）",
        "Tagging agrees with organisers' labels on {share} of all {answers:answer|answers} "
        "labelled so far (not only this report's)",
    ),
    "report_confidence": ("置信度", "confidence"),
    # Under the theme lists: what their two figures mean, for readers who did not set it up.
    "report_theme_note": (
        "注：百分比 = 提到该主题的回答占全部回答的比例（一条回答可涉及几个主题，合计可超过 100%）；"
        "置信度（0–1）= 自动标注对这些回答的平均把握，越接近 1 越可靠。",
        "Note: a share is the part of all answers that touch the theme (an answer can touch "
        "several, so shares can add up to more than 100%); confidence (0–1) is how sure the "
        "automatic tagging was on those answers, on average; nearer 1 is more reliable.",
    ),
    "report_quote": ("  「{text}」— {theme}", "  “{text}” — {theme}"),
    # -- /label: organisers teach the tagger (bot/core/labelling.py, handlers/labelling.py) --
    "label_private_only": (
        "请在和我的私聊中使用 /label：要标注的是居民的原话。",
        "Use /label in a private chat with me: it shows residents' own words.",
    ),
    "label_item": (
        "🏷 回答 #{id}（自动标注最没把握的一条）：\n「{text}」\n\n"
        "自动标注：{suggested}\n请选出这条回答真正涉及的原则和领域，再点“确认”。",
        "🏷 Answer #{id} (one the tagger is least sure of):\n“{text}”\n\n"
        "Tagged as: {suggested}\nPick the principles and domains it is really about, then "
        "press Confirm.",
    ),
    "label_none_suggested": ("无", "none"),
    "label_confirm": ("✅ 确认", "✅ Confirm"),
    "label_skip": ("⏭ 跳过", "⏭ Skip"),
    "label_stop": ("⏹ 停止", "⏹ Stop"),
    "label_to_domains": ("领域 ▶", "Domains ▶"),
    "label_to_principles": ("◀ 原则", "◀ Principles"),
    "label_saved": (
        "✅ 已记录回答 #{id}：{themes}（共 {count} 条标注）",
        "✅ Saved answer #{id}: {themes} ({count:label|labels} so far)",
    ),
    "label_skipped": ("⏭ 已跳过回答 #{id}。", "⏭ Skipped answer #{id}."),
    "label_learning": (
        "🧠 已有 {count} 条标注：正在后台重新学习，之后的新回答会用上；"
        "已存的回答请用 minyi retag 重新标注。",
        "🧠 {count:label|labels}: learning again in the background; new answers will use it, and "
        "`minyi retag` applies it to stored ones.",
    ),
    "label_stopped": (
        "⏹ 已停止。谢谢！共 {count} 条标注。",
        "⏹ Stopped. Thank you! {count:label|labels} so far.",
    ),
    "label_none": (
        "没有需要标注的回答了。",
        "There are no answers left to label.",
    ),
    "label_unknown_theme": ("没有主题 {theme}。", "There is no theme {theme}."),
    "label_hidden": (
        "回答 #{id} 刚被隐藏，这条标注没有记录。",
        "This label was not saved: answer #{id} has just been hidden.",
    ),
    "report_emerging": ("新出现的词：{terms}", "Emerging terms: {terms}"),
    "report_quotes": ("居民原话（匿名）：", "Residents' words (anonymous):"),
    "report_change": (
        "与 {label} 相比：参与 {participants}，回答 {answers}",
        "Compared with {label}: participants {participants}, answers {answers}",
    ),
    # A poll or rating round beside the one before: it has voters, not answers.
    "report_change_votes": (
        "与 {label} 相比：参与 {participants}",
        "Compared with {label}: participants {participants}",
    ),
    # The period before had nobody taking part: "+48" and "+44 个百分点" would only repeat
    # this period's own figures as if they were a change.
    "report_change_none": (
        "{label} 没有居民参与，无从比较。",
        "Nobody took part in {label}: there is nothing to compare with.",
    ),
    "report_change_points": ("{name} {delta} 个百分点", "{name} {delta} pp"),
    "report_per_community": ("分社区：", "Per community:"),
    "report_round_poll": ("#{id} {kind}：{question}", "#{id} {kind}: {question}"),
    "report_community_change": ("（回答 {answers}）", " (answers {answers})"),
    "report_community_line": (
        "  {name}：参与 {participants}，回答 {answers}；主要主题：{top}",
        "  {name}: {participants:participant|participants}, {answers:answer|answers}; "
        "top themes: {top}",
    ),
    "report_community_poll": (
        "  {name}：投票 {voters} 人；{result}",
        "  {name}: {voters:voter|voters}; {result}",
    ),
    "report_community_rating": (
        "  {name}：评分 {voters} 人；{result}",
        "  {name}: {voters} rated; {result}",
    ),
    "report_communities_silent": ("  没有回答：{names}", "  no answers from: {names}"),
    "report_community_no_votes": ("  {name}：没有人投票", "  {name}: nobody voted"),
    "report_poll_leader": (
        "最多：{option}（{votes} 票，{share}）",
        "most: {option} ({votes:vote|votes}, {share})",
    ),
    "report_poll_leaders": (
        "最多：{options}（各 {votes} 票，{share}）",
        "most: {options} ({votes:vote|votes} each, {share})",
    ),
    "report_rating_average": ("平均分 {average}", "average {average}"),
    "summary_title": ("🗳 征询 #{id} 已结束：{question}", "🗳 Round #{id} has closed: {question}"),
    "summary_themes": ("大家最关心：{themes}", "What mattered most: {themes}"),
    "summary_thanks": (
        "谢谢每一位参与的居民！完整报告已交给社区组织者。",
        "Thank you to every resident who took part! The full report has gone to the organisers.",
    ),
    # A round nobody took part in thanks nobody; it says so plainly instead.
    "summary_nobody": (
        "这一轮没有居民参与。完整报告已交给社区组织者。",
        "No resident took part in this round. The full report has gone to the organisers.",
    ),
    "digest_quiet": (
        "📰 {start} 至 {end} 没有新的居民回答或投票。",
        "📰 No new answers or votes from residents between {start} and {end}.",
    ),
    "chart_title": ("居民关注主题 {start} – {end}", "Themes residents raised {start} – {end}"),
    "chart_no_answers": (
        "这段时间没有新的居民回答或投票。",
        "No new answers or votes from residents in this period.",
    ),
    "chart_votes_only": (
        "这段时间没有文字回答，只有投票和评分：结果见周报正文。",
        "No written answers in this period, only votes and ratings: their results are in the "
        "digest text.",
    ),
    "chart_no_themes": (
        "这段时间的 {answers} 条回答都没有归入任何主题。",
        "None of the {answers:answer|answers} in this period matched a theme.",
    ),
    "chart_this_period": ("本周", "this week"),
    "chart_previous": ("上周", "last week"),
    "chart_share": ("占回答的比例（%）", "share of answers (%)"),
    "chart_all": ("全部社区", "all communities"),
    "chart_principles": ("治理原则", "Governance principles"),
    "chart_domains": ("服务领域（一级类别）", "Service domains (first-level)"),
    "chart_untagged": (
        "未归入任何主题：{share} 的回答",
        "No theme found in {share} of answers",
    ),
    "chart_answers": ("{answers} 条回答", "{answers:answer|answers}"),
    "chart_cut": (
        "每类只画出提及最多的 {most} 项，完整列表见文字报告",
        "Each section draws its {most} most mentioned themes; the text lists them all",
    ),
    "chart_quiet": (
        "本周没有回答、未画出的社区：{names}",
        "Not drawn, no answers this week: {names}",
    ),
    "chart_quiet_many": (
        "本周没有回答、未画出的 {count} 个社区：{names} 等",
        "Not drawn, no answers this week, {count:community|communities}: {names} and others",
    ),
    "chart_more": (
        "另有 {count} 个有回答的社区没有单独画出，已计入“全部社区”；各社区的回答见 CSV。",
        "{count:community|communities} with answers not drawn on their own: counted in "
        "“all communities”; each community's answers are in the CSV.",
    ),
    "report_none": ("还没有可以报告的征询。", "There is no round to report on yet."),
    "hide_done": (
        "✅ 回答 {id} 已隐藏，不再计入报告和导出。",
        "✅ Answer {id} is hidden: it no longer counts in reports or exports.",
    ),
    "hide_not_found": ("找不到回答 {id}。", "There is no answer {id}."),
    "hide_already": ("回答 {id} 已经隐藏了。", "Answer {id} is already hidden."),
    # -- what an organiser command reaches (bot/core/roles.py, bot/core/organiser.py) ----
    "round_elsewhere": (
        "第 {id} 轮征询不是本群社区“{community}”的征询，在这里不能查看或处理。",
        "Round {id} is not a round of this group's community “{community}”; it cannot be "
        "read or changed here.",
    ),
    "answer_elsewhere": (
        "回答 {id} 不是本群社区“{community}”的回答，在这里不能处理。",
        "Answer {id} is not from this group's community “{community}”; it cannot be "
        "moderated here.",
    ),
    "organisers_only": (
        "这个命令涉及所有社区，只有配置的组织者可以使用。",
        "This command covers every community: only configured organisers can use it.",
    ),
    "sent_privately": ("📬 已私聊发给你。", "📬 Sent to you in a private chat."),
    "build_failed": (
        "⚠️ 暂时没能生成，请稍后再发一次这个命令。",
        "⚠️ It could not be made just now; please send the command again in a moment.",
    ),
    "missed_reports_group": (
        "我没能私下把征询 {rounds} 的报告发给你：请私聊我（https://t.me/{bot}），发送 /start。",
        "I could not send you {count:report|reports} privately ({rounds}): open a private chat "
        "with me (https://t.me/{bot}) and send /start.",
    ),
    "missed_reports_start": (
        "之前没能发给你的征询报告，发送下面的命令查看：\n{commands}",
        "Reports I could not send you before; send these to see them:\n{commands}",
    ),
    "export_round_empty": (
        "征询 #{id} 还没有回答，没有可导出的内容。",
        "Round #{id} has no answers yet: there is nothing to export.",
    ),
    "export_empty": (
        "还没有回答，没有可导出的内容。",
        "There are no answers yet: nothing to export.",
    ),
    "private_first": (
        "请先私聊我：打开 https://t.me/{bot} 点“开始”，然后再发一次这个命令，结果会私下发给你。",
        "Please open a private chat with me first (https://t.me/{bot}, press Start), then send "
        "this command again: the result is sent to you privately.",
    ),
    # -- links and QR codes of the web pages (/qr, bot/core/links.py) -------------------------
    "qr_web_off": (
        "网页答题没有开启：请在配置里设置 web.listen（以及 web.public_url），然后重启机器人。",
        "The web answer pages are off: set web.listen (and web.public_url) in the configuration "
        "and restart the bot.",
    ),
    "qr_no_public_url": (
        "还没有设置居民能打开的网址：请在配置里设置 web.public_url（例如 "
        "https://minyi.example.org），然后重启机器人。",
        "There is no address residents can open yet: set web.public_url in the configuration "
        "(e.g. https://minyi.example.org) and restart the bot.",
    ),
    "qr_none": (
        "没有正在进行或待开始的征询，无法生成二维码。",
        "There is no open or scheduled round to make a QR code for.",
    ),
    "qr_round_over": (
        "第 {id} 轮征询已经结束或取消，不再生成二维码。",
        "Round {id} is closed or cancelled; it gets no more QR codes.",
    ),
    "qr_caption": (
        "📱 第 {id} 轮征询 · {community}\n不用 Telegram 的居民可以扫码或打开这个链接回答：\n{url}",
        "📱 Round {id} · {community}\nResidents without Telegram can scan the code or open this "
        "link to answer:\n{url}",
    ),
    "themes_line": ("{indent}{name} ({id}): {keywords}", "{indent}{name} ({id}): {keywords}"),
    # -- the governance index: commands and rounds (SPEC §10) ---------------------------------
    "usage_priorities": (
        "/priorities {community}[时长] [问题]",
        "/priorities {community}[duration] [question]",
    ),
    "usage_index": (
        "/index [统计期] 或 /index post [统计期]",
        "/index [period] or /index post [period]",
    ),
    "parse_index_words": ("最多写一个统计期。", "Give at most one period."),
    "parse_indicator_missing": (
        "--indicator 后面要写指标编号，例如 --indicator satisfaction_property。",
        "--indicator takes an indicator id, e.g. --indicator satisfaction_property.",
    ),
    "index_unknown_indicator_round": (
        "指数框架里没有指标“{indicator}”。可用的指标：{known}",
        "The index framework has no indicator “{indicator}”. Indicators: {known}",
    ),
    "index_principles_poll": (
        "指数框架有 {count} 项原则，优先事项投票需要 {min}–{max} 项。",
        "The index framework has {count:principle|principles}; a priorities poll needs "
        "{min} to {max}.",
    ),
    "kind_priorities": ("优先事项投票", "priorities"),
    "priorities_question": (
        "在下面这些方面中，你最希望社区做好哪几项？（可多选）",
        "Which of these matter most to you for our community? (choose any)",
    ),
    "index_posted": (
        "✅ 各社区的评分卡（{period}）正在发到 {count} 个社区群，每个群只看到自己社区的一张。",
        "✅ Each community's scorecard ({period}) is being posted in its group "
        "({count:group|groups}); each group sees only its own.",
    ),
    "index_posted_none": (
        "没有可以发布评分卡的社区群（{period}）：没有哪个在用的社区群有指数。",
        "No group to post a scorecard to ({period}): no active community has an index.",
    ),
    "index_table_more": (
        "……另有 {count} 个社区，完整的表见指数报告（minyi index report）。",
        "… and {count:more community|more communities}: the whole table is in the index report "
        "(minyi index report).",
    ),
    "index_cards_more": (
        "以上是排名前 {shown} 个社区的评分卡；全部 {total} 个社区的评分卡见指数报告"
        "（minyi index report）。",
        "Above are the scorecards of the first {shown:community|communities}; all {total} are "
        "in the index report (minyi index report).",
    ),
    "index_cards_web": (
        "网上公开的指数：{url}",
        "The published index online: {url}",
    ),
    "index_post_caption": (
        "📊 {name} · 治理指数 {period}：{index}（{rank}）。完整报告由社区工作人员发布。",
        "📊 {name} · governance index {period}: {index} ({rank}). The full report is published "
        "by the community's staff.",
    ),
    "index_caption": (
        "{name} · {period}：指数 {index}，{rank}，覆盖率 {coverage}",
        "{name} · {period}: index {index}, {rank}, coverage {coverage}",
    ),
    "index_rank": ("排名 {rank}", "rank {rank}"),
    "index_unranked": ("未排名", "unranked"),
    "index_table_title": (
        "治理指数 {period}（上期 {previous}）",
        "Governance index {period} (previous {previous})",
    ),
    "index_table_header": (
        "排名|社区|指数|90% 区间|覆盖率|投票人数|较上期",
        "rank|community|index|90% interval|coverage|voters|change",
    ),
    "index_change_other_coverage": ("覆盖率不同", "different coverage"),
    "index_change_other_indicators": ("指标不同", "different indicators"),
    "index_table_unranked": (
        "—— 未排名：覆盖率低于 {cov}，有指数但不参与排名 ——",
        "— unranked: coverage below {cov}; an index but no rank —",
    ),
    "index_table_no_values": (
        "—— 未排名：这一期还没有数值，没有指数 ——",
        "— unranked: no values yet this period, no index —",
    ),
    "index_table_city": (
        "全市（合并投票）：{index}，{voters} 人投票",
        "City (votes pooled): {index}, {voters:voter|voters}",
    ),
    "index_none": ("还没有社区有指数。", "No community has an index yet."),
    "index_digest": (
        "📈 治理指数：{period} 的新数据已到（{communities} 个社区有指数）。{changes}",
        "📈 Governance index: new values for {period} "
        "({communities:community|communities} scored). {changes}",
    ),
    "index_digest_change": ("{name} {index}（{change}）", "{name} {index} ({change})"),
    "index_framework_stored": (
        "指数框架已保存：{principles} 项原则，{indicators} 项指标。",
        "Framework stored: {principles:principle|principles}, {indicators:indicator|indicators}.",
    ),
    "index_imported": (
        "已导入 {rows} 个数值（{periods}），替换了这些统计期里同一文件以前的数值。",
        "Imported {rows:value|values} ({periods}), replacing this file's earlier values for them.",
    ),
    "index_report_written": (
        "指数报告已写入 {out}：{files}",
        "Index report written to {out}: {files}",
    ),
    # -- the governance index: what its files get wrong (bot/core/index/) -----------------------
    "index_no_values": (
        "还没有指标数值：请先用 minyi index import 导入。",
        "No indicator values yet: import some with `minyi index import`.",
    ),
    "index_period_bad": (
        "统计期“{period}”应写成 YYYY、YYYY-Qn 或 YYYY-MM（例如 2025、2025-Q3、2025-07）。",
        "Period “{period}” is not YYYY, YYYY-Qn or YYYY-MM (e.g. 2025, 2025-Q3, 2025-07).",
    ),
    "index_period_year": (
        "统计期“{period}”的年份应在 {first} 到 {last} 之间。",
        "Period “{period}”: the year must be from {first} to {last}.",
    ),
    "index_period_future": (
        "统计期“{period}”还没有开始：只能导入已开始或已过去的统计期的数值。",
        "period “{period}” has not begun yet: only values of a period under way or past can "
        "be imported.",
    ),
    "index_period_empty": (
        "统计期 {period} 没有指标数值（有数值的统计期：{known}）。",
        "No indicator values for {period} (periods with values: {known}).",
    ),
    "index_framework_invalid": (
        "指数框架 {name} 有 {count} 处问题：",
        "Index framework {name}: {count:problem|problems}:",
    ),
    "index_framework_unreadable": (
        "无法读取框架文件 {name}（{reason}）。",
        "Cannot read {name} ({reason}).",
    ),
    "index_values_invalid": (
        "{name} 有 {count} 处问题，什么都没有导入：",
        "{name}: {count:problem|problems}, nothing was imported:",
    ),
    "index_more_problems": ("……还有 {more} 处。", "… and {more} more."),
    "fw_not_utf8": ("第 {byte} 字节不是 UTF-8 文本。", "Byte {byte} is not UTF-8 text."),
    "fw_not_toml": ("不是有效的 TOML：{error}", "Not valid TOML: {error}"),
    "fw_unknown_top": ("未知的顶层键“{key}”。", "Unknown top-level key '{key}'."),
    "fw_principles_missing": (
        "缺少 principles（原则编号列表）。",
        "Missing required key 'principles' (a list of principle theme ids).",
    ),
    "fw_principles_type": (
        "principles 必须是非空的原则编号列表。",
        "'principles' must be a non-empty list of theme ids.",
    ),
    "fw_principle_unknown": (
        "principles 中的“{id}”不是分类表里的原则（可用：{known}）。",
        "'principles': '{id}' is not a principle id of the taxonomy ({known}).",
    ),
    "fw_principle_twice": (
        "principles 中“{id}”出现了两次。",
        "'principles': '{id}' is listed twice.",
    ),
    "fw_no_indicators": ("没有 [[indicator]] 表。", "No [[indicator]] tables."),
    "fw_not_table": ("指标 {indicator} 不是一个表。", "Indicator {indicator}: not a table."),
    "fw_field_unknown": (
        "指标 {indicator} 的字段“{field}”：未知字段。",
        "Indicator {indicator} field '{field}': unknown field.",
    ),
    "fw_field_missing": (
        "指标 {indicator} 缺少必填字段“{field}”。",
        "Indicator {indicator} field '{field}': missing required field.",
    ),
    "fw_field_bad": (
        "指标 {indicator} 的字段“{field}”：{message}",
        "Indicator {indicator} field '{field}': {message}",
    ),
    "fw_duplicate": (
        "指标 {indicator} 的字段“id”：与第 #{first} 个指标重复。",
        "Indicator {indicator} field 'id': duplicate of indicator #{first}.",
    ),
    "fw_off_scale": (
        "指标 {indicator} 的字段“{field}”：{value} 不在单位所示的量表 {scale} 之内。",
        "Indicator {indicator} field '{field}': {value} is off the scale {scale} named by its "
        "unit.",
    ),
    "fw_equal": (
        "指标 {indicator} 的字段“threshold”和“target”相等（{value}），指标没有方向。",
        "Indicator {indicator} fields 'threshold' and 'target': equal ({value}); the indicator "
        "would have no direction.",
    ),
    "fw_indicator_principle": (
        "指标 {indicator} 的字段“principle”：“{principle}”不在框架的原则中（{known}）。",
        "Indicator {indicator} field 'principle': '{principle}' is not one of the framework's "
        "principles ({known}).",
    ),
    "fw_indicator_principle_unknown": (
        "指标 {indicator} 的字段“principle”：“{principle}”不在框架的原则中（{known}），"
        "也不在分类表里。",
        "Indicator {indicator} field 'principle': '{principle}' is not one of the framework's "
        "principles ({known}) and not in the taxonomy.",
    ),
    "fw_principle_unused": (
        "原则“{id}”没有任何指标，永远不会有得分。",
        "Principle '{id}' has no indicator (it could never get a score).",
    ),
    "index_header": (
        "表头应为 {needed}（现在是“{found}”）。",
        "the header must be {needed} (found “{found}”).",
    ),
    "index_unknown_community": ("未登记的社区“{community}”。", "unknown community “{community}”."),
    "index_unknown_indicator": (
        "框架里没有指标“{indicator}”。",
        "unknown indicator “{indicator}” (not in the framework).",
    ),
    "index_not_number": ("数值“{value}”不是数字。", "value “{value}” is not a number."),
    "index_off_scale": (
        "数值“{value}”不在指标 {indicator} 的量表 {scale} 之内。",
        "value “{value}” is off {indicator}'s scale {scale}.",
    ),
    "index_too_large": ("数值“{value}”太大。", "value “{value}” is too large."),
    "index_repeated": (
        "与第 {first} 行的社区、指标和统计期相同。",
        "same community, indicator and period as line {first}.",
    ),
    "index_no_rows": ("表头下面没有数值。", "no values after the header."),
    # -- the published index (bot/render/index_report.py prints both languages at once) ----
    "ix_title": ("智慧城市与社会治理指数", "Smart Cities and Social Governance Index"),
    "ix_period": ("统计期", "Period"),
    "ix_previous": ("上期", "Previous period"),
    "ix_none": ("无", "none"),
    "ix_method": ("计算方法", "How the index is computed"),
    "ix_method_1": (
        "居民在“优先事项”投票中选出对自己最重要的治理原则。"
        "每项原则的权重 = (票数 + 1) ÷ 所有原则的(票数 + 1)之和；没有投票的社区各原则权重相同。",
        "Residents vote for the governance principles that matter most to them. A principle's "
        "weight is (its votes + 1) divided by the sum of (votes + 1) over all principles; a "
        "community without a vote weighs them equally.",
    ),
    "ix_method_2": (
        "每项指标都有两个参考值：达到“阈值”得 0 分，达到“目标”得 100 分，中间按比例计分，"
        "超出两端按 0 或 100 计。目标低于阈值时，数值越低越好。",
        "Each indicator has two reference values: the threshold scores 0 and the target "
        "scores 100, in proportion between them, capped at 0 and 100 beyond. Where the target "
        "is below the threshold, lower is better.",
    ),
    "ix_method_3": (
        "原则得分 = 该原则下有数据的指标得分的平均值；指数 = 有得分的原则按居民权重的加权平均。",
        "A principle's score is the mean of its indicators' scores that have data; the index "
        "is the residents' weighted mean of the principles that have a score.",
    ),
    "ix_method_4": (
        "数据覆盖率 = 有数据的指标占全部指标的比例；覆盖率低于 {cov} 的社区有指数但不参与排名。",
        "Coverage is the share of indicators with data; a community below {cov} gets an index "
        "but no rank.",
    ),
    "ix_method_5": (
        "区间：按居民投票的不确定性随机抽取 {draws} 组权重（种子 {seed}），"
        "取指数与排名的第 5 和第 95 百分位。区间越宽，说明结果越取决于权重。",
        "Intervals: {draws:random draw|random draws} of the weights reflecting the "
        "uncertainty of the votes (seed {seed}); the 5th and 95th percentiles of the index and "
        "of the rank. A wide interval means the result depends on the weights.",
    ),
    "ix_method_6": (
        "较上期：两期有数据的指标不同（覆盖率不同）时，两个指数衡量的不是同一组指标，"
        "变化不能直接比较，表中在数字旁标明。",
        "Change: where the two periods' indexes rest on different indicators (different "
        "coverage), they do not measure the same thing; the change is marked so beside the "
        "figure.",
    ),
    "ix_change_other_coverage": ("覆盖率不同", "different coverage"),
    "ix_change_other_indicators": ("指标不同", "different indicators"),
    "ix_unranked_group": (
        "未排名：覆盖率低于 {cov}，有指数但不参与排名",
        "Unranked: coverage below {cov}; an index but no rank",
    ),
    "ix_no_values_group": (
        "未排名：这一期还没有数值，没有指数",
        "Unranked: no values yet this period, no index",
    ),
    "ix_not_counted": ("无得分，不计入", "no score, not counted"),
    "ix_weight_nominal": ("居民权重 {weight}", "residents' weight {weight}"),
    "ix_weight_note": (
        "计入权重：居民权重在有得分的原则之间按比例重新分配，合计 100%；"
        "指数 = Σ 计入权重 × 原则得分。",
        "Weight in the index: the residents' weights shared out in proportion over the "
        "principles with a score, adding up to 100%; index = Σ weight × principle score.",
    ),
    "ix_city_table": ("各社区指数", "Index by community"),
    "ix_city": ("全市（合并投票）", "City (all votes pooled)"),
    "ix_rank": ("排名", "Rank"),
    "ix_community": ("社区", "Community"),
    "ix_index": ("指数", "Index"),
    "ix_interval": ("90% 区间", "90% interval"),
    "ix_rank_range": ("排名区间", "Rank range"),
    "ix_coverage": ("覆盖率", "Coverage"),
    "ix_voters": ("投票人数", "Voters"),
    "ix_change": ("较上期", "Change"),
    "ix_unranked": ("未排名", "unranked"),
    "ix_unranked_why": (
        "覆盖率 {coverage} 低于 {cov}，不参与排名",
        "coverage {coverage} is below {cov}, so no rank",
    ),
    "ix_no_values_why": (
        "这一期还没有指标数值，没有指数，不参与排名",
        "no indicator values this period: no index, so no rank",
    ),
    "ix_scorecard": ("社区评分卡", "Community scorecard"),
    "ix_principle": ("原则", "Principle"),
    "ix_weight": ("计入权重", "Weight in the index"),
    "ix_score": ("得分", "Score"),
    "ix_residents_said": ("居民怎么说", "What residents said"),
    "ix_of_answers": ("的回答提到", "of answers mention it"),
    "ix_no_voices": ("本期没有相关回答", "no answers about it this period"),
    "ix_indicator": ("指标", "Indicator"),
    "ix_value": ("数值", "Value"),
    "ix_threshold": ("阈值(0分)", "Threshold (0)"),
    "ix_target": ("目标(100分)", "Target (100)"),
    "ix_no_data": ("无数据", "no data"),
    "ix_sources": ("指标与数据来源", "Indicators and sources"),
    "ix_unit": ("单位", "Unit"),
    "ix_direction": ("方向", "Direction"),
    "ix_higher": ("↑ 越高越好", "higher is better"),
    "ix_lower": ("↓ 越低越好", "lower is better"),
    "ix_source": ("来源", "Source"),
    "ix_baseline": ("基线", "Baseline"),
    "ix_show": ("显示", "Show"),
    "ix_both": ("中英", "Both"),
    "ix_answers": ("本期回答", "Answers this period"),
    "ix_city_chart": ("各社区指数及 90% 区间", "Index by community with 90% interval"),
    "ix_principles_chart": ("全市各原则得分", "City principle scores"),
    # -- the web answer pages (bot/web; its `say` adds the web_ prefix) ------------------------
    "web_site": ("民意 · 社区征询", "Minyi · community consultation"),
    "web_switch_lang": ("English", "中文"),
    "web_round_meta": ("第 {id} 轮征询 · {community}", "Round {id} · {community}"),
    "web_closes_at": ("截止时间：{closes}", "Closes: {closes}"),
    # -- forms --------------------------------------------------------------------------------
    "web_text_label": ("你的回答", "Your answer"),
    "web_text_hint": (
        "用你自己的话写，最多 {limit} 字。不要写姓名、电话等个人信息。",
        "In your own words, at most {limit:character|characters}. Please leave out names, "
        "phone numbers and other personal details.",
    ),
    "web_send": ("提交", "Send"),
    "web_poll_pick_one": ("请选择一项：", "Choose one:"),
    "web_poll_pick_many": ("可以选择多项：", "Choose any that apply:"),
    "web_vote": ("投票", "Vote"),
    "web_retract": ("撤回我的投票", "Withdraw my vote"),
    "web_rating_pick": (
        "请打分（1 = 很不满意，5 = 很满意）：",
        "Your rating (1 = very poor, 5 = very good):",
    ),
    # A rating choice as a screen reader says it (the box shows the digit), and the choice made.
    "web_rating_value": ("{value} 分（满分 5 分）", "{value} out of 5"),
    "web_rate": ("提交评分", "Send rating"),
    "web_your_answers": (
        "你已提交的回答（截止前可以修改）",
        "Your answers (you can edit them until the round closes)",
    ),
    "web_edit": ("修改这条回答", "Edit this answer"),
    "web_save": ("保存修改", "Save changes"),
    "web_your_vote": ("你现在的选择：{choice}", "Your current choice: {choice}"),
    "web_change_vote": ("截止前可以随时修改。", "You can change it until the round closes."),
    # -- outcomes -----------------------------------------------------------------------------
    "web_done_stored": ("✅ 已收到你的回答，谢谢！", "✅ Your answer was received. Thank you!"),
    "web_done_updated": ("✅ 你的回答已更新。", "✅ Your answer was updated."),
    "web_done_duplicate": (
        "你已经提交过同样的回答，只计一次。",
        "You already sent exactly this answer; it counts once.",
    ),
    "web_done_recorded": (
        "✅ 已记录你的选择，截止前可以修改。",
        "✅ Your vote was recorded. You can change it until the round closes.",
    ),
    "web_done_retracted": ("已撤回你的投票。", "Your vote was withdrawn."),
    "web_done_forgotten": (
        "已删除你的 {answers} 条回答和 {votes} 次投票。",
        "Deleted your {answers:answer|answers} and {votes:vote|votes}.",
    ),
    "web_error_empty": ("请先写下你的回答。", "Please write your answer first."),
    "web_error_too_long": (
        "回答太长了（{length} 字），最多 {limit} 字。请缩短后再提交。",
        "Your answer is too long ({length:character|characters}; at most {limit}). "
        "Please shorten it.",
    ),
    "web_error_rate_limited": (
        "提交太频繁了，请过一分钟再试。你写的内容还在下面。",
        "Too many submissions; please try again in a minute. Your text is kept below.",
    ),
    "web_error_closed": (
        "这轮征询已经结束，不能再回答了。",
        "This round has closed; it takes no more answers.",
    ),
    "web_now_open": (
        "本社区正在进行的征询，欢迎参与：",
        "Open now in this community; your answer is welcome:",
    ),
    "web_unsaved": (
        "你写的内容没有保存，可以复制下来留着：",
        "What you wrote was not saved; you can copy it to keep it:",
    ),
    "web_error_invalid": ("请选择一个有效的选项。", "Please choose a valid option."),
    "web_error_replayed": (
        "这份表单已经提交过了，没有再次保存。下面是最新的页面。",
        "This form was already sent; nothing was saved again. Here is the page as it is now.",
    ),
    "web_error_expired": (
        "页面已过期，没有保存。请再提交一次。",
        "This page had expired and nothing was saved. Please send it again.",
    ),
    "web_error_cookie": (
        "没有保存：请允许本网站使用 Cookie 后再提交（它用来保证每人一票，不含任何个人信息）。",
        "Nothing was saved: please allow cookies for this site and send again (the cookie keeps "
        "one vote per person and holds no personal data).",
    ),
    "web_error_stale": (
        "页面已失效（可能清除过 Cookie），没有保存。请在下面重新提交一次。",
        "This page was no longer valid (were cookies cleared?) and nothing was saved. Please "
        "send it again below.",
    ),
    "web_error_form": (
        "表单无效，没有保存。请刷新页面后重试。",
        "The form was not valid and nothing was saved. Please reload the page and try again.",
    ),
    "web_error_not_yours": ("找不到这条回答。", "That answer was not found."),
    "web_error_failed": (
        "暂时没能保存，请稍后再提交一次。",
        "Your answer could not be saved just now; please send it again in a moment.",
    ),
    "web_error_confirm": ("请先勾选确认。", "Please tick the box to confirm first."),
    "web_error_too_large": (
        "提交的内容太长，没有保存。回答最多 {limit} 字，请缩短后再提交。",
        "What you sent was too long and nothing was saved. Answers take at most "
        "{limit:character|characters}; please shorten it and send again.",
    ),
    "web_not_found_title": ("找不到这个页面", "Page not found"),
    "web_not_found": (
        "链接可能不完整（聊天软件有时会截断长链接），或者已经失效。请再扫一次二维码，"
        "或者向社区组织者要一个新的链接。",
        "The link may be incomplete (chat apps sometimes cut long links) or no longer valid. "
        "Please scan the QR code again, or ask your community's organisers for a new link.",
    ),
    # Refused before any page is looked up (bot/web/server.py _guard): a page of its own.
    "web_cross_site_title": ("没有保存", "Nothing was saved"),
    "web_cross_site": (
        "这份表单不是从本网站的页面提交的，所以没有保存。请重新打开征询链接，在页面上再提交一次。",
        "This form was not sent from one of our own pages, so nothing was saved. Please open "
        "the round's link again and send it from the page.",
    ),
    "web_wrong_host_title": ("网址不对", "Wrong address"),
    "web_wrong_host": (
        "这个网址不是征询页面的地址。请使用社区组织者发的链接或二维码。",
        "This is not the address of the consultation pages. Please use the link or QR code "
        "from your community's organisers.",
    ),
    "web_not_allowed_title": ("这个地址不能直接打开", "This address cannot be opened directly"),
    "web_not_allowed": (
        "请回到刚才的页面，或者重新打开征询链接、扫描二维码。",
        "Please go back to the page you came from, or open the round's link or QR code again.",
    ),
    "web_failed_title": ("出了点问题", "Something went wrong"),
    "web_failed": (
        "页面暂时打不开，请过一会儿再试。如果你刚才提交了内容，请回到页面看看是否已经保存。",
        "The page could not be shown just now; please try again in a moment. If you had just "
        "sent something, go back to the page to see whether it was saved.",
    ),
    # -- round states -------------------------------------------------------------------------
    "web_state_scheduled": (
        "这轮征询将于 {opens} 开始，请到时再来。",
        "This round opens at {opens}; please come back then.",
    ),
    "web_state_cancelled": ("这轮征询已经取消。", "This round was cancelled."),
    "web_state_closed": (
        "这轮征询已于 {closed} 结束。结果：",
        "This round closed at {closed}. The results:",
    ),
    "web_summary_counts": (
        "参与居民：{participants} · 回答：{answers}",
        "Participants: {participants} · Answers: {answers}",
    ),
    "web_summary_participants": ("参与居民：{participants}", "Participants: {participants}"),
    "web_summary_voters": ("投票人数：{voters}", "Voters: {voters}"),
    "web_summary_average": ("平均分：{average}", "Average: {average}"),
    "web_summary_themes": ("大家最关心：", "What mattered most:"),
    "web_summary_thanks": (
        "谢谢每一位参与的居民！完整报告已交给社区组织者。",
        "Thank you to every resident who took part! The full report has gone to the organisers.",
    ),
    # -- privacy and my data --------------------------------------------------------------------
    "web_privacy_title": ("🔒 隐私说明", "🔒 Privacy"),
    "web_privacy": (
        "我们不需要你的姓名、电话或任何账号。你的浏览器里保存一个随机编号（Cookie），我们只保存"
        "它的加密散列，用来保证每人一票、让你修改或删除自己的回答。回答里的电话、身份证号、邮箱和"
        "银行卡号会在保存前被遮盖。数据保存 {days} 天后自动删除。组织者看到汇总和每条回答的原文"
        "（不署名），其他人只看到汇总，以及公开的治理指数报告里不署名的摘录（能识别出的门牌号和人名会被遮盖；请不要在回答里写自己或他人的姓名和住址）。",
        "We need no name, phone number or account. Your browser keeps a random number (a "
        "cookie); we store only a keyed hash of it, to keep one vote per person and let you "
        "edit or delete your own answers. Phone, ID-card, e-mail and bank-card numbers in "
        "answers are masked before storage. Everything is deleted after {days:day|days}. "
        "Organisers see summaries and the text of every answer, unsigned; anyone else sees only "
        "summaries and the unsigned quotes of the published governance index (room numbers and "
        "names masked where recognised: better not to write your own or others' names and "
        "addresses).",
    ),
    "web_my_data_link": ("查看或删除我的数据", "See or delete my data"),
    "web_me_title": ("我的数据", "My data"),
    "web_me_intro": (
        "这里是这个浏览器提交的全部回答和投票（别人看不到这一页）。",
        "Everything this browser has sent: answers and votes (nobody else can see this page).",
    ),
    "web_me_empty": (
        "这个浏览器没有提交过回答或投票。",
        "This browser has sent no answers or votes.",
    ),
    "web_me_counts": (
        "{answers} 条回答，{votes} 次投票（一轮多选投票算一次，不论选了几项）",
        "{answers:answer|answers} · {votes:vote|votes} (a multiple-answer poll counts as one "
        "vote, however many options you chose)",
    ),
    "web_me_answer": ("第 {round} 轮：{text}", "Round {round}: {text}"),
    "web_me_vote": ("第 {round} 轮投票：{choice}", "Round {round} vote: {choice}"),
    "web_me_rating": ("第 {round} 轮评分：{choice} / 5", "Round {round} rating: {choice} / 5"),
    "web_me_choice": ("第 {round} 轮你选了：{choice}", "Round {round}: you chose {choice}"),
    "web_forget_title": ("删除我的全部数据", "Delete all my data"),
    "web_forget_confirm": (
        "我明白：删除后不能恢复，这些回答和投票也不再计入结果。",
        "I understand: this cannot be undone, and these answers and votes will no longer count.",
    ),
    "web_forget": ("全部删除", "Delete everything"),
}


def join_list(items: list[str] | tuple[str, ...], lang: Lang) -> str:
    """Names in a row as each language writes them: 停车、绿化 / parking, greening."""
    return ("、" if lang == "zh" else ", ").join(items)


def plural(count: int, one: str, many: str) -> str:
    """A count with its English noun: "1 answer", "0 answers", "2 answers"."""
    return f"{count} {one if count == 1 else many}"


class _Formatter(string.Formatter):
    """str.format, plus the spec `{count:one|many}` that writes the count with its noun."""

    def format_field(self, value: object, format_spec: str) -> str:
        one, bar, many = format_spec.partition("|")
        if not bar:
            return format(value, format_spec)
        if isinstance(value, int) and not isinstance(value, bool):
            return plural(value, one, many)
        # Not a number (a caller's mistake): still a readable sentence, never a crash.
        return f"{value} {many}"


_FORMATTER = _Formatter()


def fill(template: str, /, **values: object) -> str:
    """A template with its fields filled in (str.format with plurals, see `plural`)."""
    return _FORMATTER.format(template, **values)


# Zones whose time Chinese readers call 北京时间 (China's one official time); Hong Kong, Macau
# and Taipei keep their ids.
_BEIJING_TIME = frozenset(
    {"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"}
)


def zone_label(zone: tzinfo, lang: Lang) -> str:
    """A time zone as a reader names it: in Chinese "北京时间" for China's zone, else "<id> 时间";
    in English the zone's id (Asia/Shanghai, Europe/London)."""
    name = getattr(zone, "key", None) or str(zone)
    if lang == "zh":
        return "北京时间" if name in _BEIJING_TIME else f"{name} 时间"
    return name


def _shown(value: object, lang: Lang) -> object:
    if isinstance(value, list | tuple):
        return join_list(value, lang)
    if isinstance(value, tzinfo):
        return zone_label(value, lang)
    return value


def say(key: str, lang: Lang = "zh", /, **values: object) -> str:
    """Render the template `key` in `lang` with `values`; a list or tuple value (themes,
    communities, keywords) is joined the way `lang` lists things (`join_list`), a time zone
    is named as `lang` names it (`zone_label`)."""
    zh, en = TEMPLATES[key]
    template = zh if lang == "zh" else en
    if not values:
        return template
    return fill(template, **{name: _shown(value, lang) for name, value in values.items()})


def question_in(kind: str, question: str, lang: Lang) -> str:
    """A round's question as a reader of `lang` reads it: the organiser's own words, or, for a
    priorities round asked with the standard question (stored in the deployment's language
    for the group's poll), that question in `lang`."""
    if kind == "priorities" and question in TEMPLATES["priorities_question"]:
        return say("priorities_question", lang)
    return question


def after_colon(text: str) -> str:
    """An English sentence continued after a colon ("line 2: the id…", "minyi: no indicator
    values…"): its capital dropped, unless its first word is a name in capitals (`CSV`, `I`)."""
    if text[:1].isupper() and text[1:2].islower():
        return text[0].lower() + text[1:]
    return text


def error_reason(error: MinyiError, lang: Lang) -> str:
    """What a core error (bot/core/errors.py) says, in `lang`."""
    return say(error.key, lang, **error.values)


def pick_lang(language_code: str | None, default: Lang = "zh") -> Lang:
    """The reply language for a Telegram user's language code."""
    if not language_code:
        return default
    code = language_code.lower()
    if code.startswith("zh"):
        return "zh"
    return "en"


def pick_web_lang(accept_language: str | None, asked: str | None, default: Lang) -> Lang:
    """The page language: `?lang=` if given, else the browser's most preferred of zh and en
    (Accept-Language with q-values), else the deployment's default."""
    if asked in ("zh", "en"):
        return "zh" if asked == "zh" else "en"
    best: tuple[float, int, Lang] | None = None
    for position, item in enumerate((accept_language or "")[:512].split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = tag.strip().lower()
        lang: Lang | None = (
            "zh" if code.startswith("zh") else "en" if code.startswith("en") else None
        )
        if lang is None or not quality > 0:
            continue
        # Highest quality wins; among equals, the one the browser listed first.
        candidate = (quality, -position, lang)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return best[2] if best is not None else default
