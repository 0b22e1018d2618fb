"""Open built book pages in headless Chromium and check what a reader would see.

:func:`visit` loads one page from disk (``file://``), waits until MathJax, the widget manager
and every image are done, saves a full-page screenshot, moves every static control (matplotlib's
frame player) one step at a time, and returns what it found as a :class:`PageFacts`. The
``*_problems`` functions read those facts and return a list of problems, one string each, empty
when the page is fine:

- :func:`console_problems`   console errors and uncaught exceptions;
- :func:`network_problems`   any request that is not for a local file (``file:``, ``data:``,
  ``blob:``, ``about:``); such requests are aborted, so a check never reaches the network;
- :func:`image_problems`     an ``<img>`` that did not load (``naturalWidth == 0``);
- :func:`maths_problems`     maths that MathJax left as TeX, or typeset as an error;
- :func:`widget_problems`    an embedded widget view that did not render, or rendered empty;
- :func:`static_control_problems`  a frame player whose picture does not change when its
  slider moves.

Chromium is Debian's ``chromium`` package (never Playwright's download): :func:`chromium_path`
reads ``FFNN_CHROMIUM`` or looks for ``chromium`` on the PATH.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
TIMEOUT_MS = 30_000

# The views the embed manager renders: html-manager inserts a div.widget-subarea before each
# widget-view script and renders the view into it.
_WAIT_FOR_RENDERING = """async (timeout) => {
  const until = (test) => new Promise((resolve) => {
    const start = performance.now();
    (function poll() {
      if (test() || performance.now() - start > timeout) resolve(); else setTimeout(poll, 100);
    })();
  });
  if (document.querySelector('script[src*="mathjax"]')) {
    await until(() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise);
    if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
      await window.MathJax.startup.promise;
    }
  }
  const views = [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')];
  await until(() => views.every((s) => {
    const area = s.previousElementSibling;
    return area && area.classList.contains('widget-subarea') && area.querySelector('.jupyter-widgets');
  }));
  for (const img of document.images) img.loading = 'eager';
  await until(() => [...document.images].every((img) => img.complete));
  // MathJax 3 chains every typeset call (widget labels too) onto startup.promise
  if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
    await window.MathJax.startup.promise;
  }
}"""

_FACTS = r"""() => {
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const images = [...document.images].map((img) => ({
    src: (img.currentSrc || img.src || img.getAttribute('src') || '').slice(0, 200),
    width: img.naturalWidth, complete: img.complete}));
  const maths = [...document.querySelectorAll('.math')];
  const untypeset = maths.filter((m) => !m.querySelector('mjx-container'))
                         .map((m) => m.textContent.trim().slice(0, 80));
  // TeX errors (merror) and undefined macros (the noundefined extension turns \foo into red text)
  const mathErrors = [];
  if (window.MathJax && window.MathJax.startup && window.MathJax.startup.document) {
    for (const item of window.MathJax.startup.document.math) {
      const mml = window.MathJax.startup.toMML(item.root);
      const error = mml.match(/<merror[^>]*data-mjx-error="([^"]*)"/) || mml.match(/<merror/);
      const undefinedMacro = mml.match(/<mtext[^>]*mathcolor="red"[^>]*>(\\[^<]*)<\/mtext>/);
      if (error || undefinedMacro) {
        mathErrors.push(((error && error[1]) || (undefinedMacro && ('undefined ' + undefinedMacro[1])) || 'error')
                        + ' in ' + String(item.math).slice(0, 60));
      }
    }
  }
  // text a reader can see, outside code, scripts and typeset maths
  const skip = 'pre, code, script, style, textarea, mjx-container, mjx-assistive-mml';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const raw = [];
  const delimiters = /\$\$|\\\(|\\\[|\\begin\{/;
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    const text = node.textContent;
    const at = text.search(delimiters);
    if (at >= 0) raw.push(text.slice(Math.max(0, at - 30), at + 50).replace(/\s+/g, ' ').trim());
  }
  const views = [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')];
  const rendered = views.filter((s) => {
    const area = s.previousElementSibling;
    if (!area || !area.classList.contains('widget-subarea')) return false;
    return [...area.querySelectorAll('.jupyter-widgets')].some(visible);
  }).length;
  return {
    images, mathCount: maths.length, untypeset, mathErrors, raw,
    mathjax: !!(window.MathJax && window.MathJax.startup),
    widgetState: !!document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]'),
    widgetViews: views.length, widgetViewsRendered: rendered,
  };
}"""

# matplotlib's frame player (FuncAnimation.to_jshtml): a div.animation holding the picture and
# a range input; ffnn.widgets.StaticControl wraps one in div.ffnn-static-control.
STATIC_CONTROL = "div.animation:has(input.anim-slider):has(img)"


@dataclass
class PageFacts:
    """What :func:`visit` saw on one page."""

    url: str
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    requests: list = field(default_factory=list)      # every URL the page asked for
    images: list = field(default_factory=list)        # {src, width, complete}
    math_count: int = 0                               # Sphinx maths elements (.math)
    untypeset: list = field(default_factory=list)     # .math elements without mjx-container
    math_errors: list = field(default_factory=list)   # mjx-merror texts
    raw_maths: list = field(default_factory=list)     # visible text with $$, \(, \[ or \begin{
    mathjax: bool = False
    widget_state: bool = False
    widget_views: int = 0
    widget_views_rendered: int = 0
    static_controls: list = field(default_factory=list)  # one dict per frame player
    screenshot: Path | None = None


def chromium_path():
    """Debian's Chromium: $FFNN_CHROMIUM, else ``chromium`` (or ``chromium-browser``) on the PATH."""
    explicit = os.environ.get("FFNN_CHROMIUM")
    if explicit:
        if not (Path(explicit).is_file() and os.access(explicit, os.X_OK)):
            raise FileNotFoundError(f"FFNN_CHROMIUM: {explicit} is not an executable file")
        return explicit
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise FileNotFoundError("no chromium on the PATH; install it (Debian/Ubuntu: apt-get install -y chromium) "
                                "or point FFNN_CHROMIUM at a Chromium executable")
    return found


def launch(playwright):
    """Headless Chromium from :func:`chromium_path` (Playwright never downloads a browser here)."""
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True)


def _is_local(url):
    return url.startswith(LOCAL_SCHEMES)


def visit(browser, path, screenshot=None, timeout_ms=TIMEOUT_MS):
    """Open the HTML file ``path`` in a fresh browser context and return its :class:`PageFacts`.

    ``screenshot``: where to save a full-page PNG (taken before any control moves), or None.
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"path: {path} does not exist")
    facts = PageFacts(url=path.as_uri())
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # Requests that would leave the machine are recorded (below) and aborted here.
    context.route(lambda url: not _is_local(url), lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    page.on("console", lambda msg: msg.type == "error" and facts.console_errors.append(
        f"{msg.text} (at {msg.location.get('url', '?')})"))
    page.on("pageerror", lambda err: facts.page_errors.append(str(err)))
    page.on("request", lambda request: facts.requests.append(request.url))
    page.on("websocket", lambda ws: facts.requests.append(ws.url))
    try:
        page.goto(facts.url, wait_until="load")
        page.evaluate(_WAIT_FOR_RENDERING, timeout_ms)
        found = page.evaluate(_FACTS)
        facts.images = found["images"]
        facts.math_count = found["mathCount"]
        facts.untypeset = found["untypeset"]
        facts.math_errors = found["mathErrors"]
        facts.raw_maths = found["raw"]
        facts.mathjax = found["mathjax"]
        facts.widget_state = found["widgetState"]
        facts.widget_views = found["widgetViews"]
        facts.widget_views_rendered = found["widgetViewsRendered"]
        if screenshot is not None:
            screenshot = Path(screenshot)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
            facts.screenshot = screenshot
        facts.static_controls = [_exercise(page, control) for control in page.locator(STATIC_CONTROL).all()]
        page.wait_for_timeout(200)   # let late console messages arrive
    finally:
        context.close()
    return facts


def _picture(image):
    """A short fingerprint of what an <img> shows now (its src is a data: URI per frame), and its
    width in pixels once decoded (0 if it cannot be)."""
    src = image.evaluate("img => img.currentSrc || img.src || ''")
    width = image.evaluate("img => img.getAttribute('src') ? img.decode().then(() => img.naturalWidth, () => 0) : 0")
    return hashlib.sha1(src.encode()).hexdigest()[:12], width


def _exercise(page, control):
    """Step the frame player's slider from its first to its last frame with the keyboard (as a
    reader would) and record the picture after each step."""
    slider = control.locator("input.anim-slider").first
    image = control.locator("img").first
    n_frames = int(slider.evaluate("s => Number(s.max) + 1"))
    slider.evaluate("s => { s.value = s.min; s.dispatchEvent(new Event('input', {bubbles: true})); }")
    slider.scroll_into_view_if_needed()
    slider.focus()
    pictures, widths, values = [], [], []
    for step in range(n_frames):
        if step:
            slider.press("ArrowRight")
        picture, width = _picture(image)
        pictures.append(picture)
        widths.append(width)
        values.append(slider.input_value())
    name = control.evaluate("c => (c.closest('.ffnn-static-control') || {dataset: {}}).dataset.control || ''")
    return {"name": name, "frames": n_frames, "pictures": pictures, "widths": widths, "values": values}


# --------------------------------------------------------------------------------- checks
def console_problems(facts):
    return ([f"console error: {text}" for text in facts.console_errors]
            + [f"uncaught exception: {text}" for text in facts.page_errors])


def network_problems(facts):
    return [f"request to the network: {url}" for url in dict.fromkeys(facts.requests) if not _is_local(url)]


def image_problems(facts):
    return [f"image did not load: {img['src'] or '(no src)'}" for img in facts.images if not img["width"]]


def maths_problems(facts):
    problems = [f"raw TeX in the page's text: {text!r}" for text in facts.raw_maths]
    if facts.math_count and not facts.mathjax:
        problems.append(f"{facts.math_count} maths elements but MathJax did not load")
    problems += [f"maths not typeset by MathJax: {text!r}" for text in facts.untypeset]
    problems += [f"MathJax error: {text}" for text in facts.math_errors]
    return problems


def widget_problems(facts):
    if facts.widget_views and not facts.widget_state:
        return [f"{facts.widget_views} widget view(s) but no widget state in the page"]
    missing = facts.widget_views - facts.widget_views_rendered
    return [f"{missing} of {facts.widget_views} widget views did not render (or rendered with zero size)"] \
        if missing else []


def static_control_problems(facts):
    problems = []
    for i, c in enumerate(facts.static_controls):
        what = f"static control {i + 1}" + (f" ({c['name']})" if c["name"] else "")
        if c["frames"] < 2:
            problems.append(f"{what}: {c['frames']} frame(s); a slider needs at least 2")
        if c["values"] != [str(v) for v in range(c["frames"])]:
            problems.append(f"{what}: the slider went through {c['values']}, not 0..{c['frames'] - 1}")
        for step in range(1, len(c["pictures"])):
            if c["pictures"][step] == c["pictures"][step - 1]:
                problems.append(f"{what}: the picture did not change from frame {step - 1} to {step}")
        if len(set(c["pictures"])) != len(c["pictures"]):
            problems.append(f"{what}: {len(c['pictures'])} frames show only {len(set(c['pictures']))} pictures")
        if not all(c["widths"]):
            problems.append(f"{what}: a frame's picture did not load")
    return problems


CHECKS = {"console": console_problems, "network": network_problems, "images": image_problems,
          "maths": maths_problems, "widgets": widget_problems, "static_controls": static_control_problems}


def mathjax_head(url):
    """What Sphinx writes into the head of a page with maths: the configuration, then MathJax
    (from ``url``). For hand-written test pages."""
    return ('<script>window.MathJax = {"options": {"processHtmlClass": "tex2jax_process|mathjax_process|math"}}'
            f'</script>\n<script defer src="{url}"></script>')


def toc_pages(root, toc="_toc.yml"):
    """The pages ``_toc.yml`` lists (root first, in order), as paths without suffix: book/intro, ..."""
    import yaml

    data = yaml.safe_load((Path(root) / toc).read_text(encoding="utf-8"))
    pages = [data["root"]]

    def walk(entries):
        for entry in entries or ():
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))
            for part in entry.get("parts", ()) or ():
                walk(part.get("chapters"))

    walk(data.get("chapters"))
    for part in data.get("parts", ()) or ():
        walk(part.get("chapters"))
    return [str(Path(p).with_suffix("")) if p.endswith((".md", ".ipynb")) else p for p in pages]
