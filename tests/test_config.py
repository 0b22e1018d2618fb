"""Tests for ffnn.config: merging run configurations and turning them into FFNN and fit arguments."""
import ast
from pathlib import Path

import numpy as np
import pytest

import ffnn
import ffnn.config
from ffnn.config import (DEFAULTS, FIT_KEYS, KEYS, MODEL_KEYS, check_keys, check_seeds, hidden_widths, merge,
                         model_and_fit_kwargs, n_outputs)


def test_keys_and_defaults_are_consistent():
    assert set(DEFAULTS) <= set(KEYS)
    assert not set(MODEL_KEYS) & set(FIT_KEYS)


def test_merge_later_levels_win_and_replace_their_partners():
    assert merge({"a": 1, "b": 2}, {"b": 3}) == {"a": 1, "b": 3}
    # hidden and layer_sizes say the same thing; the later one removes the earlier
    assert merge({"hidden": [8]}, {"layer_sizes": [4, 2, 1]}) == {"layer_sizes": [4, 2, 1]}
    assert merge({"layer_sizes": [4, 2, 1]}, {"hidden": [8]}) == {"hidden": [8]}
    assert merge({"activation": "tanh", "output": "sigmoid"}, {"activations": ["relu", "softmax"]}) == {
        "activations": ["relu", "softmax"]}
    assert merge(DEFAULTS, {"activations": ["softmax"]})["activations"] == ["softmax"]
    assert "activation" not in merge(DEFAULTS, {"activations": ["softmax"]})


@pytest.mark.parametrize("loss, output", [("mse", "linear"), ("binary_crossentropy", "sigmoid"),
                                          ("categorical_crossentropy", "softmax"), ("cce", "softmax")])
def test_the_output_activation_is_the_one_the_loss_is_made_for(loss, output):
    model, fit = model_and_fit_kwargs(merge(DEFAULTS, {"loss": loss, "hidden": [5, 3]}), 4, 2)
    assert model["layer_sizes"] == [4, 5, 3, 2]
    assert model["activations"] == ["relu", "relu", output] == [
        "relu", "relu", ffnn.losses.get(loss).output_activation]
    assert fit == {k: DEFAULTS[k] for k in FIT_KEYS if k in DEFAULTS}
    ffnn.FFNN(**model)


def test_model_and_fit_kwargs_keeps_explicit_choices_and_copies_objects():
    opt = ffnn.optim.Adam()
    config = {"hidden": 6, "activation": "tanh", "output": "sigmoid", "loss": "binary_crossentropy",
              "optimizer": opt, "epochs": 2}
    model, fit = model_and_fit_kwargs(config, 3, 1)
    assert model == {"layer_sizes": [3, 6, 1], "activations": ["tanh", "sigmoid"], "loss": "binary_crossentropy"}
    # each run gets its own optimiser, so runs never share its state
    assert fit["epochs"] == 2 and isinstance(fit["optimizer"], ffnn.optim.Adam) and fit["optimizer"] is not opt


def test_normalization_dropout_and_schedule_are_configuration_keys():
    schedule = ffnn.schedules.StepLR(2)
    config = merge(DEFAULTS, {"rmsnorm": True}, {"normalization": "batchnorm", "dropout": 0.2,
                                                 "lr_schedule": schedule})
    assert "rmsnorm" not in config  # normalization replaces rmsnorm, and the other way round
    assert merge(config, {"rmsnorm": True}).get("normalization") is None
    model, fit = model_and_fit_kwargs(config, 4, 3)
    assert model["normalization"] == "batchnorm" and model["dropout"] == 0.2
    assert isinstance(fit["lr_schedule"], ffnn.schedules.StepLR) and fit["lr_schedule"] is not schedule
    net = ffnn.FFNN(**model)
    assert net.normalization == "batchnorm" and net.layers[0].dropout == 0.2


def test_hidden_widths_and_n_outputs():
    assert hidden_widths(7) == [7] and hidden_widths((4, 2)) == [4, 2] and hidden_widths([]) == []
    assert n_outputs("categorical_crossentropy", [np.array([0, 3, 1]), np.array([5])]) == 6
    assert n_outputs("categorical_crossentropy", [np.zeros((4, 3))]) == 3
    assert n_outputs("mse", [np.zeros(4)]) == 1 and n_outputs("mse", [np.zeros((4, 2))]) == 2


@pytest.mark.parametrize("config, error, match", [
    ([("epochs", 1)], TypeError, "base: expected a dict"),
    ({"seed": 1}, ValueError, "base: key 'seed' is set by sweep"),
    ({"lr": 0.1}, ValueError, "base: unknown key 'lr'"),
])
def test_check_keys_names_the_level(config, error, match):
    with pytest.raises(error, match=match):
        check_keys(config, "base")


def test_check_seeds():
    assert check_seeds(3) == [3] and check_seeds((0, np.int64(2))) == [0, 2]
    for seeds, error in (([], ValueError), ([-1], ValueError), ([True], TypeError), (1.0, TypeError)):
        with pytest.raises(error, match="seeds"):
            check_seeds(seeds)


def _imports(module):
    """The ffnn submodules ``module`` imports anywhere, inside functions too."""
    found = set()
    for node in ast.walk(ast.parse(Path(module.__file__).read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
    return found


def test_modules_import_in_one_direction():
    """config < experiments < comparison, widgets: nothing imports back up, not even lazily."""
    import ffnn.comparison
    import ffnn.experiments
    import ffnn.table
    import ffnn.widgets
    around = {"config", "table", "experiments", "comparison", "widgets"}
    assert not _imports(ffnn.config) & around
    assert not _imports(ffnn.table) & around
    assert not _imports(ffnn.experiments) & {"comparison", "widgets"}
    assert not _imports(ffnn.comparison) & {"widgets"}
    assert {"config", "experiments"} <= _imports(ffnn.comparison)
    assert {"config", "experiments", "table"} <= _imports(ffnn.widgets)


@pytest.mark.parametrize("levels, loss", [
    ([{"output": "sigmoid"}], "binary_crossentropy"),
    ([{"output": "linear"}], "mse"),
    ([{"output": "softmax"}], "categorical_crossentropy"),
    ([{"activations": ["relu", "sigmoid"]}], "binary_crossentropy"),
    ([{"output": ffnn.activations.Sigmoid()}], "binary_crossentropy"),
    ([{"hidden": [4]}, {"output": "sigmoid"}], "binary_crossentropy"),
    ([{"loss": "mse"}, {"output": "sigmoid"}], "mse"),           # a loss named anywhere wins
    ([{"output": "sigmoid", "loss": "bce"}], "bce"),
    ([{"output": "tanh"}], DEFAULTS["loss"]),                    # no loss is made for tanh
    ([{}], DEFAULTS["loss"]),
])
def test_resolve_picks_the_loss_made_for_a_named_output(levels, loss):
    assert ffnn.config.resolve(*levels)["loss"] == loss
    assert ffnn.config.resolve(*levels)["batch_size"] == DEFAULTS["batch_size"]


def test_for_output_is_the_inverse_of_output_activation():
    for name in ffnn.losses.NAMES:
        assert ffnn.losses.for_output(ffnn.losses.get(name).output_activation) == name
    assert ffnn.losses.for_output("relu") is None
