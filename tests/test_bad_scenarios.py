"""Every malformed scenario in tests/bad_scenarios/ fails cleanly through the real CLI.

Each case documents itself: ``# expect: <phrase>`` header lines name what the one error line
must contain (files that cannot carry a comment list theirs in ``expect.txt``), and
``# expect-line: <text>`` says the error must point at the line holding ``<text>``. For each case
``iads validate FILE`` must exit with status 2, print exactly one line on stderr, never a
traceback, and that line must name the file and contain every expected phrase.

Most cases run in-process through :func:`iads.cli.main` (fast); a few run as real subprocesses
of the installed ``iads`` entry point.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from iads.cli import main

HERE = Path(__file__).parent / "bad_scenarios"
CASES = sorted(p for p in HERE.glob("*.yaml"))
_EXPECT = re.compile(rb"^# expect: (.+?)\r?$", re.MULTILINE)
_AT = re.compile(rb"^# expect-line: (.+?)\r?$", re.MULTILINE)


def _expectations() -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for line in (HERE / "expect.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, phrase = line.split(":", 1)
            table.setdefault(name.strip(), []).append(phrase.strip())
    for p in CASES:
        found = [m.decode("utf-8") for m in _EXPECT.findall(p.read_bytes())]
        if found:
            table.setdefault(p.name, []).extend(found)
    return table


EXPECT = _expectations()


def test_corpus_is_large_and_documented():
    assert len(CASES) >= 30
    undocumented = [p.name for p in CASES if not EXPECT.get(p.name)]
    assert undocumented == []


def _run_in_process(path: Path, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(["validate", str(path)])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def _check(path: Path, code: int, out: str, err: str) -> None:
    lines = err.splitlines()
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and "Traceback" not in out
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("error: ")
    assert path.name in line, line
    for phrase in EXPECT[path.name]:
        assert phrase in line, f"{phrase!r} not in {line!r}"
    # "# expect-line: TEXT": the error is reported at the first other line containing TEXT,
    # found here by searching the file, independently of the loader's line tracking
    raw = path.read_bytes()
    for marker in _AT.findall(raw):
        lineno = next(
            i
            for i, text in enumerate(raw.splitlines(), 1)
            if marker in text and not text.startswith(b"# expect")
        )
        assert f"{path.name}:{lineno}: " in line, (marker, lineno, line)


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_bad_scenario_fails_with_one_located_line(path, capsys):
    code, out, err = _run_in_process(path, capsys)
    _check(path, code, out, err)


@pytest.mark.parametrize(
    "name", ["lat_out_of_range.yaml", "billion_laughs.yaml", "set_missing_id.yaml"]
)
def test_real_subprocess(name):
    path = HERE / name
    exe = Path(sys.executable).with_name("iads")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "iads.cli"]
    proc = subprocess.run([*cmd, "validate", str(path)], capture_output=True, text=True, timeout=60)
    _check(path, proc.returncode, proc.stdout, proc.stderr)


def test_several_files_one_line_each(capsys):
    good = Path(__file__).parents[1] / "scenarios" / "examples" / "minimal.yaml"
    bad = [HERE / "negative_seed.yaml", HERE / "unknown_owner.yaml"]
    with pytest.raises(SystemExit) as exc:
        main(["validate", str(bad[0]), str(good), str(bad[1])])
    out, err = capsys.readouterr()
    assert exc.value.code == 2
    lines = err.splitlines()
    assert len(lines) == 2
    assert all(ln.startswith(f"error: {b}:") for ln, b in zip(lines, bad, strict=True))
    assert "minimal.yaml" in out
