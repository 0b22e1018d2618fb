"""Tables of results: rows of numbers shown as text, Markdown, HTML or a pandas DataFrame.

Introduced in the Experiments chapter, where :meth:`ffnn.experiments.Results.summary` and
:class:`ffnn.comparison.Comparison` show their numbers as a :class:`Table`.

A cell holds a number, a string, or a ``(mean, std)`` pair from :func:`mean_std`, shown as
``mean ± std``. Numbers are formatted by the column's name: accuracies in %, times in s.
"""
import html
import math
import numbers

import numpy as np

__all__ = ["Table", "format_value", "format_metric", "mean_std"]


def format_value(key, value):
    """How a configuration value is written in tables and legends."""
    if value is None:
        return "none"
    if key in ("hidden", "layer_sizes") and isinstance(value, (list, tuple)):
        return "-".join(str(v) for v in value) if value else "(none)"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(None, v) for v in value) + "]"
    return value if isinstance(value, str) else repr(value)


def format_metric(column, value):
    """How a measured ``value`` (a number or a ``(mean, std)`` pair) is written in ``column``."""
    value, std = value if isinstance(value, tuple) else (value, None)
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if not isinstance(value, numbers.Real):
        return format_value(column, value)
    if column.endswith("accuracy"):
        body, unit, value, std = "{:.2f}", " %", 100 * value, None if std is None else 100 * std
    elif column.endswith("time"):
        body, unit = "{:.2f}", " s"
    elif isinstance(value, numbers.Integral):
        body, unit = "{}", ""
    else:
        body, unit = "{:.4f}", ""
    if std is None or std == 0 and isinstance(value, numbers.Integral):
        return body.format(value) + unit
    return body.format(value) + " ± " + body.format(std) + unit


def mean_std(values):
    """One value as a float; several as ``(mean, sample std)``, which a Table shows as mean ± std."""
    values = [float(v) for v in values]
    if len(values) == 1:
        return values[0]
    return float(np.mean(values)), float(np.std(values, ddof=1))


def _mean_of(value):
    """The number a cell stands for: the mean of a ``(mean, std)`` pair, else the value itself."""
    return value[0] if isinstance(value, tuple) else value


class Table:
    """A small tidy table: ``rows`` (list of dicts) shown in the order of ``columns``.

    ``table["test_accuracy"]`` is one column as a list (means, for ``(mean, std)`` cells).
    ``config_columns`` hold configuration values (:func:`format_value`); every other column
    holds measurements (:func:`format_metric`).
    """

    def __init__(self, rows, columns, caption="", config_columns=()):
        self.rows, self.columns, self.caption = list(rows), list(columns), caption
        self.config_columns = set(config_columns)

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, column):
        if column not in self.columns and not any(column in r for r in self.rows):
            raise KeyError(f"column: {column!r} is not in the table; columns: {', '.join(self.columns)}")
        return [_mean_of(r.get(column)) for r in self.rows]

    def _cells(self):
        return [[format_value(c, r.get(c)) if c in self.config_columns else format_metric(c, r.get(c))
                 for c in self.columns] for r in self.rows]

    def __repr__(self):
        cells = [self.columns] + self._cells()
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        lines = ["  ".join(v.ljust(w) if i < 1 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths)))
                 for row in cells]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return (self.caption + "\n" if self.caption else "") + "\n".join(lines)

    def to_markdown(self):
        """The table as a GitHub/MyST pipe table."""
        out = ["| " + " | ".join(self.columns) + " |",
               "|" + "|".join(":---" if i == 0 else "---:" for i in range(len(self.columns))) + "|"]
        out += ["| " + " | ".join(row) + " |" for row in self._cells()]
        return "\n".join(out)

    def _repr_html_(self):
        # Configuration columns read left to right; numbers line up on the right.
        align = ["left" if c in self.config_columns or i == 0 else "right" for i, c in enumerate(self.columns)]
        cell = 'style="text-align:{}; white-space:nowrap; padding:2px 8px"'
        head = "".join(f"<th {cell.format(a)}>{html.escape(c)}</th>" for c, a in zip(self.columns, align))
        body = "".join("<tr>" + "".join(f"<td {cell.format(a)}>{html.escape(v)}</td>"
                                        for v, a in zip(row, align)) + "</tr>" for row in self._cells())
        caption = (f'<caption style="caption-side:bottom; text-align:left; font-size:smaller">'
                   f"{html.escape(self.caption)}</caption>" if self.caption else "")
        return (f'<table class="ffnn-table" style="font-size:0.85em">{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>")

    def to_pandas(self):
        """A pandas DataFrame of the rows (needs pandas; means only, for (mean, std) cells)."""
        import pandas as pd
        return pd.DataFrame([{c: _mean_of(r.get(c)) for c in self.columns} for r in self.rows])
