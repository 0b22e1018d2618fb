"""Tests for ffnn.table: how cells are formatted and the four renderings of a Table."""
import math

import pytest

from ffnn.table import Table, format_metric, format_value, mean_std


def test_table_formats_by_column_and_shows_mean_pm_std():
    rows = [{"lr": 0.1, "epochs": 5, "test_loss": 0.123456, "test_accuracy": (0.9712, 0.0011),
             "train_time": 1.234},
            {"lr": 1.0, "epochs": 5, "test_loss": math.nan, "test_accuracy": 0.1, "train_time": 0.5}]
    t = Table(rows, ["lr", "epochs", "test_loss", "test_accuracy", "train_time"], "caption", ["lr"])
    assert t.to_markdown() == (
        "| lr | epochs | test_loss | test_accuracy | train_time |\n"
        "|:---|---:|---:|---:|---:|\n"
        "| 0.1 | 5 | 0.1235 | 97.12 ± 0.11 % | 1.23 s |\n"
        "| 1 | 5 | — | 10.00 % | 0.50 s |")
    html = t._repr_html_()
    assert html.count("<tr>") == 3 and ">caption</caption>" in html and "97.12 ± 0.11 %" in html
    assert html.count("<td") == 10 and html.count("text-align:right") == 4 * 3
    text = repr(t).splitlines()
    assert text[0] == "caption" and text[1].split() == t.columns and set(text[2]) <= {"-", " "}
    assert t["test_accuracy"] == [0.9712, 0.1]
    with pytest.raises(KeyError, match="nope"):
        t["nope"]


@pytest.mark.parametrize("column, value, text", [
    ("test_accuracy", 0.97125, "97.12 %"),
    ("test_accuracy", (0.9, 0.01), "90.00 ± 1.00 %"),
    ("train_time", (2.0, 0.5), "2.00 ± 0.50 s"),
    ("epochs", 5, "5"),
    ("epochs", (5, 0), "5"),
    ("val_loss", 0.25, "0.2500"),
    ("val_loss", math.nan, "—"),
    ("val_loss", None, "—"),
    ("status", "diverged 1/2", "diverged 1/2"),
])
def test_format_metric_by_column(column, value, text):
    assert format_metric(column, value) == text


@pytest.mark.parametrize("key, value, text", [
    ("hidden", [128, 64], "128-64"),
    ("hidden", [], "(none)"),
    ("learning_rate", 0.1, "0.1"),
    ("activations", ["relu", "softmax"], "[relu, softmax]"),
    ("regularization", None, "none"),
    ("rmsnorm", True, "True"),
])
def test_format_value_writes_configuration_values(key, value, text):
    assert format_value(key, value) == text


def test_mean_std_is_the_mean_and_sample_std_or_the_one_value():
    assert mean_std([3]) == 3.0 and isinstance(mean_std([3]), float)
    mean, std = mean_std([1.0, 2.0, 3.0])
    assert mean == 2.0 and std == pytest.approx(1.0)   # ddof=1: sqrt((1 + 0 + 1) / 2)


def test_to_pandas_keeps_the_means():
    pd = pytest.importorskip("pandas")
    t = Table([{"lr": 0.1, "test_accuracy": (0.9, 0.01)}], ["lr", "test_accuracy"], config_columns=["lr"])
    df = t.to_pandas()
    assert isinstance(df, pd.DataFrame) and list(df.columns) == ["lr", "test_accuracy"]
    assert df["test_accuracy"].tolist() == [0.9]
