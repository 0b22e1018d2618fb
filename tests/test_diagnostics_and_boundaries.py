"""The pictures of issue 16: plot.diagnostics reads the monitor's history, plot.decision_boundary
colours the plane by the model's own prediction, plot.hidden_units draws each first-layer unit's
line, and the seeded toy data sets they are drawn on."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import ffnn  # noqa: E402
from ffnn import datasets, plot  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------------------- toy data
@pytest.mark.parametrize("make, K", [(datasets.make_moons, 2), (datasets.make_circles, 2), (datasets.make_spirals, 3)])
def test_toy_data_are_seeded_balanced_and_labelled(make, K):
    X, y = make(n_samples=150, seed=3)
    assert X.shape == (150, 2) and X.dtype == np.float64 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [150 // K] * K
    X2, y2 = make(n_samples=150, seed=3)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(X, make(n_samples=150, seed=4)[0])


def test_toy_data_have_the_shapes_their_names_promise():
    X, y = datasets.make_circles(n_samples=400, noise=0.0, factor=0.3)
    radius = np.hypot(*X.T)
    assert np.allclose(radius[y == 0], 1.0) and np.allclose(radius[y == 1], 0.3)
    X, y = datasets.make_moons(n_samples=400, noise=0.0)
    assert np.allclose(np.hypot(*X[y == 0].T), 1.0) and X[y == 0, 1].min() >= -1e-12
    assert np.allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0) and X[y == 1, 1].max() <= 0.5 + 1e-12
    X, y = datasets.make_spirals(n_samples=300, noise=0.0)
    r = np.hypot(*X.T)
    theta = np.arctan2(X[:, 0], X[:, 1])          # X = r (sin θ, cos θ)
    for k in range(3):
        arm = (y == k) & (r > 0)
        expected = 4 * r[arm] + 2 * np.pi * k / 3
        assert np.allclose(np.angle(np.exp(1j * (theta[arm] - expected))), 0, atol=1e-9)


@pytest.mark.parametrize("call, error, match", [
    (lambda: datasets.make_moons(n_samples=1), ValueError, "n_samples"),
    (lambda: datasets.make_moons(noise=-0.1), ValueError, "noise"),
    (lambda: datasets.make_circles(factor=1.0), ValueError, "factor"),
    (lambda: datasets.make_spirals(n_classes=1), ValueError, "n_classes"),
    (lambda: datasets.make_spirals(seed=1.5), TypeError, "seed"),
])
def test_toy_data_refuse_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------------------- decision boundaries
def _trained(make=datasets.make_moons, epochs=120):
    X, y = make(n_samples=200, seed=0)
    K = int(y.max()) + 1
    if K == 2:
        model = ffnn.FFNN([2, 16, 1], ["relu", "sigmoid"], "binary_crossentropy", seed=0)
    else:
        model = ffnn.FFNN([2, 32, K], ["relu", "softmax"], "categorical_crossentropy", seed=0)
    model.fit(X, y, batch_size=32, learning_rate=0.02, epochs=epochs, optimizer="adam", verbose=0)
    return model, X, y


def _regions(fig):
    return next(im for ax in fig.axes for im in ax.images if im.get_gid() == "regions")


def test_binary_boundary_colours_the_plane_with_the_models_probability():
    model, X, y = _trained()
    fig = plot.decision_boundary(model, X, y, resolution=40, padding=0.25)
    image = _regions(fig).get_array()
    lo, hi = X.min(axis=0) - 0.25, X.max(axis=0) + 0.25
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], 40), np.linspace(lo[1], hi[1], 40))
    expected = model.predict(np.column_stack([xx.ravel(), yy.ravel()]))[:, 0].reshape(40, 40)
    assert np.allclose(image, expected)
    # the picture says what the model says at the data: the points fall on their class's side
    rows = np.clip(np.searchsorted(yy[:, 0], X[:, 1]), 0, 39)
    cols = np.clip(np.searchsorted(xx[0], X[:, 0]), 0, 39)
    assert np.mean((image[rows, cols] >= 0.5) == (y == 1)) > 0.9


def test_multiclass_boundary_paints_each_class_in_its_colour():
    model, X, y = _trained(datasets.make_spirals, epochs=200)
    fig = plot.decision_boundary(model, X, y, resolution=30)
    rgb = _regions(fig).get_array()
    assert rgb.shape == (30, 30, 3)
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], 30), np.linspace(lo[1], hi[1], 30))
    label = model.predict_classes(np.column_stack([xx.ravel(), yy.ravel()])).reshape(30, 30)
    base = plt.get_cmap("tab10")(np.arange(3))[:, :3]
    # each pixel is its predicted class's colour mixed with white: the nearest base hue is that class
    hue = np.argmin([np.linalg.norm((1 - rgb) / np.linalg.norm(1 - rgb, axis=-1, keepdims=True)
                                    - (1 - c) / np.linalg.norm(1 - c), axis=-1) for c in base], axis=0)
    assert np.array_equal(hue, label)


def test_hidden_units_draws_each_units_line_where_its_preactivation_is_zero():
    model, X, y = _trained()
    fig = plot.hidden_units(model, X, y, max_units=5)
    lines = {ln.get_gid(): ln for ax in fig.axes for ln in ax.lines if (ln.get_gid() or "").startswith("unit")}
    assert sorted(lines) == [f"unit {j}" for j in range(5)]
    W, b = model.layers[0].W, model.layers[0].b
    for j in range(5):
        pts = np.column_stack(lines[f"unit {j}"].get_data())
        assert np.allclose(pts @ W[:, j] + b[j], 0, atol=1e-9 * np.abs(pts).max())


@pytest.mark.parametrize("call, error, match", [
    (lambda m, X, y: plot.decision_boundary(ffnn.FFNN([3, 2, 1], ["relu", "sigmoid"], "binary_crossentropy"), X, y),
     ValueError, "model: expected a network with 2 inputs"),
    (lambda m, X, y: plot.decision_boundary(m, X[:, :1], y), ValueError, r"X: expected an array of shape \(N, 2\)"),
    (lambda m, X, y: plot.decision_boundary(m, X, y[:-1]), ValueError, "y: expected integer labels"),
    (lambda m, X, y: plot.decision_boundary(m, X, y, resolution=5), ValueError, "resolution"),
    (lambda m, X, y: plot.decision_boundary("net", X, y), TypeError, "model: expected an ffnn.FFNN"),
    (lambda m, X, y: plot.hidden_units(m, X, y, max_units=0), ValueError, "max_units"),
])
def test_boundary_pictures_refuse_bad_arguments(call, error, match):
    model, X, y = _trained(epochs=1)
    with pytest.raises(error, match=match):
        call(model, X, y)


# ---------------------------------------------------------------------------- diagnostics
def test_diagnostics_draws_the_monitors_numbers_one_line_per_layer():
    X, y = datasets.make_moons(n_samples=120, seed=1)
    model = ffnn.FFNN([2, 8, 8, 1], ["relu", "tanh", "sigmoid"], "binary_crossentropy", seed=0)
    model.fit(X, y, batch_size=16, learning_rate=0.05, epochs=4, verbose=0, monitor=True)
    fig = plot.diagnostics(model.history)
    ratio_ax, norm_ax, inactive_ax, mean_ax = fig.axes
    h = model.history
    for ax, key in ((ratio_ax, "update_ratio"), (norm_ax, "grad_norm"), (mean_ax, "a_mean")):
        drawn = [ln for ln in ax.lines if ln.get_label().startswith("layers[")]
        assert [ln.get_label() for ln in drawn] == ["layers[0]", "layers[1]", "layers[2]"]
        for i, ln in enumerate(drawn):
            assert np.allclose(ln.get_ydata(), h[f"layers[{i}].{key}"])
    inactive = {ln.get_label(): ln.get_ydata() for ln in inactive_ax.lines}
    assert sorted(inactive) == ["layers[0] (dead)", "layers[1] (saturated)"]
    assert np.allclose(inactive["layers[0] (dead)"], h["layers[0].dead"])
    assert ratio_ax.get_yscale() == "log"


def test_diagnostics_without_monitoring_says_how_to_record_them():
    X, y = datasets.make_moons(n_samples=40)
    model = ffnn.FFNN([2, 4, 1], ["relu", "sigmoid"], "binary_crossentropy")
    model.fit(X, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"fit\(\.\.\., monitor=True\)"):
        plot.diagnostics(model.history)
    with pytest.raises(TypeError, match="use model.history"):
        plot.diagnostics(model)
