"""ffnn.widgets ``static(...)``: an explorer's control precomputed as matplotlib's JavaScript frame
player, for pages without a kernel. Headless: the frames are read back out of the HTML."""
import base64
import io
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.image  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ffnn.experiments import load_data, sweep  # noqa: E402
from ffnn.widgets import (MAX_FRAMES, BoundaryExplorer, StaticControl, SurfaceExplorer,  # noqa: E402
                          SweepExplorer, TrainingExplorer)

FRAME = re.compile(r'frames\[(\d+)\] = "data:image/png;base64,([^"]+)"')


def frames(control):
    """The frames embedded in the control's HTML, in order, as (height, width, 4) arrays."""
    found = FRAME.findall(control.html)
    assert [int(i) for i, _ in found] == list(range(len(found)))
    return [matplotlib.image.imread(io.BytesIO(base64.b64decode(data)), format="png") for _, data in found]


def png(figure, dpi=80):
    buf = io.BytesIO()
    figure.savefig(buf, format="png", dpi=dpi)
    return matplotlib.image.imread(io.BytesIO(buf.getvalue()), format="png")


def surface_state(e):
    return (e.parameters, e.activation, e.output, e.surface().copy(), np.array(e.image.get_array()),
            [np.array(line.get_xydata()) for line in e.lines], e.ax.get_title(), len(e.figure.texts),
            e.figure.get_size_inches().tolist())


def assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if isinstance(x, np.ndarray) or (isinstance(x, list) and x and isinstance(x[0], np.ndarray)):
            for u, v in zip(x if isinstance(x, list) else [x], y if isinstance(y, list) else [y]):
                np.testing.assert_array_equal(u, v)
        else:
            assert x == y


# --------------------------------------------------------------------------- the HTML
def test_one_frame_per_value_with_a_slider_and_a_caption():
    e = SurfaceExplorer(resolution=21)
    control = e.static("W2_21", [-4, 0, 4.5], dpi=50)
    assert isinstance(control, StaticControl) and len(control) == 3 and control.values == [-4, 0, 4.5]
    pictures = frames(control)
    assert len(pictures) == 3
    # the figure at 50 dpi (4.6 x 3.8 inches: about 230 x 190 pixels), and still that size
    assert all(p.shape == png(e.figure, dpi=50).shape for p in pictures)
    assert pictures[0].shape[0] == 190 and e.figure.get_size_inches().tolist() == [4.6, 3.8]
    assert 'type="range"' in control.html and 'class="anim-slider"' in control.html
    assert 'data-control="W2_21" data-frames="3"' in control.html
    assert ("precomputed: 3 values of W2_21 (-4, 0, 4.5); open the chapter in JupyterLab (make lab) "
            "for the live widget") in control.html
    assert control.size == len(control.html.encode()) and control._repr_html_() == control.html


def test_the_html_asks_nothing_of_the_network():
    control = SurfaceExplorer(resolution=11).static("b2_1", [-1, 1], dpi=30)
    # matplotlib's template links Font Awesome from a CDN; static() drops the link
    assert "://" not in control.html and "<link" not in control.html


def test_ipython_displays_it_as_html():
    formatters = pytest.importorskip("IPython.core.formatters")
    control = SurfaceExplorer(resolution=11).static("b2_1", [-1, 1], dpi=30)
    data, _ = formatters.DisplayFormatter().format(control)
    assert data["text/html"] == control.html


def test_frames_differ_where_the_picture_differs():
    e = SurfaceExplorer(resolution=21)
    pictures = frames(e.static("activation", ["tanh", "relu", "sigmoid"], dpi=40))
    for i in range(3):
        for j in range(i + 1, 3):
            assert not np.array_equal(pictures[i], pictures[j])


def test_each_frame_is_the_picture_set_draws():
    e = BoundaryExplorer(n_samples=60, epochs=5)
    control = e.static("width", [2, 8], dpi=40)
    pictures = frames(control)
    for value, picture in zip(control.values, pictures):
        reference = BoundaryExplorer(n_samples=60, epochs=5, width=value)
        expected = png(reference.figure, dpi=40)
        assert picture.shape == expected.shape
        # everything but the lower-left corner, where the frame names its value
        h, w = picture.shape[:2]
        mask = np.ones((h, w), bool)
        mask[h - 14:, :110] = False
        np.testing.assert_array_equal(picture[mask], expected[mask])
        assert not np.array_equal(picture[~mask], expected[~mask])   # the label is there
    assert not np.array_equal(pictures[0], pictures[1])


# --------------------------------------------------------------------------- state
def test_surface_state_is_restored_and_the_live_widget_never_moves():
    pytest.importorskip("ipywidgets")
    e = SurfaceExplorer(resolution=21)
    e.set(W1_11=1.5, activation="relu")
    box = e.widget()
    moves = []
    for control in e._controls.values():
        control.observe(lambda change: moves.append(change["new"]), names="value")
    before = surface_state(e)
    e.static("activation", ["tanh", "sigmoid"], dpi=30)
    e.static("W1_11", [-3, 3], dpi=30)
    assert_same(surface_state(e), before)
    assert moves == [] and len(e._out.outputs) == 1
    # the live widget still drives the explorer afterwards
    e._controls["W1_11"].value = -2.0
    assert e.parameters["W1_11"] == -2.0 and box is not None


def test_surface_state_is_restored_after_a_bad_value():
    e = SurfaceExplorer(resolution=21)
    before = surface_state(e)
    with pytest.raises(ValueError, match="activation"):
        e.static("activation", ["relu", "nope"], dpi=30)
    assert_same(surface_state(e), before)


@pytest.fixture(scope="module")
def digits():
    pytest.importorskip("sklearn")
    import ffnn
    X, y, X_test, y_test = ffnn.datasets.load_digits()
    return X[:200], y[:200], X_test[:60], y_test[:60]


def test_training_explorer_keeps_its_model_and_its_grey_curves(digits):
    e = TrainingExplorer(*digits, epochs=3)
    e.set(learning_rate=0.3)            # the grey curves now show the default run
    model, settings = e.model, dict(e.settings)
    grey = [np.array(line.get_ydata()) for line in e.previous_lines]
    shown = [np.array(line.get_ydata()) for line in (e.train_line, e.val_line)]
    title, picture = e.ax.get_title(), png(e.figure)
    control = e.static("learning_rate", [0.01, 0.1, 1.0], dpi=30)
    assert len(frames(control)) == 3
    assert e.model is model and e.settings == settings and e.ax.get_title() == title
    for line, y in zip(e.previous_lines, grey):
        np.testing.assert_array_equal(line.get_ydata(), y)
    for line, y in zip((e.train_line, e.val_line), shown):
        np.testing.assert_array_equal(line.get_ydata(), y)
    np.testing.assert_array_equal(png(e.figure), picture)


def test_training_explorer_is_restored_after_a_bad_value(digits):
    e = TrainingExplorer(*digits, epochs=2)
    model = e.model
    with pytest.raises(ValueError, match="learning_rate"):
        e.static("learning_rate", [0.05, -1.0], dpi=30)
    assert e.model is model and e.settings == TrainingExplorer.DEFAULTS


def test_boundary_explorer_keeps_its_model():
    e = BoundaryExplorer(n_samples=60, epochs=4)
    model, settings, picture = e.model, dict(e.settings), png(e.figure)
    e.static("depth", [1, 2], dpi=30)
    assert e.model is model and e.settings == settings
    np.testing.assert_array_equal(png(e.figure), picture)


@pytest.fixture(scope="module")
def results():
    pytest.importorskip("sklearn")
    data = load_data("digits", n_train=200, seed=1)
    return sweep({"hidden": [8], "epochs": 2, "batch_size": 64}, {"activation": ["relu", "tanh", "sigmoid"]},
                 data, n_jobs=1)


def test_sweep_explorer_has_a_frame_per_run_and_keeps_its_choice(results):
    e = SweepExplorer(results, selected=1)
    lines = {k: np.array(line.get_ydata()) for k, line in e.lines.items()}
    control = e.static(dpi=30)
    assert len(control) == 3 and control.values == results.labels and control.name == "run"
    pictures = frames(control)
    assert len(pictures) == 3 and not np.array_equal(pictures[0], pictures[2])
    assert e.selected == results.labels[1]
    for k, line in e.lines.items():
        np.testing.assert_array_equal(line.get_ydata(), lines[k])
    # indices name the same runs as labels
    assert e.static([0, -1], dpi=30).values == [results.labels[0], results.labels[-1]]


# --------------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("kwargs, error, argname", [
    (dict(name=3, values=[1, 2]), TypeError, "name"),
    (dict(name="W9_99", values=[1, 2]), ValueError, "name"),
    (dict(name="b2_1", values=0.5), TypeError, "values"),
    (dict(name="b2_1", values="01"), TypeError, "values"),
    (dict(name="b2_1", values=[1]), ValueError, "values"),
    (dict(name="b2_1", values=[]), ValueError, "values"),
    (dict(name="b2_1", values=[1, 2, 1.0]), ValueError, "values"),
    (dict(name="b2_1", values=list(range(MAX_FRAMES + 1))), ValueError, "values"),
    (dict(name="b2_1", values=np.zeros((2, 2))), ValueError, "values"),
    (dict(name="b2_1", values=[1, 2], dpi=0), ValueError, "dpi"),
    (dict(name="b2_1", values=[1, 2], max_mb=-1), ValueError, "max_mb"),
    (dict(name="b2_1", values=[1, 2], fps="fast"), TypeError, "fps"),
])
def test_bad_arguments_are_refused_by_name(kwargs, error, argname):
    e = SurfaceExplorer(resolution=11)
    before = surface_state(e)
    with pytest.raises(error, match=rf"^{argname}:"):
        e.static(**kwargs)
    assert_same(surface_state(e), before)


def test_frames_over_the_size_limit_are_refused():
    e = SurfaceExplorer(resolution=21)
    before = surface_state(e)
    with pytest.raises(ValueError, match=r"^max_mb: 3 frames"):
        e.static("b2_1", [-1, 0, 1], dpi=100, max_mb=0.01)
    assert_same(surface_state(e), before)


@pytest.mark.parametrize("values", [["nope", 0], [0, 3], [1, -4], [0, 0]])
def test_sweep_values_must_name_distinct_runs(results, values):
    e = SweepExplorer(results)
    if values == [0, 0]:
        values = [0, results.labels[0]]     # the same run twice
    with pytest.raises(ValueError, match="^values:"):
        e.static(values)
    assert e.selected == results.labels[0]
