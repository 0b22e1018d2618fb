"""scripts/offline_html.py's MathJax 3 stand-in for MathJax 2's ``MathJax.Hub.Queue``, in a real
browser: the widget manager's call for typesetting a label throws without it and typesets with it."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from book_pages import CHECKS, console_problems, maths_problems, mathjax_head, visit  # noqa: E402
from offline_html import MATHJAX2_QUEUE  # noqa: E402

# What ipywidgets' html-manager does for a widget's label once the page has loaded: set its text,
# then ask MathJax (2's API) to typeset it. The text arrives after MathJax's own first pass.
LABEL = r"""<p class="math" id="label"></p>
<script>window.addEventListener("load", function () {
  MathJax.startup.promise.then(function () {
    var e = document.getElementById("label");
    e.textContent = "\\(x^2\\)";
    void 0 !== window.MathJax && MathJax.Hub.Queue(["Typeset", MathJax.Hub, e]);
  });
});</script>"""


def page(folder, name, head):
    path = Path(folder) / name
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>{LABEL}</body></html>")
    return path


def test_without_it_a_widget_label_throws(browser, tmp_path, mathjax):
    facts = visit(browser, page(tmp_path, "without.html", mathjax_head(mathjax)))
    assert console_problems(facts) == ["uncaught exception: Cannot read properties of undefined (reading 'Queue')"]
    assert maths_problems(facts) == ["raw TeX in the page's text: '\\\\(x^2\\\\)'", "maths not typeset by MathJax: '\\\\(x^2\\\\)'"]


def test_with_it_the_label_is_typeset_by_mathjax3(browser, tmp_path, mathjax):
    path = page(tmp_path, "with.html", mathjax_head(mathjax) + f"<script>{MATHJAX2_QUEUE}</script>")
    facts = visit(browser, path)
    assert {name: check(facts) for name, check in CHECKS.items()} == {name: [] for name in CHECKS}
    assert facts.math_count == 1   # the label, typeset
