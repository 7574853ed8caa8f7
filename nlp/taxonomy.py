"""The taxonomy of themes: governance principles and service domains (SPEC §4)."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

#: The seven first-level service domains, by `name_zh`, that every taxonomy must contain.
SEVEN_DOMAINS: tuple[str, ...] = (
    "城乡建设",
    "环境保护",
    "交通运输",
    "教育文体",
    "劳动和社会保障",
    "商贸旅游",
    "卫生计生",
)


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used, with a message naming the problem."""


class Theme(BaseModel):
    """One theme: a governance principle or a service domain."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    kind: Literal["principle", "domain"]
    parent: str | None = None
    keywords: list[str]
    #: words that count towards the theme like keywords but never make it on their own: they
    #: say where or through what (小区, 物业, app, 扫码), not what about.
    weak_keywords: list[str] = []
    #: first-level themes a child's evidence credits instead of `parent` when the text has one of
    #: the words: 停车 in a residents' estate (小区, 物业) is filed under 城乡建设, not 交通运输.
    parent_when: dict[str, list[str]] = {}
    description: str = ""

    def parents(self) -> set[str]:
        """Every first-level theme this theme's evidence may count for (none for a parent)."""
        if self.parent is None:
            return set()
        return {self.parent, *self.parent_when}


class Taxonomy(BaseModel):
    """A validated set of themes with unique ids and names and known parents."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    themes: list[Theme]

    @model_validator(mode="after")
    def _check_consistency(self) -> Taxonomy:
        ids: set[str] = set()
        names: set[str] = set()
        for theme in self.themes:
            if theme.id in ids:
                raise ValueError(f"duplicate theme id {theme.id!r}")
            if theme.name_zh in names:
                raise ValueError(f"duplicate theme name_zh {theme.name_zh!r}")
            ids.add(theme.id)
            names.add(theme.name_zh)
        by_id = {t.id: t for t in self.themes}
        for theme in self.themes:
            if theme.parent is None:
                if theme.parent_when:
                    raise ValueError(f"theme {theme.id!r} has parent_when but no parent")
                continue
            for parent_id in [theme.parent, *theme.parent_when]:
                parent = by_id.get(parent_id)
                if parent is None:
                    raise ValueError(f"theme {theme.id!r} has unknown parent {parent_id!r}")
                if parent.kind != theme.kind:
                    raise ValueError(
                        f"theme {theme.id!r} and its parent {parent.id!r} differ in kind"
                    )
                if parent.parent is not None:
                    raise ValueError(
                        f"theme {theme.id!r}: parent {parent.id!r} has a parent itself "
                        "(only one level of nesting is supported)"
                    )
        return self

    def get(self, id_or_name_zh: str) -> Theme | None:
        """Return the theme with this id or `name_zh`, or None."""
        for theme in self.themes:
            if id_or_name_zh in (theme.id, theme.name_zh):
                return theme
        return None

    def by_kind(self, kind: Literal["principle", "domain"]) -> list[Theme]:
        """Themes of one kind, in file order."""
        return [t for t in self.themes if t.kind == kind]

    def top_level_domains(self) -> list[Theme]:
        """The seven first-level domains present in this taxonomy, in SPEC order."""
        found = [self.get(name) for name in SEVEN_DOMAINS]
        return [t for t in found if t is not None and t.kind == "domain"]

    def root_of(self, theme_id: str) -> str:
        """The id of a theme's parent, or its own id if it has none."""
        theme = self.get(theme_id)
        if theme is None or theme.parent is None:
            return theme_id
        return theme.parent


def default_taxonomy_path() -> Path:
    """Where the built-in taxonomy file lives."""
    return Path(str(resources.files("nlp") / "data" / "taxonomy.toml"))


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Load and validate a taxonomy TOML file (None = the built-in default).

    Raises TaxonomyError naming the file and the problem (syntax error with its line, missing
    or unknown field with its theme, duplicate id, unknown parent).
    """
    source = path if path is not None else default_taxonomy_path()
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise TaxonomyError(f"cannot read taxonomy file {source}: {exc.strerror}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise TaxonomyError(f"taxonomy file {source} is not UTF-8: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"taxonomy file {source} is not valid TOML: {exc}") from exc
    if "themes" not in data or not isinstance(data["themes"], list):
        raise TaxonomyError(
            f"taxonomy file {source} has no [[themes]] entries (expected an array of tables)"
        )
    try:
        return Taxonomy.model_validate(data)
    except ValidationError as exc:
        raise TaxonomyError(f"taxonomy file {source}: {_describe(exc, data)}") from exc


def _describe(exc: ValidationError, data: dict[str, object]) -> str:
    """Turn a pydantic error into one readable line per problem, naming the theme."""
    themes = data.get("themes")
    problems: list[str] = []
    for err in exc.errors():
        loc = err["loc"]
        where = ".".join(str(part) for part in loc)
        if len(loc) >= 2 and loc[0] == "themes" and isinstance(loc[1], int):
            label = f"theme #{loc[1] + 1}"
            if isinstance(themes, list) and loc[1] < len(themes):
                entry = themes[loc[1]]
                if isinstance(entry, dict) and "id" in entry:
                    label += f" ({entry['id']!r})"
            field = ".".join(str(part) for part in loc[2:]) or "entry"
            where = f"{label} field {field!r}"
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "missing":
            message = "missing required field"
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)
