"""Run configurations: the dicts of settings that :func:`ffnn.experiments.sweep` and
:func:`ffnn.comparison.compare_with_sklearn` turn into a model and a ``fit`` call.

Introduced in the Experiments chapter.

A configuration is a dict of :class:`ffnn.FFNN` and :meth:`ffnn.FFNN.fit` arguments (see
:data:`KEYS`), plus three shorthands: ``hidden`` (the hidden widths; ``layer_sizes`` becomes
``[n_in, *hidden, n_out]``), ``activation`` (every hidden layer's activation) and ``output`` (the
output layer's; by default the one its loss is made for, ``losses.get(loss).output_activation``).
A configuration that names the output activation but no loss trains with the loss made for that
output (:func:`resolve`): ``{"output": "sigmoid"}`` means binary cross-entropy.
"""
import copy

import numpy as np

from . import losses
from ._validation import check_int, is_int

__all__ = ["MODEL_KEYS", "FIT_KEYS", "SHORTHANDS", "KEYS", "DEFAULTS", "REPLACES", "check_keys",
           "check_seeds", "merge", "resolve", "hidden_widths", "n_outputs", "model_and_fit_kwargs"]

MODEL_KEYS = ("layer_sizes", "activations", "loss", "init", "regularization", "rmsnorm", "normalization",
              "dropout", "dtype", "eps")
FIT_KEYS = ("batch_size", "learning_rate", "epochs", "optimizer", "patience", "shuffle", "restore_best",
            "lr_schedule")
SHORTHANDS = ("hidden", "activation", "output")
KEYS = SHORTHANDS + MODEL_KEYS + FIT_KEYS
#: What a run uses for every key the base configuration and the grid leave out.
DEFAULTS = {"hidden": [128, 64], "activation": "relu", "loss": "categorical_crossentropy",
            "init": "he_normal", "regularization": None, "dtype": "float32",
            "batch_size": 128, "learning_rate": 0.1, "epochs": 5, "optimizer": "sgd"}
#: A key given at one level replaces these keys from the levels below it (defaults < base < grid).
REPLACES = {"hidden": ("layer_sizes",), "layer_sizes": ("hidden",),
            "activations": ("activation", "output"), "activation": ("activations",),
            "output": ("activations",), "rmsnorm": ("normalization",), "normalization": ("rmsnorm",)}


def check_keys(config, where):
    """Refuse anything but a dict whose keys are in :data:`KEYS`; ``where`` names it in messages."""
    if not isinstance(config, dict):
        raise TypeError(f"{where}: expected a dict of configuration values, got {type(config).__name__}")
    for key in config:
        if key == "seed":
            raise ValueError(f"{where}: key 'seed' is set by sweep(..., seeds=[...]), not by the configuration")
        if key not in KEYS:
            raise ValueError(f"{where}: unknown key {key!r}; expected one of {', '.join(KEYS)}")


def check_seeds(seeds):
    """``seeds`` as a non-empty list of integers >= 0 (one integer is a list of one)."""
    if is_int(seeds):
        seeds = [seeds]
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds: expected an integer or a list of integers, got {seeds!r}")
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds: expected at least one seed, got an empty list")
    return [check_int(s, f"seeds[{i}]", minimum=0) for i, s in enumerate(seeds)]


def merge(*levels):
    """One configuration from several; later levels win, and a key also removes the keys it
    replaces (:data:`REPLACES`) from the levels before it."""
    out = {}
    for level in levels:
        for key in level:
            for other in REPLACES.get(key, ()):
                out.pop(other, None)
        out.update(level)
    return out


def resolve(*levels):
    """``merge(DEFAULTS, *levels)``, with the loss made for the output activation
    (:func:`ffnn.losses.for_output`) when the levels name the output (``output``, or the last of
    ``activations``) but no loss; otherwise ``DEFAULTS``' categorical cross-entropy would be paired
    with, say, a sigmoid output, which FFNN refuses."""
    config = merge(DEFAULTS, *levels)
    if any("loss" in level for level in levels):
        return config
    acts = config.get("activations")
    out = config.get("output", acts[-1] if isinstance(acts, (list, tuple)) and acts else acts)
    loss = losses.for_output(getattr(out, "name", out))
    return config if loss is None else {**config, "loss": loss}


def hidden_widths(hidden):
    """``hidden`` as a list of widths: one integer is one hidden layer."""
    return [hidden] if is_int(hidden) else list(hidden)


def n_outputs(loss, ys):
    """The output width for targets ``ys`` (a list of y arrays): the number of classes when a
    categorical cross-entropy gets integer labels, else the width of the targets."""
    if losses.get(loss).name == "categorical_crossentropy" and all(np.ndim(y) == 1 for y in ys):
        return int(max(np.max(y) for y in ys)) + 1
    return 1 if np.ndim(ys[0]) == 1 else int(np.shape(ys[0])[1])


def model_and_fit_kwargs(config, n_in, n_out):
    """Split a merged configuration into ``FFNN(...)`` and ``fit(...)`` keyword arguments."""
    config = copy.deepcopy(config)  # optimiser and initialiser objects must not be shared by runs
    model = {k: config[k] for k in MODEL_KEYS if k in config}
    if "layer_sizes" not in model:
        model["layer_sizes"] = [n_in, *hidden_widths(config.get("hidden", [])), n_out]
    if "activations" not in model:
        n_hidden = len(model["layer_sizes"]) - 2
        if "output" in config:
            output = config["output"]
        else:
            output = losses.get(config.get("loss", DEFAULTS["loss"])).output_activation
        model["activations"] = [config.get("activation", "relu")] * n_hidden + [output]
    return model, {k: config[k] for k in FIT_KEYS if k in config}
