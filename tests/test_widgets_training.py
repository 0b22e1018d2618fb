"""Tests for ffnn.widgets.TrainingExplorer: set values, then check the model it trained and the
lines it drew against an independently trained FFNN."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import ffnn
from ffnn.widgets import TrainingExplorer

pytest.importorskip("sklearn")   # load_digits needs it (no download)

EPOCHS = 6


@pytest.fixture(scope="module")
def digits():
    X, y, X_test, y_test = ffnn.datasets.load_digits()
    # a small slice keeps every retraining small
    return X[:300], y[:300], X_test[:100], y_test[:100]


@pytest.fixture
def explorer(digits):
    return TrainingExplorer(*digits, epochs=EPOCHS)


def reference_history(digits, learning_rate=0.1, batch_size=32, optimizer="sgd", regularization=None,
                      epochs=EPOCHS):
    """What the explorer should show: the same fit, done by hand."""
    X, y, X_val, y_val = digits
    model = ffnn.FFNN([64, 32, 10], ["relu", "softmax"], "categorical_crossentropy",
                      regularization=regularization, seed=0, dtype="float32")
    return model, model.fit(X, y, batch_size=batch_size, learning_rate=learning_rate, epochs=epochs,
                            validation_data=(X_val, y_val), optimizer=optimizer, verbose=0)


def test_defaults_build_a_64_32_10_classifier(explorer):
    assert explorer.layer_sizes == [64, 32, 10]
    assert explorer.model.activations == ["relu", "softmax"]
    assert explorer.model.loss_name == "categorical_crossentropy"
    assert explorer.settings == TrainingExplorer.DEFAULTS
    assert explorer.model.regularization is None and explorer.diverged is None
    assert explorer.history.epochs == EPOCHS


def test_lines_are_the_models_history(explorer):
    fig = explorer.set(learning_rate=0.3, batch_size=16)
    assert fig is explorer.figure
    h = explorer.model.history
    np.testing.assert_array_equal(explorer.train_line.get_ydata(), h["loss"])
    np.testing.assert_array_equal(explorer.val_line.get_ydata(), h["val_loss"])
    np.testing.assert_array_equal(explorer.train_line.get_xdata(), np.arange(1, EPOCHS + 1))
    assert f"{h['val_accuracy'][-1]:.3f}" in explorer.ax.get_title()


@pytest.mark.parametrize("settings, reference", [
    (dict(learning_rate=0.3, batch_size=16), dict(learning_rate=0.3, batch_size=16)),
    (dict(optimizer="adam", learning_rate=0.01), dict(optimizer="adam", learning_rate=0.01)),
    (dict(regularization="l1", lam=1e-3), dict(regularization=ffnn.L1(1e-3))),
    (dict(regularization="L2", lam=3e-3), dict(regularization=ffnn.L2(3e-3))),
])
def test_curves_equal_an_independent_fit(digits, explorer, settings, reference):
    explorer.set(**settings)
    model, h = reference_history(digits, **reference)
    assert explorer.model.regularization == model.regularization
    np.testing.assert_array_equal(explorer.train_line.get_ydata(), h["loss"])
    np.testing.assert_array_equal(explorer.val_line.get_ydata(), h["val_loss"])
    for (_, p), (_, q) in zip(explorer.model.parameters(), model.parameters()):
        np.testing.assert_array_equal(p, q)


def test_same_settings_give_the_same_curve_and_do_not_retrain(explorer):
    explorer.set(learning_rate=0.2)
    model, before = explorer.model, list(explorer.train_line.get_ydata())
    explorer.set(learning_rate=0.2, batch_size=32)   # nothing changed
    assert explorer.model is model
    explorer.set(learning_rate=0.05)
    explorer.set(learning_rate=0.2)                  # a fresh model from the same seed
    assert explorer.model is not model
    assert list(explorer.train_line.get_ydata()) == before


def test_a_larger_learning_rate_lowers_the_curve_and_keeps_the_previous_in_grey(explorer):
    explorer.set(learning_rate=0.01)
    slow = np.array(explorer.train_line.get_ydata())
    explorer.set(learning_rate=0.3)
    fast = np.array(explorer.train_line.get_ydata())
    # lr = 0.01 barely moves away from the uniform guess, ln 10 = 2.30
    assert slow[-1] > 1.8 and fast[-1] < 0.5 * slow[-1]
    np.testing.assert_array_equal(explorer.previous_lines[0].get_ydata(), slow)
    assert explorer.ax.get_ylim()[0] <= fast.min() and explorer.ax.get_ylim()[1] >= slow.max()


def test_penalty_is_part_of_the_training_loss(explorer):
    explorer.set(regularization="l2", lam=1e-2)
    model = explorer.model
    assert model.regularization == ffnn.L2(1e-2)
    # val_loss adds the penalty of the weights at the end of the epoch
    X_val, Y_val = explorer.X_val, explorer.Y_val
    assert explorer.val_line.get_ydata()[-1] == pytest.approx(model.loss(X_val, Y_val), rel=1e-5)
    assert model.penalty() > 0.01
    assert "L2(lam=0.01)" in explorer.ax.get_title()
    explorer.set(regularization="none")
    assert explorer.model.regularization is None and explorer.model.penalty() == 0


def test_divergence_is_reported_not_raised(digits):
    X, y, X_val, y_val = digits
    Y, Y_val = ffnn.datasets.one_hot(y), ffnn.datasets.one_hot(y_val)
    # a linear model with a squared error is a quadratic bowl: lr far beyond 2/curvature blows up
    e = TrainingExplorer(X, Y, X_val, Y_val, layer_sizes=[64, 10], loss="mse", epochs=EPOCHS,
                         learning_rate=0.1)
    assert e.diverged is None and e.model.activations == ["linear"]
    e.set(learning_rate=3.0)
    assert e.diverged is not None and "training diverged" in e.diverged
    finished = e.history.epochs
    assert finished < EPOCHS
    assert len(e.train_line.get_ydata()) == finished
    assert np.isfinite(e.train_line.get_ydata()).all()
    assert "diverged after" in e.ax.get_title()
    e.set(learning_rate=0.1)
    assert e.diverged is None and e.history.epochs == EPOCHS


@pytest.mark.parametrize("settings, error, match", [
    (dict(momentum=0.9), ValueError, "momentum: unknown setting; expected one of learning_rate"),
    (dict(optimizer="lbfgs"), ValueError, "optimizer: expected one of 'sgd', 'momentum', .*got 'lbfgs'"),
    (dict(optimizer=ffnn.optim.Adam()), TypeError, "optimizer: expected one of 'sgd', 'momentum', .*got Adam"),
    (dict(regularization="l3"), ValueError, "regularization: expected one of 'none', 'l1', 'l2', got 'l3'"),
    (dict(regularization=ffnn.L2(0.1)), TypeError, "regularization: expected one of"),
    (dict(learning_rate=-0.1), ValueError, r"learning_rate: expected a number in \(0, inf\), got -0.1"),
    (dict(learning_rate="fast"), TypeError, "learning_rate: expected a number"),
    (dict(batch_size=0), ValueError, "batch_size: expected an integer >= 1"),
    (dict(batch_size=16.0), TypeError, "batch_size: expected an integer"),
    (dict(lam=-1e-3), ValueError, r"lam: expected a number in \[0, inf\)"),
    (dict(lam=True), TypeError, "lam: expected a number"),
])
def test_set_rejects_bad_values_before_changing_anything(explorer, settings, error, match):
    model, before = explorer.model, dict(explorer.settings)
    with pytest.raises(error, match=match):
        explorer.set(**{"batch_size": 16, **settings})
    assert explorer.model is model and explorer.settings == before


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(epochs=0), ValueError, "epochs: expected an integer >= 1"),
    (dict(loss="hinge"), ValueError, "loss"),
    (dict(learning_rate=0), ValueError, "learning_rate"),
])
def test_constructor_validates(digits, kwargs, error, match):
    with pytest.raises(error, match=match):
        TrainingExplorer(*digits, **kwargs)


def test_constructor_checks_the_data(digits):
    X, y, X_val, y_val = digits
    with pytest.raises(ValueError, match="X_val: expected 64 features"):
        TrainingExplorer(X, y, X_val[:, :10], y_val)
    with pytest.raises(ValueError, match="X_train, y_train: expected the same number of rows, got 300 and 10"):
        TrainingExplorer(X, y[:10], X_val, y_val)
    with pytest.raises(ValueError, match="X_val, y_val: expected the same number of rows"):
        TrainingExplorer(X, y, X_val, y_val[:5])
    with pytest.raises(ValueError, match="X_train: expected a 2-D array"):
        TrainingExplorer(X[0], y, X_val, y_val)


def test_widget_has_the_controls_and_retrains_on_change(digits):
    widgets = pytest.importorskip("ipywidgets")
    e = TrainingExplorer(*digits, epochs=EPOCHS)
    box = e.widget()

    def walk(w):
        yield w
        for child in getattr(w, "children", ()):
            yield from walk(child)

    found = list(walk(box))
    controls = {w.description: w for w in found if isinstance(w, widgets.ValueWidget)}
    assert set(controls) == set(TrainingExplorer.SETTINGS)
    assert isinstance(controls["learning_rate"], widgets.FloatLogSlider)
    assert isinstance(controls["batch_size"], widgets.SelectionSlider)
    assert isinstance(controls["lam"], widgets.FloatLogSlider)
    assert list(controls["optimizer"].options) == list(ffnn.optim.NAMES)
    assert list(controls["regularization"].options) == ["none", "l1", "l2"]
    sliders = [controls[n] for n in ("learning_rate", "batch_size", "lam")]
    assert all(s.continuous_update is False for s in sliders)
    assert controls["lam"].disabled   # no penalty, so lam does nothing
    (out,) = [w for w in found if isinstance(w, widgets.Output)]
    (shown,) = out.outputs
    assert shown["data"]["image/png"].startswith("iVBORw0KGgo")   # base64 of the PNG signature

    controls["batch_size"].value = 64
    assert e.settings["batch_size"] == 64
    _, h = reference_history(digits, batch_size=64)
    np.testing.assert_array_equal(e.train_line.get_ydata(), h["loss"])
    assert out.outputs[0]["data"]["image/png"] != shown["data"]["image/png"]
    controls["regularization"].value = "l1"
    assert e.model.regularization == ffnn.L1(e.settings["lam"]) and not controls["lam"].disabled
    # set() from code moves the controls
    e.set(learning_rate=0.01, optimizer="momentum")
    assert controls["learning_rate"].value == pytest.approx(0.01)
    assert controls["optimizer"].value == "momentum"
