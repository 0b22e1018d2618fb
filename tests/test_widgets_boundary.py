"""ffnn.widgets.BoundaryExplorer without a browser: set values, then check the model it trained and
what it drew against an independently trained FFNN."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import ffnn  # noqa: E402
from ffnn.widgets import BoundaryExplorer  # noqa: E402

EPOCHS = 8


@pytest.fixture(scope="module")
def explorer():
    return BoundaryExplorer(n_samples=80, epochs=EPOCHS)


def reference(dataset="moons", width=16, depth=2, activation="relu", learning_rate=0.01, lam=0.0):
    X, y = BoundaryExplorer.DATASETS[dataset](n_samples=80, seed=0)
    K = int(y.max()) + 1
    out, loss, n_out = ("sigmoid", "binary_crossentropy", 1) if K == 2 else ("softmax", "categorical_crossentropy", K)
    model = ffnn.FFNN([2] + [width] * depth + [n_out], [activation] * depth + [out], loss, seed=0,
                      regularization=ffnn.L2(lam) if lam else None)
    model.fit(X, y, batch_size=32, learning_rate=learning_rate, epochs=EPOCHS, optimizer="adam", verbose=0)
    return model


def test_each_setting_trains_the_network_it_names(explorer):
    for settings in ({}, {"width": 4, "depth": 1}, {"activation": "tanh", "lam": 1e-2},
                     {"dataset": "spirals", "learning_rate": 0.05}):
        explorer.set(**{**BoundaryExplorer.DEFAULTS, **settings})
        ref = reference(**settings)
        assert explorer.model.layer_sizes == ref.layer_sizes
        assert explorer.model.activations == ref.activations
        for (_, p), (_, q) in zip(explorer.model.parameters(), ref.parameters()):
            assert np.array_equal(p, q)
        assert np.allclose(explorer.loss_line.get_ydata(), ref.history["loss"])
        X, y = explorer.data()
        assert f"accuracy {ref.accuracy(X, y):.2f}" in explorer.ax.get_title()


def test_a_boundary_is_drawn_and_changes_with_the_settings(explorer):
    explorer.set(**BoundaryExplorer.DEFAULTS)
    before = next(im for im in explorer.ax.images if im.get_gid() == "regions").get_array().copy()
    explorer.set(width=2)
    after = next(im for im in explorer.ax.images if im.get_gid() == "regions").get_array()
    assert before.shape == after.shape and not np.allclose(before, after)


def test_unchanged_settings_do_not_retrain(explorer):
    explorer.set(**BoundaryExplorer.DEFAULTS)
    model = explorer.model
    explorer.set(width=BoundaryExplorer.DEFAULTS["width"])
    assert explorer.model is model


def test_a_diverged_run_is_reported_not_raised(monkeypatch):
    # Adam's steps are bounded by the rate, so on this data no rate makes the loss overflow;
    # a fit that raises stands in for one.
    def diverge(self, *args, **kwargs):
        raise ffnn.DivergenceError("training diverged: the loss became inf in epoch 1, batch 1")
    monkeypatch.setattr(ffnn.FFNN, "fit", diverge)
    explorer = BoundaryExplorer(n_samples=40, epochs=3)
    assert explorer.diverged.startswith("training diverged")
    assert explorer.ax.get_title().endswith("diverged") and not explorer.ax.images


@pytest.mark.parametrize("settings, error, match", [
    ({"dataset": "blobs"}, ValueError, "dataset: expected one of"),
    ({"width": 0}, ValueError, "width"),
    ({"depth": 9}, ValueError, "depth"),
    ({"activation": "softmax"}, ValueError, "activation: expected one of"),
    ({"learning_rate": -1}, ValueError, "learning_rate"),
    ({"lam": -0.1}, ValueError, "lam"),
    ({"colour": "red"}, ValueError, "colour: unknown setting"),
])
def test_bad_settings_are_refused_and_change_nothing(explorer, settings, error, match):
    explorer.set(**BoundaryExplorer.DEFAULTS)
    model = explorer.model
    with pytest.raises(error, match=match):
        explorer.set(**settings)
    assert explorer.model is model and explorer.settings == BoundaryExplorer.DEFAULTS


def test_the_controls_follow_set_and_drive_it():
    pytest.importorskip("ipywidgets")
    explorer = BoundaryExplorer(n_samples=40, epochs=2)
    box = explorer.widget()
    assert explorer._out.outputs and box.children
    explorer.set(depth=3)
    assert explorer._controls["depth"].value == 3
    explorer._controls["activation"].value = "tanh"
    assert explorer.settings["activation"] == "tanh" and explorer.model.activations[0] == "tanh"
