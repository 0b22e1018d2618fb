"""Tests for ffnn.widgets.SweepExplorer: show a configuration, then check the lines it drew against
the sweep's own histories."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from ffnn.experiments import load_data, sweep
from ffnn.widgets import SweepExplorer

pytest.importorskip("sklearn")   # load_digits needs it (no download)

# a slice of the digits: every sweep below trains small networks for three epochs
DATA = load_data("digits", n_train=300, seed=1)
BASE = {"hidden": [12], "epochs": 3, "batch_size": 64}


@pytest.fixture(scope="module")
def results():
    """Four configurations, two seeds each."""
    return sweep(BASE, {"activation": ["relu", "tanh"], "learning_rate": [0.05, 0.2]}, DATA, seeds=(0, 1),
                 n_jobs=1)


def test_explorer_lines_carry_the_chosen_history(results):
    e = SweepExplorer(results)
    assert e.selected == results.labels[0]
    fig = e.show(2)
    assert e.selected == results.labels[2] and fig is e.figure
    h = results.history(results.labels[2])
    for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
        np.testing.assert_allclose(e.lines[key].get_ydata(), h[key])
        np.testing.assert_array_equal(e.lines[key].get_xdata(), [1, 2, 3])
    e.show("activation=tanh, learning_rate=0.05")
    np.testing.assert_allclose(e.lines["val_loss"].get_ydata(),
                               results.history("activation=tanh, learning_rate=0.05")["val_loss"])
    acc = results.metric("test_accuracy")["activation=tanh, learning_rate=0.05"]
    assert f"{100 * acc:.2f}" in fig._suptitle.get_text()
    # one grey line per configuration behind the chosen one
    assert len(e.loss_ax.get_lines()) == 4 + 2


@pytest.mark.parametrize("which", [4, -5, "nope", "activation=tanh"])
def test_explorer_rejects_unknown_configurations(results, which):
    with pytest.raises(ValueError, match="which"):
        SweepExplorer(results).show(which)


def test_explorer_widget_follows_the_dropdown(results):
    pytest.importorskip("ipywidgets")
    e = SweepExplorer(results, selected=1)
    box = e.widget()
    dropdown, out = box.children
    assert list(dropdown.options) == results.labels and dropdown.value == results.labels[1]
    assert out.outputs[0]["data"]["image/png"]
    dropdown.value = results.labels[3]
    assert e.selected == results.labels[3]
    np.testing.assert_allclose(e.lines["loss"].get_ydata(), results.history(results.labels[3])["loss"])
    e.show(0)  # code moves the dropdown too
    assert dropdown.value == results.labels[0]


def test_explorer_needs_results():
    with pytest.raises(TypeError, match="results"):
        SweepExplorer({"loss": [1.0]})


def test_explorer_shows_a_run_that_diverged_in_its_first_epoch():
    r = sweep({**BASE, "loss": "mse"}, {"learning_rate": [1e-3, 1e6]}, DATA, n_jobs=1)
    assert r.rows[1]["status"] == "diverged" and r.rows[1]["epochs"] == 0
    e = SweepExplorer(r, selected=1)
    assert e.selected == "learning_rate=1e+06" and len(e.lines["loss"].get_xdata()) == 0
    np.testing.assert_allclose(e.show(0).axes[0].get_lines()[0].get_ydata(), r.history(r.labels[0])["val_loss"])
