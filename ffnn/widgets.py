"""Interactive widgets for the book. Each widget is one class whose logic is plain Python.

A widget changes state through an ordinary method (``set``) and draws with matplotlib, so tests
drive it without a browser by setting values and checking the numbers and artists it produces.
Its ``widget()`` method wraps that method in ipywidgets controls. ipywidgets is imported there,
inside ``widget()``, so ``import ffnn`` never needs it. Its ``static(...)`` method precomputes one
picture per value of one control and returns a :class:`StaticControl`: matplotlib's frame player
(a slider over the pictures), which works in a static HTML page, without a kernel.

- :class:`SurfaceExplorer` (chapter 1): the output surface of a tiny 2 → 2 → 1 network.
- :class:`TrainingExplorer` (chapter 3): retrain a small classifier and draw its loss curves.
- :class:`SweepExplorer` (Experiments): one configuration of a sweep against the others.
- :class:`BoundaryExplorer` (Looking inside): train on a 2-D toy problem, draw the decision
  boundary and the loss.
"""
import base64
import html as _html
import io
import math
import re

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from . import activations as _activations
from . import datasets as _datasets
from . import losses as _losses
from . import optim as _optim
from ._validation import (check_array, check_choice, check_consistent_length, check_int, check_positive,
                          check_real, is_int, is_real)
from .config import n_outputs
from .experiments import Results
from .network import FFNN, DivergenceError
from .plot import decision_boundary
from .regularization import L1, L2
from .table import format_metric

__all__ = ["SurfaceExplorer", "TrainingExplorer", "SweepExplorer", "BoundaryExplorer", "StaticControl"]


def _import_ipywidgets():
    try:
        import ipywidgets
    except ImportError:  # pragma: no cover - ipywidgets is in the book and test extras
        raise ImportError("widget(): needs ipywidgets; install it with "
                          "pip install 'ffnn[book]' (or pip install ipywidgets)") from None
    return ipywidgets


def _png_output(figure, dpi=96):
    """The figure as one notebook output (a PNG display_data dict), for an ipywidgets Output.

    Setting ``Output.outputs`` from the kernel needs no front end to route messages, so the
    output is also stored in the embedded widget state of an executed notebook.
    """
    buf = io.BytesIO()
    figure.savefig(buf, format="png", dpi=dpi)
    return {"output_type": "display_data", "metadata": {},
            "data": {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
                     "text/plain": repr(figure)}}


def _name_of(value, argname, choices):
    """One of the names ``choices``, in any case (a control or a caller may write "L2")."""
    return check_choice(value.strip().lower() if isinstance(value, str) else value, argname, choices)


# ---------------------------------------------------------------------- controls without a kernel
MAX_FRAMES = 40
# matplotlib's frame player links Font Awesome 4 from a CDN for its button icons. A page that
# must work offline cannot fetch it; the book's theme and JupyterLab both bring Font Awesome,
# which draws the same "fa fa-..." icons, and every button also has a title.
_CDN_STYLESHEET = re.compile(r"<link\b[^>]*font-awesome[^>]*>\s*", re.IGNORECASE)
_EMBEDDED_FRAME = re.compile(r'frames\[\d+\] = "data:image/png;base64,')


class StaticControl:
    """One control of an explorer, precomputed: a picture per value behind a slider.

    :attr:`html` is matplotlib's JavaScript frame player (``FuncAnimation.to_jshtml``): a range
    slider, step and play buttons and one inline base64 PNG per value, then a caption. It needs
    no kernel and no network, so it works in the static HTML book. Notebooks display it through
    ``_repr_html_``. ``len()`` is the number of frames; :attr:`size` is the HTML's size in bytes.
    Made by ``explorer.static(name, values)``.
    """

    def __init__(self, html, name, values):
        self.html, self.name, self.values = html, name, list(values)

    def __len__(self):
        return len(self.values)

    @property
    def size(self):
        return len(self.html.encode("utf-8"))

    def _repr_html_(self):
        return self.html

    def __repr__(self):
        return f"<StaticControl: {len(self)} values of {self.name}, {self.size / 1e6:.2f} MB of HTML>"


def _format_value(value):
    return f"{value:g}" if is_real(value) and not is_int(value) else str(value)


def _frame_values(values):
    """``values`` as a list of 2 to MAX_FRAMES distinct plain Python values (one per frame)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple, range, np.ndarray)):
        raise TypeError(f"values: expected a list of values, one per frame, got {type(values).__name__}")
    if isinstance(values, np.ndarray) and values.ndim != 1:
        raise ValueError(f"values: expected a 1-D list of values, got an array of shape {values.shape}")
    values = [v.item() if isinstance(v, np.generic) else v for v in values]
    if not 2 <= len(values) <= MAX_FRAMES:
        raise ValueError(f"values: expected 2 to {MAX_FRAMES} values (one frame each), got {len(values)}")
    for i, v in enumerate(values):
        if v in values[:i]:
            raise ValueError(f"values: {v!r} appears twice; every frame must show a different value")
    return values


def _frame_player(figure, name, values, draw, dpi, max_mb, fps, label_frames=True):
    """A :class:`StaticControl` with one frame of ``figure`` per value, after ``draw(value)``.

    With ``label_frames``, a label in the figure's lower left corner names the value each frame
    shows (the figure's own titles may not); it is removed afterwards.
    """
    from matplotlib import rc_context
    from matplotlib.animation import FuncAnimation

    dpi = check_positive(dpi, "dpi")
    max_mb = check_positive(max_mb, "max_mb")
    fps = check_positive(fps, "fps")
    label = figure.text(0.005, 0.005, "", ha="left", va="bottom", fontsize="small",
                        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8})

    def frame(value):
        draw(value)
        if label_frames:
            label.set_text(f"{name} = {_format_value(value)}")
        return ()

    try:
        animation = FuncAnimation(figure, frame, frames=values, init_func=lambda: (), repeat=False,
                                  cache_frame_data=False)
        # With the default codec (h264) the writer rounds the figure's size in pixels to even
        # numbers by resizing the figure itself; frames of PNG need no such thing.
        with rc_context({"savefig.dpi": dpi, "animation.frame_format": "png", "animation.embed_limit": max_mb,
                         "animation.codec": "png"}):
            player = animation.to_jshtml(fps=fps, default_mode="once")
    finally:
        label.remove()
    n_frames = len(_EMBEDDED_FRAME.findall(player))
    if n_frames != len(values):   # matplotlib stops embedding at the limit (and logs a warning)
        raise ValueError(f"max_mb: {len(values)} frames at dpi={dpi:g} need more than {max_mb:g} MB; "
                         "use fewer values, a lower dpi or a higher max_mb")
    player = _CDN_STYLESHEET.sub("", player)
    shown = ", ".join(_format_value(v) for v in values)
    caption = (f"precomputed: {len(values)} values of {name} ({shown}); open the chapter in "
               "JupyterLab (make lab) for the live widget")
    html = (f'<div class="ffnn-static-control" data-control="{_html.escape(name)}" data-frames="{len(values)}">\n'
            f"{player}\n"
            f'<p class="ffnn-static-caption"><em>{_html.escape(caption)}</em></p>\n</div>')
    return StaticControl(html, name, values)


class _Explorer:
    """What both explorers share: a figure redrawn by ``set(**values)``, and optional ipywidgets
    controls kept in step with it (moving a control calls ``set``; ``set`` from code moves the
    controls)."""

    def _init_controls(self):
        self._out = None       # the ipywidgets Output, once widget() has been called
        self._controls = {}    # name -> ipywidgets control, once widget() has been called
        self._syncing = False

    def _control_values(self):
        """{control name: the value it should show}."""
        raise NotImplementedError

    def _show(self):
        """Put the current figure into the widget's output area, if there is one."""
        if self._out is not None:
            self._out.outputs = (_png_output(self.figure),)
        return self.figure

    def _sync_controls(self):
        """Move existing controls to the current values (after a set() from code)."""
        if not self._controls or self._syncing:
            return
        current = self._control_values()
        self._syncing = True
        try:
            for name, control in self._controls.items():
                if control.value != current[name]:
                    control.value = current[name]
            self._after_sync()
        finally:
            self._syncing = False

    def _after_sync(self):
        pass

    def _on_change(self, name, new):
        if not self._syncing:
            self.set(**{name: new})

    def _snapshot(self):
        """What :meth:`static` puts back afterwards: by default, the values the controls show."""
        return dict(self._control_values())

    def _restore(self, snapshot):
        self.set(**snapshot)

    def static(self, name, values, dpi=80, max_mb=2.0, fps=2):
        """The control ``name`` precomputed for each of ``values``: a :class:`StaticControl`.

        Calls ``set(name=value)`` for each value in turn (the trained explorers train once per
        value) and captures the figure at ``dpi`` as one frame. The live widget, if there is one,
        is left alone, and afterwards the explorer shows exactly what it showed before.

        ``values`` are 2 to :data:`MAX_FRAMES` distinct values that :meth:`set` accepts for
        ``name``; the frames together may take at most ``max_mb`` MB of HTML. ``fps`` is the
        speed of the play button.
        """
        names = tuple(self._control_values())
        if not isinstance(name, str):
            raise TypeError(f"name: expected the name of a control ({', '.join(names)}), got {type(name).__name__}")
        if name not in names:
            raise ValueError(f"name: {name!r} is not a control of {type(self).__name__}; "
                             f"expected one of {', '.join(names)}")
        values = _frame_values(values)
        snapshot = self._snapshot()
        controls, out = self._controls, self._out
        self._controls, self._out = {}, None   # the live widget keeps its picture meanwhile
        try:
            return _frame_player(self.figure, name, values, lambda v: self.set(**{name: v}), dpi, max_mb, fps)
        finally:
            self._controls, self._out = controls, out
            self._restore(snapshot)

    def _connect(self, widgets, controls):
        """Adopt ``controls``: follow what they show, then call set() whenever one moves."""
        self._controls = controls
        self._out = widgets.Output()
        # Sliders clip out-of-range values; the model follows what the controls show.
        self.set(**{name: c.value for name, c in controls.items()})
        for name, control in controls.items():
            control.observe(lambda change, name=name: self._on_change(name, change["new"]), names="value")


class SurfaceExplorer(_Explorer):
    """The output ŷ of a 2 → 2 → 1 :class:`ffnn.FFNN` drawn over the square [-lim, lim]².

    The nine parameters are named after the arrays they live in (indices start at 1, row = input,
    column = unit, as in W (n_in, n_out)):

    - ``W1_ij`` = ``model.layers[0].W[i-1, j-1]``, from input x_i to hidden unit j;
      ``b1_j`` = ``model.layers[0].b[j-1]``;
    - ``W2_j1`` = ``model.layers[1].W[j-1, 0]``, from hidden unit j to the output;
      ``b2_1`` = ``model.layers[1].b[0]``.

    ``activation`` is the hidden layer's activation, ``output`` the output layer's. The picture is
    ffnn's own forward pass: ``surface()`` is ``model.predict(grid)`` reshaped to (res, res), with
    row k at x_2 = ``xs[k]`` and column l at x_1 = ``xs[l]``. The dashed lines are where each
    hidden unit's pre-activation z_j = x_1 W1_1j + x_2 W1_2j + b1_j is 0.

    Parameters
    ----------
    resolution : int
        Grid points per axis (at least 2).
    lim : float
        Half-width of the square that is drawn.
    **values
        Initial parameters and activations, as for :meth:`set`.

    Introduced in chapter 1 (forward propagation).
    """

    NAMES = ("W1_11", "W1_12", "W1_21", "W1_22", "b1_1", "b1_2", "W2_11", "W2_21", "b2_1")
    DEFAULTS = {"W1_11": 2.0, "W1_12": 2.0, "W1_21": 1.0, "W1_22": 1.0, "b1_1": 1.0, "b1_2": -1.0,
                "W2_11": 4.0, "W2_21": -4.0, "b2_1": -3.0, "activation": "tanh", "output": "sigmoid"}
    # (layer, array, row, column) of every parameter name
    _WHERE = {"W1_11": (0, "W", 0, 0), "W1_12": (0, "W", 0, 1), "W1_21": (0, "W", 1, 0),
              "W1_22": (0, "W", 1, 1), "b1_1": (0, "b", 0, None), "b1_2": (0, "b", 1, None),
              "W2_11": (1, "W", 0, 0), "W2_21": (1, "W", 1, 0), "b2_1": (1, "b", 0, None)}
    # Bounded outputs get a fixed colour scale, so moving a slider does not rescale the colours.
    _RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
    SLIDER_RANGE = (-5.0, 5.0)

    def __init__(self, resolution=101, lim=3.0, **values):
        self.resolution = check_int(resolution, "resolution", minimum=2)
        self.lim = check_positive(lim, "lim")
        self.xs = np.linspace(-self.lim, self.lim, self.resolution)
        x1, x2 = np.meshgrid(self.xs, self.xs)
        self.grid = np.column_stack([x1.ravel(), x2.ravel()])   # (res², 2): the batch we draw
        self.model = FFNN([2, 2, 1], [self.DEFAULTS["activation"], self.DEFAULTS["output"]],
                          loss="mse", init="zeros")
        self._init_controls()
        self._build_figure()
        self.set(**{**self.DEFAULTS, **values})

    # ------------------------------------------------------------------ state
    @property
    def parameters(self):
        """{name: value} of the nine weights and biases, in the order of :attr:`NAMES`."""
        out = {}
        for name in self.NAMES:
            layer, array, i, j = self._WHERE[name]
            arr = getattr(self.model.layers[layer], array)
            out[name] = float(arr[i] if j is None else arr[i, j])
        return out

    @property
    def activation(self):
        return self.model.activations[0]

    @property
    def output(self):
        return self.model.activations[1]

    def set(self, **values):
        """Change any parameters (``W1_11=...``) and/or ``activation=``/``output=``; redraw.

        Every value is checked before anything changes. Controls made by :meth:`widget` move to
        the new values (a slider clips them to its range). Returns the matplotlib Figure.
        """
        allowed = self.NAMES + ("activation", "output")
        unknown = [k for k in values if k not in allowed]
        if unknown:
            raise ValueError(f"{unknown[0]}: unknown parameter; expected one of {', '.join(allowed)}")
        numbers_ = {name: check_real(values[name], name) for name in self.NAMES if name in values}
        hidden = _activations.get(values.get("activation", self.activation), "activation").name
        output = _activations.get(values.get("output", self.output), "output").name
        if output == "softmax":
            raise ValueError("output: softmax over a single output unit is always 1; "
                             f"expected one of {', '.join(n for n in _activations.NAMES if n != 'softmax')}")

        if (hidden, output) != (self.activation, self.output):
            old = self.model
            self.model = FFNN([2, 2, 1], [hidden, output], loss="mse", init="zeros")
            for new_layer, old_layer in zip(self.model.layers, old.layers):
                new_layer.W[...], new_layer.b[...] = old_layer.W, old_layer.b
        for name, v in numbers_.items():
            layer, array, i, j = self._WHERE[name]
            getattr(self.model.layers[layer], array)[(i,) if j is None else (i, j)] = v
        self._sync_controls()
        return self._redraw()

    def surface(self):
        """ŷ on the grid as a (resolution, resolution) array: ffnn's forward pass, nothing else."""
        return self.model.predict(self.grid).reshape(self.resolution, self.resolution)

    # ------------------------------------------------------------------ drawing
    def _build_figure(self):
        # A bare Figure (not pyplot): no global state, and nothing is shown twice in a notebook.
        self.figure = Figure(figsize=(4.6, 3.8), layout="constrained")
        self.ax = self.figure.add_subplot()
        zeros = np.zeros((self.resolution, self.resolution))
        self.image = self.ax.imshow(zeros, origin="lower", cmap="viridis", interpolation="nearest",
                                    extent=(-self.lim, self.lim, -self.lim, self.lim))
        self.colorbar = self.figure.colorbar(self.image, ax=self.ax, label=r"$\hat{y}$")
        self.lines = [self.ax.plot([], [], ls="--", color=c, lw=1.5, label=f"$z_{j + 1} = 0$")[0]
                      for j, c in enumerate(("white", "tab:red"))]
        self.ax.set(xlim=(-self.lim, self.lim), ylim=(-self.lim, self.lim), xlabel="$x_1$", ylabel="$x_2$")
        self.ax.legend(loc="upper right", fontsize="small", framealpha=0.6)

    def _zero_line(self, w1, w2, b):
        """Points of the line x_1 w1 + x_2 w2 + b = 0 across the square (empty if w = 0)."""
        t = np.array([-self.lim, self.lim])
        if abs(w2) >= abs(w1) and w2 != 0:
            return t, -(w1 * t + b) / w2
        if w1 != 0:
            return -(w2 * t + b) / w1, t
        return np.array([]), np.array([])

    def _redraw(self):
        y_hat = self.surface()
        self.image.set_data(y_hat)
        lo, hi = self._RANGES.get(self.output, (float(y_hat.min()), float(y_hat.max())))
        if hi - lo < 1e-9:  # a flat surface: give the colour scale some width
            lo, hi = lo - 0.5, hi + 0.5
        self.image.set_clim(lo, hi)
        W, b = self.model.layers[0].W, self.model.layers[0].b
        for j, line in enumerate(self.lines):
            line.set_data(*self._zero_line(W[0, j], W[1, j], b[j]))
        self.ax.set_title(f"2 → 2 ({self.activation}) → 1 ({self.output})", fontsize="medium")
        return self._show()

    # ------------------------------------------------------------------ ipywidgets
    def _control_values(self):
        return {**self.parameters, "activation": self.activation, "output": self.output}

    def widget(self):
        """An ipywidgets box: a slider per parameter, two activation dropdowns and the plot.

        Moving a control calls :meth:`set`, so the picture is always ffnn's forward pass.
        """
        widgets = _import_ipywidgets()
        lo, hi = self.SLIDER_RANGE
        style = {"description_width": "72px"}
        layout = widgets.Layout(width="280px")
        narrow = widgets.Layout(width="250px")   # a dropdown has no readout beside it
        controls = {name: widgets.FloatSlider(value=float(np.clip(v, lo, hi)), min=lo, max=hi, step=0.1,
                                              description=name, continuous_update=False,
                                              style=style, layout=layout)
                    for name, v in self.parameters.items()}
        choices = list(_activations.NAMES)
        controls["activation"] = widgets.Dropdown(options=choices, value=self.activation,
                                                  description="activation", style=style, layout=narrow)
        controls["output"] = widgets.Dropdown(options=[n for n in choices if n != "softmax"], value=self.output,
                                              description="output", style=style, layout=narrow)
        self._connect(widgets, controls)

        def column(title, names):
            return widgets.VBox([widgets.HTML(f"<b>{title}</b>")] + [controls[n] for n in names])

        panel = widgets.VBox([column("hidden layer", self.NAMES[:6] + ("activation",)),
                              column("output layer", self.NAMES[6:] + ("output",))])
        return widgets.HBox([panel, self._out])


class _RetrainingExplorer(_Explorer):
    """An explorer that trains a fresh model whenever a setting changes: its ``settings`` are
    checked one by one by ``_check_setting``, ``_train(settings)`` trains, ``_redraw`` draws."""

    def _checked(self, settings):
        """A copy of the current settings updated with ``settings``, each value checked before
        anything changes."""
        unknown = [k for k in settings if k not in self.SETTINGS]
        if unknown:
            raise ValueError(f"{unknown[0]}: unknown setting; expected one of {', '.join(self.SETTINGS)}")
        return {**self.settings, **{name: self._check_setting(name, value) for name, value in settings.items()}}

    def set(self, **settings):
        """Change any of :attr:`SETTINGS`; retrain if a setting changed; redraw.

        Every value is checked before anything changes. Controls made by :meth:`widget` move to
        the new values. Returns the matplotlib Figure.
        """
        new = self._checked(settings)
        if new != self.settings or self.model is None:
            self._train(new)
        self._sync_controls()
        return self._redraw()

    def _control_values(self):
        return self.settings


class TrainingExplorer(_RetrainingExplorer):
    """Train a small :class:`ffnn.FFNN` with the chosen settings and draw its loss per epoch.

    The settings are ``learning_rate``, ``batch_size``, ``optimizer`` (``"sgd"``, ``"momentum"``,
    ``"adam"``), ``regularization`` (``"none"``, ``"l1"``, ``"l2"``) and its strength ``lam``.
    Changing one builds a fresh ``FFNN(layer_sizes, activations, loss, regularization=..., seed=seed)``
    and calls ``fit(X_train, y_train, batch_size, learning_rate, epochs,
    validation_data=(X_val, y_val), optimizer=...)``. The seed fixes both the initial weights and the
    shuffling, so two runs differ only in the settings that differ.

    The axes show ``model.history``: :attr:`train_line` (solid) has y-data ``history["loss"]``
    (mean batch loss plus penalty during each epoch), :attr:`val_line` (dashed)
    ``history["val_loss"]``, both at x = 1, 2, ... epochs. :attr:`previous_lines` repeat the run
    before the last change in grey. A learning rate so large that the loss stops being finite
    does not raise: :attr:`diverged` holds the :class:`ffnn.DivergenceError` message and the
    curves show the epochs finished before it (None after a run that did not diverge).

    Parameters
    ----------
    X_train, X_val : arrays (N, n_in)
    y_train, y_val : integer labels (N,) or targets (N, n_out)
    layer_sizes : list of int, default ``[n_in, 32, n_out]``
    activations : str or list, default ReLU hidden layers and the output activation the loss is
        made for (``ffnn.losses.get(loss).output_activation``)
    loss : str, default ``"categorical_crossentropy"``
    epochs : int
        Epochs per run: every change of a setting trains a new model this long, so it stays
        small enough to follow a slider.
    seed : int
    dtype : "float32" or "float64"
    **settings
        Initial settings, as for :meth:`set`.

    Introduced in chapter 3 (weight updates).
    """

    SETTINGS = ("learning_rate", "batch_size", "optimizer", "regularization", "lam")
    DEFAULTS = {"learning_rate": 0.1, "batch_size": 32, "optimizer": "sgd", "regularization": "none",
                "lam": 1e-3}
    REGULARIZATIONS = ("none", "l1", "l2")
    BATCH_SIZES = (8, 16, 32, 64, 128, 256)   # the widget's choices (any positive int works in set)
    LR_EXPONENTS = (-3.0, 0.5)                # learning-rate slider from 10**-3 to 10**0.5
    LAM_EXPONENTS = (-5.0, -1.0)

    def __init__(self, X_train, y_train, X_val, y_val, layer_sizes=None, activations=None,
                 loss="categorical_crossentropy", epochs=25, seed=0, dtype="float32", **settings):
        self.epochs = check_int(epochs, "epochs")
        self.seed = check_int(seed, "seed", minimum=0)
        loss = _losses.get(loss)
        if layer_sizes is None:
            n_in = check_array(X_train, "X_train", dtype=None).shape[1]
            layer_sizes = [n_in, 32, n_outputs(loss, [y_train, y_val])]
        if activations is None:
            activations = ["relu"] * (len(layer_sizes) - 2) + [loss.output_activation]
        # A throwaway model checks the architecture and fixes the dtype the inputs are converted
        # to once, here, rather than in every retraining. The targets stay as given: fit checks
        # them, first in the training run at the end of __init__.
        probe = FFNN(layer_sizes, activations, loss, seed=self.seed, dtype=dtype)
        self.layer_sizes, self.activations, self.loss, self.dtype = (
            probe.layer_sizes, probe.activations, probe.loss_name, probe.dtype.name)
        self.X_train = check_array(X_train, "X_train", n_features=probe.n_in, dtype=probe.dtype)
        self.X_val = check_array(X_val, "X_val", n_features=probe.n_in, dtype=probe.dtype)
        self.Y_train, self.Y_val = np.asarray(y_train), np.asarray(y_val)
        check_consistent_length(self.X_train, self.Y_train, "X_train", "y_train")
        check_consistent_length(self.X_val, self.Y_val, "X_val", "y_val")

        self.settings = {}     # the settings of the model on display
        self.model = None
        self.diverged = None
        self._init_controls()
        self._build_figure()
        self.set(**{**self.DEFAULTS, **settings})

    # ------------------------------------------------------------------ state
    @property
    def history(self):
        """The displayed model's :class:`ffnn.History`."""
        return self.model.history

    def _check_setting(self, name, value):
        if name == "learning_rate":
            return check_positive(value, "learning_rate")
        if name == "batch_size":
            return check_int(value, "batch_size")
        if name == "optimizer":
            return _name_of(value, "optimizer", _optim.NAMES)
        if name == "regularization":
            return _name_of("none" if value is None else value, "regularization", self.REGULARIZATIONS)
        return check_real(value, "lam", low=0)

    def regularizer(self, settings=None):
        """The ``regularization=`` argument for the settings: None, ffnn.L1(lam) or ffnn.L2(lam)."""
        s = self.settings if settings is None else settings
        if s["regularization"] == "none":
            return None
        return (L1 if s["regularization"] == "l1" else L2)(s["lam"])

    def _train(self, settings):
        model = FFNN(self.layer_sizes, self.activations, self.loss, regularization=self.regularizer(settings),
                     seed=self.seed, dtype=self.dtype)
        try:
            model.fit(self.X_train, self.Y_train, batch_size=settings["batch_size"],
                      learning_rate=settings["learning_rate"], epochs=self.epochs,
                      validation_data=(self.X_val, self.Y_val), optimizer=settings["optimizer"], verbose=0)
            diverged = None
        except DivergenceError as err:
            diverged = str(err)
        if self.model is not None:   # the run on display becomes the grey reference
            for old, line in zip(self.previous_lines, (self.train_line, self.val_line)):
                old.set_data(*line.get_data())
        self.model, self.settings, self.diverged = model, settings, diverged

    # ------------------------------------------------------------------ drawing
    def _build_figure(self):
        self.figure = Figure(figsize=(6.0, 3.6), layout="constrained")
        self.ax = self.figure.add_subplot()
        self.previous_lines = [self.ax.plot([], [], ls, color="0.75", lw=1.5, label=f"previous ({part})")[0]
                               for ls, part in (("-", "training"), ("--", "validation"))]
        self.train_line, = self.ax.plot([], [], "-", color="C0", lw=2, label="training loss")
        self.val_line, = self.ax.plot([], [], "--", color="C1", lw=2, label="validation loss")
        self.ax.set(xlim=(0.5, self.epochs + 0.5), xlabel="epoch", ylabel="loss (log scale)", yscale="log")
        # plain numbers on the log axis: 0.1, 0.2, 0.5, 1, 2, ... (a range often spans less than 10x)
        self.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        self.ax.yaxis.set_minor_formatter(FuncFormatter(
            lambda v, _: f"{v:g}" if v > 0 and round(v / 10 ** math.floor(math.log10(v))) in (2, 5) else ""))
        self.ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        self.ax.grid(alpha=0.3, which="both")
        self.ax.legend(fontsize="small", loc="best")

    def _redraw(self):
        h = self.model.history
        for line, key in ((self.train_line, "loss"), (self.val_line, "val_loss")):
            y = h.get(key, [])
            line.set_data(np.arange(1, len(y) + 1), y)
        # autoscale y over the finite, positive values of all four lines
        ys = np.concatenate([np.asarray(line.get_ydata(), dtype=float)
                             for line in (self.train_line, self.val_line, *self.previous_lines)])
        ys = ys[np.isfinite(ys) & (ys > 0)]
        if ys.size:
            lo, hi = ys.min(), ys.max()
            self.ax.set_ylim(lo / 1.25, hi * 1.25)
        s = self.settings
        reg = "no penalty" if s["regularization"] == "none" else f"{s['regularization'].upper()}(lam={s['lam']:g})"
        title = f"lr={s['learning_rate']:.3g}, batch {s['batch_size']}, {s['optimizer']}, {reg}"
        if self.diverged is not None:
            title += f"\ndiverged after {h.epochs} epoch{'s' if h.epochs != 1 else ''}"
        elif h.get("val_accuracy"):
            title += f"\nvalidation accuracy {h['val_accuracy'][-1]:.3f}"
        self.ax.set_title(title, fontsize="medium")
        return self._show()

    # ------------------------------------------------------------------ ipywidgets
    def _after_sync(self):
        self._controls["lam"].disabled = self.settings["regularization"] == "none"

    def _snapshot(self):
        # the trained model itself (set() would train it again) and the grey run before it
        return (self.model, self.settings, self.diverged,
                [tuple(np.array(a, copy=True) for a in line.get_data()) for line in self.previous_lines])

    def _restore(self, snapshot):
        self.model, self.settings, self.diverged, previous = snapshot
        for line, data in zip(self.previous_lines, previous):
            line.set_data(*data)
        self._sync_controls()
        self._redraw()

    def widget(self):
        """An ipywidgets box: learning-rate, batch-size and lam sliders and optimizer and
        regularisation dropdowns above the plot. Each change retrains through :meth:`set`."""
        widgets = _import_ipywidgets()
        style = {"description_width": "100px"}
        layout = widgets.Layout(width="320px")
        s = self.settings
        controls = {
            "learning_rate": widgets.FloatLogSlider(
                value=s["learning_rate"], base=10, min=self.LR_EXPONENTS[0], max=self.LR_EXPONENTS[1],
                step=0.25, readout_format=".3g", description="learning_rate", continuous_update=False,
                style=style, layout=layout),
            "batch_size": widgets.SelectionSlider(
                options=sorted(set(self.BATCH_SIZES) | {s["batch_size"]}), value=s["batch_size"],
                description="batch_size", continuous_update=False, style=style, layout=layout),
            "optimizer": widgets.Dropdown(options=list(_optim.NAMES), value=s["optimizer"],
                                          description="optimizer", style=style, layout=layout),
            "regularization": widgets.Dropdown(options=list(self.REGULARIZATIONS), value=s["regularization"],
                                               description="regularization", style=style, layout=layout),
            "lam": widgets.FloatLogSlider(
                value=s["lam"] if s["lam"] > 0 else 10 ** self.LAM_EXPONENTS[0], base=10,
                min=self.LAM_EXPONENTS[0], max=self.LAM_EXPONENTS[1], step=0.5, readout_format=".0e",
                description="lam", continuous_update=False, style=style, layout=layout),
        }
        # set() retrains only if what the controls show differs from the current settings.
        self._connect(widgets, controls)
        # Two columns of controls above the plot: narrow enough for a book page.
        columns = [widgets.VBox([controls[n] for n in ("learning_rate", "batch_size", "lam")]),
                   widgets.VBox([controls[n] for n in ("optimizer", "regularization")])]
        return widgets.VBox([widgets.HBox(columns), self._out])


class SweepExplorer:
    """Pick one configuration of a sweep and see its curves against the others'.

    Left panel: training loss (solid) and validation loss (dashed) of the chosen configuration,
    over every configuration's validation loss in grey. Right panel: its training and
    validation accuracy, the same way. With several seeds each curve is the mean over the seeds
    (:meth:`ffnn.experiments.Results.history`). Drive it with :meth:`show`; :meth:`widget` adds
    a dropdown.

    Introduced in the Experiments chapter.
    """

    def __init__(self, results, selected=0):
        if not isinstance(results, Results):
            raise TypeError(f"results: expected the Results of ffnn.experiments.sweep, got {type(results).__name__}")
        self.results = results
        self.labels = list(results.labels)
        self.histories = {label: results.history(label) for label in self.labels}
        self.summary = {label: row for label, row in zip(self.labels, results.summary().rows)}
        self._out = self._dropdown = None
        self._build_figure()
        self.show(selected)

    def _build_figure(self):
        self.figure = Figure(figsize=(8.0, 3.3), layout="constrained")
        self.loss_ax, self.acc_ax = self.figure.subplots(1, 2)
        has_acc = any("accuracy" in h for h in self.histories.values())
        for label, h in self.histories.items():
            x = np.arange(1, h.epochs + 1)
            self.loss_ax.plot(x, h.get("val_loss", h.get("loss", [])), color="0.8", lw=1)
            if has_acc:
                self.acc_ax.plot(x, h.get("val_accuracy", h.get("accuracy", [])), color="0.8", lw=1)
        lines = {}
        for ax, metric in ((self.loss_ax, "loss"), (self.acc_ax, "accuracy")):
            lines[metric] = ax.plot([], [], color="tab:blue", lw=2, label="training")[0]
            lines["val_" + metric] = ax.plot([], [], color="tab:orange", lw=2, ls="--", label="validation")[0]
            ax.set_xlabel("epoch")
        self.lines = lines
        losses = [v for h in self.histories.values() for k in ("loss", "val_loss") for v in h.get(k, [])]
        if losses and min(losses) > 0 and max(losses) / min(losses) > 10:
            self.loss_ax.set_yscale("log")
        self.loss_ax.set_ylabel("loss")
        self.acc_ax.set_ylabel("accuracy")
        self.loss_ax.legend(loc="upper right", fontsize="small")
        if not has_acc:
            self.acc_ax.set_visible(False)

    @property
    def selected(self):
        """The label of the configuration being shown."""
        return self._selected

    def show(self, which):
        """Show configuration ``which`` (its label, or its index in :attr:`labels`); return the Figure."""
        if is_int(which):
            if not -len(self.labels) <= which < len(self.labels):
                raise ValueError(f"which: index {which} is out of range for {len(self.labels)} configurations")
            which = self.labels[which]
        if which not in self.histories:
            raise ValueError(f"which: {which!r} is not a configuration of this sweep; expected an index or "
                             f"one of: {'; '.join(self.labels)}")
        self._selected = which
        h = self.histories[which]
        x = np.arange(1, h.epochs + 1)
        for key, line in self.lines.items():
            values = h.get(key)
            line.set_data((x, values) if values is not None else ([], []))
        for ax in (self.loss_ax, self.acc_ax):
            ax.relim()
            ax.autoscale_view()
        acc = format_metric("test_accuracy", self.summary[which].get("test_accuracy"))
        self.figure.suptitle(f"{which}   (test accuracy {acc})", fontsize="medium")
        if self._dropdown is not None and self._dropdown.value != which:
            self._dropdown.value = which
        if self._out is not None:
            self._out.outputs = (_png_output(self.figure),)
        return self.figure

    def static(self, values=None, dpi=80, max_mb=2.0, fps=2):
        """The run picker precomputed: a :class:`StaticControl` with one frame per configuration.

        ``values`` are labels or indices of :attr:`labels` (default: every configuration), as for
        :meth:`show`; the other arguments are those of :meth:`SurfaceExplorer.static`. The
        explorer shows the same configuration afterwards.
        """
        labels = _frame_values(list(self.labels) if values is None else values)
        for i, which in enumerate(labels):
            if is_int(which) and -len(self.labels) <= which < len(self.labels):
                labels[i] = self.labels[which]
            elif which not in self.histories:
                raise ValueError(f"values: {which!r} is not a configuration of this sweep; expected an index or "
                                 f"one of: {'; '.join(self.labels)}")
        labels = _frame_values(labels)   # an index and its label name the same frame
        selected, dropdown, out = self.selected, self._dropdown, self._out
        self._dropdown = self._out = None
        try:
            return _frame_player(self.figure, "run", labels, self.show, dpi, max_mb, fps, label_frames=False)
        finally:
            self._dropdown, self._out = dropdown, out
            self.show(selected)

    def widget(self):
        """An ipywidgets dropdown of the configurations above the figure; choosing one calls :meth:`show`."""
        widgets = _import_ipywidgets()
        self._dropdown = widgets.Dropdown(options=self.labels, value=self.selected, description="run",
                                          layout=widgets.Layout(width="auto"))
        self._out = widgets.Output()
        self._dropdown.observe(lambda change: self.show(change["new"]), names="value")
        self.show(self.selected)
        return widgets.VBox([self._dropdown, self._out])


class BoundaryExplorer(_RetrainingExplorer):
    """Train a small :class:`ffnn.FFNN` on a two-dimensional toy problem and draw what it learnt:
    the decision boundary over the points (left) and the training loss per epoch (right).

    The settings are ``dataset`` (``"moons"``, ``"circles"``, ``"spirals"``, from
    :mod:`ffnn.datasets` with ``seed``), ``width`` (units per hidden layer), ``depth`` (hidden
    layers), ``activation`` (of the hidden layers), ``learning_rate`` and ``lam`` (an L2 penalty;
    0 for none). Changing one builds ``FFNN([2] + [width] * depth + [n_out], ...)`` with
    ``seed`` and trains it with Adam for ``epochs`` epochs of batches of 32. Two classes use one
    sigmoid output and binary cross-entropy; more use softmax and categorical cross-entropy.

    :attr:`model` is the trained network, so ``model.accuracy(X, y)`` and
    ``model.history["loss"]`` are what the picture shows (:attr:`loss_line` has the loss as its
    y-data).

    Introduced in the "Looking inside" chapter.
    """

    SETTINGS = ("dataset", "width", "depth", "activation", "learning_rate", "lam")
    DEFAULTS = {"dataset": "moons", "width": 16, "depth": 2, "activation": "relu", "learning_rate": 0.01,
                "lam": 0.0}
    DATASETS = {"moons": _datasets.make_moons, "circles": _datasets.make_circles,
                "spirals": _datasets.make_spirals}
    HIDDEN = ("relu", "tanh", "sigmoid")
    WIDTHS = (1, 2, 3, 4, 8, 16, 32, 64)

    def __init__(self, n_samples=200, epochs=60, seed=0, **settings):
        self.n_samples = check_int(n_samples, "n_samples", minimum=6)
        self.epochs = check_int(epochs, "epochs")
        self.seed = check_int(seed, "seed", minimum=0)
        self.settings, self.model, self.diverged = {}, None, None
        self._init_controls()
        self.figure = Figure(figsize=(8.4, 3.6), layout="constrained")
        self.ax, self.loss_ax = self.figure.subplots(1, 2, width_ratios=(1.15, 1))
        self.set(**{**self.DEFAULTS, **settings})

    def data(self, dataset=None):
        """(X, y) of ``dataset`` (default: the one on display), drawn with :attr:`seed`."""
        name = self.settings["dataset"] if dataset is None else dataset
        return self.DATASETS[name](n_samples=self.n_samples, seed=self.seed)

    def _check_setting(self, name, value):
        if name == "dataset":
            return _name_of(value, "dataset", tuple(self.DATASETS))
        if name in ("width", "depth"):
            return check_int(value, name, maximum=512 if name == "width" else 8)
        if name == "activation":
            return _name_of(value, "activation", self.HIDDEN)
        if name == "learning_rate":
            return check_positive(value, "learning_rate")
        return check_real(value, "lam", low=0)

    def _train(self, settings):
        X, y = self.data(settings["dataset"])
        n_classes = int(y.max()) + 1
        out, loss = (("sigmoid", "binary_crossentropy") if n_classes == 2
                     else ("softmax", "categorical_crossentropy"))
        sizes = [2] + [settings["width"]] * settings["depth"] + [1 if n_classes == 2 else n_classes]
        model = FFNN(sizes, [settings["activation"]] * settings["depth"] + [out], loss, seed=self.seed,
                     regularization=L2(settings["lam"]) if settings["lam"] > 0 else None)
        try:
            model.fit(X, y, batch_size=32, learning_rate=settings["learning_rate"], epochs=self.epochs,
                      optimizer="adam", verbose=0)
            self.diverged = None
        except DivergenceError as err:
            self.diverged = str(err)
        self.model, self.settings = model, settings

    def _redraw(self):
        X, y = self.data()
        self.ax.clear()
        self.loss_ax.clear()
        if self.diverged is None:
            decision_boundary(self.model, X, y, ax=self.ax)
        s = self.settings
        reg = f", L2 {s['lam']:g}" if s["lam"] > 0 else ""
        self.ax.set_title(f"{s['depth']} × {s['width']} {s['activation']}{reg}: "
                          + ("diverged" if self.diverged else f"accuracy {self.model.accuracy(X, y):.2f}"),
                          fontsize="medium")
        loss = self.model.history.get("loss", [])
        self.loss_line, = self.loss_ax.plot(np.arange(1, len(loss) + 1), loss, color="C0")
        self.loss_ax.set(xlabel="epoch", ylabel="training loss", yscale="log")
        self.loss_ax.set_title(f"Adam, learning rate {s['learning_rate']:.3g}", fontsize="medium")
        self.loss_ax.grid(alpha=0.3, which="both")
        return self._show()

    def _snapshot(self):
        return self.model, self.settings, self.diverged   # restored without training again

    def _restore(self, snapshot):
        self.model, self.settings, self.diverged = snapshot
        self._sync_controls()
        self._redraw()

    def widget(self):
        """An ipywidgets box: dataset, activation, width, depth, learning rate and L2 strength
        above the two plots. Each change retrains through :meth:`set`."""
        widgets = _import_ipywidgets()
        style = {"description_width": "90px"}
        layout = widgets.Layout(width="300px")
        s = self.settings
        controls = {
            "dataset": widgets.Dropdown(options=list(self.DATASETS), value=s["dataset"], description="dataset",
                                        style=style, layout=layout),
            "activation": widgets.Dropdown(options=list(self.HIDDEN), value=s["activation"],
                                           description="activation", style=style, layout=layout),
            "width": widgets.SelectionSlider(options=sorted(set(self.WIDTHS) | {s["width"]}), value=s["width"],
                                             description="width", continuous_update=False, style=style,
                                             layout=layout),
            "depth": widgets.IntSlider(value=s["depth"], min=1, max=4, description="depth",
                                       continuous_update=False, style=style, layout=layout),
            "learning_rate": widgets.FloatLogSlider(value=s["learning_rate"], base=10, min=-3.5, max=0, step=0.25,
                                                    readout_format=".3g", description="learning_rate",
                                                    continuous_update=False, style=style, layout=layout),
            "lam": widgets.SelectionSlider(options=sorted({0.0, 1e-4, 1e-3, 1e-2, 1e-1} | {s["lam"]}),
                                           value=s["lam"], description="L2 lam", continuous_update=False,
                                           style=style, layout=layout),
        }
        self._connect(widgets, controls)
        columns = [widgets.VBox([controls[n] for n in ("dataset", "activation", "lam")]),
                   widgets.VBox([controls[n] for n in ("width", "depth", "learning_rate")])]
        return widgets.VBox([widgets.HBox(columns), self._out])
