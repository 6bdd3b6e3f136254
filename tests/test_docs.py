"""The documentation builds (mkdocs --strict) from the repository, and its generated reference
pages cover the code: every scenario field and every catalog figure appears."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from iads.catalog import iter_figures, load_catalog
from iads.scenario import schema

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    work = tmp_path_factory.mktemp("docs")
    shutil.copytree(ROOT / "docs", work / "docs", ignore=shutil.ignore_patterns("reference",
                                                                                 "models"))
    shutil.copy(ROOT / "mkdocs.yml", work / "mkdocs.yml")
    subprocess.run([sys.executable, str(ROOT / "tools" / "gen_docs.py"), str(work / "docs")],
                   check=True, capture_output=True)
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d",
                        str(work / "site")], cwd=work, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return work


def test_site_has_every_page(built):
    assert (built / "site" / "index.html").is_file()
    for page in ("tutorial", "reference/schema", "reference/catalog", "models/line-of-sight"):
        assert (built / "site" / page / "index.html").is_file(), page


def test_schema_reference_lists_every_field(built):
    text = (built / "docs" / "reference" / "schema.md").read_text()
    for name in dir(schema):
        model = getattr(name and schema, name)
        if isinstance(model, type) and hasattr(model, "model_fields") \
                and model.__module__ == schema.__name__ and not name.startswith("_"):
            assert f"## {name}" in text
            for fname, f in model.model_fields.items():
                assert f"`{f.alias or fname}`" in text, (name, fname)


def test_catalog_reference_lists_every_figure(built):
    text = (built / "docs" / "reference" / "catalog.md").read_text()
    cat = load_catalog()
    n = sum(1 for kind in ("radars", "targets", "missiles", "launchers", "systems")
            for e in cat.section(kind).values() for _ in iter_figures(e))
    rows = [ln for ln in text.splitlines() if ln.startswith("| ") and not ln.startswith(
        "| figure") and not ln.startswith("|---")]
    assert len(rows) == n
    assert f"{n - text.count('**assumption**:')} figures are sourced" in text


def test_every_module_is_on_a_model_page(built):
    """Each module's docstring (what it models) reaches the documentation, by name."""
    import pkgutil

    import iads

    sys.path.insert(0, str(ROOT / "tools"))
    from gen_docs import NOT_MODELS

    text = "".join(p.read_text() for p in (built / "docs" / "models").glob("*.md"))
    modules = [m.name for m in pkgutil.walk_packages(iads.__path__, "iads.")
               if not m.name.rsplit(".", 1)[-1].startswith("_")]
    assert len(modules) > 40
    missing = [m for m in modules if f"`{m}`" not in text
               and not any(m == n or m.startswith(n + ".") for n in NOT_MODELS)]
    assert not missing
