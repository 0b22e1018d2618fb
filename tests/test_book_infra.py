"""The book's wiring: table of contents, chapter front matter, build config, notebook test harness.

A page missing from _toc.yml is silently not built, and a chapter without jupytext/kernelspec
front matter is silently not executed by `make test`; these tests turn both into failures.
"""

import base64
import hashlib
import importlib.util
import io
import tarfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"


def _load_yaml(name):
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def _toc_entries(node):
    """Yield every `file` and `glob` value of a jb-book toc, depth first."""
    if isinstance(node, dict):
        for key in ("root", "file", "glob"):
            if key in node:
                yield key, node[key]
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key) or []:
                yield from _toc_entries(child)


def _front_matter(path):
    """The YAML front matter of a Markdown file as a dict, or None when it has none."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 4)
    assert end != -1, f"{path.relative_to(ROOT)}: front matter is not closed by a '---' line"
    return yaml.safe_load(text[4:end]) or {}


def _book_pages():
    return sorted(p for p in BOOK.rglob("*.md") if ".ipynb_checkpoints" not in p.parts)


def _toc_pages():
    pages = set()
    for kind, value in _toc_entries(_load_yaml("_toc.yml")):
        if kind == "glob":
            pages.update(p.with_suffix("") for p in ROOT.glob(value + ".md"))
        else:
            pages.add(ROOT / value)
    return pages


def test_toc_root_is_the_intro_page():
    toc = _load_yaml("_toc.yml")
    assert toc["format"] == "jb-book"
    assert toc["root"] == "book/intro"


def test_every_toc_entry_exists():
    missing = [
        f"{value} ({kind})"
        for kind, value in _toc_entries(_load_yaml("_toc.yml"))
        if (kind == "glob" and not list(ROOT.glob(value + ".md")))
        or (kind != "glob" and not (ROOT / (value + ".md")).is_file())
    ]
    assert not missing, f"_toc.yml lists pages that do not exist: {missing}"


def test_every_book_page_is_in_the_toc():
    listed = _toc_pages()
    orphans = [str(p.relative_to(ROOT)) for p in _book_pages() if p.with_suffix("") not in listed]
    assert not orphans, (
        f"not listed in _toc.yml, so `make book` would skip them: {orphans}; "
        "add e.g. '- file: book/<name>' (path from the repo root, no .md)"
    )


@pytest.mark.parametrize("page", _book_pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_chapter_front_matter_makes_a_runnable_myst_notebook(page):
    meta = _front_matter(page)
    if meta is None:
        return  # a plain page such as book/intro.md: nothing to execute
    name = page.relative_to(ROOT)
    assert "jupytext" in meta and "kernelspec" in meta, (
        f"{name}: a chapter notebook needs both 'jupytext:' and 'kernelspec:' front matter, "
        f"found keys {sorted(meta)}; without them `make test` does not execute it"
    )
    fmt = meta["jupytext"]["text_representation"]
    assert fmt["extension"] == ".md" and fmt["format_name"] == "myst", f"{name}: {fmt}"
    assert meta["kernelspec"]["name"] == "python3", f"{name}: {meta['kernelspec']}"

    jupytext = pytest.importorskip("jupytext")
    nb = jupytext.read(page, fmt="md:myst")
    assert any(c.cell_type == "code" for c in nb.cells), f"{name}: no {{code-cell}} found"


def test_config_executes_every_chapter_and_fails_on_errors():
    config = _load_yaml("_config.yml")
    execute = config["execute"]
    assert execute["execute_notebooks"] == "force"
    assert execute["raise_on_error"] is True and execute["allow_errors"] is False
    assert execute["timeout"] == 600
    assert config["only_build_toc_files"] is True
    excluded = set(config["exclude_patterns"])
    for pattern in ("_build", "_offline", ".venv", ".*", "tests", "ffnn", "benchmarks",
                    "scripts", "README.md"):
        assert pattern in excluded, pattern


def test_config_renders_maths_and_widgets_from_offline_copies():
    sphinx = _load_yaml("_config.yml")["sphinx"]["config"]
    assert sphinx["html_static_path"] == ["_offline"]
    assert sphinx["mathjax_path"] == "mathjax/tex-chtml.js"
    assert set(sphinx["nb_ipywidgets_js"]) == {"widgets/require.js", "widgets/embed-amd.js"}
    assert not (ROOT / "_static").exists(), "jupyter-book would inject every .js under _static/"


def _root_conftest():
    spec = importlib.util.spec_from_file_location("_ffnn_root_conftest", ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_converted_notebooks_run_in_the_chapter_source_directory():
    conftest = _root_conftest()
    nbtest = ROOT / "_build" / "nbtest"
    assert conftest.source_dir_for(nbtest / "book") == str(ROOT / "book")
    assert conftest.source_dir_for(nbtest / "book" / "experiments") == str(ROOT / "book" / "experiments")
    elsewhere = str(ROOT / "tests")
    assert conftest.source_dir_for(elsewhere) == elsewhere


def test_nbval_kernels_are_started_through_the_source_dir_mapping():
    nbval_plugin = pytest.importorskip("nbval.plugin")  # wrapped when pytest loaded conftest.py
    assert getattr(nbval_plugin.RunningKernel, "_ffnn_source_cwd", False), (
        "conftest.py no longer wraps nbval.plugin.RunningKernel; has nbval changed how it starts kernels?"
    )


def test_a_failing_cell_is_reported_at_its_line_in_the_chapter_source(tmp_path, monkeypatch):
    conftest = _root_conftest()
    monkeypatch.setattr(conftest, "ROOT", tmp_path)
    monkeypatch.setattr(conftest, "NBTEST_DIR", tmp_path / "_build" / "nbtest")
    source = tmp_path / "book" / "ch.md"
    source.parent.mkdir()
    source.write_text(
        "---\nkernelspec: {name: python3}\n---\n# Title\n"
        "```{code-cell} ipython3\nx = 1\n```\n"
        "```python\nnot a code cell\n```\n"
        "````{code-cell} ipython3\n:tags: [hide-input]\ny = 2\n````\n",
        encoding="utf-8",
    )
    converted = tmp_path / "_build" / "nbtest" / "book" / "ch.ipynb"
    assert conftest.chapter_source(converted) == source
    assert conftest.chapter_source(tmp_path / "elsewhere" / "ch.ipynb") is None
    assert [conftest.code_cell_line(source, n) for n in range(3)] == [5, 11, None]


# --- scripts/fetch_offline_assets.py: the JavaScript `make book` vendors into _offline/ -------

def _fetch_script():
    spec = importlib.util.spec_from_file_location("_ffnn_fetch_offline_assets",
                                                  ROOT / "scripts" / "fetch_offline_assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tgz(members):
    """A gzipped tarball in memory: {path: bytes}, plus symlinks for values of type str."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            if isinstance(content, str):
                info.type, info.linkname = tarfile.SYMTYPE, content
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def _sha512(data):
    return base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_fetch_assets_provide_every_file_the_config_loads():
    fetch = _fetch_script()
    sphinx = _load_yaml("_config.yml")["sphinx"]["config"]
    provided = [target for *_, files in fetch.PACKAGES for target in files]
    for needed in [sphinx["mathjax_path"], *sphinx["nb_ipywidgets_js"]]:
        assert needed in provided, needed
    for name, version, sha512, _ in fetch.PACKAGES:
        assert len(base64.b64decode(sha512)) == 64, f"{name}@{version}: not a base64 sha512"
    assert fetch.tarball_url("@jupyter-widgets/html-manager", "1.0.6") == \
        "https://registry.npmjs.org/@jupyter-widgets/html-manager/-/html-manager-1.0.6.tgz"
    assert fetch.tarball_url("requirejs", "2.3.6", "https://mirror.example/npm/") == \
        "https://mirror.example/npm/requirejs/-/requirejs-2.3.6.tgz"


def test_fetch_assets_refuses_a_tarball_whose_digest_differs():
    fetch = _fetch_script()
    data = _tgz({"package/a.js": b"a"})
    fetch.verify(data, _sha512(data), "pkg")
    with pytest.raises(fetch.FetchError, match="pkg: sha512 mismatch"):
        fetch.verify(data + b"\0", _sha512(data), "pkg")


def test_fetch_assets_copies_only_the_listed_files(tmp_path):
    fetch = _fetch_script()
    data = _tgz({"package/dist/embed.js": b"EMBED", "package/fonts/a.woff": b"A",
                 "package/fonts/sub/b.woff": b"B", "package/other.js": b"NO",
                 "package/fonts/link.woff": "/etc/passwd", "../escape.js": b"NO"})
    n = fetch.extract(data, {"w/embed.js": "package/dist/embed.js", "f/": "package/fonts/"}, tmp_path)
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["f/a.woff", "f/sub/b.woff", "w/embed.js"] and n == 3
    assert (tmp_path / "w" / "embed.js").read_bytes() == b"EMBED"
    assert not (tmp_path.parent / "escape.js").exists()
    with pytest.raises(fetch.FetchError, match="no package/missing.js"):
        fetch.extract(data, {"x.js": "package/missing.js"}, tmp_path)
    sneaky = _tgz({"package/fonts/../../../escape.js": b"NO"})
    with pytest.raises(fetch.FetchError, match="refusing the tarball member"):
        fetch.extract(sneaky, {"f/": "package/fonts/"}, tmp_path / "deep" / "er")
    assert not any(p.name == "escape.js" for p in tmp_path.rglob("*"))


def test_fetch_assets_is_idempotent_and_never_leaves_a_half_written_folder(tmp_path):
    fetch = _fetch_script()
    good = _tgz({"package/a.js": b"A1"})
    packages = [("a", "1.0.0", _sha512(good), {"js/a.js": "package/a.js"})]
    calls = []

    def get(url):
        calls.append(url)
        return good

    dest = tmp_path / "_offline"
    assert fetch.fetch(dest, registry="https://reg.example", get=get, packages=packages) is True
    assert calls == ["https://reg.example/a/-/a-1.0.0.tgz"]
    assert (dest / "js" / "a.js").read_bytes() == b"A1"
    assert (dest / ".versions").read_text().strip() == "a@1.0.0"
    assert fetch.fetch(dest, registry="https://reg.example", get=get, packages=packages) is False
    assert len(calls) == 1  # up to date: nothing downloaded

    # A forced refetch whose download is corrupt keeps the previous folder as it was
    with pytest.raises(fetch.FetchError, match="sha512 mismatch"):
        fetch.fetch(dest, force=True, get=lambda url: good + b"x", packages=packages)
    assert (dest / "js" / "a.js").read_bytes() == b"A1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_offline"]  # no staging folder left
