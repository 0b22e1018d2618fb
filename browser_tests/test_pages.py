"""Every page of the built book, opened in headless Chromium: one test per page and check.

A page is visited once (for its first check) and the facts are reused by its other checks.
"""
import pytest

from book_pages import CHECKS, visit

_visited = {}


@pytest.fixture(scope="session")
def facts_of(browser, html_dir, screenshot_dir):
    def facts(page):
        if page not in _visited:
            _visited.clear()   # the tests run page by page; keep one page's facts at a time
            path = html_dir / f"{page}.html"
            if not path.is_file():
                pytest.fail(f"{page}: {path} was not built (is it in _toc.yml but missing from the build?)")
            _visited[page] = visit(browser, path, screenshot=screenshot_dir / f"{page}.png")
        return _visited[page]
    return facts


def test_page(page_check, facts_of):
    page, check = page_check
    problems = CHECKS[check](facts_of(page))
    shown = problems[:25] + ([f"... and {len(problems) - 25} more"] if len(problems) > 25 else [])
    assert not problems, f"{page}: " + "\n  ".join([f"{len(problems)} {check} problem(s):"] + shown)
