"""Tests for ffnn.experiments: the data split, sweeps and their results.

Everything runs on scikit-learn's 8x8 digits (or a slice of them) for a few epochs, so every run
is small. Each check compares numbers: rows against the models they came from, serial against
parallel.
"""
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot  # noqa: E402

import numpy as np
import pytest

import ffnn
from ffnn.experiments import Results, load_data, mean_history, sweep

BASE = {"hidden": [16], "epochs": 3, "batch_size": 32, "learning_rate": 0.1}


@pytest.fixture(scope="module")
def digits():
    return load_data("digits", n_train=400)


@pytest.fixture(scope="module")
def small_sweep(digits):
    return sweep(BASE, {"learning_rate": [0.05, 0.2], "activation": ["relu", "tanh"]}, digits,
                 seeds=(0, 1), n_jobs=1)


# ---------------------------------------------------------------------------- data
def test_load_data_holds_out_a_seeded_validation_set():
    X, y, Xv, yv, Xt, yt = load_data("digits", n_val=200, seed=3)
    full_X, full_y, full_Xt, _ = ffnn.datasets.load_digits()
    assert (len(X), len(Xv)) == (len(full_X) - 200, 200)
    np.testing.assert_array_equal(Xt, full_Xt)
    # the two parts are disjoint and together are the whole training set
    rows = {r.tobytes() for r in full_X}
    assert {r.tobytes() for r in np.vstack([X, Xv])} == rows
    np.testing.assert_array_equal(load_data("digits", n_val=200, seed=3).X_val, Xv)
    assert not np.array_equal(load_data("digits", n_val=200, seed=4).X_val, Xv)
    assert len(load_data("digits", n_train=100).X_train) == 100


def test_load_data_reads_fashion_mnist_through_its_own_loader(monkeypatch):
    # A small stand-in for Fashion-MNIST: 60 training rows whose first pixel is the row number.
    X = np.tile(np.arange(60, dtype=np.float32)[:, None], (1, 784))
    fake = (X, np.arange(60) % 10, X[:7] + 100, np.arange(7) % 10)
    monkeypatch.setattr(ffnn.datasets, "load_fashion_mnist", lambda: fake)
    monkeypatch.setattr(ffnn.datasets, "load_mnist", lambda: pytest.fail("read MNIST"))
    split = load_data("fashion-mnist", seed=1)
    assert (len(split.X_train), len(split.X_val)) == (50, 10)      # one sixth held out
    assert sorted(np.concatenate([split.X_train[:, 0], split.X_val[:, 0]])) == list(range(60))
    np.testing.assert_array_equal(split.X_test, fake[2])


@pytest.mark.parametrize("kwargs, argname", [({"name": "cifar"}, "name"), ({"n_val": 0}, "n_val"),
                                             ({"n_train": -1}, "n_train")])
def test_load_data_rejects_bad_arguments(kwargs, argname):
    with pytest.raises(ValueError, match=argname):
        load_data(**{"name": "digits", **kwargs})


@pytest.mark.parametrize("kwargs, match", [({"name": 3}, "name: expected one of"),
                                           ({"n_val": 20.0}, "n_val: expected an integer"),
                                           ({"n_train": True}, "n_train: expected an integer"),
                                           ({"seed": "0"}, "seed: expected an integer")])
def test_load_data_rejects_wrong_types(kwargs, match):
    with pytest.raises(TypeError, match=match):
        load_data(**{"name": "digits", **kwargs})


# ---------------------------------------------------------------------------- sweep
def test_sweep_has_one_row_per_configuration_and_seed(small_sweep):
    r = small_sweep
    assert len(r) == 2 * 2 * 2
    assert r.labels == ["learning_rate=0.05, activation=relu", "learning_rate=0.05, activation=tanh",
                        "learning_rate=0.2, activation=relu", "learning_rate=0.2, activation=tanh"]
    assert [row["seed"] for row in r.rows] == [0, 1] * 4
    assert [row["learning_rate"] for row in r.rows] == [0.05] * 4 + [0.2] * 4
    assert r.table.columns == ["learning_rate", "activation", "seed", "epochs", "train_loss", "val_loss",
                               "val_accuracy", "test_loss", "test_accuracy", "train_time"]
    summary = r.summary()
    assert len(summary) == 4 and summary.columns[:3] == ["learning_rate", "activation", "runs"]
    assert summary["runs"] == [2, 2, 2, 2]
    assert all(row["epochs"] == 3 and row["status"] == "ok" for row in r.rows)
    assert r.fixed["hidden"] == [16] and "learning_rate" not in r.fixed and "activation" not in r.fixed


def test_rows_are_the_numbers_of_the_trained_models(small_sweep, digits):
    for row, h, model, config in zip(small_sweep.rows, small_sweep.histories, small_sweep.models,
                                     small_sweep.configs):
        assert model.layer_sizes == [64, 16, 10]
        assert model.activations == [config["activation"], "softmax"]
        assert model.seed == row["seed"] and model.history is h and h.epochs == 3
        assert row["train_loss"] == h["loss"][-1] and row["val_loss"] == h["val_loss"][-1]
        assert row["val_accuracy"] == h["val_accuracy"][-1]
        assert row["test_accuracy"] == model.accuracy(digits.X_test, digits.y_test)
        assert math.isclose(row["test_loss"], model.loss(digits.X_test, digits.y_test), rel_tol=1e-6)
        assert row["train_time"] > 0 and row["penalty"] == 0


def test_summary_is_the_mean_and_sample_std_over_seeds(small_sweep):
    acc = [row["test_accuracy"] for row in small_sweep.rows]
    summary = small_sweep.summary()
    for i, (mean, std) in enumerate(summary.rows[k]["test_accuracy"] for k in range(4)):
        assert math.isclose(mean, np.mean(acc[2 * i:2 * i + 2]))
        assert math.isclose(std, np.std(acc[2 * i:2 * i + 2], ddof=1))
    assert summary["test_accuracy"] == pytest.approx([np.mean(acc[2 * i:2 * i + 2]) for i in range(4)])
    assert small_sweep.metric("test_accuracy") == dict(zip(small_sweep.labels, summary["test_accuracy"]))
    h = small_sweep.history(small_sweep.labels[1])
    np.testing.assert_allclose(h["val_loss"], np.mean([small_sweep.histories[2]["val_loss"],
                                                       small_sweep.histories[3]["val_loss"]], axis=0))


def test_same_seeds_same_results_serial_or_parallel(digits):
    grid = {"activation": ["relu", "sigmoid"], "optimizer": ["sgd", "adam"]}
    base = {**BASE, "learning_rate": 0.01}
    serial = sweep(base, grid, digits, seeds=(0, 1), n_jobs=1)
    parallel = sweep(base, grid, digits, seeds=(0, 1), n_jobs=2)
    again = sweep(base, grid, digits, seeds=(0, 1), n_jobs=2)
    for a, b, c in zip(serial.rows, parallel.rows, again.rows):
        for key in a:
            if key != "train_time":
                assert a[key] == b[key] == c[key], key
    for ha, hb in zip(serial.histories, parallel.histories):
        assert ha == hb
    # models come back from the worker processes intact
    for ma, mb in zip(serial.models, parallel.models):
        np.testing.assert_array_equal(ma.predict(digits.X_test), mb.predict(digits.X_test))
    # different seeds are different runs
    assert serial.rows[0]["train_loss"] != serial.rows[1]["train_loss"]


def test_each_run_has_its_own_optimizer_and_schedule(digits):
    """Seeds of one configuration never share stateful objects, serially or in workers."""
    base = {**BASE, "learning_rate": 0.1, "optimizer": ffnn.optim.Adam(),
            "lr_schedule": ffnn.schedules.StepLR(1, gamma=0.5)}
    serial = sweep(base, {"activation": ["relu", "tanh"]}, digits, seeds=(0, 1, 2), n_jobs=1)
    parallel = sweep(base, {"activation": ["relu", "tanh"]}, digits, seeds=(0, 1, 2), n_jobs=2)
    for h in serial.histories:
        assert h["lr"][0] == 0.1 and h["lr"][1] == 0.05
    for m in serial.models:
        assert m.optimizer.t == serial.models[0].optimizer.t  # each counted only its own steps
    assert len({id(m.optimizer) for m in serial.models}) == len({id(m.lr_schedule) for m in serial.models}) == 6
    for ha, hb in zip(serial.histories, parallel.histories):
        assert ha == hb
    assert base["lr_schedule"].base_lr is None and base["optimizer"].t == 0


def test_without_joblib_the_sweep_runs_serially(digits, monkeypatch):
    monkeypatch.setitem(sys.modules, "joblib", None)  # makes `import joblib` raise ImportError
    r = sweep(BASE, {"learning_rate": [0.1, 0.2]}, digits, n_jobs=2)
    assert len(r) == 2 and all(row["status"] == "ok" for row in r.rows)


def test_grid_as_list_of_dicts_and_what_overrides_what(digits):
    r = sweep({**BASE, "hidden": [8, 8]},
              [{"layer_sizes": [64, 12, 10]}, {"hidden": [4]}, {"hidden": [], "activations": ["softmax"]}],
              digits, n_jobs=1, keep_models=True)
    assert [m.layer_sizes for m in r.models] == [[64, 12, 10], [64, 4, 10], [64, 10]]
    assert [m.activations for m in r.models] == [["relu", "softmax"], ["relu", "softmax"], ["softmax"]]
    assert r.grid_keys == ["layer_sizes", "hidden", "activations"]
    assert r.table.rows[0]["hidden"] is None and r.table.rows[1]["layer_sizes"] is None
    # without a validation set there are no validation numbers
    X, y, _, _, Xt, yt = digits
    no_val = sweep(BASE, None, (X, y, Xt, yt), n_jobs=1, keep_models=False)
    assert len(no_val) == 1 and math.isnan(no_val.rows[0]["val_loss"]) and no_val.models == [None]
    assert no_val.labels == ["base"]


def test_keep_models_false_and_new_model_rebuilds_the_initial_weights(digits):
    r = sweep(BASE, {"init": ["zeros", "he_normal"]}, digits, seeds=(5,), n_jobs=1, keep_models=False)
    with pytest.raises(ValueError, match="keep_models"):
        r.model("init=zeros")
    fresh = r.new_model("init=he_normal")
    twin = ffnn.FFNN([64, 16, 10], ["relu", "softmax"], "categorical_crossentropy", init="he_normal",
                     seed=5, dtype="float32")
    for a, b in zip(fresh.layers, twin.layers):
        np.testing.assert_array_equal(a.W, b.W)
    assert fresh.history.epochs == 0 and fresh.layers[0].W.any()
    assert not r.new_model("init=zeros").layers[0].W.any()


@pytest.mark.parametrize("base, grid, match", [
    ({}, {"learnin_rate": [0.1]}, "learnin_rate"),
    ({"lr": 0.1}, None, "base: unknown key 'lr'"),
    ({}, [{"epochs": 1}, {"hiden": [3]}], r"grid\[1\]: unknown key 'hiden'"),
    ({}, {"seed": [0, 1]}, "seeds="),
    ({}, {"epochs": []}, "epochs"),
    ({}, [], "grid"),
    ({}, {"activation": ["relu", "swishy"]}, "swishy"),
])
def test_bad_configurations_raise_value_errors_naming_the_key(digits, base, grid, match):
    with pytest.raises(ValueError, match=match):
        sweep(base, grid, digits, n_jobs=1)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"grid": {"epochs": 3}}, TypeError, "grid"),
    ({"grid": "epochs"}, TypeError, "grid"),
    ({"data": (1, 2, 3)}, TypeError, "data"),
    ({"seeds": []}, ValueError, "seeds"),
    ({"seeds": [-1]}, ValueError, r"seeds\[0\]: expected an integer >= 0"),
    ({"seeds": [0, 1.5]}, TypeError, r"seeds\[1\]: expected an integer"),
    ({"n_jobs": 0}, ValueError, "n_jobs"),
    ({"n_jobs": 2.0}, TypeError, "n_jobs"),
    ({"measure": 3}, TypeError, "measure"),
])
def test_bad_sweep_arguments(digits, kwargs, error, match):
    args = {"base": BASE, "grid": None, "data": digits, **kwargs}
    with pytest.raises(error, match=match):
        sweep(**args)


def test_a_diverging_run_is_a_row_not_a_crash(digits):
    # a regression on the raw labels with a huge step overflows in the first epoch
    r = sweep({**BASE, "loss": "mse"}, {"learning_rate": [1e-3, 1e3]}, digits, n_jobs=1)
    ok, bad = r.rows
    assert ok["status"] == "ok" and bad["status"] == "diverged"
    assert math.isnan(bad["test_loss"]) and bad["epochs"] < 3
    assert "status" in r.table.columns and r.summary().rows[1]["status"] == "diverged 1/1"
    assert "—" in repr(r)


def test_measure_adds_columns(digits):
    r = sweep({**BASE, "regularization": ffnn.L2(1e-3)}, None, digits, n_jobs=1,
              measure=lambda model: {"sum_W2": sum(float((l.W ** 2).sum()) for l in model.layers)})
    row = r.rows[0]
    assert math.isclose(row["penalty"], 1e-3 * row["sum_W2"], rel_tol=1e-5)
    assert r.table.columns[-2:] == ["penalty", "sum_W2"]


# ---------------------------------------------------------------------------- results
def test_mean_history_averages_each_epoch_up_to_the_shortest_run():
    a = ffnn.History(loss=[1.0, 0.5, 0.25], val_loss=[2.0, 1.0, 0.5])
    b = ffnn.History(loss=[3.0, 1.5], val_loss=[4.0, 3.0])
    mean = mean_history([a, b])
    assert isinstance(mean, ffnn.History) and mean.epochs == 2
    assert mean == {"loss": [2.0, 1.0], "val_loss": [3.0, 2.0]}
    assert mean_history([a]) == a


def test_results_show_the_summary(small_sweep):
    assert repr(small_sweep) == repr(small_sweep.summary())
    assert small_sweep._repr_html_() == small_sweep.summary()._repr_html_()
    md = small_sweep.to_markdown().splitlines()
    assert len(md) == 2 + 4 and md[2].startswith("| 0.05 | relu | 2 | 3 |")
    assert "fixed: hidden=16" in small_sweep.summary().caption


def test_plot_curves_draws_every_configuration(small_sweep):
    fig = small_sweep.plot_curves()
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    for label in small_sweep.labels:
        assert f"{label} (training)" in labels and f"{label} (validation)" in labels
    (line,) = [ln for ln in fig.axes[0].get_lines() if ln.get_label() == small_sweep.labels[0] + " (validation)"]
    np.testing.assert_allclose(line.get_ydata(), small_sweep.history(small_sweep.labels[0])["val_loss"])
    matplotlib.pyplot.close(fig)


def test_public_names_are_documented():
    assert isinstance(sweep.__doc__, str) and isinstance(Results.__doc__, str)


def test_a_run_that_diverges_in_its_first_epoch_can_still_be_plotted(digits):
    r = sweep({**BASE, "loss": "mse"}, {"learning_rate": [1e-3, 1e6]}, digits, n_jobs=1)
    assert r.rows[1]["status"] == "diverged" and r.rows[1]["epochs"] == 0
    # the configuration without a single epoch has no curve, and the other one still has its own
    (ax,) = r.plot_curves().axes
    assert {line.get_label() for line in ax.get_lines()} == {"learning_rate=0.001 (training)",
                                                            "learning_rate=0.001 (validation)"}
    assert r.history("learning_rate=1e+06").epochs == 0


def test_a_sweep_over_output_activations_picks_each_ones_loss_and_shows_the_data_loss():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    data = (X[:40], y[:40], X[40:50], y[40:50], X[50:], y[50:])
    results = ffnn.experiments.sweep({"hidden": [4], "epochs": 2, "batch_size": 10, "regularization": ffnn.L2(1e-2)},
                                     {"output": ["sigmoid", "softmax"]}, data, n_jobs=1)
    assert [c["loss"] for c in results.configs] == ["binary_crossentropy", "categorical_crossentropy"]
    assert [m.layer_sizes[-1] for m in results.models] == [1, 2]
    assert "loss" not in results.fixed  # it differs between the runs
    assert "val_data_loss" in results.table.columns and "penalty" in results.table.columns
    for row, h, model in zip(results.rows, results.histories, results.models):
        assert row["val_data_loss"] == h["val_data_loss"][-1]
        assert row["val_loss"] - row["val_data_loss"] == pytest.approx(model.penalty(), rel=1e-4)
    plain = ffnn.experiments.sweep({"hidden": [4], "epochs": 1, "output": "sigmoid"}, None, data, n_jobs=1)
    assert plain.fixed["loss"] == "binary_crossentropy" and "val_data_loss" not in plain.table.columns
    with pytest.raises(TypeError, match="^keep_models: expected True or False"):
        ffnn.experiments.sweep({"epochs": 1}, None, data, n_jobs=1, keep_models=1)


def test_summary_keeps_the_labels_asked_for_and_hides_the_test_columns(small_sweep):
    full = small_sweep.summary()
    assert any(c.startswith("test_") for c in full.columns)
    val_only = small_sweep.summary(test=False)
    assert not any(c.startswith("test_") for c in val_only.columns)
    assert [c for c in full.columns if not c.startswith("test_")] == val_only.columns
    last = small_sweep.labels[-1]
    one = small_sweep.summary([last])
    assert len(one) == 1 and one.rows[0] == full.rows[-1]
    with pytest.raises(KeyError, match="label"):
        small_sweep.summary(["no such setting"])
    with pytest.raises(TypeError, match="labels"):
        small_sweep.summary(last)
    with pytest.raises(TypeError, match="test"):
        small_sweep.summary(test="no")
