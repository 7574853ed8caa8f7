"""Every sentence of the web answer pages, in Chinese and English.

Kept beside the web channel for now; they belong with the other templates (bot/render/texts)
once that module exists. `say(key, lang, **values)` renders plain text; bot/web/pages.py
escapes it for HTML.
"""

from __future__ import annotations

from bot.render.texts import Lang

TEMPLATES: dict[str, tuple[str, str]] = {
    "site": ("民意 · 社区征询", "Minyi · community consultation"),
    "switch_lang": ("English", "中文"),
    "round_meta": ("第 {id} 轮征询 · {community}", "Round {id} · {community}"),
    "closes_at": ("截止时间：{closes}", "Closes: {closes}"),
    # -- forms --------------------------------------------------------------------------------
    "text_label": ("你的回答", "Your answer"),
    "text_hint": (
        "用你自己的话写，最多 {limit} 字。不要写姓名、电话等个人信息。",
        "In your own words, at most {limit} characters. Please leave out names, phone numbers "
        "and other personal details.",
    ),
    "send": ("提交", "Send"),
    "poll_pick_one": ("请选择一项：", "Choose one:"),
    "poll_pick_many": ("可以选择多项：", "Choose any that apply:"),
    "vote": ("投票", "Vote"),
    "retract": ("撤回我的投票", "Withdraw my vote"),
    "rating_pick": (
        "请打分（1 = 很不满意，5 = 很满意）：",
        "Your rating (1 = very poor, 5 = very good):",
    ),
    "rate": ("提交评分", "Send rating"),
    "your_answers": (
        "你已提交的回答（截止前可以修改）",
        "Your answers (you can edit them until the round closes)",
    ),
    "edit": ("修改这条回答", "Edit this answer"),
    "save": ("保存修改", "Save changes"),
    "your_vote": ("你现在的选择：{choice}", "Your current choice: {choice}"),
    "change_vote": ("截止前可以随时修改。", "You can change it until the round closes."),
    # -- outcomes -----------------------------------------------------------------------------
    "done_stored": ("✅ 已收到你的回答，谢谢！", "✅ Your answer was received. Thank you!"),
    "done_updated": ("✅ 你的回答已更新。", "✅ Your answer was updated."),
    "done_duplicate": (
        "你已经提交过同样的回答，只计一次。",
        "You already sent exactly this answer; it counts once.",
    ),
    "done_recorded": (
        "✅ 已记录你的选择，截止前可以修改。",
        "✅ Your vote was recorded. You can change it until the round closes.",
    ),
    "done_retracted": ("已撤回你的投票。", "Your vote was withdrawn."),
    "done_forgotten": (
        "已删除你的 {answers} 条回答和 {votes} 个投票。",
        "Deleted {answers} answers and {votes} votes.",
    ),
    "error_empty": ("请先写下你的回答。", "Please write your answer first."),
    "error_too_long": (
        "回答太长了（{length} 字），最多 {limit} 字。请缩短后再提交。",
        "Your answer is too long ({length} characters; at most {limit}). Please shorten it.",
    ),
    "error_rate_limited": (
        "提交太频繁了，请过一分钟再试。你写的内容还在下面。",
        "Too many submissions; please try again in a minute. Your text is kept below.",
    ),
    "error_closed": (
        "这轮征询已经结束，不能再回答了。",
        "This round has closed; it takes no more answers.",
    ),
    "error_invalid": ("请选择一个有效的选项。", "Please choose a valid option."),
    "error_replayed": (
        "这份表单已经提交过了，没有再次保存。下面是最新的页面。",
        "This form was already sent; nothing was saved again. Here is the page as it is now.",
    ),
    "error_expired": (
        "页面已过期，没有保存。请再提交一次。",
        "This page had expired and nothing was saved. Please send it again.",
    ),
    "error_cookie": (
        "没有保存：请允许本网站使用 Cookie 后再提交（它用来保证每人一票，不含任何个人信息）。",
        "Nothing was saved: please allow cookies for this site and send again (the cookie keeps "
        "one vote per person and holds no personal data).",
    ),
    "error_form": (
        "表单无效，没有保存。请刷新页面后重试。",
        "The form was not valid and nothing was saved. Please reload the page and try again.",
    ),
    "error_not_yours": ("找不到这条回答。", "That answer was not found."),
    "error_failed": (
        "暂时没能保存，请稍后再提交一次。",
        "Your answer could not be saved just now; please send it again in a moment.",
    ),
    "error_confirm": ("请先勾选确认。", "Please tick the box to confirm first."),
    # -- round states -------------------------------------------------------------------------
    "state_scheduled": (
        "这轮征询将于 {opens} 开始，请到时再来。",
        "This round opens at {opens}; please come back then.",
    ),
    "state_cancelled": ("这轮征询已经取消。", "This round was cancelled."),
    "state_closed": (
        "这轮征询已于 {closed} 结束。结果：",
        "This round closed at {closed}. The results:",
    ),
    "summary_counts": (
        "参与居民：{participants} · 回答：{answers}",
        "Participants: {participants} · Answers: {answers}",
    ),
    "summary_participants": ("参与居民：{participants}", "Participants: {participants}"),
    "summary_voters": ("投票人数：{voters}", "Voters: {voters}"),
    "summary_average": ("平均分：{average}", "Average: {average}"),
    "summary_themes": ("大家最关心：", "What mattered most:"),
    "summary_thanks": (
        "谢谢每一位参与的居民！完整报告已交给社区组织者。",
        "Thank you to every resident who took part! The full report has gone to the organisers.",
    ),
    # -- privacy and my data --------------------------------------------------------------------
    "privacy_title": ("🔒 隐私说明", "🔒 Privacy"),
    "privacy": (
        "我们不需要你的姓名、电话或任何账号。你的浏览器里保存一个随机编号（Cookie），我们只保存"
        "它的加密散列，用来保证每人一票、让你修改或删除自己的回答。回答里的电话、身份证号、邮箱和"
        "银行卡号会在保存前被遮盖。数据保存 {days} 天后自动删除。组织者只看到匿名汇总和不署名的"
        "回答摘录，其他居民只看到群体结果。",
        "We need no name, phone number or account. Your browser keeps a random number (a "
        "cookie); we store only a keyed hash of it, to keep one vote per person and let you "
        "edit or delete your own answers. Phone, ID-card, e-mail and bank-card numbers in "
        "answers are masked before storage. Everything is deleted after {days} days. Organisers "
        "see anonymous summaries and unsigned quotes; other residents see group results only.",
    ),
    "my_data_link": ("查看或删除我的数据", "See or delete my data"),
    "me_title": ("我的数据", "My data"),
    "me_intro": (
        "这里是这个浏览器提交的全部回答和投票（别人看不到这一页）。",
        "Everything this browser has sent: answers and votes (nobody else can see this page).",
    ),
    "me_empty": ("这个浏览器没有提交过回答或投票。", "This browser has sent no answers or votes."),
    "me_counts": ("{answers} 条回答，{votes} 个投票", "{answers} answers, {votes} votes"),
    "me_answer": ("第 {round} 轮：{text}", "Round {round}: {text}"),
    "me_vote": ("第 {round} 轮投票：{choice}", "Round {round} vote: {choice}"),
    "forget_title": ("删除我的全部数据", "Delete all my data"),
    "forget_confirm": (
        "我明白：删除后不能恢复，这些回答和投票也不再计入结果。",
        "I understand: this cannot be undone, and these answers and votes will no longer count.",
    ),
    "forget": ("全部删除", "Delete everything"),
}


def say(key: str, lang: Lang = "zh", /, **values: object) -> str:
    """Render the web template `key` in `lang` with `values` (plain text, not yet escaped)."""
    zh, en = TEMPLATES[key]
    template = zh if lang == "zh" else en
    return template.format(**values) if values else template


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
