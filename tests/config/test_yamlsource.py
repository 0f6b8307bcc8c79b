"""The located YAML reader: lines, text as written, duplicates, merges, hostile input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edigate.config.yamlsource import Map, Scalar, Seq, load_yaml, parse_yaml, to_python
from edigate.errors import ConfigError


def test_lines_and_text_are_kept() -> None:
    doc = parse_yaml("a: 004010\nb:\n  - 01\n  - yes\n", "f.yaml")
    assert isinstance(doc.root, Map)
    a = doc.root.get("a")
    assert a is not None and a[1] == Scalar(2056, "004010", 1)
    b = doc.root.get("b")
    assert b is not None and b[0].line == 2
    assert isinstance(b[1], Seq) and [(i.line, i.text) for i in b[1].items] == [
        (3, "01"),
        (4, "yes"),
    ]  # type: ignore[union-attr]


def test_quoted_scalars_are_marked() -> None:
    doc = parse_yaml("a: 'x'\nb: x\n", "f.yaml")
    assert isinstance(doc.root, Map)
    assert [v.quoted for _, v in doc.root.entries] == [True, False]  # type: ignore[union-attr]


def test_duplicate_keys_are_problems_with_both_lines() -> None:
    doc = parse_yaml("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n", "f.yaml")
    assert [str(p) for p in doc.problems] == [
        "f.yaml:4: b.c: duplicate key (first on line 3)",
        "f.yaml:5: a: duplicate key (first on line 1)",
    ]


def test_merge_keys_and_overrides() -> None:
    doc = parse_yaml("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n", "f.yaml")
    assert doc.problems == ()
    assert to_python(doc.root) == {"base": {"x": 1, "y": 2}, "use": {"x": 1, "y": 3}}


def test_recursive_alias_is_a_problem() -> None:
    doc = parse_yaml("a: &a [1, *a]\n", "f.yaml")
    assert [str(p) for p in doc.problems] == ["f.yaml:1: a[1]: an alias refers to itself"]


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    with pytest.raises(ConfigError, match="too many nodes"):
        parse_yaml("\n".join(lines) + "\n", "bomb.yaml")


def test_complex_keys_are_problems() -> None:
    doc = parse_yaml("? [a, b]\n: 1\n", "f.yaml")
    assert [str(p) for p in doc.problems] == [
        "f.yaml:1: a key must be a plain value, not a list or mapping"
    ]


def test_bad_date_stays_text() -> None:
    doc = parse_yaml("d: 2024-02-30\n", "f.yaml")
    assert to_python(doc.root) == {"d": "2024-02-30"}


def test_unsafe_tags_are_never_constructed() -> None:
    doc = parse_yaml("a: !!python/object/apply:os.system [echo hi]\n", "f.yaml")
    assert "unsupported YAML tag" in str(doc.problems[0])


def test_several_documents_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"^f.yaml:2: invalid YAML: but found another document"):
        parse_yaml("a: 1\n---\nb: 2\n", "f.yaml")


def test_empty_document() -> None:
    assert parse_yaml("# nothing\n", "f.yaml").root is None


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing.yaml: cannot read: No such file"):
        load_yaml(tmp_path / "missing.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(ConfigError, match=r"latin.yaml: not UTF-8 text \(byte 9\)"):
        load_yaml(latin)


YAMLISH = st.text(alphabet=st.sampled_from(list("ab01:-[]{}&*!'\"#|>,?<~% \n\t")), max_size=80)


@given(YAMLISH)
@settings(max_examples=400, deadline=None)
def test_any_text_gives_a_document_or_a_config_error(text: str) -> None:
    try:
        parse_yaml(text, "f.yaml")
    except ConfigError as exc:
        assert all(p.file == "f.yaml" for p in exc.problems)


def test_a_file_above_the_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    import tracemalloc

    from edigate.config.yamlsource import MAX_BYTES, load_yaml

    big = tmp_path / "partner.yaml"
    with open(big, "wb") as fh:
        fh.write(b"id: x\nname: [")  # broken YAML too: parsing it would say so, reading it must not get there
        fh.truncate(100 * MAX_BYTES)  # sparse: 200 MiB on paper
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError, match=r"partner.yaml: the file is larger than 2,097,152 bytes"):
            load_yaml(big)
        assert tracemalloc.get_traced_memory()[1] < 3 * MAX_BYTES
    finally:
        tracemalloc.stop()
    small = tmp_path / "small.yaml"
    small.write_text("id: x\n")
    assert load_yaml(small, max_bytes=6).root is not None
    with pytest.raises(ConfigError, match="larger than 5 bytes"):
        load_yaml(small, max_bytes=5)


def test_libyaml_and_pyyaml_read_the_repository_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast parser gives the documents PyYAML's own parser gives: every map and partner
    file here, and text whose byte order mark libyaml would drop."""
    import yaml

    from edigate.config import yamlsource

    root = Path(__file__).resolve().parents[2]
    texts = {str(p): p.read_text(encoding="utf-8")
             for d in ("maps", "partners") for p in sorted((root / d).glob("*.yaml"))}
    texts["bom.yaml"] = "x: \r\n\ufeffz: 1\n"
    if yamlsource._FAST_LOADER is yaml.SafeLoader:
        pytest.skip("PyYAML was built without libyaml: there is one parser only")
    parse = yamlsource._parse  # not the remembered documents: each side parses afresh
    fast = {name: repr(parse(text, name)) for name, text in texts.items()}
    monkeypatch.setattr(yamlsource, "_FAST_LOADER", yaml.SafeLoader)
    assert fast == {name: repr(parse(text, name)) for name, text in texts.items()}
    assert "'\\ufeffz'" in fast["bom.yaml"]
