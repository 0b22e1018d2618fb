"""pytest setup for the browser checks of the built book (``make check-book-pages``).

Options: ``--book-root`` (the folder with ``_toc.yml``, default this checkout), ``--html-dir``
(default ``<book root>/_build/html``) and ``--screenshots`` (default ``_build/screenshots``).
The pages are those ``_toc.yml`` lists; test ids are ``<page>::<check>``, e.g.
``book/forward::maths``.
"""
from pathlib import Path

import pytest

from book_pages import CHECKS, chromium_path, launch, toc_pages

ROOT = Path(__file__).resolve().parents[1]


def pytest_addoption(parser):
    group = parser.getgroup("ffnn book pages")
    group.addoption("--book-root", default=str(ROOT), help="the folder with _toc.yml (default: this checkout)")
    group.addoption("--html-dir", default=None, help="the built book (default: <book root>/_build/html)")
    group.addoption("--screenshots", default=str(ROOT / "_build" / "screenshots"),
                    help="where full-page screenshots go, one <page>.png each (default: _build/screenshots)")


def pytest_report_header(config):
    try:
        return f"chromium: {chromium_path()} (driven by Playwright; no browser download)"
    except FileNotFoundError as err:
        return f"chromium: {err}"


def pytest_generate_tests(metafunc):
    if "page_check" in metafunc.fixturenames:
        cases = [(page, check) for page in toc_pages(metafunc.config.getoption("--book-root"))
                 for check in CHECKS]
        metafunc.parametrize("page_check", cases, ids=[f"{page}::{check}" for page, check in cases])


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        try:
            chromium = launch(playwright)
        except FileNotFoundError as err:
            pytest.exit(f"error: {err}", returncode=4)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def html_dir(request):
    built = request.config.getoption("--html-dir")
    return Path(built or Path(request.config.getoption("--book-root"), "_build", "html")).resolve()


@pytest.fixture(scope="session")
def screenshot_dir(request):
    return Path(request.config.getoption("--screenshots")).resolve()


@pytest.fixture(scope="session")
def mathjax(html_dir):
    """The book's own MathJax (from the built book), as a file: URL."""
    path = html_dir / "_static" / "mathjax" / "tex-chtml.js"
    if not path.is_file():
        pytest.skip(f"no MathJax at {path}: run make book first")
    return path.as_uri()

