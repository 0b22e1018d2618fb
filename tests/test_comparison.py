"""Tests for ffnn.comparison: the translation to MLPClassifier and the side-by-side comparison.

Everything runs on scikit-learn's 8x8 digits (or a slice of them) for a few epochs, so every run
is small.
"""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot  # noqa: E402

import numpy as np
import pytest

import ffnn
from ffnn.comparison import compare_with_sklearn, to_sklearn_params
from ffnn.experiments import load_data

pytest.importorskip("sklearn")


def test_to_sklearn_params_translates_the_configuration():
    p = to_sklearn_params({"hidden": [32, 16], "activation": "sigmoid", "init": "xavier_uniform",
                           "optimizer": "momentum", "learning_rate": 0.05, "batch_size": 64, "epochs": 7,
                           "regularization": ffnn.L2(1e-4)}, seed=3)
    assert p["hidden_layer_sizes"] == (32, 16) and p["activation"] == "logistic"
    assert p["solver"] == "sgd" and p["momentum"] == 0.9 and p["nesterovs_momentum"] is False
    assert p["alpha"] == pytest.approx(2 * 1e-4 * 64)
    assert (p["batch_size"], p["learning_rate_init"], p["max_iter"], p["random_state"]) == (64, 0.05, 7, 3)
    assert p["learning_rate"] == "constant" and p["early_stopping"] is False
    adam = to_sklearn_params({"init": "xavier_uniform", "optimizer": ffnn.optim.Adam(beta1=0.8)})
    assert (adam["solver"], adam["beta_1"], adam["beta_2"], adam["alpha"]) == ("adam", 0.8, 0.999, 0.0)
    assert to_sklearn_params({"init": "xavier_uniform"})["momentum"] == 0.0
    nesterov = to_sklearn_params({"init": "xavier_uniform", "optimizer": "nesterov"})
    assert nesterov["solver"] == "sgd" and nesterov["momentum"] == 0.9 and nesterov["nesterovs_momentum"]
    momentum = to_sklearn_params({"init": "xavier_uniform", "optimizer": ffnn.optim.Momentum(0.8)})
    assert momentum["momentum"] == 0.8 and momentum["nesterovs_momentum"] is False
    for key, value in (("normalization", "layernorm"), ("dropout", 0.2),
                       ("lr_schedule", ffnn.schedules.StepLR(2))):
        with pytest.raises(ValueError, match=f"^{key}: MLPClassifier"):
            to_sklearn_params({"init": "xavier_uniform", key: value})
    for name in ("adamw", "rmsprop", "adagrad"):
        with pytest.raises(ValueError, match=f"^optimizer: MLPClassifier has sgd, momentum, nesterov and adam, got '{name}'"):
            to_sklearn_params({"init": "xavier_uniform", "optimizer": name})
    from sklearn.neural_network import MLPClassifier
    MLPClassifier(**p)._validate_params()


@pytest.mark.parametrize("config, key", [
    ({"regularization": ffnn.L1(1e-4)}, "regularization"),
    ({"rmsnorm": True}, "rmsnorm"),
    ({"init": "he_normal"}, "init"),
    ({"activation": "gelu"}, "activation"),
    ({"loss": "mse"}, "loss"),
    ({"output": "sigmoid", "loss": "categorical_crossentropy"}, "loss"),
    ({"output": "softmax", "loss": "binary_crossentropy"}, "loss"),
    ({"output": "linear"}, "loss"),
    ({"loss": "hinge"}, "loss: unknown loss"),
    ({"patience": 2}, "patience"),
    ({"layer_sizes": [64, 10]}, "layer_sizes"),
    ({"learnin_rate": 0.1}, "learnin_rate"),
])
def test_to_sklearn_params_refuses_what_sklearn_cannot_do(config, key):
    with pytest.raises(ValueError, match=key):
        to_sklearn_params({"init": "xavier_uniform", **config})


def test_alpha_mapping_gives_the_same_update_as_sklearn():
    """One full-batch SGD step from the same weights: ffnn's L2(lam) and sklearn's alpha agree."""
    from sklearn.neural_network import MLPClassifier
    X, y, _, _ = ffnn.datasets.load_digits()
    X, y = X[:200].astype(np.float64), y[:200]
    lam, lr = 3e-3, 0.1
    config = {"hidden": [12], "activation": "tanh", "init": "xavier_uniform", "optimizer": "sgd",
              "learning_rate": lr, "batch_size": len(X), "epochs": 1, "regularization": ffnn.L2(lam)}
    clf = MLPClassifier(**to_sklearn_params(config))
    clf.partial_fit(X, y, classes=np.arange(10))  # creates the arrays
    model = ffnn.FFNN([64, 12, 10], ["tanh", "softmax"], "categorical_crossentropy",
                      regularization=ffnn.L2(lam), seed=0)
    for layer, W, b in zip(model.layers, clf.coefs_, clf.intercepts_):
        W[...], b[...] = layer.W, layer.b
    clf.partial_fit(X, y)
    model.fit(X, y, batch_size=len(X), learning_rate=lr, epochs=1, shuffle=False, verbose=0)
    assert clf.loss_ == pytest.approx(model.history["loss"][-1], rel=1e-10)
    for layer, W, b in zip(model.layers, clf.coefs_, clf.intercepts_):
        np.testing.assert_allclose(layer.W, W, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(layer.b, b, rtol=1e-10, atol=1e-12)


def test_compare_with_sklearn_on_digits():
    data = load_data("digits")
    config = {"hidden": [32], "init": "xavier_uniform", "optimizer": "momentum", "learning_rate": 0.05,
              "batch_size": 32, "epochs": 15, "regularization": ffnn.L2(1e-4)}
    c = compare_with_sklearn(config, data, seeds=(0, 1), n_jobs=1)
    assert set(c.runs) == {"ffnn", "scikit-learn"} and all(len(v) == 2 for v in c.runs.values())
    for lib in c.LIBRARIES:
        assert c.accuracy(lib) > 0.93
        assert c.confusion(lib).sum() == 2 * len(data.y_test)
        run = c.runs[lib][0]
        assert run["test_accuracy"] == np.mean(run["y_pred"] == data.y_test)
        assert c.history(lib).epochs == 15 and run["train_time"] > 0
    assert abs(c.accuracy_gap) <= 0.03
    h = c.history("ffnn")
    np.testing.assert_allclose(h["val_loss"], np.mean([r["history"]["val_loss"] for r in c.runs["ffnn"]], axis=0))
    per_class = c.per_class()
    assert len(per_class) == 10
    C = c.confusion("ffnn")
    assert per_class["ffnn accuracy"] == pytest.approx(list(np.diag(C) / C.sum(axis=1)))
    assert [r["library"] for r in c.table.rows] == ["ffnn", "scikit-learn"]
    assert len(c.plot_confusion().axes) == 3


@pytest.mark.parametrize("kwargs, error, match", [
    ({"seeds": []}, ValueError, "seeds: expected at least one seed"),
    ({"seeds": [-1]}, ValueError, r"seeds\[0\]: expected an integer >= 0"),
    ({"seeds": 0.5}, TypeError, "seeds: expected an integer or a list of integers"),
    ({"n_jobs": 0}, ValueError, "n_jobs: expected a non-zero integer"),
    ({"data": (1, 2, 3, 4)}, TypeError, "data: expected"),
])
def test_compare_with_sklearn_rejects_bad_arguments(kwargs, error, match):
    args = {"config": {"init": "xavier_uniform", "epochs": 1}, "data": load_data("digits", n_train=50),
            **kwargs}
    with pytest.raises(error, match=match):
        compare_with_sklearn(**args)



# ----------------------------------------------------------------------------- two classes
def moons_split(n=300, seed=0):
    X, y = ffnn.datasets.make_moons(n_samples=n, noise=0.2, seed=seed)
    order = np.random.default_rng(seed).permutation(n)  # make_moons lists class 0, then class 1
    X, y = X[order], y[order]
    return X[:200], y[:200], X[200:250], y[200:250], X[250:], y[250:]


BINARY = {"hidden": [8], "activation": "tanh", "init": "xavier_uniform", "output": "sigmoid",
          "optimizer": "sgd", "learning_rate": 0.5, "epochs": 1}


def test_a_sigmoid_output_translates_to_mlpclassifiers_logistic_output():
    p = to_sklearn_params(BINARY)
    assert p["activation"] == "tanh" and p["solver"] == "sgd"
    # naming the output alone picks binary cross-entropy; naming it with the loss works too
    assert to_sklearn_params({**BINARY, "loss": "binary_crossentropy"}) == p
    with pytest.raises(ValueError, match=r"^loss: MLPClassifier trains softmax outputs with categorical_crossentropy"):
        to_sklearn_params({**BINARY, "loss": "mse"})


def test_binary_steps_equal_mlpclassifiers_from_the_same_weights():
    """Full-batch SGD with L2 from identical weights: MLPClassifier's logistic output with its
    binary log-loss and ffnn's sigmoid with binary cross-entropy take the same steps."""
    from sklearn.neural_network import MLPClassifier
    X, y, *_ = moons_split()
    lam, epochs = 1e-3, 5
    config = {**BINARY, "batch_size": len(X), "regularization": ffnn.L2(lam), "shuffle": False}
    clf = MLPClassifier(**to_sklearn_params(config))
    clf.partial_fit(X, y, classes=np.array([0, 1]))  # creates the arrays (and takes one step)
    assert clf.out_activation_ == "logistic" and clf.coefs_[-1].shape == (8, 1)
    model = ffnn.FFNN([2, 8, 1], ["tanh", "sigmoid"], "binary_crossentropy", regularization=ffnn.L2(lam), seed=0)
    for layer, W, b in zip(model.layers, clf.coefs_, clf.intercepts_):
        W[...], b[...] = layer.W, layer.b
    losses = []
    for _ in range(epochs):
        clf.partial_fit(X, y)
        losses.append(clf.loss_)
    model.fit(X, y, batch_size=len(X), learning_rate=config["learning_rate"], epochs=epochs, shuffle=False,
              verbose=0)
    np.testing.assert_allclose(model.history["loss"], losses, rtol=1e-10)
    for layer, W, b in zip(model.layers, clf.coefs_, clf.intercepts_):
        np.testing.assert_allclose(layer.W, W, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(layer.b, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.predict(X)[:, 0], clf.predict_proba(X)[:, 1], rtol=1e-10)


def test_compare_with_sklearn_on_two_classes():
    data = moons_split()
    config = {**BINARY, "hidden": [16], "learning_rate": 0.1, "batch_size": 20, "epochs": 25}
    c = compare_with_sklearn(config, data, seeds=(0, 1), n_jobs=1)
    for lib in c.LIBRARIES:
        assert c.accuracy(lib) > 0.85
        assert c.confusion(lib).shape == (2, 2) and c.confusion(lib).sum() == 2 * len(data[5])
        assert set(c.history(lib)) >= {"loss", "val_loss", "val_data_loss", "val_accuracy"}
    assert abs(c.accuracy_gap) <= 0.06
    run = c.runs["ffnn"][0]
    assert run["test_accuracy"] == np.mean(run["y_pred"] == data[5])
    assert "loss=binary_crossentropy" in c.table.caption and len(c.per_class()) == 2
    with pytest.raises(ValueError, match=r"^loss: binary_crossentropy with one sigmoid output is for two classes"):
        compare_with_sklearn(BINARY, load_data("digits", n_train=50), n_jobs=1)
