"""The built-in taxonomy is complete and the loader reports broken files clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.taxonomy import SEVEN_DOMAINS, Taxonomy, TaxonomyError, load_taxonomy

PRINCIPLES = {
    "参与",
    "透明",
    "问责",
    "包容",
    "公平",
    "回应",
    "法治",
    "效率",
    "可持续",
    "隐私与数据安全",
}
COMMUNITY = {"物业管理", "停车", "养老", "垃圾分类", "噪音", "社区安全", "数字服务与数字鸿沟"}


def test_default_taxonomy_has_the_principles(taxonomy: Taxonomy) -> None:
    """All ten governance principles are present with kind principle."""
    assert {t.name_zh for t in taxonomy.by_kind("principle")} == PRINCIPLES


def test_default_taxonomy_has_the_seven_domains(taxonomy: Taxonomy) -> None:
    """The seven first-level domains are present under their exact names, with no parent."""
    for name in SEVEN_DOMAINS:
        theme = taxonomy.get(name)
        assert theme is not None, name
        assert theme.kind == "domain" and theme.parent is None


def test_community_domains_have_parents_among_the_seven(taxonomy: Taxonomy) -> None:
    """Each community-level domain names one of the seven as parent."""
    seven_ids = {t.id for t in taxonomy.top_level_domains()}
    for name in COMMUNITY:
        theme = taxonomy.get(name)
        assert theme is not None, name
        assert theme.parent in seven_ids, name


def test_every_theme_has_chinese_and_english_keywords(taxonomy: Taxonomy) -> None:
    """No theme is without Chinese keywords, and each has at least one English one."""
    for theme in taxonomy.themes:
        assert any(not k.isascii() for k in theme.keywords), theme.id
        assert any(k.isascii() for k in theme.keywords), theme.id


def test_get_by_id_and_name(taxonomy: Taxonomy) -> None:
    """A theme is found by id or by name_zh, and an unknown name gives None."""
    assert taxonomy.get("parking") == taxonomy.get("停车")
    assert taxonomy.get("没有这个") is None


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "taxonomy.toml"
    path.write_text(body, encoding="utf-8")
    return path


THEME = """
[[themes]]
id = "{id}"
name_zh = "{name}"
name_en = "X"
kind = "domain"
keywords = ["词"]
"""


def test_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    """A TOML syntax error names the file and says it is not valid TOML, with the line."""
    path = _write(tmp_path, '[[themes]]\nid = "a\n')
    with pytest.raises(TaxonomyError, match=r"taxonomy\.toml is not valid TOML.*line 2"):
        load_taxonomy(path)


def test_missing_field_names_the_theme_and_field(tmp_path: Path) -> None:
    """A theme without name_en is reported by its position, id and the missing field."""
    path = _write(tmp_path, '[[themes]]\nid = "a"\nname_zh = "甲"\nkind = "domain"\nkeywords=[]\n')
    with pytest.raises(TaxonomyError, match=r"theme #1 \('a'\) field 'name_en': missing"):
        load_taxonomy(path)


def test_unknown_field_is_an_error(tmp_path: Path) -> None:
    """A misspelt field (keyword for keywords) is reported as unknown."""
    body = THEME.format(id="a", name="甲") + 'keyword = ["x"]\n'
    with pytest.raises(TaxonomyError, match=r"field 'keyword': unknown field"):
        load_taxonomy(_write(tmp_path, body))


def test_bad_kind_is_an_error(tmp_path: Path) -> None:
    """A kind other than principle or domain is refused."""
    body = THEME.format(id="a", name="甲").replace('"domain"', '"topic"')
    with pytest.raises(TaxonomyError, match=r"field 'kind'"):
        load_taxonomy(_write(tmp_path, body))


def test_duplicate_id_is_an_error(tmp_path: Path) -> None:
    """Two themes with one id are refused, naming the id."""
    body = THEME.format(id="a", name="甲") + THEME.format(id="a", name="乙")
    with pytest.raises(TaxonomyError, match=r"duplicate theme id 'a'"):
        load_taxonomy(_write(tmp_path, body))


def test_unknown_parent_is_an_error(tmp_path: Path) -> None:
    """A parent that names no theme is refused, naming both."""
    body = THEME.format(id="a", name="甲") + 'parent = "nowhere"\n'
    with pytest.raises(TaxonomyError, match=r"theme 'a' has unknown parent 'nowhere'"):
        load_taxonomy(_write(tmp_path, body))


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    """A path that does not exist gives a TaxonomyError naming it."""
    with pytest.raises(TaxonomyError, match="cannot read taxonomy file"):
        load_taxonomy(tmp_path / "nope.toml")


def test_no_themes_table_is_an_error(tmp_path: Path) -> None:
    """A file without [[themes]] says so."""
    with pytest.raises(TaxonomyError, match=r"no \[\[themes\]\]"):
        load_taxonomy(_write(tmp_path, 'title = "x"\n'))


def test_unknown_context_parent_is_an_error(tmp_path: Path) -> None:
    """A parent_when naming no theme is refused like an unknown parent."""
    body = (
        THEME.format(id="p", name="甲")
        + THEME.format(id="a", name="乙")
        + 'parent = "p"\n[themes.parent_when]\nnowhere = ["小区"]\n'
    )
    with pytest.raises(TaxonomyError, match=r"theme 'a' has unknown parent 'nowhere'"):
        load_taxonomy(_write(tmp_path, body))


def test_context_parent_needs_a_parent(tmp_path: Path) -> None:
    """A first-level theme cannot credit another one by context."""
    body = (
        THEME.format(id="p", name="甲")
        + THEME.format(id="a", name="乙")
        + '[themes.parent_when]\np = ["小区"]\n'
    )
    with pytest.raises(TaxonomyError, match=r"theme 'a' has parent_when but no parent"):
        load_taxonomy(_write(tmp_path, body))
