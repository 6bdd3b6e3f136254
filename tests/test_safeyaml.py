"""Hardened YAML loading: hostile input fails fast and clearly; lines are tracked exactly.

References: PyYAML's own ``yaml.safe_load`` is the peer for what plain loading would do (it
silently keeps duplicate keys, it builds the alias graph); line numbers are checked against the
text itself (the line on which a searched string occurs).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml

from iads.errors import InputFileError
from iads.scenario import safeyaml
from iads.scenario.safeyaml import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    LocatedDict,
    load_file,
    load_text,
    locate,
    read_text,
)


def _laughs(levels: int, fan: int = 10) -> str:
    """The classic billion-laughs document: ``fan ** levels`` leaves through aliases."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * fan) + "]"]
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * fan) + "]")
    return "\n".join(lines) + "\n"


def _line_of(text: str, needle: str) -> int:
    return next(i for i, t in enumerate(text.splitlines(), 1) if needle in t)


# ---- aliases --------------------------------------------------------------------------------


def test_billion_laughs_fails_fast():
    text = _laughs(9)  # 10**9 "lol"s once expanded
    # PyYAML alone composes this happily into a small shared graph (the bomb goes off later,
    # in whatever walks it); the hardened loader refuses it before building anything.
    assert len(yaml.safe_load(text)["l9"]) == 10
    t0 = time.perf_counter()
    with pytest.raises(InputFileError, match="billion laughs") as exc:
        load_text(text, "laughs.yaml")
    elapsed = time.perf_counter() - t0
    assert elapsed < 1.0, elapsed
    assert exc.value.file == "laughs.yaml"
    # reported at the first level whose expansion crosses the limit (by the definition:
    # a list node plus its ten children)
    size, level = 1 + 10, 0
    while size <= MAX_NODES:
        size, level = 1 + 10 * size, level + 1
    assert exc.value.line == _line_of(text, f"l{level}: &l{level}")


def test_aliases_within_the_limit_expand_to_independent_copies():
    text = _laughs(3)  # 1,000 leaves: fine
    data = load_text(text)
    assert len(data["l3"]) == 10 and data["l3"][0][0][0] == ["lol"] * 10
    # expanded copies, not shared objects: editing one place leaves the others alone
    data["l3"][0][0][0][0] = "changed"
    assert data["l3"][1][0][0][0] == "lol"
    assert data["l3"][0][0][1][0] == "lol"
    assert data["l0"][0] == "lol"


def test_expansion_limit_counts_nodes_exactly():
    # a list of n aliases to a list of m scalars is 1 + n * (1 + m) nodes, plus the anchor
    # list (1 + m), the mapping (1) and the two keys (2)
    m = 999
    n = (MAX_NODES - (1 + 2 + (1 + m) + 1)) // (1 + m)
    text = "a: &a [" + ", ".join(["0"] * m) + "]\nb: [" + ", ".join(["*a"] * n) + "]\n"
    data = load_text(text)
    assert len(data["b"]) == n
    total = 1 + 2 + (1 + m) + 1 + n * (1 + m)
    assert total <= MAX_NODES
    over = text.replace("b: [", "b: [*a, *a, ")
    with pytest.raises(InputFileError, match="expands to more than"):
        load_text(over)


@pytest.mark.parametrize("text", ["a: &a [1, *a]\n", "a: &a {x: 1, y: *a}\n"])
def test_recursive_alias_rejected(text):
    with pytest.raises(InputFileError, match="recursive alias"):
        load_text(text)


# ---- nesting ------------------------------------------------------------------------------


def test_nesting_at_the_limit_is_accepted_and_one_more_level_is_not():
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    data = load_text(ok)
    depth = 0
    while isinstance(data, list):
        depth += 1
        data = data[0] if data else None
    assert depth == MAX_DEPTH
    with pytest.raises(InputFileError, match=f"deeper than {MAX_DEPTH}"):
        load_text("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_very_deep_nesting_is_a_clear_error_not_recursion_error():
    n = 500_000
    t0 = time.perf_counter()
    with pytest.raises(InputFileError, match="nesting deeper than 64") as exc:
        load_text("a: " + "[" * n + "]" * n)
    assert time.perf_counter() - t0 < 5.0
    assert exc.value.line == 1


def test_block_nesting_counts_too():
    text = "".join("  " * i + "-\n" for i in range(MAX_DEPTH + 5))
    with pytest.raises(InputFileError, match="nesting deeper"):
        load_text(text)


def test_aliases_cannot_smuggle_in_depth():
    inner = "[" * 40 + "]" * 40
    text = f"a: &a {inner}\nb: " + "[" * 40 + "*a" + "]" * 40 + "\n"
    with pytest.raises(InputFileError, match="once aliases are expanded"):
        load_text(text)


# ---- size and encoding ----------------------------------------------------------------------


def test_file_over_the_size_limit_is_refused_before_parsing(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: 1\n" + b"#" * MAX_FILE_BYTES)
    t0 = time.perf_counter()
    with pytest.raises(InputFileError, match="file too large"):
        load_file(big)
    assert time.perf_counter() - t0 < 0.5
    at_limit = tmp_path / "limit.yaml"
    at_limit.write_bytes(b"#" * MAX_FILE_BYTES)
    assert len(read_text(at_limit)) == MAX_FILE_BYTES


def test_latin1_bytes_give_offset_and_line(tmp_path):
    raw = b"name: ok\nsite: Ankara\nnote: " + "Mürted".encode("latin-1") + b"\n"
    p = tmp_path / "latin1.yaml"
    p.write_bytes(raw)
    offset = raw.index(b"\xfc")
    with pytest.raises(InputFileError) as exc:
        load_file(p)
    assert exc.value.line == 3
    column = offset - raw.rfind(b"\n", 0, offset)
    assert f"byte 0xfc at offset {offset} (line 3, column {column})" in str(exc.value)


def test_utf8_bom_accepted_and_real_utf8_kept(tmp_path):
    p = tmp_path / "bom.yaml"
    p.write_bytes(b"\xef\xbb\xbfname: M\xc3\xbcrted\n")
    assert load_file(p) == {"name": "Mürted"}


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        load_file(tmp_path / "nope.yaml")
    with pytest.raises(InputFileError, match="not a regular file"):
        load_file(tmp_path)


def test_empty_document_is_none():
    assert load_text("") is None
    assert load_text("# only a comment\n") is None


# ---- keys and tags ------------------------------------------------------------------------


def test_duplicate_keys_rejected_where_pyyaml_keeps_the_last():
    text = "a: 1\nb:\n  c: 2\n  c: 3\n"
    assert yaml.safe_load(text)["b"] == {"c": 3}  # the peer silently drops one
    with pytest.raises(InputFileError, match="duplicate key 'c'") as exc:
        load_text(text)
    assert exc.value.line == 4
    assert "line 3" in str(exc.value)


@pytest.mark.parametrize(
    ("text", "found"),
    [("1: a\n", "int"), ("yes: a\n", "bool"), ("~: a\n", "null"), ("1.5: a\n", "float")],
)
def test_non_text_keys_rejected(text, found):
    with pytest.raises(InputFileError, match=f"must be text.*read as {found}"):
        load_text(text)


def test_complex_key_rejected():
    with pytest.raises(InputFileError, match="must be text"):
        load_text("? [a, b]\n: c\n")


def test_quoted_number_key_is_text():
    assert load_text("'1': a\n") == {"1": "a"}


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/name:os.system",
        "!!python/object:builtins.dict {{}}",
        "!!binary aGVsbG8=",
        "!!set {{a, b}}",
        "!include other.yaml",
        "!<tag:example.com,2000:thing> x",
    ],
)
def test_unsafe_and_unknown_tags_rejected_and_never_run(tag, tmp_path):
    marker = tmp_path / "pwned"
    text = "a: " + tag.format(marker=marker) + "\n"
    with pytest.raises(InputFileError, match="is not allowed"):
        load_text(text)
    assert not marker.exists()


@pytest.mark.parametrize("digits", ["9" * 5000, "0x" + "f" * 33])
def test_huge_integers_rejected_with_a_short_message(digits):
    with pytest.raises(InputFileError, match="is too large") as exc:
        load_text(f"seed: {digits}\n")
    assert len(exc.value.one_line()) < 200


def test_standard_scalars_still_work():
    data = load_text("i: 3\nf: 2.5\nb: true\nn: null\ns: '007'\nt: 2019-07-12T10:00:00Z\n")
    assert data["i"] == 3 and data["f"] == 2.5 and data["b"] is True and data["n"] is None
    assert data["s"] == "007"
    assert data["t"].year == 2019 and data["t"].utcoffset().total_seconds() == 0


def test_merge_keys_explicit_wins():
    text = "base: &b {x: 1, y: 2}\nchild:\n  <<: *b\n  y: 3\n"
    assert load_text(text)["child"] == {"x": 1, "y": 3}


@pytest.mark.parametrize(
    ("text", "line", "phrase"),
    [
        ("a: 1\nb: [1, 2\nc: 3\n", 3, "YAML syntax error"),
        ("a: 1\n---\nb: 2\n", 2, "single document"),
        ("a: b: c\n", 1, "mapping values are not allowed"),
        ("a: 1\nb: \x07\n", 2, "U+0007"),
        ("a: 2019-13-45\n", 1, "month must be in 1..12"),
    ],
)
def test_syntax_errors_are_located(text, line, phrase):
    with pytest.raises(InputFileError, match=re.escape(phrase)) as exc:
        load_text(text, "f.yaml")
    assert exc.value.line == line
    assert exc.value.one_line().startswith(f"f.yaml:{line}: ")


# ---- line tracking --------------------------------------------------------------------------

TEXT = """\
# a comment
name: demo
run:
  duration_s: 600
  seed: 1
sites:
  murted: {lat: 40.08, lon: 32.57}
  ankara:
    lat: 39.925
    lon: 32.854
systems:
  - id: s1
    fire_units:
      - id: fu1
        launchers:
          - {id: l1, count: 4}
          -
            id: l2
            count: 2
members: [a,
  b,
  c]
"""


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        (("name",), "name: demo"),
        (("run", "seed"), "seed: 1"),
        (("sites", "murted", "lon"), "murted: {lat"),
        (("sites", "ankara"), "ankara:"),
        (("sites", "ankara", "lon"), "lon: 32.854"),
        (("systems", 0), "- id: s1"),
        (("systems", 0, "fire_units", 0, "launchers", 0, "count"), "{id: l1, count: 4}"),
        (("systems", 0, "fire_units", 0, "launchers", 1, "count"), "count: 2"),
        (("members", 1), "  b,"),
        (("members", 2), "  c]"),
        # a path that goes past the data points at its deepest existing parent
        (("run", "start_time"), "run:"),
        (("systems", 0, "fire_units", 5), "fire_units:"),
    ],
)
def test_every_path_maps_to_its_line(path, needle):
    data = load_text(TEXT, "demo.yaml")
    assert locate(data, path) == ("demo.yaml", _line_of(TEXT, needle))


def test_lines_follow_list_edits():
    data = load_text(TEXT, "demo.yaml")
    members = data["members"]
    del members[0]
    assert locate(data, ("members", 0)) == ("demo.yaml", _line_of(TEXT, "  b,"))
    members.append("d")  # no line of its own yet: falls back to the list's
    assert locate(data, ("members", 2)) == ("demo.yaml", _line_of(TEXT, "members:"))
    safeyaml.mark(members, 2, ("other.yaml", 9))
    assert locate(data, ("members", 2)) == ("other.yaml", 9)


def test_located_containers_are_plain_dicts_and_lists():
    data = load_text(TEXT)
    assert isinstance(data, dict) and isinstance(data, LocatedDict)
    assert data == yaml.safe_load(TEXT)  # same content as the peer loader


def _tree(node, seen=None):
    """A node tree as plain tuples: tag, start line and column, and the value (children). A
    node met again (an alias, possibly recursive) becomes ("alias", its first visit's rank)."""
    seen = {} if seen is None else seen
    if id(node) in seen:
        return ("alias", seen[id(node)])
    seen[id(node)] = len(seen)
    if isinstance(node, yaml.ScalarNode):
        return (node.tag, node.start_mark.line, node.start_mark.column, node.value)
    kids = ([(_tree(k, seen), _tree(v, seen)) for k, v in node.value]
            if isinstance(node, yaml.MappingNode) else [_tree(v, seen) for v in node.value])
    return (node.tag, node.start_mark.line, node.start_mark.column, kids)


ROOT = Path(__file__).resolve().parents[1]
YAML_FILES = sorted((ROOT / "scenarios").rglob("*.yaml")) + sorted(
    (ROOT / "tests" / "bad_scenarios").rglob("*.yaml"))


def _outcome(compose):
    """The composed tree, or the composer's error (class, problem, line) if it refuses."""
    try:
        node = compose()
    except yaml.MarkedYAMLError as exc:
        return (type(exc).__name__, exc.problem, exc.problem_mark.line)
    return None if node is None else _tree(node)


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_libyaml_composes_the_same_tree_as_the_pure_python_loader(path):
    from iads.scenario.safeyaml import _compose_fast, _HardenedLoader, _libyaml_nesting_ok

    text = path.read_bytes().decode("utf-8", errors="replace")
    if not _libyaml_nesting_ok(text):  # broken or too deep on purpose: the pure loader reports it
        assert "bad_scenarios" in path.parts
        return
    loader = _HardenedLoader(text, str(path))
    try:
        pure = _outcome(loader.get_single_node)
    finally:
        loader.dispose()
    assert _outcome(lambda: _compose_fast(text)) == pure


def test_deep_nesting_never_reaches_libyaml():
    from iads.scenario.safeyaml import MAX_DEPTH, _libyaml_nesting_ok

    assert _libyaml_nesting_ok("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert not _libyaml_nesting_ok("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert not _libyaml_nesting_ok("[" * 1_000_000)
