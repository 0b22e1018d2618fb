"""Repo-wide pytest configuration: run converted chapter notebooks where the book runs them.

`make test` converts every chapter notebook ``book/**/*.md`` (jupytext MyST) into
``_build/nbtest/book/**/*.ipynb`` and runs them with ``pytest --nbval-lax``. nbval starts
each kernel in the directory of the ``.ipynb`` file; here that directory is remapped to
the chapter's source directory, so the kernel's working directory is ``book/`` (or
``book/experiments/``), exactly as under ``jupyter-book build``. Relative paths in a
chapter therefore mean the same thing in ``make test`` and in ``make book``.

A failing cell is reported against its chapter source, e.g.
``book/forward.md:57 (code cell 3): ValueError: ...``, with ANSI colours removed when the
output is not a terminal (CI logs).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
NBTEST_DIR = ROOT / "_build" / "nbtest"


def source_dir_for(cwd: str | os.PathLike[str]) -> str:
    """Map a directory inside ``_build/nbtest/`` to the same relative directory under the repo root.

    Directories outside ``_build/nbtest/`` are returned unchanged.
    """
    path = Path(cwd).resolve()
    try:
        rel = path.relative_to(NBTEST_DIR)
    except ValueError:
        return str(cwd)
    return str(ROOT / rel)


def _patch_nbval() -> None:
    try:
        import nbval.plugin
    except ImportError:  # plain `pytest tests/` in an env without the test extra
        return
    original = getattr(nbval.plugin, "RunningKernel", None)
    if original is None or getattr(original, "_ffnn_source_cwd", False):
        return

    def running_kernel_in_source_dir(kernel_name, cwd=None, *args, **kwargs):
        if cwd is not None:
            cwd = source_dir_for(cwd)
        return original(kernel_name, cwd, *args, **kwargs)

    running_kernel_in_source_dir._ffnn_source_cwd = True
    nbval.plugin.RunningKernel = running_kernel_in_source_dir


_patch_nbval()


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CODE_CELL_FENCE = re.compile(r"^(`{3,}|~{3,})\{code-cell\}")


def chapter_source(notebook: str | os.PathLike[str]) -> Path | None:
    """The ``book/**/*.md`` file a converted ``_build/nbtest/**/*.ipynb`` notebook came from."""
    try:
        rel = Path(notebook).resolve().relative_to(NBTEST_DIR)
    except ValueError:
        return None
    source = ROOT / rel.with_suffix(".md")
    return source if source.is_file() else None


def code_cell_line(source: Path, cell_num: int) -> int | None:
    """1-based line of the ``{code-cell}`` fence opening code cell ``cell_num`` (0-based)."""
    lines = source.read_text(encoding="utf-8").splitlines()
    fences = [i + 1 for i, line in enumerate(lines) if _CODE_CELL_FENCE.match(line)]
    return fences[cell_num] if cell_num < len(fences) else None


class _CellFailure:
    """A notebook-cell failure: the full text in the FAILURES section, one line in the summary."""

    def __init__(self, text: str, headline: str):
        self.text = text
        self.reprcrash = type("ReprCrash", (), {"message": headline})()

    def toterminal(self, tw) -> None:
        for line in self.text.splitlines():
            tw.line(line)

    def __str__(self) -> str:
        return self.text


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    cell_num = getattr(item, "cell_num", None)
    if not (report.failed and isinstance(cell_num, int) and isinstance(report.longrepr, str)):
        return
    source = chapter_source(item.parent.fspath)
    if source is None:
        return
    text = report.longrepr
    if not item.config.get_terminal_writer().hasmarkup:
        text = _ANSI.sub("", text)
    line = code_cell_line(source, cell_num)
    where = f"{source.relative_to(ROOT)}:{line or '?'} (code cell {cell_num})"
    last = [ln.strip() for ln in _ANSI.sub("", text).splitlines() if ln.strip()]
    error = last[-1] if last else "cell failed"
    report.longrepr = _CellFailure(f"Chapter source: {where}\n{text}", f"{where}: {error}")
