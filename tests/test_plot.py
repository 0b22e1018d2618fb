"""Tests for ffnn.plot: every picture is checked through the numbers its artists carry (edge
weights and colours, node biases, histogram counts, curve values, autograd node texts)."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

import ffnn  # noqa: E402
from ffnn import plot  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def small_model(sizes=(3, 4, 2), seed=1):
    model = ffnn.FFNN(list(sizes), ["tanh", "softmax"], "categorical_crossentropy", seed=seed)
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        layer.b[:] = rng.normal(0, 0.3, layer.n_out)
    return model


def with_gradients(model, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(16, model.n_in))
    model.forward(X)
    model.backward(rng.integers(0, model.n_out, 16))
    return model


def by_gid(fig, gid, kind=None):
    return [a for a in fig.findobj(kind) if a.get_gid() == gid] if kind else \
        [a for a in fig.findobj() if a.get_gid() == gid]


def edges_of(fig):
    (edges,) = by_gid(fig, "edges", LineCollection)
    return edges


def texts(fig, gid):
    return [t.get_text() for t in by_gid(fig, gid, matplotlib.text.Text)]


# ---- graph ------------------------------------------------------------------------------------
def test_graph_draws_every_weight_of_a_small_network_once():
    model = small_model()
    fig = plot.graph(model)
    assert isinstance(fig, matplotlib.figure.Figure)
    drawn = edges_of(fig).get_array()
    expected = np.concatenate([layer.W.ravel() for layer in model.layers])
    assert drawn.size == 3 * 4 + 4 * 2
    np.testing.assert_allclose(np.sort(drawn), np.sort(expected))


def test_graph_edge_from_i_to_j_carries_W_ij():
    model = ffnn.FFNN([2, 2], "linear", seed=0)
    model.layers[0].W[:] = [[0.5, -1.0], [2.0, -0.25]]
    fig = plot.graph(model)
    (inputs,) = by_gid(fig, "inputs")
    (nodes,) = by_gid(fig, "nodes")
    y_in, y_out = inputs.get_offsets()[:, 1], nodes.get_offsets()[:, 1]
    edges = edges_of(fig)
    for seg, w in zip(edges.get_segments(), edges.get_array()):
        i = int(np.argmin(np.abs(y_in - seg[0, 1])))
        j = int(np.argmin(np.abs(y_out - seg[1, 1])))
        assert seg[0, 0] == 0 and seg[1, 0] == 1
        assert w == model.layers[0].W[i, j]


def test_graph_edge_colour_follows_sign_and_width_follows_magnitude():
    model = small_model()
    edges = edges_of(plot.graph(model))
    w = edges.get_array()
    rgba = edges.get_edgecolor()
    strong = np.abs(w) > 0.1 * np.abs(w).max()
    assert strong.sum() >= 10
    red, blue = rgba[:, 0], rgba[:, 2]
    assert np.all((red > blue)[strong & (w > 0)])
    assert np.all((blue > red)[strong & (w < 0)])
    widths = np.asarray(edges.get_linewidths())
    order = np.argsort(np.abs(w))
    assert np.all(np.diff(widths[order]) >= 0) and widths[order[-1]] > 3 * widths[order[0]]


def test_graph_nodes_show_biases_on_the_edge_colour_scale():
    model = small_model()
    fig = plot.graph(model)
    (nodes,) = by_gid(fig, "nodes")
    np.testing.assert_allclose(nodes.get_array(), np.concatenate([layer.b for layer in model.layers]))
    assert nodes.norm.vmin == edges_of(fig).norm.vmin == -nodes.norm.vmax


def test_graph_labels_small_networks_with_the_values():
    model = small_model()
    fig = plot.graph(model)
    expected = sorted(f"{w:+.2f}" for layer in model.layers for w in layer.W.ravel())
    assert sorted(texts(fig, "edge_label")) == expected
    assert sorted(texts(fig, "bias_label")) == sorted(
        f"b={b:+.2f}" for layer in model.layers for b in layer.b)
    assert texts(plot.graph(model, labels=False), "edge_label") == []


def test_graph_of_a_wide_network_samples_neurons_and_says_how_many_are_left_out():
    model = ffnn.FFNN([784, 128, 64, 10], ["relu", "relu", "softmax"], "categorical_crossentropy", seed=0)
    fig = model.plot_graph()
    assert edges_of(fig).get_array().size == 12 * 12 + 12 * 12 + 12 * 10
    assert texts(fig, "more") == ["… 772 more", "… 116 more", "… 52 more"]
    assert texts(fig, "edge_label") == []
    fig = plot.graph(model, max_neurons=5)
    assert edges_of(fig).get_array().size == 5 * 5 * 3
    assert texts(fig, "more") == ["… 779 more", "… 123 more", "… 59 more", "… 5 more"]


def test_graph_with_chosen_neurons_draws_exactly_their_weights():
    model = ffnn.FFNN([784, 128, 64, 10], ["relu", "relu", "softmax"], "categorical_crossentropy", seed=0)
    fig = plot.graph(model, neurons={0: [783, 0, 5], 3: [7]})
    shown = plot.select_neurons(model, neurons={0: [783, 0, 5], 3: [7]})
    assert shown[0].tolist() == [0, 5, 783] and shown[3].tolist() == [7]
    assert "… 781 more" in texts(fig, "more") and "… 9 more" in texts(fig, "more")
    expected = np.concatenate([model.layers[k].W[np.ix_(shown[k], shown[k + 1])].ravel() for k in range(3)])
    np.testing.assert_array_equal(np.sort(edges_of(fig).get_array()), np.sort(expected))


def test_select_neurons_largest_ranks_by_incoming_plus_outgoing_weight():
    model = ffnn.FFNN([40, 30, 3], ["relu", "softmax"], "categorical_crossentropy", seed=2)
    shown = plot.select_neurons(model, max_neurons=6)
    W0, W1 = model.layers[0].W, model.layers[1].W
    assert shown[0].tolist() == sorted(np.argsort(-np.abs(W0).sum(1))[:6].tolist())
    score = np.abs(W0).sum(0) + np.abs(W1).sum(1)
    assert shown[1].tolist() == sorted(np.argsort(-score)[:6].tolist())
    assert shown[2].tolist() == [0, 1, 2]


def test_select_neurons_random_is_seeded():
    model = ffnn.FFNN([40, 30, 3], ["relu", "softmax"], "categorical_crossentropy", seed=2)
    a = plot.select_neurons(model, max_neurons=6, select="random", seed=5)
    b = plot.select_neurons(model, max_neurons=6, select="random", seed=5)
    c = plot.select_neurons(model, max_neurons=6, select="random", seed=6)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    assert len(set(a[0].tolist())) == 6 and a[0].max() < 40 and np.all(np.diff(a[0]) > 0)


def test_graph_gradients_view_draws_dW_and_db_not_W():
    model = small_model()
    with pytest.raises(RuntimeError, match="backward"):
        plot.graph(model, show="gradients")
    with_gradients(model)
    fig = model.plot_graph(show="gradients")
    dW = np.concatenate([layer.dW.ravel() for layer in model.layers])
    np.testing.assert_allclose(np.sort(edges_of(fig).get_array()), np.sort(dW))
    assert not np.allclose(np.sort(dW), np.sort(np.concatenate([lay.W.ravel() for lay in model.layers])))
    (nodes,) = by_gid(fig, "nodes")
    np.testing.assert_allclose(nodes.get_array(), np.concatenate([layer.db for layer in model.layers]))
    assert texts(fig, "bias_label")[0].startswith("db=")


@pytest.mark.parametrize("kwargs, argname", [
    ({"show": "biases"}, "show"),
    ({"neurons": {3: [0]}}, "neurons"),
    ({"neurons": {0: [3]}}, r"neurons\[0\]"),
    ({"neurons": {0: []}}, r"neurons\[0\]"),
    ({"neurons": {0: [1, 1]}}, r"neurons\[0\]"),
    ({"max_neurons": 0}, "max_neurons"),
    ({"select": "best"}, "select"),
    ({"labels": "yes"}, "labels"),
])
def test_graph_rejects_bad_arguments_naming_them(kwargs, argname):
    with pytest.raises(ValueError, match=argname):
        plot.graph(small_model(), **kwargs)


@pytest.mark.parametrize("kwargs, argname", [
    ({"show": 1}, "show"),
    ({"select": None}, "select"),
    ({"max_neurons": 2.5}, "max_neurons"),
    ({"max_neurons": True}, "max_neurons"),
    ({"labels": 1}, "labels"),
    ({"labels": None}, "labels"),
    ({"neurons": {0.0: [0]}}, "neurons"),
    ({"neurons": {0: [0.5, 1.0]}}, r"neurons\[0\]"),
    ({"neurons": {0: [True]}}, r"neurons\[0\]"),
])
def test_graph_refuses_arguments_of_the_wrong_type_naming_them(kwargs, argname):
    with pytest.raises(TypeError, match=rf"^{argname}: expected"):
        plot.graph(small_model(), **kwargs)


def test_graph_needs_a_model():
    with pytest.raises(TypeError, match=r"^model: expected an ffnn\.FFNN \(an object with layers, "
                                        r"parameters\(\) and gradients\(\)\), got list"):
        plot.graph([[1.0, 2.0]])
    with pytest.raises(TypeError, match="^model: .*got int"):
        plot.select_neurons(3)
    with pytest.raises(TypeError, match="neurons"):
        plot.graph(small_model(), neurons=[0, 1])


class _DuckModel:
    """layers, parameters() and gradients() and nothing else of ffnn.FFNN."""

    def __init__(self, model):
        self.layers = model.layers

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def gradients(self):
        return [d for layer in self.layers for d in layer.gradients()]


def test_pictures_need_only_layers_parameters_and_gradients():
    model = small_model()
    duck = _DuckModel(model)
    np.testing.assert_array_equal(edges_of(plot.graph(duck)).get_array(), edges_of(plot.graph(model)).get_array())
    assert texts(plot.graph(duck), "layer_label") == texts(plot.graph(model), "layer_label")
    assert [bar_heights(ax).tolist() for ax in plot.weights(duck).axes] == \
        [bar_heights(ax).tolist() for ax in plot.weights(model).axes]
    with_gradients(model)
    assert len(plot.gradients(duck).axes) == len(model.layers)


def test_plot_does_not_import_the_network():
    # ffnn.FFNN's plot methods import ffnn.plot, so plot importing network (even lazily, inside a
    # function) would be a cycle.
    import ast
    import inspect
    names = set()
    for node in ast.walk(ast.parse(inspect.getsource(plot))):
        if isinstance(node, ast.ImportFrom):
            names |= {node.module or ""} | {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    assert not any("network" in name.split(".") or name == "FFNN" for name in names), names


def test_graph_of_an_all_zero_network_still_draws():
    model = ffnn.FFNN([3, 2], "linear", init="zeros")
    edges = edges_of(plot.graph(model))
    assert np.all(edges.get_array() == 0) and np.all(np.isfinite(edges.get_linewidths()))


# ---- weights / gradients histograms -----------------------------------------------------------
def bar_heights(ax, name=None):
    """Histogram counts of one StepPatch (by gid suffix), or of all of them added up."""
    total = 0
    for patch in ax.patches:
        if name is None or patch.get_gid() == f"hist_{name}":
            data = patch.get_data()
            total = total + (data.values - data.baseline)
    return np.asarray(total)


def bin_edges(ax):
    return ax.patches[0].get_data().edges


def test_weight_histograms_count_every_weight_in_shared_bins():
    model = ffnn.FFNN([20, 16, 8, 3], ["relu", "relu", "softmax"], "categorical_crossentropy", seed=0)
    fig = model.plot_weights()
    axes = fig.axes
    assert len(axes) == 3
    m = max(np.abs(layer.W).max() for layer in model.layers)
    edges = np.linspace(-m, m, 51)
    for ax, layer in zip(axes, model.layers):
        np.testing.assert_array_equal(bar_heights(ax), np.histogram(layer.W, edges)[0])
        assert bar_heights(ax).sum() == layer.W.size
        assert np.isclose(bin_edges(ax)[0], -m) and ax.get_xlim() == axes[0].get_xlim()


def test_weight_histograms_with_biases_count_every_parameter():
    model = small_model((10, 6, 3))
    fig = plot.weights(model, biases=True)
    total = sum(bar_heights(ax).sum() for ax in fig.axes)
    assert total == model.n_parameters() == 10 * 6 + 6 + 6 * 3 + 3
    for ax, layer in zip(fig.axes, model.layers):
        np.testing.assert_array_equal(bar_heights(ax, "b"), np.histogram(layer.b, bin_edges(ax))[0])
        np.testing.assert_array_equal(bar_heights(ax, "W"), np.histogram(layer.W, bin_edges(ax))[0])


def test_weight_histograms_of_chosen_layers_and_stats_text():
    model = small_model((10, 6, 3))
    fig = plot.weights(model, layers=[-1])
    (ax,) = fig.axes
    W = model.layers[1].W
    assert bar_heights(ax).sum() == W.size and ax.get_title().startswith("layers[1].W (6×3)")
    (stats,) = texts(fig, "stats")
    assert f"mean {W.mean():+.2g}" in stats and f"std {W.std():.2g}" in stats
    assert texts(plot.weights(model, layers=0, stats=False), "stats") == []


def test_weight_histograms_without_sharex_use_each_layers_own_range():
    model = small_model((10, 6, 3))
    fig = plot.weights(model, sharex=False)
    for ax, layer in zip(fig.axes, model.layers):
        assert np.isclose(bin_edges(ax)[0], -np.abs(layer.W).max())


def test_weight_histograms_of_several_models_one_row_each():
    models = {"zeros": ffnn.FFNN([5, 4, 2], init="zeros"), "he": ffnn.FFNN([5, 4, 2], seed=3)}
    fig = plot.weights(models, layers=[0, 1])
    assert len(fig.axes) == 4
    assert fig.axes[0].get_ylabel().startswith("zeros") and fig.axes[2].get_ylabel().startswith("he")
    # zero weights all fall in the middle bin of the shared range
    heights = bar_heights(fig.axes[0])
    assert heights.sum() == 20 and heights.max() == 20


def test_gradient_histograms_count_dW_not_W():
    model = small_model((10, 6, 3))
    with pytest.raises(RuntimeError, match="backward"):
        model.plot_gradients()
    with_gradients(model)
    fig = model.plot_gradients(layers=[0, 1], sharex=False)
    for ax, layer in zip(fig.axes, model.layers):
        m = np.abs(layer.dW).max()
        np.testing.assert_array_equal(bar_heights(ax), np.histogram(layer.dW, np.linspace(-m, m, 51))[0])
        assert not np.array_equal(bar_heights(ax), np.histogram(layer.W, np.linspace(-m, m, 51))[0])
        assert "dW" in ax.get_title()


@pytest.mark.parametrize("layers", [[2], [-3], [], [0, 5], 2])
def test_histograms_reject_bad_layer_indices_naming_layers(layers):
    with pytest.raises(ValueError, match="^layers: "):
        plot.weights(small_model(), layers=layers)


@pytest.mark.parametrize("layers", [[0.5], [True], [0, "1"], 1.0])
def test_histograms_refuse_non_integer_layer_indices_naming_layers(layers):
    with pytest.raises(TypeError, match="^layers: expected"):
        plot.weights(small_model(), layers=layers)


@pytest.mark.parametrize("kwargs, exc", [
    ({"bins": 0}, ValueError), ({"bins": 10.0}, TypeError), ({"bins": True}, TypeError),
    ({"stats": "yes"}, TypeError), ({"biases": 1}, TypeError), ({"log": None}, TypeError),
    ({"sharex": "col"}, TypeError),
])
def test_histograms_check_bins_and_flags_naming_them(kwargs, exc):
    (argname,) = kwargs
    with pytest.raises(exc, match=f"^{argname}: expected"):
        plot.weights(small_model(), **kwargs)


def test_histograms_need_models():
    with pytest.raises(TypeError, match="model"):
        plot.weights(np.zeros((3, 3)))
    with pytest.raises(TypeError, match="model"):
        plot.gradients({"a": small_model(), "b": "not a model"})
    with pytest.raises(TypeError, match="layers"):
        plot.weights(small_model(), layers="0")


# ---- history ----------------------------------------------------------------------------------
def test_history_lines_carry_the_per_epoch_values():
    h = ffnn.History()
    for e in range(4):
        h.append(loss=1.0 / (e + 1), val_loss=1.2 / (e + 1), accuracy=0.5 + 0.1 * e, val_accuracy=0.4 + 0.1 * e)
    fig = plot.history(h)
    loss_ax, acc_ax = fig.axes
    lines = {line.get_label(): line for line in loss_ax.get_lines()}
    np.testing.assert_allclose(lines["training"].get_ydata(), h["loss"])
    np.testing.assert_allclose(lines["validation"].get_ydata(), h["val_loss"])
    np.testing.assert_array_equal(lines["training"].get_xdata(), [1, 2, 3, 4])
    acc = {line.get_label(): line for line in acc_ax.get_lines()}
    np.testing.assert_allclose(acc["validation"].get_ydata(), h["val_accuracy"])


def test_history_without_accuracy_has_one_panel_and_overlays_runs():
    runs = {"lr=0.1": {"loss": [3.0, 2.0]}, "lr=0.01": {"loss": [3.0, 2.8, 2.7], "val_loss": [3.1, 2.9, 2.8]}}
    fig = plot.history(runs)
    (ax,) = fig.axes
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"lr=0.1 (training)", "lr=0.01 (training)", "lr=0.01 (validation)"}
    np.testing.assert_allclose(lines["lr=0.01 (validation)"].get_ydata(), [3.1, 2.9, 2.8])
    assert lines["lr=0.01 (training)"].get_color() == lines["lr=0.01 (validation)"].get_color()
    assert lines["lr=0.1 (training)"].get_color() != lines["lr=0.01 (training)"].get_color()


def test_model_plot_history_uses_the_models_history():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    model = small_model()
    model.fit(X, y, epochs=3, batch_size=8, verbose=0)
    (line,) = [ln for ln in model.plot_history().axes[0].get_lines() if ln.get_label() == "training"]
    np.testing.assert_allclose(line.get_ydata(), model.history["loss"])


def test_history_rejects_non_histories():
    with pytest.raises(TypeError, match="history"):
        plot.history([1.0, 0.5])
    with pytest.raises(TypeError, match="model.history"):
        plot.history(small_model())
    with pytest.raises(ValueError, match="history"):
        plot.history({})
    with pytest.raises(ValueError, match="loss"):
        plot.history({"run": {"val_loss": [1.0]}})
    with pytest.raises(ValueError, match="loss"):
        plot.history(ffnn.History())
    with pytest.raises(TypeError, match="^logy: expected True or False"):
        plot.history({"loss": [1.0, 0.5]}, logy="log")


# ---- autograd graph ---------------------------------------------------------------------------
def neuron():
    from ffnn.autograd import Value
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2, b = Value(-3.0, label="w1"), Value(1.0, label="w2"), Value(6.88, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o, (x1, x2, w1, w2, b, n)


def test_autograd_graph_draws_each_node_with_data_and_grad():
    from ffnn.autograd import topo_order
    o, (x1, *_, n) = neuron()
    fig = plot.autograd_graph(o)
    boxes = {t.get_text().split("\n")[0]: t for t in by_gid(fig, "value", matplotlib.text.Text)}
    assert len(by_gid(fig, "value")) == len(topo_order(o)) == 10
    assert boxes["o"].get_text() == f"o\ndata {o.data:.4f}\ngrad 1.0000"
    assert boxes["x1"].get_text() == f"x1\ndata 2.0000\ngrad {x1.grad:.4f}"
    assert sorted(texts(fig, "op")) == sorted(["*", "*", "+", "+", "tanh"])
    # arrows: operand -> op and op -> result, all pointing right (inputs left, output right)
    assert len([a for a in fig.axes[0].texts if a.get_gid() is None]) == 5 + 2 * 4 + 1
    x = {name: t.get_position()[0] for name, t in boxes.items()}
    assert x["x1"] < x["n"] < x["o"] and x["o"] == max(x.values())


def test_autograd_graph_draws_a_reused_node_once_and_can_hide_grads():
    from ffnn.autograd import Value
    a = Value(3.0, label="a")
    c = a * a
    c.label = "c"
    fig = plot.autograd_graph(c, show_grad=False)
    assert sorted(texts(fig, "value")) == ["a\ndata 3.0000", "c\ndata 9.0000"]
    assert texts(fig, "op") == ["*"]


def test_autograd_graph_needs_only_data_grad_prev_op():
    class Node:  # a stand-in engine: the drawing must rely on these four attributes alone
        def __init__(self, data, prev=(), op=""):
            self.data, self.grad, self._prev, self._op = data, 0.5, tuple(prev), op

    x, y = Node(1.0), Node(2.0)
    root = Node(3.0, (x, y), "+")
    fig = plot.autograd_graph(root)
    assert sorted(texts(fig, "value")) == ["data 1.0000\ngrad 0.5000", "data 2.0000\ngrad 0.5000",
                                           "data 3.0000\ngrad 0.5000"]
    assert texts(fig, "op") == ["+"]


def test_autograd_graph_rejects_non_values_and_huge_graphs():
    from ffnn.autograd import Value
    with pytest.raises(TypeError, match="value"):
        plot.autograd_graph(3.0)
    total = Value(0.0)
    for i in range(30):
        total = total + Value(float(i))
    with pytest.raises(ValueError, match="max_nodes"):
        plot.autograd_graph(total, max_nodes=20)
    with pytest.raises(TypeError, match="^max_nodes: expected an integer"):
        plot.autograd_graph(total, max_nodes=100.0)
    with pytest.raises(ValueError, match="^max_nodes: expected an integer >= 1"):
        plot.autograd_graph(total, max_nodes=0)
    with pytest.raises(TypeError, match="^show_grad: expected True or False"):
        plot.autograd_graph(total, show_grad="no")


def test_autograd_graph_takes_its_order_from_autograd_topo_order(monkeypatch):
    from ffnn import autograd
    o, _ = neuron()
    calls = []

    def spy(root):
        calls.append(root)
        return autograd.topo_order(root)
    monkeypatch.setattr(plot, "topo_order", spy)
    plot.autograd_graph(o)
    assert calls == [o]


def test_history_accepts_numpy_arrays():
    h = {"loss": np.array([1.0, 0.5, 0.25]), "accuracy": np.array([0.2, 0.6, 0.9])}
    loss_ax, acc_ax = plot.history(h).axes
    (line,) = loss_ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), h["loss"])
    np.testing.assert_allclose(acc_ax.get_lines()[0].get_ydata(), h["accuracy"])


# ---- issue 18: pictures a student would hand in -----------------------------------------------
FEATURES = ["age", "income", "hours_per_week", "capital_gain", "education_num", "sex_Male", "workclass_Private",
            "marital_status_Married", "race_White", "occupation_Sales", "native_country_United_States"]


def tabular_model(seed=0, **kwargs):
    return ffnn.FFNN([11, 16, 8, 1], ["relu", "relu", "sigmoid"], "binary_crossentropy", seed=seed, **kwargs)


def extents(fig, artists, draw=True):
    if draw:
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [a.get_window_extent(renderer) for a in artists]


def overlapping(boxes):
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]


def assert_every_text_inside(fig, draw=True):
    """Nothing is cut when the figure is saved as it is: what is drawn (titles, labels, legends,
    colour bars) lies inside the figure, the box ``savefig(bbox_inches="tight")`` would use."""
    if draw:
        fig.canvas.draw()
    drawn = fig.get_tightbbox(fig.canvas.get_renderer())  # inches
    size = fig.get_size_inches()
    tol = 0.02
    assert drawn.x0 >= -tol and drawn.y0 >= -tol and drawn.x1 <= size[0] + tol and drawn.y1 <= size[1] + tol, \
        f"drawn {drawn} but the figure is {size} inches"


def assert_tick_labels_apart(fig, draw=True):
    if draw:
        fig.canvas.draw()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
            assert not overlapping(extents(fig, labels, draw=False)), [t.get_text() for t in labels]


def five_runs(long=True):
    names = [repr(ffnn.init.Uniform(-0.05, 0.05)), repr(ffnn.init.Normal(0.0, 0.01, seed=3)),
             repr(ffnn.init.XavierUniform(seed=1)), "he_normal", repr(ffnn.init.HeUniform(bias=True))]
    runs = {}
    for r, name in enumerate(names if long else ["a", "b", "c", "d", "e"]):
        h = ffnn.History()
        for e in range(12):
            h.append(loss=1 / (e + 1 + r), val_loss=1.1 / (e + 1 + r), accuracy=0.5 + 0.03 * e, val_accuracy=0.5 + 0.02 * e)
        runs[f"init={name}"] = h
    return runs


def test_five_runs_share_one_legend_outside_the_panels_with_wrapped_labels():
    fig = plot.history(five_runs())
    assert [ax.get_legend() for ax in fig.axes] == [None, None] and len(fig.legends) == 1
    (legend,) = fig.legends
    labels = [t.get_text() for t in legend.get_texts()]
    assert len(labels) == 5 + 2 and labels[-2:] == ["training", "validation"]
    assert labels[0] == "init=Uniform(low=-0.05,\nhigh=0.05, seed=None)"
    assert all(len(line) <= plot.LABEL_WIDTH for label in labels for line in label.split("\n"))
    (box,) = extents(fig, [legend])
    assert not any(box.overlaps(ax_box) for ax_box in extents(fig, fig.axes))
    assert not overlapping(extents(fig, legend.get_texts(), draw=False))
    assert_every_text_inside(fig, draw=False)
    assert_tick_labels_apart(fig, draw=False)
    # the lines keep their labels, one colour per run
    lines = fig.axes[0].get_lines()
    assert lines[0].get_label() == "init=Uniform(low=-0.05, high=0.05, seed=None) (training)"
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()


def test_a_few_runs_keep_their_legend_inside_the_loss_panel():
    runs = dict(list(five_runs(long=False).items())[:plot.LEGEND_OUTSIDE - 1])
    fig = plot.history(runs)
    assert fig.legends == [] and fig.axes[1].get_legend() is None
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["init=a", "init=b", "init=c", "init=d", "training", "validation"]
    single = plot.history(five_runs()["init=he_normal"])
    assert [t.get_text() for t in single.axes[0].get_legend().get_texts()] == ["training", "validation"]


def test_a_sweep_of_five_settings_draws_a_clean_figure():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 11)).astype(np.float32)
    y = (X[:, 0] > X[:, 3]).astype(int)
    data = (X[:50], y[:50], X[50:65], y[50:65], X[65:], y[65:])
    inits = [ffnn.init.Uniform(-0.05, 0.05), ffnn.init.Normal(0.0, 0.01, seed=3), ffnn.init.XavierUniform(seed=1),
             "he_normal", ffnn.init.HeUniform(bias=True)]
    results = ffnn.experiments.sweep({"hidden": [6], "output": "sigmoid", "epochs": 3, "batch_size": 10},
                                     {"init": inits}, data, n_jobs=1)
    fig = results.plot_curves()
    assert len(fig.legends) == 1
    assert_every_text_inside(fig)
    fig = plot.weights({label: results.model(label) for label in results.labels})
    ylabels = [ax.yaxis.label for ax in fig.axes if ax.get_ylabel()]
    assert len(ylabels) == 5 and not overlapping(extents(fig, ylabels))
    assert_every_text_inside(fig, draw=False)
    assert_tick_labels_apart(fig, draw=False)


def test_the_graph_of_a_tabular_net_names_its_inputs_and_numbers_layers_from_0():
    model = tabular_model()
    fig = model.plot_graph(feature_names=FEATURES)
    shown = plot.select_neurons(model)
    assert texts(fig, "feature_name") == [FEATURES[i] for i in shown[0]] == FEATURES
    assert texts(fig, "layer_label") == ["inputs\n11", "layers[0]\n16 relu", "layers[1]\n8 relu",
                                         "layers[2] (output)\n1 sigmoid"]
    inputs = [t for t in by_gid(fig, "index_label", matplotlib.text.Text) if t.get_position()[0] == 0]
    assert inputs == []  # names replace the input indices
    assert not overlapping(extents(fig, by_gid(fig, "feature_name", matplotlib.text.Text)))
    assert_every_text_inside(fig)
    # a chosen subset of inputs keeps its names
    fig = plot.graph(model, neurons={0: [10, 2]}, feature_names=FEATURES)
    assert texts(fig, "feature_name") == [FEATURES[2], FEATURES[10]]


@pytest.mark.parametrize("feature_names, error, match", [
    (FEATURES[:5], ValueError, r"^feature_names: expected 11 names, one per input, got 5"),
    ("age", TypeError, r"^feature_names: expected a list of 11 names"),
    (3, TypeError, r"^feature_names: expected a list of 11 names"),
])
def test_graph_checks_feature_names(feature_names, error, match):
    with pytest.raises(error, match=match):
        plot.graph(tabular_model(), feature_names=feature_names)


@pytest.mark.parametrize("sizes", [(2, 3, 1), (3, 5, 4, 2), (4, 6, 6, 3), (6, 6), (2, 2, 2, 2, 2)])
def test_graph_value_labels_never_overlap(sizes):
    model = ffnn.FFNN(list(sizes), ["tanh"] * (len(sizes) - 2) + ["linear"], seed=0)
    fig = plot.graph(model, labels=True)
    labels = by_gid(fig, "edge_label", matplotlib.text.Text) + by_gid(fig, "bias_label", matplotlib.text.Text)
    assert len(labels) == sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    assert not overlapping(extents(fig, labels))
    assert_every_text_inside(fig)


def test_graph_leaves_value_labels_out_past_a_readable_size():
    wide = ffnn.FFNN([3, plot.MAX_LABELLED_TARGETS + 1, 2], ["tanh", "linear"], seed=0)
    with pytest.warns(UserWarning, match=r"^labels: the values of 35 edges .* would overlap, so they are left out"):
        fig = plot.graph(wide, labels=True)
    assert texts(fig, "edge_label") == [] and len(texts(fig, "index_label")) == 3 + 7 + 2
    narrow = ffnn.FFNN([3, plot.MAX_LABELLED_TARGETS, 2], ["tanh", "linear"], seed=0)
    assert len(texts(plot.graph(narrow, labels=True), "edge_label")) == 3 * 6 + 6 * 2
    assert len(texts(plot.graph(narrow), "edge_label")) == 30  # "auto": up to 30 edges
    more = ffnn.FFNN([3, plot.MAX_LABELLED_TARGETS, 3], ["tanh", "linear"], seed=0)
    assert texts(plot.graph(more), "edge_label") == []


def test_every_picture_of_a_tabular_net_keeps_its_texts_inside_the_figure():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 11))
    y = (X[:, 0] > 0).astype(int)
    model = tabular_model(regularization=ffnn.L2(1e-3))
    model.fit(X, y, epochs=4, batch_size=16, validation_data=(X[:16], y[:16]), verbose=0, monitor=True)
    model.forward(X)
    model.backward(y)
    for fig in (model.plot_graph(feature_names=FEATURES), model.plot_graph(show="gradients"), model.plot_weights(),
                model.plot_gradients(biases=True), model.plot_history(), plot.diagnostics(model.history)):
        assert_every_text_inside(fig)
        assert_tick_labels_apart(fig, draw=False)
        plt.close(fig)
    titles = [ax.get_title() for ax in model.plot_weights().axes]
    assert titles == ["layers[0].W (11×16)", "layers[1].W (16×8)", "layers[2].W (8×1)"]


def test_diagnostics_of_five_layers_put_one_legend_beside_the_panels():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 4))
    model = ffnn.FFNN([4, 6, 6, 6, 6, 1], ["tanh"] * 4 + ["linear"], seed=0)
    model.fit(X, X[:, :1], epochs=2, batch_size=8, verbose=0, monitor=True)
    fig = plot.diagnostics(model.history)
    assert all(ax.get_legend() is None for ax in fig.axes) and len(fig.legends) == 1
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [f"layers[{i}]" for i in range(5)]
    (box,) = extents(fig, fig.legends)
    assert not any(box.overlaps(ax_box) for ax_box in extents(fig, fig.axes))


@pytest.mark.parametrize("call, error, match", [
    (lambda m: plot.graph(m, cmap="no_such_map"), ValueError, r"^cmap: unknown colormap 'no_such_map'"),
    (lambda m: plot.graph(m, cmap=3), TypeError, r"^cmap: expected a colormap name"),
    (lambda m: plot.graph(m, ax="left"), TypeError, r"^ax: expected None or a matplotlib Axes, got str"),
    (lambda m: plot.select_neurons(m, select="random", seed=-1), ValueError, r"^seed: expected an integer >= 0"),
    (lambda m: plot.weights(m, bins=10**9), ValueError, r"^bins: expected an integer in 1\.\.10000"),
    (lambda m: plot.diagnostics({0: [1.0]}), ValueError, r"^history: no per-layer diagnostics recorded"),
    (lambda m: plot.autograd_graph(neuron()[0], fmt="%d"), ValueError, r"^fmt: expected a format spec"),
    (lambda m: plot.autograd_graph(neuron()[0], fmt=4), TypeError, r"^fmt: expected a format spec"),
])
def test_odd_arguments_of_the_pictures_name_themselves(call, error, match):
    with pytest.raises(error, match=match):
        call(small_model())
