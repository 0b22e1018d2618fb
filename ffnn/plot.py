"""Pictures of a network: its graph, histograms of W and dW, training curves, and the computation
graph of the scalar autograd engine.

Introduced in chapter 4 ("Looking inside the network"); :func:`autograd_graph` in chapter 2.

Every function returns the matplotlib Figure it drew on, and the artists carry the numbers they
show, so a picture can be tested like any other result:

- :func:`graph`: the LineCollection with gid ``"edges"`` holds the drawn weights in ``get_array()``;
  the scatter with gid ``"nodes"`` holds the biases; texts with gid ``"more"`` say how many neurons
  of a layer were left out.
- :func:`weights` / :func:`gradients`: one histogram per (model, layer); its bar heights are counts.
- :func:`history`: the Line2D y-data are the per-epoch values.

Signs use one diverging colormap centred at 0: blue negative, grey about 0, red positive.

The model pictures take any object with ``layers``, ``parameters()`` and ``gradients()`` (an
``ffnn.FFNN``), so this module never imports ``ffnn.network``: the model's ``plot_*`` methods
import it instead.
"""
import re
import textwrap
import warnings
from collections.abc import Mapping

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import Colormap, Normalize
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from ._validation import (check_array, check_bool, check_choice, check_int, check_labels, check_model, check_real,
                          check_seed, is_int)
from .autograd import topo_order

__all__ = ["graph", "select_neurons", "weights", "gradients", "history", "diagnostics", "decision_boundary",
           "hidden_units", "autograd_graph", "CMAP"]

CMAP = "coolwarm"
_SHOW = ("weights", "gradients")
_SELECT = ("largest", "random")


# ---- validation and layout shared by the pictures -----------------------------------------------
# ffnn.FFNN calls these functions from its plot methods, so they take any object with layers,
# parameters() and gradients() (check_model) rather than importing the class.
#: From this many runs on, a legend goes outside the axes, where it cannot cover a curve.
LEGEND_OUTSIDE = 5
#: Legend entries and row labels are wrapped at this many characters, so long ones never overlap.
LABEL_WIDTH = 28


def _wrap(label, width=LABEL_WIDTH):
    """``label`` on lines of at most ``width`` characters, broken at spaces (never inside a number)."""
    return "\n".join(textwrap.wrap(str(label), width, break_long_words=False, break_on_hyphens=False))


def _legend(fig, ax, handles, n_runs):
    """One legend for ``handles``: inside ``ax`` (best place) for a few runs, or, from
    :data:`LEGEND_OUTSIDE` runs on, to the right of the figure's axes, where it covers nothing."""
    if n_runs >= LEGEND_OUTSIDE:
        return fig.legend(handles=handles, loc="outside right upper", fontsize=8)
    return ax.legend(handles=handles, fontsize=8)


def _check_ax(ax):
    if ax is not None and not isinstance(ax, matplotlib.axes.Axes):
        raise TypeError(f"ax: expected None or a matplotlib Axes, got {type(ax).__name__}")
    return ax


def _check_cmap(cmap):
    if isinstance(cmap, Colormap):
        return cmap
    if not isinstance(cmap, str):
        raise TypeError(f"cmap: expected a colormap name or a matplotlib Colormap, got {type(cmap).__name__}")
    if cmap not in matplotlib.colormaps:
        raise ValueError(f"cmap: unknown colormap {cmap!r}; expected a name such as {CMAP!r}")
    return cmap


def _layer_sizes(model):
    """[n_in, n_out of each layer], read from the layers themselves."""
    return [model.layers[0].n_in] + [layer.n_out for layer in model.layers]


def _params(model, show):
    """[(A, c)] per layer: (W, b), or (dW, db) of the last backward pass."""
    if show == "weights":
        return [(layer.W, layer.b) for layer in model.layers]
    # Gradients start as zeros and every backward pass overwrites them; all-zero means "never
    # computed" (a trained or half-trained network never has every dW and db exactly 0).
    if not any(np.any(d) for _, d in model.gradients()):
        raise RuntimeError("show='gradients': the model has no gradients yet; run model.forward(X) "
                           "and model.backward(Y) (or model.fit) first")
    return [(layer.dW, layer.db) for layer in model.layers]


# ---- the network as a layered graph -------------------------------------------------------------
def select_neurons(model, neurons=None, max_neurons=12, select="largest", seed=0, show="weights"):
    """Indices of the neurons :func:`graph` draws: a list with one sorted int array per column of
    the graph, ``[n_in, n_out of each layer]``: column 0 holds the inputs and column k the
    outputs of ``model.layers[k-1]``.

    ``neurons={k: [i, ...]}`` fixes column k's neurons. Any other column wider than ``max_neurons``
    keeps ``max_neurons`` of them: the ones with the largest Σ|w| over their incoming and outgoing
    weights (``select="largest"``; ``show="gradients"`` ranks by |dW|) or a random sample drawn
    with ``seed`` (``select="random"``).
    """
    check_model(model)
    check_choice(show, "show", _SHOW)
    check_choice(select, "select", _SELECT)
    check_int(max_neurons, "max_neurons")
    seed = check_seed(seed)
    sizes = _layer_sizes(model)
    chosen = {}
    if neurons is not None:
        if not isinstance(neurons, Mapping):
            raise TypeError(f"neurons: expected a dict {{column: [neuron indices]}}, got "
                            f"{type(neurons).__name__}")
        for k, idx in neurons.items():
            if not is_int(k):
                raise TypeError(f"neurons: expected integer column indices as keys, got {k!r}")
            if not 0 <= k < len(sizes):
                raise ValueError(f"neurons: column {k!r} out of range; expected 0..{len(sizes) - 1} "
                                 f"(0 the inputs, k the outputs of layers[k-1]) for layer sizes {sizes}")
            arr = np.asarray(list(idx) if not isinstance(idx, np.ndarray) else idx)
            if arr.ndim != 1 or arr.size == 0:
                raise ValueError(f"neurons[{k}]: expected a non-empty list of integers, got {idx!r}")
            if arr.dtype.kind not in "iu":
                raise TypeError(f"neurons[{k}]: expected a list of integers, got {idx!r}")
            if arr.min() < 0 or arr.max() >= sizes[k] or np.unique(arr).size != arr.size:
                raise ValueError(f"neurons[{k}]: expected distinct indices in 0..{sizes[k] - 1}, got {idx!r}")
            chosen[int(k)] = np.sort(arr.astype(np.intp))
    mats = [A for A, _ in _params(model, show)]
    rng = np.random.default_rng(seed)
    out = []
    for k, n in enumerate(sizes):
        if k in chosen:
            out.append(chosen[k])
        elif n <= max_neurons:
            out.append(np.arange(n))
        elif select == "random":
            out.append(np.sort(rng.choice(n, max_neurons, replace=False)))
        else:
            score = np.zeros(n)
            if k > 0:
                score += np.abs(mats[k - 1]).sum(axis=0)
            if k < len(mats):
                score += np.abs(mats[k]).sum(axis=1)
            # stable sort: ties (e.g. zero weights) keep the lowest indices
            out.append(np.sort(np.argsort(-score, kind="stable")[:max_neurons]))
    return out


def _column(m):
    """y positions of m nodes, top to bottom, one unit apart, centred on 0."""
    return (m - 1) / 2 - np.arange(m)


#: Most neurons of one layer that :func:`graph` labels the values of: each edge label needs its
#: own column between two layers, and more columns than this do not fit a page.
MAX_LABELLED_TARGETS = 6


def _check_feature_names(feature_names, n_in):
    if feature_names is None:
        return None
    if isinstance(feature_names, (str, bytes)) or not hasattr(feature_names, "__len__"):
        raise TypeError(f"feature_names: expected a list of {n_in} names, got {feature_names!r}")
    if len(feature_names) != n_in:
        raise ValueError(f"feature_names: expected {n_in} names, one per input, got {len(feature_names)}")
    return [str(name) for name in feature_names]


def graph(model, show="weights", neurons=None, max_neurons=12, select="largest", seed=0,
          labels="auto", ax=None, cmap=CMAP, feature_names=None):
    """Draw the network as a layered graph: one node per neuron, one edge per weight.

    Columns from left to right: the inputs, then the outputs of ``model.layers[0]``,
    ``model.layers[1]``, ... (headed ``layers[i]``, numbered from 0 as everywhere in ffnn). Edge
    i → j into the column of ``layers[k]`` shows ``W[i, j]`` of ``model.layers[k]``: colour = sign
    and size (diverging ``cmap``, symmetric about 0), line width ∝ |W[i, j]|. A non-input node's
    fill colour is its bias ``b[j]`` on the same scale. ``show="gradients"`` draws dW and db of the
    last backward pass instead (RuntimeError if there was none).

    Wide layers show only a subset (see :func:`select_neurons`, whose ``neurons`` keys count the
    columns: 0 the inputs, k the outputs of ``layers[k-1]``) and a "… N more" marker, so at most
    ``max_neurons²`` edges are drawn per layer pair. ``labels`` (True, False or "auto" = when at
    most 30 edges) writes the values on the edges and under the nodes; they are left out, with a
    warning, when a layer shows more than :data:`MAX_LABELLED_TARGETS` neurons, where they could not
    be read. ``feature_names`` (one per input) are written beside the input nodes; otherwise every
    node shows its index. Edges are drawn in order of increasing |value|, so the strongest lie on
    top. Returns the Figure.
    """
    check_model(model)
    check_choice(show, "show", _SHOW)
    if not (isinstance(labels, (bool, np.bool_)) or (isinstance(labels, str) and labels == "auto")):
        raise (ValueError if isinstance(labels, str) else TypeError)(
            f"labels: expected True, False or 'auto', got {labels!r}")
    _check_ax(ax)
    cmap = _check_cmap(cmap)
    sizes, L = _layer_sizes(model), len(model.layers)
    names = _check_feature_names(feature_names, sizes[0])
    shown = select_neurons(model, neurons, max_neurons, select, seed, show)
    params = _params(model, show)
    ys = [_column(len(idx)) for idx in shown]
    n_edges = sum(len(a) * len(b) for a, b in zip(shown, shown[1:]))
    show_labels = bool(labels is True or (labels == "auto" and n_edges <= 30))
    widest = max(len(idx) for idx in shown[1:])
    if show_labels and widest > MAX_LABELLED_TARGETS:
        if labels is True:
            warnings.warn(f"labels: the values of {n_edges} edges into up to {widest} neurons of a layer would "
                          f"overlap, so they are left out; draw at most {MAX_LABELLED_TARGETS} per layer "
                          "(max_neurons= or neurons=) to see them", stacklevel=2)
        show_labels = False

    segs, vals, at = [], [], []
    for k, (A, _) in enumerate(params):
        sub = A[np.ix_(shown[k], shown[k + 1])]
        y0, y1 = np.meshgrid(ys[k], ys[k + 1], indexing="ij")
        segs.append(np.stack([np.full(sub.size, k), y0.ravel(), np.full(sub.size, k + 1), y1.ravel()], 1))
        vals.append(sub.ravel())
        # Where a value label sits along its edge: the edges into target neuron j all carry their
        # labels at the same distance t_j from the left, a column of its own, so labels of one
        # target stand (1 - t_j) rows apart and the columns of two targets never meet.
        m = len(ys[k + 1])
        at.append(np.tile(0.2 + 0.5 * np.arange(m) / max(m - 1, 1) if m > 1 else [0.45], len(ys[k])))
    segs, vals = np.concatenate(segs).reshape(-1, 2, 2), np.concatenate(vals).astype(np.float64)
    biases = np.concatenate([c[shown[k + 1]] for k, (_, c) in enumerate(params)]).astype(np.float64)
    vmax = max(np.abs(vals).max(), np.abs(biases).max())
    vmax = vmax if vmax > 0 else 1.0  # all zero (zero init): everything grey, thinnest lines
    norm = Normalize(-vmax, vmax)
    order = np.argsort(np.abs(vals), kind="stable")
    segs, vals, at = segs[order], vals[order], np.concatenate(at)[order]

    n_rows = max(len(y) for y in ys) + any(len(s) < n for s, n in zip(shown, sizes))
    if ax is None:
        # Labels need room: a column per target neuron between two layers, and taller rows.
        gap = max(1.9, 0.85 * (widest - 1) + 0.4) if show_labels else 1.9
        row = 0.55 if show_labels else 0.42
        names_width = 0.065 * max(map(len, names)) if names else 0.0
        fig, ax = plt.subplots(figsize=(gap * L + 2.2 + names_width, max(3.2, row * n_rows + 1.6)),
                               layout="constrained")
    fig = ax.figure
    edges = LineCollection(segs, cmap=cmap, norm=norm, linewidths=0.3 + 3.2 * np.abs(vals) / vmax,
                           zorder=1, gid="edges")
    edges.set_array(vals)
    edges.update_scalarmappable()  # colours available before the first draw (tests, savefig)
    ax.add_collection(edges)

    size = 380 if n_rows <= 8 else 210
    ax.scatter(np.zeros(len(ys[0])), ys[0], s=size, c="0.88", edgecolors="0.3", zorder=3, gid="inputs")
    xs = np.concatenate([np.full(len(ys[k]), k) for k in range(1, L + 1)])
    ax.scatter(xs, np.concatenate(ys[1:]), s=size, c=biases, cmap=cmap, norm=norm, edgecolors="0.3",
               zorder=3, gid="nodes")

    sym = ("W", "b") if show == "weights" else ("dW", "db")
    if show_labels:
        for (p0, p1), v, t in zip(segs, vals, at):
            x, y = p0 + t * (p1 - p0)
            ax.text(x, y, f"{v:+.2f}", fontsize=7, ha="center", va="center", zorder=4, gid="edge_label",
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
        for x, y, c in zip(xs, np.concatenate(ys[1:]), biases):
            ax.annotate(f"{sym[1]}={c:+.2f}", (x, y), xytext=(0, -13), textcoords="offset points",
                        ha="center", va="top", fontsize=7, color="0.2", gid="bias_label")
    if names:
        for y, i in zip(ys[0], shown[0]):
            ax.annotate(names[i], (0, y), xytext=(-11, 0), textcoords="offset points", ha="right",
                        va="center", fontsize=8, gid="feature_name")

    top = max(y[0] for y in ys)
    bottom = min(y[-1] for y in ys)
    for k, (idx, n) in enumerate(zip(shown, sizes)):
        if k == 0:
            head = f"inputs\n{n}"
        else:
            role = " (output)" if k == L else ""
            head = f"layers[{k - 1}]{role}\n{n} {model.layers[k - 1].activation.name}"
        ax.text(k, top + 0.9, head, ha="center", va="bottom", fontsize=9, gid="layer_label")
        if len(idx) < n:
            ax.text(k, ys[k][-1] - 0.85, f"… {n - len(idx)} more", ha="center", va="center",
                    fontsize=8, color="0.3", style="italic", gid="more")
            bottom = min(bottom, ys[k][-1] - 0.85)
        if not show_labels and not (k == 0 and names):  # which neurons these are (pixel 406, unit 12, ...)
            for y, i in zip(ys[k], idx):
                ax.text(k, y, str(i), ha="center", va="center", fontsize=6, zorder=4, gid="index_label")
    ax.set_xlim(-0.45, L + 0.45)
    ax.set_ylim(bottom - 0.6, top + 1.7)
    ax.axis("off")
    what = "weights W (edges) and biases b (nodes)" if show == "weights" else \
        "gradients dW (edges) and db (nodes) of the last backward pass"
    ax.set_title(what, fontsize=10)
    fig.colorbar(edges, ax=ax, shrink=0.6, pad=0.02, label=" and ".join(sym))
    return fig


# ---- histograms of W or dW ----------------------------------------------------------------------
def _runs(model):
    """[(label, FFNN)] from one model or a dict {label: model}."""
    if isinstance(model, Mapping):
        if not model:
            raise ValueError("model: expected an FFNN or a non-empty dict {label: FFNN}, got {}")
        return [(str(k), check_model(m, f"model[{k!r}]")) for k, m in model.items()]
    return [(None, check_model(model))]


def _check_layers(layers, n_layers):
    if layers is None:
        return list(range(n_layers))
    items = [layers] if is_int(layers) else layers
    if isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
        raise TypeError(f"layers: expected None, an int or a list of ints, got {layers!r}")
    items = list(items)
    if not items:
        raise ValueError(f"layers: expected a non-empty list of layer indices, got {layers!r}")
    if not all(is_int(i) for i in items):
        raise TypeError(f"layers: expected integer layer indices, got {layers!r}")
    bad = [i for i in items if not -n_layers <= i < n_layers]
    if bad:
        raise ValueError(f"layers: index {bad[0]} out of range; the model has {n_layers} layers "
                         f"(indices 0..{n_layers - 1}, or negative from the end)")
    return [i % n_layers for i in items]


def _histograms(model, layers, show, bins, stats, biases, log, sharex):
    runs = _runs(model)
    check_int(bins, "bins", maximum=10_000)
    stats, biases = check_bool(stats, "stats"), check_bool(biases, "biases")
    log, sharex = check_bool(log, "log"), check_bool(sharex, "sharex")
    idx = _check_layers(layers, min(len(m.layers) for _, m in runs))
    data = [[_params(m, show)[i] for i in idx] for _, m in runs]
    sym = ("W", "b") if show == "weights" else ("dW", "db")

    def edges_for(cells):
        m = max(max(np.abs(A).max(), np.abs(c).max() if biases else 0.0) for A, c in cells)
        m = float(m) if m > 0 else 1.0
        return np.linspace(-m, m, bins + 1)

    shared = edges_for([cell for row in data for cell in row]) if sharex else None
    fig, axes = plt.subplots(len(runs), len(idx), squeeze=False, sharex=sharex,
                             figsize=(3.3 * len(idx) + 0.4, 2.3 * len(runs) + 0.5), layout="constrained")
    for r, ((label, m), row) in enumerate(zip(runs, data)):
        for c, (i, (A, b)) in enumerate(zip(idx, row)):
            ax = axes[r, c]
            e = shared if sharex else edges_for([(A, b)])
            arrays = [A.ravel(), b] if biases else [A.ravel()]
            # One filled step patch per array (fast for many bins), b stacked on top of W; its
            # values are the tops and its baseline the bottoms, so counts = values - baseline.
            below = np.zeros(len(e) - 1)
            for name, a, color in zip(sym, arrays, ("C0", "C1")):
                top = below + np.histogram(a, e)[0]
                ax.stairs(top, e, baseline=below, fill=True, color=color, label=name, gid=f"hist_{name}")
                below = top
            if log:
                ax.set_yscale("log")
                ax.set_ylim(0.7, below.max() * 2.5)
            else:
                ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts
            layer = m.layers[i]
            ax.set_title(f"layers[{i}].{sym[0]} ({layer.n_in}×{layer.n_out})", fontsize=9)
            if c == 0:
                ax.set_ylabel(f"{_wrap(label, 24)}\ncount" if label is not None else "count", fontsize=9)
            if r == len(runs) - 1:
                ax.set_xlabel(sym[0] + (f", {sym[1]}" if biases else ""))
            if stats:
                text = "\n".join(f"{s}: mean {a.mean():+.2g}\n{' ' * len(s)}  std {a.std():.2g}"
                                 for s, a in zip(sym, arrays))
                ax.text(0.98, 0.96, text, transform=ax.transAxes, ha="right", va="top", fontsize=7,
                        family="monospace", multialignment="left", gid="stats",
                        bbox=dict(boxstyle="round,pad=0.25", fc="white", ec="0.8", alpha=0.9))
            if biases and r == 0 and c == 0:
                ax.legend(loc="upper left", fontsize=7)
    what = "weights" if show == "weights" else "gradients of the last backward pass"
    fig.suptitle(what, fontsize=10)
    return fig


def weights(model, layers=None, bins=50, stats=True, biases=False, log=False, sharex=True):
    """Histogram of each chosen layer's W (and b with ``biases=True``, stacked on top).

    ``model``: an FFNN, or a dict {label: FFNN} for one row per model (e.g. several
    initialisations). ``layers``: layer indices (``model.layers[i]``; negative count from the end),
    default all. With ``sharex`` every panel uses the same bins over [-m, m], m = the largest |value|
    drawn, so widths can be compared across layers and models; ``stats`` prints mean and std;
    ``log`` uses a log count axis. Each histogram is a StepPatch with gid ``"hist_W"`` (``"hist_b"``,
    ``"hist_dW"``, ``"hist_db"``) whose ``get_data()`` gives the counts as ``values - baseline``;
    a panel's counts sum to W.size (+ b.size). Returns the Figure.
    """
    return _histograms(model, layers, "weights", bins, stats, biases, log, sharex)


def gradients(model, layers=None, bins=50, stats=True, biases=False, log=False, sharex=True):
    """Like :func:`weights` for dW (and db) of the last backward pass (RuntimeError if none)."""
    return _histograms(model, layers, "gradients", bins, stats, biases, log, sharex)


# ---- training curves ----------------------------------------------------------------------------
def _history_runs(h):
    if not isinstance(h, Mapping):
        raise TypeError(f"history: expected a History, a dict of lists or a dict {{label: History}}, "
                        f"got {type(h).__name__}" + (" (use model.history)" if hasattr(h, "history") else ""))
    runs = [(None, h)] if "loss" in h else [(str(k), v) for k, v in h.items()]
    if not runs:
        raise ValueError("history: nothing to plot; expected a non-empty 'loss' list (train for at "
                         "least one epoch) or a dict {label: History}, got an empty dict")
    for label, run in runs:
        where = "history" if label is None else f"history[{label!r}]"
        if not isinstance(run, Mapping) or not len(run.get("loss", ())):
            raise ValueError(f"{where}: expected a dict with a non-empty 'loss' list "
                             "(did the model train for at least one epoch?)")
    return runs


def history(history, logy=False):
    """Loss per epoch (training solid, validation dashed), and accuracy in a second panel when
    recorded. ``history``: a History / dict of lists, or a dict {label: History} to overlay runs
    (one colour each). The curves are ``loss`` and ``val_loss`` (with the penalty, if any).

    Each line's label is ``"training"`` / ``"validation"``, or ``"<run> (training)"`` for runs.
    Several runs share one legend, an entry per run plus the two line styles, with long labels
    wrapped; from :data:`LEGEND_OUTSIDE` runs on it stands to the right of the panels, where it
    covers no curve. Returns the Figure."""
    runs = _history_runs(history)
    logy = check_bool(logy, "logy")
    # len(), not truthiness: the values may be NumPy arrays
    has_acc = any(len(run.get("accuracy", ())) or len(run.get("val_accuracy", ())) for _, run in runs)
    outside = len(runs) >= LEGEND_OUTSIDE
    fig, axes = plt.subplots(1, 1 + has_acc, squeeze=False,
                             figsize=(5.2 * (1 + has_acc) + 2.4 * outside, 3.4), layout="constrained")
    panels = [("loss", axes[0, 0])] + ([("accuracy", axes[0, 1])] if has_acc else [])
    for metric, ax in panels:
        for r, (label, run) in enumerate(runs):
            for key, style, part in ((metric, "-", "training"), ("val_" + metric, "--", "validation")):
                y = run.get(key)
                if y is None or not len(y):
                    continue
                name = part if label is None else f"{label} ({part})"
                ax.plot(np.arange(1, len(y) + 1), y, style, color=f"C{r}", label=name,
                        marker="o" if len(y) <= 20 else None, markersize=3.5)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if logy and metric == "loss":
            ax.set_yscale("log")
        if runs[0][0] is None:  # one run: its two lines
            ax.legend(fontsize=8)
    if runs[0][0] is not None:
        handles = [Line2D([], [], color=f"C{r}", label=_wrap(label)) for r, (label, _) in enumerate(runs)]
        handles += [Line2D([], [], color="0.4", linestyle=style, label=part)
                    for style, part in (("-", "training"), ("--", "validation"))]
        _legend(fig, axes[0, 0], handles, len(runs))
    return fig


# ---- training diagnostics (fit(..., monitor=True)) ----------------------------------------------
_DIAGNOSTIC = re.compile(r"layers\[(\d+)\]\.(\w+)$")
_PANELS = (("update_ratio", "update / weight ratio ‖ΔW‖/‖W‖", True),
           ("grad_norm", "gradient norm ‖dW‖", True),
           ("inactive", "dead (ReLU) or saturated units", False),
           ("a_mean", "activation mean ± std", False))


def diagnostics(history):
    """Four panels of the per-layer statistics ``fit(..., monitor=True)`` records, one line per
    layer (``layers[i]``, numbered from 0 as ``model.layers``): the update-to-weight ratio (with
    the 1e-3 rule of thumb dashed), the gradient norm, the fraction of dead ReLU or saturated
    sigmoid/tanh units, and the activations' mean with a ± std band. Returns the Figure."""
    if not isinstance(history, Mapping):
        raise TypeError(f"history: expected a History or a dict of lists, got {type(history).__name__}"
                        + (" (use model.history)" if hasattr(history, "history") else ""))
    layers = {}
    for key, values in history.items():
        match = _DIAGNOSTIC.match(key) if isinstance(key, str) else None
        if match:
            layers.setdefault(int(match[1]), {})[match[2]] = np.asarray(values, dtype=float)
    if not layers:
        raise ValueError("history: no per-layer diagnostics recorded; train with fit(..., monitor=True)")
    outside = len(layers) >= LEGEND_OUTSIDE
    fig, axes = plt.subplots(2, 2, figsize=(10 + 1.4 * outside, 6.4), layout="constrained")
    for (name, title, logy), ax in zip(_PANELS, axes.ravel()):
        for i, stats in sorted(layers.items()):
            y = stats.get(name, stats.get("dead", stats.get("saturated"))) if name == "inactive" else stats.get(name)
            if y is None:
                continue
            epochs = np.arange(1, len(y) + 1)
            ax.plot(epochs, y, color=f"C{i}", marker="o" if len(y) <= 20 else None, markersize=3,
                    label=f"layers[{i}] ({_inactive_kind(stats)})" if name == "inactive" else f"layers[{i}]")
            if name == "a_mean":
                ax.fill_between(epochs, y - stats["a_std"], y + stats["a_std"], color=f"C{i}", alpha=0.15)
        if name == "update_ratio":
            ax.axhline(1e-3, color="grey", linestyle="--", linewidth=1)
        if logy:
            ax.set_yscale("log")
        if name == "inactive":
            ax.set_ylim(-0.03, 1.03)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if ax.lines and not outside:
            ax.legend(fontsize=8)
    if outside:  # one legend beside the panels: the colours are the same in all four
        _legend(fig, None, [Line2D([], [], color=f"C{i}", label=f"layers[{i}]") for i in sorted(layers)],
                len(layers))
    return fig


def _inactive_kind(stats):
    return "dead" if "dead" in stats else "saturated" if "saturated" in stats else "n/a"


# ---- decision boundaries of a two-input network -------------------------------------------------
def _check_2d(model, X, y, ax, padding):
    check_model(model)
    _check_ax(ax)
    if model.layers[0].n_in != 2:
        raise ValueError(f"model: expected a network with 2 inputs to draw in the plane, "
                         f"got {model.layers[0].n_in}")
    X = check_array(X, "X")
    if X.shape[1] != 2:
        raise ValueError(f"X: expected an array of shape (N, 2), got {X.shape}")
    y = check_labels(y, "y")
    if y.shape != (len(X),):
        raise ValueError(f"y: expected integer labels of shape ({len(X)},), got {y.shape}")
    return X, y, check_real(padding, "padding", low=0)


def _grid(X, resolution, padding):
    resolution = check_int(resolution, "resolution", minimum=10, maximum=2000)
    lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def decision_boundary(model, X, y, ax=None, resolution=200, padding=0.5):
    """The plane coloured by the class ``model`` predicts, the boundary drawn where the prediction
    changes, and the points (X, y) on top. With one sigmoid output the colour is P(class 1) and the
    boundary its 0.5 contour; with K softmax outputs each class has its colour, lighter where the
    network is less sure. The filled image has gid ``"regions"``. Returns the Figure."""
    X, y, padding = _check_2d(model, X, y, ax, padding)
    xx, yy, grid = _grid(X, resolution, padding)
    y_hat = model.predict(grid.astype(model.dtype))
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 4.2), layout="constrained")
    extent = (xx.min(), xx.max(), yy.min(), yy.max())
    if y_hat.shape[1] == 1:
        p = y_hat[:, 0].reshape(xx.shape)
        ax.imshow(p, origin="lower", extent=extent, cmap=CMAP, vmin=0, vmax=1, alpha=0.55,
                  aspect="auto", gid="regions")
        ax.contour(xx, yy, p, levels=[0.5], colors="k", linewidths=1.2)
    else:
        K = y_hat.shape[1]
        colours = plt.get_cmap("tab10")(np.arange(K))[:, :3]
        label = y_hat.argmax(axis=1)
        sure = (y_hat.max(axis=1) - 1 / K) / (1 - 1 / K)      # 0 at uniform, 1 at certainty
        rgb = 1 - (0.25 + 0.45 * sure)[:, None] * (1 - colours[label])
        ax.imshow(rgb.reshape(*xx.shape, 3), origin="lower", extent=extent, aspect="auto", gid="regions")
        ax.contour(xx, yy, label.reshape(xx.shape), levels=np.arange(K - 1) + 0.5, colors="k", linewidths=1)
    for k in np.unique(y):
        ax.scatter(*X[y == k].T, s=14, color=f"C{k}" if y_hat.shape[1] > 1 else plt.get_cmap(CMAP)(float(k)),
                   edgecolor="k", linewidth=0.4, label=f"class {k}")
    ax.set_xlim(extent[:2])
    ax.set_ylim(extent[2:])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax.figure


def hidden_units(model, X, y, max_units=16, ax=None, padding=0.5):
    """What each unit of the first hidden layer computes: unit j is active where
    ``X @ W[:, j] + b[j] > 0`` (for ReLU; where it exceeds its midpoint for sigmoid and tanh), a
    half-plane bounded by the line ``w_1 x_1 + w_2 x_2 + b = 0``. Draws each unit's line, with a
    tick pointing into its active side, over the points. The lines have gid ``"unit j"``.
    Returns the Figure."""
    X, y, padding = _check_2d(model, X, y, ax, padding)
    max_units = check_int(max_units, "max_units")
    layer = model.layers[0]
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 4.2), layout="constrained")
    lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
    for k in np.unique(y):
        ax.scatter(*X[y == k].T, s=10, color=f"C{k}", alpha=0.5, edgecolor="none")
    centre = (lo + hi) / 2
    for j in range(min(layer.n_out, max_units)):
        w, b = layer.W[:, j].astype(float), float(layer.b[j])
        norm = np.hypot(*w)
        if norm == 0:
            continue
        # the point of the line closest to the centre of the view, and the line's direction
        foot = centre - (w @ centre + b) / norm ** 2 * w
        direction = np.array([-w[1], w[0]]) / norm
        ends = foot + np.outer([-10, 10], direction) * np.abs(hi - lo).max()
        colour = plt.get_cmap("tab20")(j % 20)
        ax.plot(*ends.T, color=colour, linewidth=1.1, gid=f"unit {j}")
        ax.annotate("", xy=foot + 0.15 * w / norm * np.abs(hi - lo).max() / 2, xytext=foot,
                    arrowprops=dict(arrowstyle="->", color=colour, linewidth=1.1))
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal", adjustable="box")
    ax.set_title(f"layers[0]: {min(layer.n_out, max_units)} of {layer.n_out} units", fontsize=10)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax.figure


# ---- the scalar autograd engine's computation graph ---------------------------------------------
def autograd_graph(value, show_grad=True, ax=None, max_nodes=150, fmt=".4f"):
    """Draw the computation graph below ``value``, inputs on the left, ``value`` on the right.

    Each node is a box "label / data / grad"; a node made by an operation gets a round op node
    (``_op``: +, *, tanh, …) between it and its operands. A node's column is its longest distance
    from ``value``, so every arrow points right. Works with any object that has ``data``, ``grad``,
    ``_prev`` (operands) and ``_op`` (like ``ffnn.autograd.Value``). Returns the Figure.
    """
    for attr in ("data", "grad", "_prev", "_op"):
        if not hasattr(value, attr):
            raise TypeError(f"value: expected an autograd Value (with .data, .grad, ._prev, ._op), "
                            f"got {type(value).__name__}")
    show_grad = check_bool(show_grad, "show_grad")
    check_int(max_nodes, "max_nodes")
    _check_ax(ax)
    try:
        format(0.5, fmt)
    except (TypeError, ValueError):
        raise (TypeError if not isinstance(fmt, str) else ValueError)(
            f"fmt: expected a format spec for numbers such as '.4f', got {fmt!r}") from None
    order = topo_order(value)
    if len(order) > max_nodes:
        raise ValueError(f"max_nodes: the graph has {len(order)} nodes, more than max_nodes={max_nodes} "
                         "can show legibly; draw a smaller expression or raise max_nodes")
    dist = {id(value): 0}
    for node in reversed(order):  # parents before children
        for child in node._prev:
            dist[id(child)] = max(dist.get(id(child), 0), dist[id(node)] + 1)
    depth = max(dist.values())
    col = {id(n): depth - dist[id(n)] for n in order}

    # Columns right to left; a node sits near the mean height of its consumers (barycentre).
    parents = {id(n): [] for n in order}
    for n in order:
        for child in n._prev:
            parents[id(child)].append(n)
    y = {}
    rank = {id(n): i for i, n in enumerate(order)}
    for c in range(depth, -1, -1):
        members = [n for n in order if col[id(n)] == c]
        members.sort(key=lambda n: (np.mean([y[id(p)] for p in parents[id(n)]]) if parents[id(n)]
                                    else 0.0, rank[id(n)]), reverse=True)
        for n, yy in zip(members, _column(len(members))):
            y[id(n)] = yy
    height = max(sum(1 for n in order if col[id(n)] == c) for c in range(depth + 1))

    if ax is None:
        fig, ax = plt.subplots(figsize=(min(1.15 * (depth + 1) + 0.6 * depth + 0.6, 18),
                                        min(0.85 * height + 0.6, 14)))
    fig = ax.figure
    boxes = {}
    for n in order:
        x = 2 * col[id(n)]
        lines = ([n.label] if getattr(n, "label", "") else []) + [f"data {n.data:{fmt}}"]
        if show_grad:
            lines.append(f"grad {n.grad:{fmt}}")
        leaf = not n._prev
        boxes[id(n)] = ax.text(x, y[id(n)], "\n".join(lines), ha="center", va="center", fontsize=8,
                               family="monospace", zorder=3, gid="value",
                               bbox=dict(boxstyle="round,pad=0.35", ec="0.35",
                                         fc="#dbe9f6" if leaf else ("#d9f0d3" if n is value else "0.96")))
    arrow = dict(arrowstyle="-|>", color="0.45", lw=0.8, shrinkA=4, shrinkB=4)
    for n in order:
        if not n._prev:
            continue
        target = boxes[id(n)]
        if n._op:
            target = ax.text(2 * col[id(n)] - 1, y[id(n)], n._op, ha="center", va="center", fontsize=8,
                             zorder=3, gid="op", bbox=dict(boxstyle="circle,pad=0.3", fc="#fde8b0", ec="0.35"))
            ax.annotate("", xy=(0, 0.5), xycoords=boxes[id(n)], xytext=(1, 0.5), textcoords=target,
                        arrowprops=arrow)
        for child in n._prev:
            ax.annotate("", xy=(0, 0.5), xycoords=target, xytext=(1, 0.5), textcoords=boxes[id(child)],
                        arrowprops=arrow)
    ax.set_xlim(-0.8, 2 * depth + 0.8)
    ax.set_ylim(-(height - 1) / 2 - 0.6, (height - 1) / 2 + 0.6)
    ax.axis("off")
    return fig
