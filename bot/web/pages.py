"""HTML of the web answer pages: plain HTML and one inline style sheet, no script, no image,
nothing from another site; every value from a person or the database is escaped here.

Pages are built from small functions over plain values, so bot/web/server.py decides what a
request sees and this module only how it looks (360 px wide and up).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from bot.core.residents import Choice
from bot.render.residents import choice_key, chosen_text
from bot.render.texts import Lang
from bot.render.texts import say as render_say


def say(key: str, lang: Lang = "zh", /, **values: object) -> str:
    """A sentence of the pages: the template `web_<key>` of bot/render/texts.py (plain text,
    escaped where it is put into HTML)."""
    return render_say(f"web_{key}", lang, **values)


# One style sheet, inline: one request fewer on a slow phone connection. The page's
# Content-Security-Policy allows exactly this text by its hash.
CSS = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f4f6f8;color:#1b1f23;font:17px/1.55 system-ui,-apple-system,
"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif}
main{max-width:40rem;margin:0 auto;padding:12px}
header{display:flex;justify-content:space-between;align-items:baseline;gap:8px;
font-size:16px;color:#52606d;margin:4px 2px 10px}
header a{color:#1f5fa8}
.card{background:#fff;border-radius:12px;padding:16px;margin:0 0 12px;
box-shadow:0 1px 2px rgba(0,0,0,.08)}
h1{font-size:21px;line-height:1.4;margin:0 0 6px;overflow-wrap:anywhere}
h2{font-size:17px;margin:0 0 8px}
.meta{font-size:16px;color:#52606d;margin:0}
.flash{border-left:5px solid #2e8540;background:#e7f4ea}
.error{border-left:5px solid #c0392b;background:#fbeaea}
label{display:block}
fieldset{border:0;margin:0;padding:0;min-width:0}
legend{padding:0;margin:0 0 8px}
textarea{width:100%;min-height:9rem;font:inherit;padding:10px;border:1px solid #7b8794;
border-radius:8px;resize:vertical}
.hint{font-size:16px;color:#52606d;margin:6px 0 0}
button{display:block;width:100%;margin-top:12px;padding:13px;font:inherit;font-weight:600;
color:#fff;background:#1f5fa8;border:0;border-radius:8px}
button.quiet{background:#fff;color:#1f5fa8;border:1px solid #1f5fa8;font-weight:400}
.option{display:flex;align-items:center;gap:10px;padding:12px;margin:8px 0;
border:1px solid #7b8794;border-radius:8px;overflow-wrap:anywhere}
.option input{width:22px;height:22px;flex:none;margin:0}
.rating{display:flex;gap:6px}
.rating label{flex:1;text-align:center}
.rating input{position:absolute;opacity:0}
.rating label>span{display:block;padding:12px 0;border:1px solid #7b8794;border-radius:8px;
font-size:20px;font-weight:600}
.rating input:checked+span{background:#1f5fa8;color:#fff;border-color:#1f5fa8}
.rating input:focus-visible+span{outline:3px solid #f0b429}
details{border-top:1px solid #e4e7eb;padding-top:8px;margin-top:8px}
summary{color:#1f5fa8}
.mine{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
progress{display:block;width:100%;height:10px;margin:2px 0 8px;accent-color:#1f5fa8}
ul{padding-left:1.2em;margin:6px 0}
li{overflow-wrap:anywhere}
.privacy{font-size:16px;color:#3e4c59}
.privacy p{margin:4px 0}
.check{display:flex;gap:10px;align-items:flex-start}
.check input{width:22px;height:22px;flex:none;margin:2px 0 0}
.check span{min-width:0;overflow-wrap:anywhere}
""".strip()
CSS_HASH = "sha256-" + base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src '{CSS_HASH}'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(frozen=True)
class Form:
    """The hidden fields every form carries: its one-time nonce and CSRF token."""

    nonce: str
    csrf: str

    def fields(self) -> str:
        """The hidden inputs."""
        return (
            f'<input type="hidden" name="nonce" value="{escape(self.nonce)}">'
            f'<input type="hidden" name="csrf" value="{escape(self.csrf)}">'
        )


@dataclass(frozen=True)
class Notice:
    """A confirmation ("flash") or an error shown at the top of a page."""

    kind: str  # "flash" or "error"
    text: str


@dataclass(frozen=True)
class OwnAnswer:
    """One of the visitor's own answers to the round, with the form that edits it."""

    answer_id: int
    text: str
    form: Form


@dataclass(frozen=True)
class OpenView:
    """Everything an open round's page shows."""

    lang: Lang
    path: str  # the page's own path, for the language switch
    round_id: int
    kind: str
    question: str
    community: str
    closes: str
    options: Sequence[str]
    multi: bool
    limit: int
    retention_days: int
    form: Form
    notice: Notice | None = None
    draft: str = ""  # text to keep in the box after an error
    own_answers: Sequence[OwnAnswer] = ()
    own_vote: Sequence[int] = ()
    retract_form: Form | None = None


@dataclass(frozen=True)
class ResultLine:
    """One option of a closed poll or rating with its votes."""

    text: str
    votes: int
    share: float


@dataclass(frozen=True)
class Summary:
    """A closed round's public summary for one community (its own figures only)."""

    participants: int
    answers: int | None  # None for poll and rating rounds (they take votes, not answers)
    voters: int | None = None
    average: float | None = None
    options: Sequence[ResultLine] = ()
    themes: Sequence[tuple[str, float]] = ()  # (theme name, share of answers)


@dataclass(frozen=True)
class MeView:
    """The visitor's own data and the form that deletes it."""

    lang: Lang
    answers: Sequence[tuple[int, str]]  # (round id, text)
    votes: Sequence[Choice]  # one per round
    retention_days: int
    form: Form
    notice: Notice | None = None


def _t(key: str, lang: Lang, **values: object) -> str:
    return escape(say(key, lang, **values))


def _layout(lang: Lang, switch_href: str, body: str, title: str = "") -> str:
    other: Lang = "en" if lang == "zh" else "zh"
    heading = escape(title) + " · " if title else ""
    return (
        "<!doctype html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="referrer" content="same-origin">'
        f"<title>{heading}{_t('site', lang)}</title><style>{CSS}</style></head>"
        f"<body><main><header><span>{_t('site', lang)}</span>"
        f'<a href="{escape(switch_href)}" lang="{other}">{_t("switch_lang", lang)}</a>'
        f"</header>{body}</main></body></html>"
    )


def _notice(notice: Notice | None) -> str:
    if notice is None:
        return ""
    role = "alert" if notice.kind == "error" else "status"
    return (
        f'<div class="card {notice.kind}" role="{role}" id="{NOTICE_ID}">'
        f"{escape(notice.text)}</div>"
    )


# The notice's id: a refused form's field names it as its description (aria-describedby), so a
# screen reader says why again at the field, not only once at the top of the page.
NOTICE_ID = "notice"


def _refused(notice: Notice | None, *described_by: str) -> str:
    """The attributes of a form's field: its descriptions (`described_by`, ids) and, when the
    page shows an error, that error first and the field marked invalid."""
    ids = list(described_by)
    invalid = ""
    if notice is not None and notice.kind == "error":
        ids.insert(0, NOTICE_ID)
        invalid = ' aria-invalid="true"'
    return (f' aria-describedby="{" ".join(ids)}"' if ids else "") + invalid


def _title(question: str, notice: Notice | None) -> str:
    """A round page's title: its question, after the error when one was refused (the title is
    what a screen reader says first on arriving)."""
    if notice is not None and notice.kind == "error":
        return f"{notice.text} · {question}"
    return question


def _privacy(lang: Lang, days: int) -> str:
    return (
        f'<section class="card privacy"><h2>{_t("privacy_title", lang)}</h2>'
        f"<p>{_t('privacy', lang, days=days)}</p>"
        f'<p><a href="/me?lang={lang}">{_t("my_data_link", lang)}</a></p></section>'
    )


def _question(lang: Lang, round_id: int, question: str, community: str, extra: str) -> str:
    return (
        f'<section class="card"><p class="meta">'
        f"{_t('round_meta', lang, id=round_id, community=community)}</p>"
        f"<h1>{escape(question)}</h1>{extra}</section>"
    )


def _choice_form(view: OpenView) -> str:
    lang = view.lang
    chosen = set(view.own_vote)
    if view.kind == "rating":
        # Named "4 分（满分 5 分）" for a screen reader, not a bare "4"; the box shows the digit.
        boxes = "".join(
            f'<label><input type="radio" name="value" value="{v}" required'
            f' aria-label="{_t("rating_value", lang, value=v)}"'
            f"{' checked' if v in chosen else ''}><span>{v}</span></label>"
            for v in range(1, 6)
        )
        inputs = f'<legend>{_t("rating_pick", lang)}</legend><div class="rating">{boxes}</div>'
        button = _t("rate", lang)
        action = "vote"
    else:
        kind = "checkbox" if view.multi else "radio"
        required = "" if view.multi else " required"
        boxes = "".join(
            f'<label class="option"><input type="{kind}" name="option" value="{i}"{required}'
            f"{' checked' if i in chosen else ''}><span>{escape(text)}</span></label>"
            for i, text in enumerate(view.options)
        )
        pick = "poll_pick_many" if view.multi else "poll_pick_one"
        inputs = f"<legend>{_t(pick, lang)}</legend>{boxes}"
        button = _t("vote", lang)
        action = "vote"
    current = ""
    if view.own_vote:
        current = f'<p class="hint">{_t("your_vote", lang, choice=_choice_text(view))} '
        current += f"{_t('change_vote', lang)}</p>"
    form = (
        f'<form method="post" class="card">{view.form.fields()}'
        f'<input type="hidden" name="action" value="{action}">'
        # A named group: a screen reader says the prompt with each choice, not a bare "3".
        f"<fieldset{_refused(view.notice)}>{inputs}</fieldset>{current}"
        f"<button>{button}</button></form>"
    )
    # A poll's vote (a priorities round is one too) can be taken back, as in Telegram's own
    # polls; a rating is only changed, as with its Telegram buttons.
    if view.own_vote and view.retract_form is not None and view.kind != "rating":
        form += (
            f'<form method="post" class="card">{view.retract_form.fields()}'
            '<input type="hidden" name="action" value="retract">'
            f'<button class="quiet">{_t("retract", lang)}</button></form>'
        )
    return form


def _choice_text(view: OpenView) -> list[str]:
    """The visitor's choices; `say` lists them as the page's language does (A、B / A, B)."""
    if view.kind == "rating":
        return [say("rating_value", view.lang, value=v) for v in view.own_vote]
    return [view.options[i] for i in view.own_vote if 0 <= i < len(view.options)]


def _text_form(view: OpenView) -> str:
    lang = view.lang
    form = (
        f'<form method="post" class="card">{view.form.fields()}'
        '<input type="hidden" name="action" value="answer">'
        f'<h2><label for="text">{_t("text_label", lang)}</label></h2>'
        f'<textarea id="text" name="text" maxlength="{view.limit}" required'
        f"{_refused(view.notice, 'text-hint')}>{escape(view.draft)}</textarea>"
        f'<p class="hint" id="text-hint">{_t("text_hint", lang, limit=view.limit)}</p>'
        f"<button>{_t('send', lang)}</button></form>"
    )
    if view.own_answers:
        items = "".join(
            f'<details><summary><span class="mine">{escape(a.text)}</span></summary>'
            f'<form method="post">{a.form.fields()}'
            '<input type="hidden" name="action" value="edit">'
            f'<input type="hidden" name="answer_id" value="{a.answer_id}">'
            f'<label><span class="hint">{_t("edit", lang)}</span>'
            f'<textarea name="text" maxlength="{view.limit}" required>{escape(a.text)}</textarea>'
            f"</label><button>{_t('save', lang)}</button></form></details>"
            for a in view.own_answers
        )
        form += f'<section class="card"><h2>{_t("your_answers", lang)}</h2>{items}</section>'
    return form


def open_page(view: OpenView) -> str:
    """The page of an open round: question, the way to answer, own answers, privacy note."""
    lang = view.lang
    closes = f'<p class="meta">{_t("closes_at", lang, closes=view.closes)}</p>'
    body = _notice(view.notice)
    body += _question(lang, view.round_id, view.question, view.community, closes)
    body += _text_form(view) if view.kind == "text" else _choice_form(view)
    body += _privacy(lang, view.retention_days)
    return _layout(lang, _switch(view.path, lang), body, _title(view.question, view.notice))


def _switch(path: str, lang: Lang) -> str:
    return f"{path}?lang={'en' if lang == 'zh' else 'zh'}"


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


def summary_section(lang: Lang, summary: Summary) -> str:
    """A closed round's results: counts, votes with bars, top themes, thanks."""
    if summary.answers is None:
        counts = _t("summary_participants", lang, participants=summary.participants)
    else:
        counts = _t(
            "summary_counts", lang, participants=summary.participants, answers=summary.answers
        )
    parts = [f"<p>{counts}</p>"]
    if summary.voters is not None:
        parts.append(f"<p>{_t('summary_voters', lang, voters=summary.voters)}</p>")
    for line in summary.options:
        # <progress>, not a styled div: the policy allows no inline style attribute.
        width = max(0.0, min(1.0, line.share)) * 100
        parts.append(
            f"<div>{escape(line.text)} · {line.votes} ({_pct(line.share)})</div>"
            # Hidden from screen readers: the line above says the same in words.
            f'<progress max="100" value="{width:.0f}" aria-hidden="true"></progress>'
        )
    if summary.average is not None:
        parts.append(f"<p>{_t('summary_average', lang, average=summary.average)}</p>")
    if summary.themes:
        items = "".join(f"<li>{escape(name)} {_pct(share)}</li>" for name, share in summary.themes)
        parts.append(f"<p>{_t('summary_themes', lang)}</p><ul>{items}</ul>")
    parts.append(f"<p>{_t('summary_thanks', lang)}</p>")
    return f'<section class="card">{"".join(parts)}</section>'


def state_page(
    lang: Lang,
    path: str,
    round_id: int,
    question: str,
    community: str,
    message: str,
    retention_days: int,
    results: str = "",
    notice: Notice | None = None,
    unsaved: str = "",
    now_open: Sequence[tuple[str, str]] = (),
) -> str:
    """A round that takes no answers: scheduled, cancelled, or closed with its `results`
    (already HTML, from summary_section). `unsaved`: text a resident sent as it closed, shown
    back to copy (it was not stored). `now_open`: (path, question) of the rounds the same
    community answers now, linked above the question (an old link or poster was opened)."""
    body = _notice(notice)
    if unsaved.strip():
        # Under the notice that says why, above the results that end with "结果：".
        body += (
            f'<section class="card"><h2><label for="unsaved">{_t("unsaved", lang)}</label></h2>'
            f'<textarea id="unsaved" readonly>{escape(unsaved)}</textarea></section>'
        )
    if now_open:
        links = "".join(
            f'<li><a href="{escape(href)}">{escape(text)}</a></li>' for href, text in now_open
        )
        body += f'<section class="card"><h2>{_t("now_open", lang)}</h2><ul>{links}</ul></section>'
    body += _question(lang, round_id, question, community, f'<p class="meta">{escape(message)}</p>')
    body += results + _privacy(lang, retention_days)
    return _layout(lang, _switch(path, lang), body, _title(question, notice))


def message_page(lang: Lang, key: str) -> str:
    """A page that only says something: the heading `web_<key>_title` and the text `web_<key>`.
    The pages of every address that is no page ("not_found": the same text whatever was
    asked, so it tells a link cut short from a guessed one no better than a bare 404 would)
    and of the requests refused before any page is looked up; nothing of the request is in
    it."""
    body = (
        f'<section class="card"><h1>{_t(f"{key}_title", lang)}</h1><p>{_t(key, lang)}</p></section>'
    )
    title = say(f"{key}_title", lang)
    return _layout(lang, f"?lang={'en' if lang == 'zh' else 'zh'}", body, title)


def me_page(view: MeView) -> str:
    """The visitor's own answers and votes, and the form that deletes them all."""
    lang = view.lang
    body = _notice(view.notice)
    items = [f"<li>{_t('me_answer', lang, round=r, text=text)}</li>" for r, text in view.answers]
    items += [
        f"<li>{_t(f'me_{choice_key(c.kind)}', lang, round=c.round_id, choice=chosen)}</li>"
        for c in view.votes
        for chosen in [chosen_text(c, lang)]
    ]
    if items:
        counts = _t("me_counts", lang, answers=len(view.answers), votes=len(view.votes))
        listing = f"<p>{counts}</p><ul>{''.join(items)}</ul>"
    else:
        listing = f"<p>{_t('me_empty', lang)}</p>"
    body += (
        f'<section class="card"><h1>{_t("me_title", lang)}</h1>'
        f'<p class="meta">{_t("me_intro", lang)}</p>{listing}</section>'
    )
    if items:
        body += (
            f'<form method="post" action="/me/forget?lang={lang}" class="card">{view.form.fields()}'
            f"<h2>{_t('forget_title', lang)}</h2>"
            '<label class="check"><input type="checkbox" name="confirm" value="yes" required'
            f"{_refused(view.notice)}>"
            f"<span>{_t('forget_confirm', lang)}</span></label>"
            f"<button>{_t('forget', lang)}</button></form>"
        )
    body += _privacy(lang, view.retention_days)
    switch = f"/me?lang={'en' if lang == 'zh' else 'zh'}"
    return _layout(lang, switch, body, _title(say("me_title", lang), view.notice))
