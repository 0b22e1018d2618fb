"""scripts/offline_html.py, the book's Sphinx extension for pages without browser errors, and the
files scripts/fetch_offline_assets.py must provide for it. No Sphinx needed: the handlers get
stand-ins for Sphinx's app and script objects."""
import importlib.util
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]


def _load(name):
    spec = importlib.util.spec_from_file_location(f"_ffnn_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


offline_html = _load("offline_html")


def script(filename, **attributes):
    """Like sphinx's _JavaScript: a file name (None or "" for an inline script) and attributes."""
    return SimpleNamespace(filename=filename, attributes=attributes, priority=500)


def test_a_script_added_twice_appears_once():
    thebe = "const THEBE_JS_URL = 'x'"
    scripts = [script("_static/a.js"), script(None, body=thebe), script("_static/b.js", defer="defer"),
               script("", body=thebe), script("_static/a.js"), script("_static/b.js"),
               script(None, body="var other = 1")]
    context = {"script_files": scripts}
    offline_html.unique_scripts(None, "page", "page.html", context, None)
    assert context["script_files"] == [scripts[0], scripts[1], scripts[2], scripts[5], scripts[6]]


def test_pages_with_the_widget_bundle_get_the_mathjax3_queue():
    added = []
    app = SimpleNamespace(add_js_file=lambda filename, **kw: added.append((filename, kw)))
    with_bundle = {"script_files": [script("_static/widgets/require.js"), script("_static/widgets/embed-amd.js")]}
    offline_html.widget_labels_use_mathjax3(app, "page", "page.html", with_bundle, None)
    assert added == [(None, {"body": offline_html.MATHJAX2_QUEUE, "priority": 499})]
    offline_html.widget_labels_use_mathjax3(app, "other", "page.html", {"script_files": [script("_static/a.js")]}, None)
    assert len(added) == 1
    assert "Hub = {Queue:" in offline_html.MATHJAX2_QUEUE and "typesetPromise([job[2]])" in offline_html.MATHJAX2_QUEUE


def test_the_widget_font_goes_beside_every_page_that_loads_the_bundle(tmp_path):
    (tmp_path / "_static" / "widgets" / "fonts").mkdir(parents=True)
    (tmp_path / "_static" / "widgets" / "fonts" / "fa.woff2").write_bytes(b"FONT")
    pages = {"book/a.html": "<script src='../_static/widgets/embed-amd.js'>", "book/b.html": "no widgets",
             "book/sub/c.html": "no widgets", "other/d.html": "embed-amd.js",
             "_static/e.html": "embed-amd.js", "index.html": "no widgets"}
    for page, text in pages.items():
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / page).write_text(text)
    assert offline_html.pages_with_widgets(tmp_path) == [tmp_path / "book", tmp_path / "other"]
    assert offline_html.copy_widget_fonts(tmp_path) == 4
    fonts = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("fa.woff2"))
    assert fonts == ["_static/widgets/fonts/fa.woff2",
                     "book/@jupyter-widgets/fa.woff2", "book/@jupyter-widgets/html-manager/dist/fa.woff2",
                     "other/@jupyter-widgets/fa.woff2", "other/@jupyter-widgets/html-manager/dist/fa.woff2"]
    assert (tmp_path / "book" / "@jupyter-widgets" / "fa.woff2").read_bytes() == b"FONT"


def test_without_fonts_nothing_is_written(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "a.html").write_text("embed-amd.js")
    assert offline_html.copy_widget_fonts(tmp_path) == 0
    assert not (tmp_path / "book" / "@jupyter-widgets").exists()


def test_the_fetched_assets_include_the_font_the_bundle_asks_for():
    fetch = _load("fetch_offline_assets")
    [(_, _, _, files)] = [p for p in fetch.PACKAGES if p[0] == "@jupyter-widgets/html-manager"]
    fonts = [target for target in files if target.startswith("widgets/fonts/")]
    assert fonts == ["widgets/fonts/1551f4f60c37af51121f.woff2"]
    assert files[fonts[0]] == "package/dist/1551f4f60c37af51121f.woff2"


def test_fetch_again_when_a_listed_file_is_missing(tmp_path):
    import base64
    import hashlib
    import io
    import tarfile

    fetch = _load("fetch_offline_assets")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in {"package/a.js": b"A", "package/font.woff2": b"F"}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    good = buf.getvalue()
    sha = base64.b64encode(hashlib.sha512(good).digest()).decode()
    packages = [("a", "1.0.0", sha, {"js/a.js": "package/a.js", "js/fonts/f.woff2": "package/font.woff2"})]
    dest = tmp_path / "_offline"
    assert fetch.fetch(dest, get=lambda url: good, packages=packages) is True
    assert fetch.fetch(dest, get=lambda url: good, packages=packages) is False
    (dest / "js" / "fonts" / "f.woff2").unlink()    # an older _offline/, from before the font was listed
    assert fetch.fetch(dest, get=lambda url: good, packages=packages) is True
    assert (dest / "js" / "fonts" / "f.woff2").read_bytes() == b"F"
