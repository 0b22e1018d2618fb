"""Tests for ffnn.widgets: drive each widget through its plain methods and check the numbers it draws."""
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import ffnn
from ffnn.widgets import SurfaceExplorer


def _sigmoid(t):
    return 1.0 / (1.0 + math.exp(-t))


# ---------------------------------------------------------------------------- SurfaceExplorer
@pytest.fixture
def explorer():
    # resolution 7 over [-3, 3] puts the grid exactly on the integers -3..3
    return SurfaceExplorer(resolution=7)


def test_grid_covers_the_square_row_major_in_x2(explorer):
    assert explorer.grid.shape == (49, 2)
    np.testing.assert_array_equal(explorer.xs, np.arange(-3.0, 4.0))
    # row k of the surface is x_2 = xs[k], column l is x_1 = xs[l]
    np.testing.assert_array_equal(explorer.grid[7 * 2 + 5], [2.0, -1.0])


def test_set_writes_the_ffnn_layers():
    e = SurfaceExplorer(resolution=5)
    values = dict(W1_11=0.5, W1_12=-1.0, W1_21=1.5, W1_22=2.0, b1_1=0.25, b1_2=-0.75,
                  W2_11=3.0, W2_21=-2.0, b2_1=0.1)
    e.set(**values)
    np.testing.assert_array_equal(e.model.layers[0].W, [[0.5, -1.0], [1.5, 2.0]])
    np.testing.assert_array_equal(e.model.layers[0].b, [0.25, -0.75])
    np.testing.assert_array_equal(e.model.layers[1].W, [[3.0], [-2.0]])
    np.testing.assert_array_equal(e.model.layers[1].b, [0.1])
    assert e.parameters == values


def test_image_is_ffnn_forward_on_the_grid(explorer):
    fig = explorer.set(W1_11=1.2, W1_22=-0.7, b2_1=0.4, activation="relu", output="sigmoid")
    assert fig is explorer.figure
    data = np.asarray(explorer.image.get_array())
    expected = explorer.model.forward(explorer.grid).reshape(7, 7)
    np.testing.assert_allclose(data, expected, rtol=0, atol=1e-15)
    # and an independent FFNN with the same weights gives the same picture
    twin = ffnn.FFNN([2, 2, 1], ["relu", "sigmoid"], loss="mse")
    for layer, src in zip(twin.layers, explorer.model.layers):
        layer.W[...], layer.b[...] = src.W, src.b
    np.testing.assert_allclose(data, twin.predict(explorer.grid).reshape(7, 7), rtol=0, atol=1e-15)


def test_one_point_by_hand(explorer):
    p = dict(W1_11=0.5, W1_12=-1.0, W1_21=1.5, W1_22=2.0, b1_1=0.25, b1_2=-0.75,
             W2_11=3.0, W2_21=-2.0, b2_1=0.1)
    explorer.set(**p, activation="tanh", output="sigmoid")
    x1, x2 = 2.0, -1.0
    h1 = math.tanh(x1 * p["W1_11"] + x2 * p["W1_21"] + p["b1_1"])
    h2 = math.tanh(x1 * p["W1_12"] + x2 * p["W1_22"] + p["b1_2"])
    y_hat = _sigmoid(h1 * p["W2_11"] + h2 * p["W2_21"] + p["b2_1"])
    # x_2 = -1 is row 2, x_1 = 2 is column 5
    assert explorer.image.get_array()[2, 5] == pytest.approx(y_hat, rel=1e-12)
    assert explorer.surface()[2, 5] == pytest.approx(y_hat, rel=1e-12)


def test_changing_the_activation_changes_the_data_and_keeps_the_weights(explorer):
    before = np.array(explorer.image.get_array())
    params = explorer.parameters
    explorer.set(activation="relu")
    after = np.array(explorer.image.get_array())
    assert explorer.activation == "relu" and explorer.model.activations == ["relu", "sigmoid"]
    assert explorer.parameters == params
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, explorer.model.predict(explorer.grid).reshape(7, 7), atol=1e-15)
    explorer.set(activation="tanh")
    np.testing.assert_allclose(explorer.image.get_array(), before, atol=1e-15)


def test_linear_network_is_a_plane(explorer):
    explorer.set(activation="linear", output="linear", W1_11=1.0, W1_12=0.0, W1_21=0.0, W1_22=1.0,
                 b1_1=0.0, b1_2=0.0, W2_11=2.0, W2_21=-1.0, b2_1=0.5)
    x1, x2 = explorer.grid[:, 0], explorer.grid[:, 1]
    np.testing.assert_allclose(explorer.surface().ravel(), 2 * x1 - x2 + 0.5, atol=1e-12)
    # an unbounded output is coloured over the data's own range
    assert explorer.image.get_clim() == pytest.approx((-8.5, 9.5))


def test_colour_scale_is_fixed_for_sigmoid_output(explorer):
    explorer.set(output="sigmoid", b2_1=-5.0)
    assert explorer.image.get_clim() == (0.0, 1.0)


def test_zero_lines_follow_the_hidden_units(explorer):
    explorer.set(W1_11=1.0, W1_21=2.0, b1_1=-1.0, W1_12=0.0, W1_22=0.0, b1_2=1.0)
    x, y = explorer.lines[0].get_data()
    np.testing.assert_allclose(np.asarray(x) * 1.0 + np.asarray(y) * 2.0 - 1.0, 0.0, atol=1e-12)
    x, y = explorer.lines[1].get_data()
    assert len(x) == 0 and len(y) == 0   # unit 2 has w = 0: z_2 is never 0


def test_set_rejects_unknown_names_and_keeps_the_state(explorer):
    params = explorer.parameters
    with pytest.raises(ValueError, match="W3_11: unknown parameter; expected one of W1_11"):
        explorer.set(W1_11=1.0, W3_11=1.0)
    assert explorer.parameters == params


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(activation="sigmoidal"), ValueError, "activation: unknown activation 'sigmoidal'"),
    (dict(output="swishy"), ValueError, "output: unknown activation 'swishy'"),
    (dict(output="softmax"), ValueError, "output: softmax over a single output"),
    (dict(activation=3), TypeError, "activation: expected an activation name"),
    (dict(W1_11="1.0"), TypeError, "W1_11: expected a number"),
    (dict(b1_2=True), TypeError, "b1_2: expected a number"),
    (dict(W2_21=float("nan")), ValueError, r"W2_21: expected a number in \(-inf, inf\), got nan"),
])
def test_set_rejects_bad_values_before_changing_anything(explorer, kwargs, error, match):
    params, acts = explorer.parameters, list(explorer.model.activations)
    with pytest.raises(error, match=match):
        explorer.set(**{"W1_11": -2.5, "b2_1": 0.5, **kwargs})
    assert explorer.parameters == params and explorer.model.activations == acts


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(resolution=1), ValueError, "resolution: expected an integer >= 2"),
    (dict(resolution=2.5), TypeError, "resolution: expected an integer, got 2.5"),
    (dict(lim=0), ValueError, r"lim: expected a number in \(0, inf\)"),
    (dict(lim=float("inf")), ValueError, "lim: expected a number"),
    (dict(lim="3"), TypeError, "lim: expected a number"),
])
def test_constructor_validates(kwargs, error, match):
    with pytest.raises(error, match=match):
        SurfaceExplorer(**kwargs)


def test_constructor_takes_initial_values():
    e = SurfaceExplorer(resolution=3, W1_11=-1.0, activation="elu")
    assert e.parameters["W1_11"] == -1.0 and e.activation == "elu"
    assert e.parameters["W2_11"] == SurfaceExplorer.DEFAULTS["W2_11"]


def test_widget_builds_controls_wired_to_the_model():
    widgets = pytest.importorskip("ipywidgets")
    e = SurfaceExplorer(resolution=5)
    box = e.widget()
    assert isinstance(box, widgets.Box)

    def walk(w):
        yield w
        for child in getattr(w, "children", ()):
            yield from walk(child)

    found = list(walk(box))
    sliders = [w for w in found if isinstance(w, widgets.FloatSlider)]
    dropdowns = [w for w in found if isinstance(w, widgets.Dropdown)]
    outputs = [w for w in found if isinstance(w, widgets.Output)]
    assert sorted(s.description for s in sliders) == sorted(SurfaceExplorer.NAMES)
    assert [d.description for d in dropdowns] == ["activation", "output"]
    assert "softmax" not in dropdowns[1].options and len(outputs) == 1
    # the plot is in the Output as a PNG from the start
    (shown,) = outputs[0].outputs
    assert shown["data"]["image/png"].startswith("iVBORw0KGgo")   # base64 of the PNG signature

    # moving a slider sets the model and redraws
    slider = next(s for s in sliders if s.description == "b2_1")
    slider.value = 1.5
    assert e.model.layers[1].b[0] == 1.5
    np.testing.assert_allclose(e.image.get_array(), e.model.predict(e.grid).reshape(5, 5), atol=1e-15)
    assert outputs[0].outputs[0]["data"]["image/png"] != shown["data"]["image/png"]
    dropdowns[0].value = "relu"
    assert e.model.activations == ["relu", "sigmoid"]
    # and set() from code moves the slider
    e.set(W1_21=-0.5)
    assert next(s for s in sliders if s.description == "W1_21").value == -0.5
