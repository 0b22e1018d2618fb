"""The checks themselves, on small hand-written pages: each broken page must be reported by the
check made for it, and a good page by none. Runs before the book's pages (``make check-book-pages``)."""
import base64
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from book_pages import (CHECKS, console_problems, image_problems, mathjax_head, maths_problems,  # noqa: E402
                        network_problems,
                        static_control_problems, visit, widget_problems)

# a 1 x 1 PNG
PIXEL = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return tmp_path_factory.mktemp("pages")


@pytest.fixture(scope="module")
def control():
    from ffnn.widgets import SurfaceExplorer
    return SurfaceExplorer(resolution=11).static("b2_1", [-2, 0, 2], dpi=25)


def write(site, name, body, head=""):
    path = Path(site) / name
    path.write_text(f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'>{head}</head>\n<body>\n{body}\n</body></html>\n",
                    encoding="utf-8")
    return path


def only(facts, check):
    """{check name: problems} for every check that reports something."""
    found = {name: problems for name, problems in ((n, c(facts)) for n, c in CHECKS.items()) if problems}
    assert check in found, f"the {check} check missed it; checks that reported: {found}"
    return found


def test_a_good_page_passes_every_check(browser, site, mathjax, control):
    (Path(site) / "pixel.png").write_bytes(PIXEL)
    path = write(site, "good.html", head=mathjax_head(mathjax), body=f"""
      <p>Inline <span class="math notranslate nohighlight">\\(\\hat{{y}} = \\sigma(z)\\)</span> and display:</p>
      <div class="math notranslate nohighlight">\\[\\begin{{aligned}} z &amp;= X W + b \\end{{aligned}}\\]</div>
      <pre>code may say $$ and \\( freely</pre>
      <img src="pixel.png" alt="a pixel">
      {control.html}""")
    facts = visit(browser, path, screenshot=Path(site) / "shots" / "good.png")
    assert {name: check(facts) for name, check in CHECKS.items()} == {name: [] for name in CHECKS}
    assert facts.math_count == 2 and facts.mathjax and len(facts.images) == 2
    assert facts.screenshot.is_file() and facts.screenshot.read_bytes()[:4] == b"\x89PNG"
    # the frame player was found and stepped through its three frames, each a new picture
    [player] = facts.static_controls
    assert player["frames"] == 3 and player["name"] == "b2_1" and len(set(player["pictures"])) == 3
    assert all(facts.requests) and all(url.startswith("file:") for url in facts.requests)


def test_a_missing_image_is_reported(browser, site):
    facts = visit(browser, write(site, "missing.html", '<p>A figure:</p><img src="figure-that-is-not-there.png">'))
    problems = only(facts, "images")["images"]
    assert problems == [f"image did not load: {(Path(site) / 'figure-that-is-not-there.png').as_uri()}"]


def test_raw_tex_without_mathjax_is_reported(browser, site):
    facts = visit(browser, write(site, "raw.html", r"<p>The energy $$E = mc^2$$ and \(x\) and \begin{aligned}</p>"))
    problems = only(facts, "maths")["maths"]
    assert len(problems) == 1 and "$$E = mc^2$$" in problems[0]


def test_maths_elements_without_mathjax_are_reported(browser, site):
    body = r'<p>See <span class="math notranslate nohighlight">\(x\)</span>.</p>'
    problems = maths_problems(visit(browser, write(site, "nomathjax.html", body)))
    assert "1 maths elements but MathJax did not load" in problems and any("raw TeX" in p for p in problems)


def test_tex_errors_are_reported(browser, site, mathjax):
    body = (r'<p><span class="math notranslate nohighlight">\(\frac{1}\)</span> and '
            r'<span class="math notranslate nohighlight">\(\notamacro x\)</span></p>')
    facts = visit(browser, write(site, "texerror.html", body, head=mathjax_head(mathjax)))
    problems = only(facts, "maths")["maths"]
    assert any("Missing argument" in p for p in problems), problems
    assert any("undefined \\notamacro" in p for p in problems), problems


def test_requests_to_the_network_are_reported_and_never_sent(browser, site):
    body = ('<img src="https://example.com/picture.png">'
            '<script>fetch("https://example.com/data.json").catch(() => {});</script>')
    facts = visit(browser, write(site, "network.html", body))
    problems = only(facts, "network")["network"]
    assert sorted(problems) == ["request to the network: https://example.com/data.json",
                                "request to the network: https://example.com/picture.png"]


def test_console_errors_and_exceptions_are_reported(browser, site):
    body = '<script>console.error("deliberate error");</script><script>throw new Error("deliberate throw");</script>'
    problems = only(visit(browser, write(site, "console.html", body)), "console")["console"]
    assert len(problems) == 2
    assert problems[0].startswith("console error: deliberate error")
    assert problems[1] == "uncaught exception: deliberate throw"


def test_a_widget_view_that_does_not_render_is_reported(browser, site):
    # widget state and a view, but no widget manager to render it
    body = ('<script type="application/vnd.jupyter.widget-state+json">{"version_major": 2, "version_minor": 0, '
            '"state": {}}</script><script type="application/vnd.jupyter.widget-view+json">'
            '{"version_major": 2, "version_minor": 0, "model_id": "abc"}</script>')
    facts = visit(browser, write(site, "widget.html", body), timeout_ms=3000)
    assert only(facts, "widgets")["widgets"] == ["1 of 1 widget views did not render (or rendered with zero size)"]


def test_a_frame_player_whose_picture_never_changes_is_reported(browser, site, control):
    frames = re.findall(r'frames\[\d+\] = "(data:image/png;base64,[^"]+)"', control.html)
    same = re.sub(r'(frames\[\d+\] = ")data:image/png;base64,[^"]+"', lambda m: m.group(1) + frames[0] + '"',
                  control.html)
    problems = only(visit(browser, write(site, "frozen.html", same)), "static_controls")["static_controls"]
    assert "static control 1 (b2_1): the picture did not change from frame 0 to 1" in problems


def test_a_frame_player_without_its_script_is_reported(browser, site, control):
    dead = re.sub(r"<script.*?</script>", "", control.html, flags=re.S)
    problems = static_control_problems(visit(browser, write(site, "dead.html", dead)))
    assert "static control 1 (b2_1): a frame's picture did not load" in problems


def test_the_checks_have_their_names():
    assert CHECKS == {"console": console_problems, "network": network_problems, "images": image_problems,
                      "maths": maths_problems, "widgets": widget_problems,
                      "static_controls": static_control_problems}
