"""A Sphinx extension for the book's HTML, so that every page loads in a browser without one
error (``make check-book-pages`` checks it). _config.yml loads it (``sphinx: local_extensions``).

- **Each script once per page.** Scripts that extensions add while the documents are read
  (sphinx-thebe's configuration, sphinx-togglebutton's selector) reach the page twice: once
  as registered and once as added to the builder, with ``None`` and ``""`` as their file name
  (sphinx 7.4). sphinx-thebe's script declares ``const THEBE_JS_URL``, so its second copy threw
  "Identifier 'THEBE_JS_URL' has already been declared" on every page.
- **The widget manager's icon font where the manager looks for it.** The html-manager bundle
  asks for Font Awesome relative to the page, in the folder of the AMD module that injects the
  stylesheet: ``@jupyter-widgets/html-manager/dist/`` (module
  ``@jupyter-widgets/html-manager/dist/libembed-amd``, on pages with widget views) or
  ``@jupyter-widgets/`` (``@jupyter-widgets/controls`` and the others, on pages with widget
  state but no view). scripts/fetch_offline_assets.py puts the font into
  ``_offline/widgets/fonts/`` (``_static/widgets/fonts/`` in the build); after the build, a copy
  goes into both folders next to every page that loads the bundle.
- **Widget labels typeset with the book's MathJax.** The widget manager (ipywidgets 8's
  html-manager) typesets each label with MathJax 2's ``MathJax.Hub.Queue(["Typeset",
  MathJax.Hub, element])``; the book loads MathJax 3, which has no ``Hub``, so every label threw
  an uncaught TypeError (jupyter-widgets/ipywidgets#3829). On pages that load the bundle, a
  few lines give MathJax 3 that one call, passed on to ``MathJax.typesetPromise``.
"""
import os
import shutil
from pathlib import Path

WIDGET_BUNDLE = "embed-amd.js"
FONTS = Path("_static", "widgets", "fonts")
WHERE_THE_BUNDLE_LOOKS = (Path("@jupyter-widgets"), Path("@jupyter-widgets", "html-manager", "dist"))


# Runs before the widget manager renders (it waits for "load"; MathJax, a deferred script, is
# loaded by DOMContentLoaded), and only where MathJax 3 is present and has no Hub of its own.
MATHJAX2_QUEUE = """document.addEventListener("DOMContentLoaded", function () {
  var mj = window.MathJax;
  if (mj && mj.typesetPromise && mj.startup && !mj.Hub) {
    mj.Hub = {Queue: function (job) {
      mj.startup.promise.then(function () { return mj.typesetPromise([job[2]]); });
    }};
  }
});"""


def unique_scripts(app, pagename, templatename, context, doctree):
    """Drop repeated scripts: same file (None and "" alike) and same attributes, body included."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = (os.fspath(script.filename or ""), tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def widget_labels_use_mathjax3(app, pagename, templatename, context, doctree):
    """On pages that load the widget bundle, add :data:`MATHJAX2_QUEUE` (before the bundle)."""
    if any(os.fspath(script.filename or "").endswith(WIDGET_BUNDLE) for script in context.get("script_files", ())):
        app.add_js_file(None, body=MATHJAX2_QUEUE, priority=499)


def pages_with_widgets(outdir):
    """Folders (under ``outdir``) of the HTML pages that load the widget bundle."""
    outdir = Path(outdir)
    folders = set()
    for page in outdir.rglob("*.html"):
        if page.relative_to(outdir).parts[0] in ("_static", "_sources", "_images"):
            continue
        if WIDGET_BUNDLE in page.read_text(encoding="utf-8", errors="replace"):
            folders.add(page.parent)
    return sorted(folders)


def copy_widget_fonts(outdir):
    """Copy ``_static/widgets/fonts/*`` to where the bundle asks for them (both folders), beside
    every page that loads it. Returns the number of files written."""
    outdir = Path(outdir)
    fonts = sorted((outdir / FONTS).glob("*"))
    written = 0
    for folder in pages_with_widgets(outdir) if fonts else ():
        for where in WHERE_THE_BUNDLE_LOOKS:
            target = folder / where
            target.mkdir(parents=True, exist_ok=True)
            for font in fonts:
                shutil.copyfile(font, target / font.name)
                written += 1
    return written


def _build_finished(app, exception):
    if exception is None and app.builder.format == "html":
        copy_widget_fonts(app.outdir)


def setup(app):
    app.connect("html-page-context", widget_labels_use_mathjax3, priority=600)   # after myst-nb adds the bundle
    app.connect("html-page-context", unique_scripts, priority=900)   # after every other handler
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
