"""How a round's options read in each language: a priorities round's options are the index's
principles, named in the deployment's language for the group's poll; whoever reads them alone
(a resident's own data, a web page, an organiser's report) reads them in their own language.
"""

from __future__ import annotations

from typing import Literal

from bot.core.base import Core
from bot.core.models import Round

OptionLang = Literal["zh", "en"]
LANGUAGES: tuple[OptionLang, ...] = ("zh", "en")


def option_names(core: Core, round_: Round, lang: OptionLang) -> list[str]:
    """A round's options as one reader of `lang` reads them: a priorities round's principles by
    the taxonomy's name in that language, whatever language its poll named them in; any other
    round's options as the organiser wrote them (and a principle the taxonomy no longer has,
    as the poll showed it)."""
    if round_.kind != "priorities" or len(round_.principles) != len(round_.options):
        return list(round_.options)
    names = []
    for principle, shown in zip(round_.principles, round_.options, strict=True):
        theme = core.tagger.taxonomy.get(principle)
        names.append(shown if theme is None else theme.name_zh if lang == "zh" else theme.name_en)
    return names


def options_by_language(core: Core, round_: Round) -> dict[str, list[str]]:
    """A priorities round's options named in each language ({} for any other round: its
    options are the organiser's words, one language for every reader)."""
    if round_.kind != "priorities":
        return {}
    return {lang: option_names(core, round_, lang) for lang in LANGUAGES}
