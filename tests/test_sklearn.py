"""ffnn.sklearn: scikit-learn's estimator checks, and the estimators inside sklearn's tools."""
import inspect
import pickle

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import (  # noqa: E402
    estimator_checks_generator, parametrize_with_checks)
from threadpoolctl import threadpool_limits  # noqa: E402  (a scikit-learn dependency)

import ffnn  # noqa: E402
from ffnn.optim import Adam, Momentum  # noqa: E402
from ffnn.sklearn import FFNNClassifier, FFNNRegressor  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    # These matrices are tiny: a second BLAS thread costs more in synchronisation than it saves,
    # and on a busy machine it can dominate the run time of every test here.
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600]


# ---------------------------------------------------------------------------- estimator checks
# No check is expected to fail, so `expected_failed_checks` is not passed: every check must
# pass. Two are skipped by scikit-learn itself when pandas is not installed
# (check_classifier_data_not_an_array / check_regressor_data_not_an_array also try pandas).
ESTIMATORS = [
    FFNNClassifier(),
    FFNNRegressor(),
    # the non-default code paths: per-layer activations, RMSNorm, L2, an Optimizer object
    FFNNClassifier(hidden_layer_sizes=(16, 16), activation=["tanh", "relu"], rmsnorm=True,
                   regularization=ffnn.L2(1e-4), optimizer=Momentum(), learning_rate=0.05),
    FFNNRegressor(hidden_layer_sizes=(32,), regularization=ffnn.L1(1e-5), early_stopping=True,
                  optimizer=Adam()),
    # LayerNorm, dropout, a schedule and the optimisers beyond scikit-learn's
    FFNNClassifier(hidden_layer_sizes=(16,), normalization="layernorm", dropout=0.1, optimizer="adamw",
                   lr_schedule=ffnn.schedules.StepLR(50, gamma=0.5), learning_rate=0.01),
    FFNNRegressor(hidden_layer_sizes=(16, 8), dropout=[0.1, 0.0], optimizer="rmsprop",
                  lr_schedule=ffnn.schedules.CosineAnnealingLR(200)),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_estimator_checks_include_the_important_ones():
    def names(est):
        return {getattr(c, "func", c).__name__ for _, c in estimator_checks_generator(est)}

    clf, reg = names(FFNNClassifier()), names(FFNNRegressor())
    assert {"check_classifiers_train", "check_classifiers_classes", "check_fit2d_1sample",
            "check_methods_subset_invariance", "check_fit_idempotent", "check_supervised_y_2d",
            "check_estimators_partial_fit_n_features", "check_dict_unchanged"} <= clf
    assert {"check_regressors_train", "check_regressor_multioutput", "check_regressors_int"} <= reg


# ---------------------------------------------------------------------------- sklearn tools
def test_pipeline_gridsearch_on_digits(digits):
    X, y = digits
    pipe = Pipeline([("scale", StandardScaler()),
                     ("clf", FFNNClassifier(epochs=30, random_state=0))])
    grid = {"clf__learning_rate": [1e-3, 1e-2], "clf__hidden_layer_sizes": [(16,), (64,)]}
    search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_ in search.cv_results_["params"]
    assert search.best_score_ > 0.85
    # the best candidate is the one with the highest mean test score
    scores = search.cv_results_["mean_test_score"]
    assert search.cv_results_["params"][int(np.argmax(scores))] == search.best_params_
    # 30 epochs of Adam at 1e-3 are too few: at each width the larger rate wins
    by_params = {(p["clf__hidden_layer_sizes"], p["clf__learning_rate"]): s
                 for p, s in zip(search.cv_results_["params"], scores)}
    for width in [(16,), (64,)]:
        assert by_params[width, 1e-2] > by_params[width, 1e-3] + 0.05
    model = search.best_estimator_.named_steps["clf"].model_
    assert model.layer_sizes == [64, *search.best_params_["clf__hidden_layer_sizes"], 10]


def test_gridsearch_over_regularization_objects(digits):
    X, y = digits
    X = StandardScaler().fit_transform(X)
    est = FFNNClassifier((16,), epochs=20, random_state=0)
    search = GridSearchCV(est, {"regularization": [None, ffnn.L2(1e-3), ffnn.L1(1e-3)]}, cv=2,
                          refit=False).fit(X, y)
    assert [p["regularization"] for p in search.cv_results_["params"]] == [None, ffnn.L2(1e-3),
                                                                           ffnn.L1(1e-3)]
    # the penalty reaches the network: a stronger one leaves smaller weights
    norms = [np.sum(FFNNClassifier((16,), epochs=20, random_state=0, regularization=reg)
                    .fit(X, y).model_.layers[0].W ** 2) for reg in (None, ffnn.L2(1e-3), ffnn.L2(1e-1))]
    assert norms[0] > norms[1] > norms[2]


def test_cross_val_score(digits):
    X, y = digits
    pipe = Pipeline([("scale", StandardScaler()),
                     ("clf", FFNNClassifier((32,), epochs=30, learning_rate=1e-2, random_state=0))])
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.min() > 0.8 and scores.mean() > 0.85


def test_clone_keeps_parameters_and_drops_the_fit():
    reg = ffnn.L2(1e-3)
    est = FFNNClassifier((8, 4), activation=["tanh", "relu"], regularization=reg, optimizer=Adam(0.8),
                         random_state=3).fit(np.eye(4), [0, 1, 0, 1])
    twin = clone(est)
    assert not hasattr(twin, "model_")
    assert twin.get_params()["regularization"] == reg
    assert twin.get_params()["regularization"] is not reg
    assert twin.get_params()["optimizer"].same_config(Adam(0.8))
    assert twin.set_params(learning_rate=0.5).learning_rate == 0.5


# ---------------------------------------------------------------------------- agrees with FFNN
def test_classifier_is_the_ffnn_it_wraps(digits):
    X, y = digits
    X = X / 16
    est = FFNNClassifier((32,), epochs=5, batch_size=50, learning_rate=1e-2, random_state=7).fit(X, y)
    # the same network trained directly with FFNN, same seed and settings
    model = ffnn.FFNN([64, 32, 10], ["relu", "softmax"], "categorical_crossentropy", seed=7)
    history = model.fit(X, y, batch_size=50, learning_rate=1e-2, epochs=5, optimizer="adam", verbose=0)
    for (name, p), (_, q) in zip(est.model_.parameters(), model.parameters()):
        np.testing.assert_array_equal(p, q, err_msg=name)
    assert est.loss_curve_ == history["loss"]
    assert est.n_iter_ == 5
    np.testing.assert_array_equal(est.predict_proba(X), model.predict(X))
    np.testing.assert_array_equal(est.predict(X), est.classes_[model.predict_classes(X)])
    assert est.score(X, y) == pytest.approx(model.accuracy(X, y))


def test_binary_uses_one_sigmoid_output_and_keeps_string_labels():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    est = FFNNClassifier((8,), epochs=50, learning_rate=1e-2, random_state=0).fit(X, y)
    assert est.model_.layer_sizes == [2, 8, 1]
    assert est.model_.activations[-1] == "sigmoid" and est.model_.loss_name == "binary_crossentropy"
    np.testing.assert_array_equal(est.classes_, ["no", "yes"])
    p = est.model_.predict(X)[:, 0]
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba, np.column_stack([1 - p, p]))
    np.testing.assert_array_equal(est.predict(X), np.where(p > 0.5, "yes", "no"))
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(proba))
    assert est.score(X, y) > 0.95


def test_multiclass_uses_softmax_over_sorted_classes():
    rng = np.random.default_rng(1)
    centres = np.array([[0, 4], [4, 0], [-4, -4]])
    labels = np.array([30, 10, 20])
    k = rng.integers(0, 3, size=90)
    X = centres[k] + rng.normal(size=(90, 2))
    est = FFNNClassifier((8,), epochs=40, learning_rate=1e-2, random_state=0).fit(X, labels[k])
    np.testing.assert_array_equal(est.classes_, [10, 20, 30])
    assert est.model_.layer_sizes == [2, 8, 3] and est.model_.activations[-1] == "softmax"
    np.testing.assert_allclose(est.predict_proba(X).sum(axis=1), 1)
    assert est.score(X, labels[k]) > 0.95


def test_regressor_fits_sine_and_multioutput():
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, size=(200, 1))
    est = FFNNRegressor((32, 32), activation="tanh", epochs=300, learning_rate=1e-2, random_state=0)
    est.fit(x, np.sin(x[:, 0]))
    assert est.predict(x).shape == (200,)
    x_test = np.linspace(-2.5, 2.5, 50)[:, None]
    assert est.score(x_test, np.sin(x_test[:, 0])) > 0.98
    Y = np.column_stack([np.sin(x[:, 0]), np.cos(x[:, 0])])
    two = clone(est).fit(x, Y)
    assert two.n_outputs_ == 2 and two.predict(x).shape == (200, 2)
    np.testing.assert_array_equal(two.predict(x), two.model_.predict(x))
    assert two.score(x, Y) > 0.95


# ---------------------------------------------------------------------------- partial_fit
@pytest.mark.parametrize("shuffle", [False, True])
def test_partial_fit_k_times_equals_fit_k_epochs(digits, shuffle):
    X, y = digits
    X = X / 16
    params = dict(hidden_layer_sizes=(16,), batch_size=64, shuffle=shuffle, random_state=4)
    full = FFNNClassifier(epochs=3, **params).fit(X, y)
    inc = FFNNClassifier(**params)
    for k in range(3):
        inc.partial_fit(X, y, classes=np.arange(10) if k == 0 else None)
        assert inc.n_iter_ == k + 1 and len(inc.loss_curve_) == k + 1
    for (name, p), (_, q) in zip(full.model_.parameters(), inc.model_.parameters()):
        np.testing.assert_array_equal(p, q, err_msg=name)
    assert inc.loss_curve_ == full.loss_curve_


def test_regressor_partial_fit_equals_fit():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(50, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    full = FFNNRegressor((8,), epochs=2, batch_size=10, random_state=0).fit(X, y)
    inc = FFNNRegressor((8,), batch_size=10, random_state=0).partial_fit(X, y).partial_fit(X, y)
    np.testing.assert_array_equal(full.predict(X), inc.predict(X))
    with pytest.raises(ValueError, match="y: expected 1 target column"):
        inc.partial_fit(X, np.column_stack([y, y]))


def test_partial_fit_classes_rules():
    X, y = np.eye(3), np.array(["a", "b", "c"])
    est = FFNNClassifier((4,), random_state=0)
    with pytest.raises(ValueError, match="classes: must be passed on the first call"):
        est.partial_fit(X, y)
    est.partial_fit(X[:2], y[:2], classes=["c", "b", "a"])  # a class may be missing at first
    np.testing.assert_array_equal(est.classes_, ["a", "b", "c"])
    assert est.model_.n_out == 3
    with pytest.raises(ValueError, match=r"y: labels \['d'\] are not in classes"):
        est.partial_fit(X, ["a", "b", "d"])
    with pytest.raises(ValueError, match="classes: expected the classes of the first"):
        est.partial_fit(X, y, classes=["a", "b"])
    est.fit(X[:2], y[:2])  # fit starts over: the classes are those of y
    np.testing.assert_array_equal(est.classes_, ["a", "b"])


# ---------------------------------------------------------------------------- parameters
def test_early_stopping_stops_and_restores_the_best_epoch():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))
    y = X[:, 0] + rng.normal(scale=2.0, size=120)  # mostly noise: a wide net overfits fast
    est = FFNNRegressor((128,), learning_rate=1e-2, epochs=300, early_stopping=True, patience=5,
                        random_state=0).fit(X, y)
    assert est.n_iter_ < 300
    assert len(est.validation_loss_curve_) == est.n_iter_ == len(est.loss_curve_)
    best = int(np.argmin(est.validation_loss_curve_))
    assert est.n_iter_ == best + 1 + 5
    assert FFNNRegressor(epochs=3).fit(X, y).validation_loss_curve_ is None


@pytest.mark.parametrize("normalization", [None, "rmsnorm", "layernorm", "batchnorm"])
def test_normalization_dropout_schedule_and_optimizer_reach_the_model(digits, normalization):
    X, y = digits
    schedule = ffnn.schedules.StepLR(2, gamma=0.5)
    est = FFNNClassifier((16,), normalization=normalization, dropout=0.2, optimizer="nesterov",
                         lr_schedule=schedule, learning_rate=0.05, epochs=3, batch_size=64,
                         random_state=0).fit(X / 16, y)
    model = est.model_
    assert model.normalization == normalization and model.dropout == 0.2
    assert model.optimizer.name == "nesterov" and model.history["lr"] == [0.05, 0.05, 0.025]
    assert schedule.base_lr is None and model.lr_schedule is not schedule  # the parameter is copied
    est.partial_fit(X / 16, y)  # continues the schedule
    assert model.history["lr"][-1] == 0.025 and model.lr_schedule.epoch == 4
    assert est.score(X / 16, y) > 0.6  # it learns: chance is 0.1


def test_fit_leaves_parameter_objects_untouched():
    opt, init = Adam(), ffnn.init.HeUniform()
    est = FFNNClassifier((4,), optimizer=opt, init=init, epochs=3, random_state=0)
    est.fit(np.eye(4), [0, 1, 1, 0])
    assert est.optimizer is opt and opt.t == 0 and opt.state == []
    assert est.init is init and not hasattr(init, "fan_in")
    assert est.model_.optimizer is not opt and est.model_.optimizer.t == 3


def test_random_state_int_is_the_ffnn_seed_and_none_draws_one():
    X, y = np.eye(4), [0, 1, 1, 0]
    assert FFNNClassifier((4,), epochs=1, random_state=11).fit(X, y).model_.seed == 11
    seeds = {FFNNClassifier((4,), epochs=1, random_state=rs).fit(X, y).model_.seed
             for rs in (np.random.RandomState(0), np.random.RandomState(0))}
    assert len(seeds) == 1


def test_float32_network():
    X, y = np.eye(4), [0, 1, 1, 0]
    est = FFNNClassifier((4,), dtype="float32", epochs=2, random_state=0).fit(X, y)
    assert est.model_.dtype == np.float32 and est.predict_proba(X).dtype == np.float32


@pytest.mark.parametrize("params, error, match", [
    ({"hidden_layer_sizes": "64"}, TypeError, "hidden_layer_sizes: expected an int or a tuple"),
    ({"hidden_layer_sizes": (8, 0)}, ValueError, r"hidden_layer_sizes\[1\]"),
    ({"activation": ["relu", "tanh"]}, ValueError, "activation: expected one name per hidden layer"),
    ({"activation": "swoosh"}, ValueError, "unknown activation"),
    ({"dtype": "int32"}, ValueError, "dtype: expected 'float32' or 'float64'"),
    ({"dtype": "floaty"}, TypeError, "dtype: expected 'float32' or 'float64'"),
    ({"hidden_layer_sizes": 8.0}, TypeError, "hidden_layer_sizes: expected an int or a tuple"),
    ({"hidden_layer_sizes": (8, 2.5)}, TypeError, r"hidden_layer_sizes\[1\]: expected an integer"),
    ({"random_state": -1}, ValueError, "random_state"),
    ({"learning_rate": 0}, ValueError, "learning_rate"),
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"early_stopping": True, "validation_fraction": 1.5}, ValueError,
     r"^validation_fraction: expected a number in \(0, 1\), got 1\.5"),
    ({"early_stopping": True, "validation_fraction": 0}, ValueError, "^validation_fraction: "),
    ({"early_stopping": True, "validation_fraction": "0.1"}, TypeError, "^validation_fraction: expected a number"),
    ({"early_stopping": "yes"}, TypeError, "^early_stopping: expected True or False"),
    ({"optimizer": "lbfgs"}, ValueError, "optimizer: unknown optimizer 'lbfgs'"),
    ({"regularization": 0.1}, TypeError, "regularization: expected None"),
    # seeds, dtypes and boolean options reach no NumPy call unchecked
    ({"random_state": "0"}, TypeError, "^random_state: expected None, an integer >= 0 or a numpy.random.RandomState"),
    ({"random_state": np.random.default_rng(0)}, TypeError, "^random_state: expected None"),
    ({"random_state": 1.5}, TypeError, "^random_state: "),
    ({"dtype": {0: [0]}}, TypeError, "^dtype: expected 'float32' or 'float64'"),
    ({"shuffle": 1}, TypeError, "^shuffle: expected True or False"),
    ({"early_stopping": 0}, TypeError, "^early_stopping: expected True or False"),
    ({"batch_size": "big"}, ValueError, "^batch_size: expected one of 'auto'"),
    ({"batch_size": np.ones(2)}, TypeError, "^batch_size: expected an integer"),
    ({"optimizer": ffnn.optim.Optimizer()}, TypeError, "^optimizer: ffnn.optim.Optimizer is an abstract base class"),
    ({"init": ffnn.init.Initializer()}, TypeError, r"^init(\[\d\])?: ffnn.init.Initializer is an abstract base"),
])
def test_bad_parameters_name_themselves(params, error, match):
    est = FFNNClassifier(**{"hidden_layer_sizes": (8,), "epochs": 1, **params})  # __init__ only stores
    with pytest.raises(error, match=match):
        est.fit(np.eye(4), [0, 1, 1, 0])


def test_no_sample_weight_and_pickle_round_trip():
    assert "sample_weight" not in inspect.signature(FFNNClassifier.fit).parameters
    X, y = np.eye(4), [0, 1, 1, 0]
    est = FFNNClassifier((4,), epochs=2, random_state=0).fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict_proba(X), est.predict_proba(X))


# ---------------------------------------------------------------------------- MLP's alpha
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_l2_maps_to_mlp_alpha(task):
    """One full-batch SGD step of MLP* with alpha equals ffnn's with L2(alpha / (2N)).

    For regression MLPRegressor's loss is half ffnn's MSE, so L2(alpha / N) with half the
    learning rate gives the same step.
    """
    rng = np.random.default_rng(0)
    N, alpha, lr = 40, 0.3, 0.1
    X = rng.normal(size=(N, 5))
    if task == "regression":
        y = X @ rng.normal(size=5)
        ours = FFNNRegressor((7,), optimizer="sgd", learning_rate=lr / 2, batch_size=N, shuffle=False,
                             regularization=ffnn.L2(alpha / N), random_state=0)
        theirs = MLPRegressor(hidden_layer_sizes=(7,), solver="sgd", alpha=alpha, learning_rate_init=lr,
                              batch_size=N, momentum=0.0, shuffle=False, random_state=0)
        first = {}
    else:
        y = rng.integers(0, 2 if task == "binary" else 3, size=N)
        ours = FFNNClassifier((7,), optimizer="sgd", learning_rate=lr, batch_size=N, shuffle=False,
                              regularization=ffnn.L2(alpha / (2 * N)), random_state=0)
        theirs = MLPClassifier((7,), solver="sgd", alpha=alpha, learning_rate_init=lr, batch_size=N,
                               momentum=0.0, shuffle=False, random_state=0)
        first = {"classes": np.unique(y)}
    ours.partial_fit(X, y, **first)
    theirs.partial_fit(X, y, **first)
    # start both from MLP's weights, then take one step each
    for layer, W, b in zip(ours.model_.layers, theirs.coefs_, theirs.intercepts_):
        layer.W[...], layer.b[...] = W, b
    ours.partial_fit(X, y)
    theirs.partial_fit(X, y)
    for layer, W, b in zip(ours.model_.layers, theirs.coefs_, theirs.intercepts_):
        np.testing.assert_allclose(layer.W, W, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(layer.b, b, rtol=1e-10, atol=1e-12)
