"""ffnn.network.FFNN: backward against finite differences over the whole table (every hidden
activation × every (loss, output) pair × {none, L1, L2} × {no normalisation, RMSNorm, LayerNorm,
BatchNorm}, and with dropout), forward and loss
against a manual computation, prediction helpers, fit (learning XOR and digits, early stopping,
history, verbosity, determinism) and float32 end to end.
"""
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ffnn
from ffnn import activations, losses
from ffnn.gradcheck import numerical_gradient

PROPERTY = settings(derandomize=True, deadline=None, max_examples=10)
REGULARIZATIONS = {"none": None, "l1": ffnn.L1(0.03), "l2": ffnn.L2(0.03)}


# ----------------------------------------------------------------------------- the gradient table
NORMS = [None, "rmsnorm", "layernorm", "batchnorm"]
NORM_IDS = ["plain", "rmsnorm", "layernorm", "batchnorm"]


def expected_names(normalization):
    own = {None: "", "rmsnorm": "g", "layernorm": "g beta", "batchnorm": "g beta"}[normalization].split()
    return [f"layers[{i}].{p}" for i in range(3) for p in ["W", "b", *(own if i < 2 else [])]]


@pytest.mark.parametrize("normalization", NORMS, ids=NORM_IDS)
@pytest.mark.parametrize("reg", list(REGULARIZATIONS))
def test_backward_matches_finite_differences(tiny_problem, act, loss_case, reg, normalization):
    """Every parameter (W, b, g, beta) of a randomised [4, 5, 4, 3] network, relative error ≤ 1e-6."""
    model, X, Y = tiny_problem(act, loss_case, REGULARIZATIONS[reg], normalization=normalization)
    errors = ffnn.gradcheck(model, X, Y)
    assert list(errors) == expected_names(normalization)
    assert_gradcheck_passes(model, X, Y, errors)


def structural_zeros(model):
    """Parameters whose gradient is exactly 0 under BatchNorm: a hidden layer's b cancels against
    the batch mean, and so does the beta before a linear activation that feeds another BatchNorm
    (unless dropout masks it)."""
    if model.normalization != "batchnorm":
        return []
    hidden = model.layers[:-1]
    names = [f"layers[{i}].b" for i in range(len(hidden))]
    return names + [f"layers[{i}].beta" for i, layer in enumerate(hidden[:-1])
                    if layer.activation.name == "linear" and layer.dropout == 0]


def assert_gradcheck_passes(model, X, Y, errors):
    """Relative errors ≤ 1e-6, except where the gradient is 0 by construction: there both backprop
    and the central differences must be ~0 (a relative error of two round-offs means nothing)."""
    zeros = structural_zeros(model)
    if zeros:
        clone = model.copy()
        state = clone.dropout_rng.bit_generator.state
        clone.forward(X)
        clone.backward(Y)
        params, grads = dict(clone.parameters()), dict(clone.gradients())

        def loss():
            clone.dropout_rng.bit_generator.state = state
            return clone.loss(X, Y, training=True)

        for name in zeros:
            analytic = grads[name.replace(".b", ".db").replace(".beta", ".dbeta")]
            numeric = numerical_gradient(loss, params[name])
            assert np.abs(analytic).max() < 1e-12 and np.abs(numeric).max() < 1e-8, name
            del errors[name]
    worst = max(errors, key=errors.get)
    assert errors[worst] <= 1e-6, f"{worst}: relative error {errors[worst]:.2e}"


@pytest.mark.parametrize("normalization", NORMS, ids=NORM_IDS)
def test_backward_with_dropout_matches_finite_differences(tiny_problem, act, loss_case, normalization):
    """gradcheck holds the dropout masks fixed, so it checks the gradient of the training pass."""
    model, X, Y = tiny_problem(act, loss_case, normalization=normalization, dropout=[0.3, 0.5], seed=2)
    state = model.dropout_rng.bit_generator.state
    model.forward(X)
    assert all(0 < np.count_nonzero(layer.mask == 0) < layer.mask.size for layer in model.layers[:2])
    model.dropout_rng.bit_generator.state = state
    assert_gradcheck_passes(model, X, Y, ffnn.gradcheck(model, X, Y))


def test_gradient_table_is_not_trivial(tiny_problem, activation_table, loss_table):
    """The table's inputs exercise both sides of every kink and produce non-zero gradients."""
    for act in activation_table:
        if not act.kinks:
            continue
        model, X, Y = tiny_problem(act, loss_table[0])
        model.forward(X)
        r = np.concatenate([layer.z.ravel() for layer in model.layers[:-1]])
        assert (r > 0).any() and (r < 0).any(), act.name
    for normalization in NORMS:
        model, X, Y = tiny_problem(activation_table[1], loss_table[0], normalization=normalization)
        model.forward(X)
        model.backward(Y)
        zeros = structural_zeros(model)
        for (name, _), (_, d) in zip(model.parameters(), model.gradients()):
            assert (np.abs(d).max() < 1e-12) if name in zeros else (np.abs(d).max() > 1e-4), (normalization, name)


# ----------------------------------------------------------------------------- forward and loss
@pytest.mark.parametrize("rmsnorm", [False, True], ids=["plain", "rmsnorm"])
def test_forward_and_loss_match_a_manual_computation(tiny_problem, act, loss_case, rmsnorm):
    model, X, Y = tiny_problem(act, loss_case, ffnn.L2(0.1), rmsnorm, seed=1)
    a = X
    for layer in model.layers:
        z = a @ layer.W + layer.b
        if layer.g is not None:
            z = layer.g * z / np.sqrt(np.mean(z * z, axis=1, keepdims=True) + model.eps)
        a = activations.get(layer.activation.name).forward(z)
    np.testing.assert_allclose(model.forward(X), a, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(model.predict(X), a, rtol=1e-13, atol=1e-15)
    penalty = 0.1 * sum(float(np.sum(layer.W ** 2)) for layer in model.layers)
    expected = losses.get(loss_case.loss).value(a, Y) + penalty
    assert model.loss(X, Y) == pytest.approx(expected, rel=1e-12)


def test_backward_overwrites_gradients():
    rng = np.random.default_rng(0)
    model = ffnn.FFNN([3, 4, 2], ["tanh", "softmax"], "categorical_crossentropy", regularization=ffnn.L2(0.1))
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 2, 5)
    model.forward(X)
    model.backward(y)
    first = [d.copy() for _, d in model.gradients()]
    model.forward(X)
    model.backward(y)
    for a, (_, b) in zip(first, model.gradients()):
        np.testing.assert_array_equal(a, b)


def test_integer_labels_equal_one_hot():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 4, 8)
    Y = np.eye(4)[y]
    a, b = (ffnn.FFNN([3, 5, 4], ["relu", "softmax"], "categorical_crossentropy", seed=2) for _ in range(2))
    assert a.loss(X, y) == b.loss(X, Y)
    a.fit(X, y, batch_size=3, epochs=2, verbose=0)
    b.fit(X, Y, batch_size=3, epochs=2, verbose=0)
    for (_, p), (_, q) in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p, q)
    assert a.accuracy(X, y) == a.accuracy(X, Y)


def test_predict_in_chunks_equals_one_pass():
    rng = np.random.default_rng(0)
    model = ffnn.FFNN([3, 6, 2], ["gelu", "linear"], "mse", rmsnorm=True)
    X = rng.normal(size=(11, 3))
    expected = model.forward(X)
    np.testing.assert_array_equal(model.predict(X, batch_size=4), expected)
    assert all(layer.X is None for layer in model.layers)  # predict drops its caches


def test_predict_classes_and_accuracy():
    model = ffnn.FFNN([2, 3], "softmax", "categorical_crossentropy")
    model.layers[0].W[...] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    X = np.array([[2.0, 0.0], [0.0, 2.0], [-2.0, -2.0], [1.0, 0.0]])
    np.testing.assert_array_equal(model.predict_classes(X), [0, 1, 2, 0])
    assert model.accuracy(X, [0, 1, 2, 1]) == 0.75
    assert model.accuracy(X, np.eye(3)[[0, 1, 2, 1]]) == 0.75


def test_single_sigmoid_output_thresholds_at_one_half():
    """ŷ = σ(0) = 0.5 exactly counts as class 1 (ŷ ≥ 0.5)."""
    model = ffnn.FFNN([2, 1], "sigmoid", "binary_crossentropy", init="zeros")
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(model.predict(X), 0.5)
    np.testing.assert_array_equal(model.predict_classes(X), [1, 1])
    model.layers[0].b[0] = -1e-9
    np.testing.assert_array_equal(model.predict_classes(X), [0, 0])
    assert model.accuracy(X, [0, 0]) == 1.0


def test_accuracy_recorded_by_fit_matches_accuracy_method():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] > X[:, 1]).astype(int)
    model = ffnn.FFNN([2, 1], "sigmoid", "binary_crossentropy", seed=0)
    history = model.fit(X, y, batch_size=30, epochs=1, learning_rate=1e-12, verbose=0,
                        validation_data=(X, y))
    assert history["val_accuracy"][-1] == model.accuracy(X, y)
    assert history["accuracy"][-1] == pytest.approx(model.accuracy(X, y))  # lr≈0: same parameters


# ----------------------------------------------------------------------------- learning
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])


@pytest.mark.parametrize("sizes, optimizer, lr, epochs", [([2, 4, 1], "adam", 0.05, 300),
                                                          ([2, 8, 1], "momentum", 0.5, 400)])
def test_learns_xor(sizes, optimizer, lr, epochs):
    model = ffnn.FFNN(sizes, ["tanh", "sigmoid"], "binary_crossentropy", init="xavier_uniform", seed=0)
    history = model.fit(XOR_X, XOR_Y, batch_size=4, learning_rate=lr, epochs=epochs, optimizer=optimizer,
                        verbose=0)
    assert model.accuracy(XOR_X, XOR_Y) == 1.0
    np.testing.assert_array_equal(model.predict_classes(XOR_X), XOR_Y)
    assert history["loss"][-1] < 0.1 < history["loss"][0]
    assert history["accuracy"][-1] == 1.0


def test_learns_digits():
    """sklearn's bundled 8×8 digits, fixed stratified split: ≥ 95 % test accuracy in well under a second."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(digits.data / 16.0, digits.target, test_size=0.25,
                                                        random_state=0, stratify=digits.target)
    model = ffnn.FFNN([64, 32, 10], ["relu", "softmax"], "categorical_crossentropy", seed=0)
    history = model.fit(X_train, y_train, batch_size=32, learning_rate=0.005, epochs=20, optimizer="adam",
                        validation_data=(X_test, y_test), verbose=0)
    assert model.accuracy(X_test, y_test) >= 0.95
    assert history["val_accuracy"][-1] == model.accuracy(X_test, y_test)
    assert history["loss"][-1] < history["loss"][0] / 5


# ----------------------------------------------------------------------------- early stopping
def test_early_stopping_stops_and_restores_the_best_epoch():
    """Validation labels are the training labels flipped, so val_loss is best after epoch 1."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(float)
    model = ffnn.FFNN([2, 8, 1], ["tanh", "sigmoid"], "binary_crossentropy", seed=0)
    history = model.fit(X, y, batch_size=8, learning_rate=0.1, epochs=50, optimizer="adam",
                        validation_data=(X, 1 - y), patience=3, verbose=0)
    val = history["val_loss"]
    assert len(val) == 4  # the best epoch, then 3 without improvement
    assert np.argmin(val) == 0 and all(np.diff(val) > 0)
    assert model.evaluate(X, 1 - y)["loss"] == val[0]  # the epoch-1 parameters are back

    kept = ffnn.FFNN([2, 8, 1], ["tanh", "sigmoid"], "binary_crossentropy", seed=0)
    kept.fit(X, y, batch_size=8, learning_rate=0.1, epochs=50, optimizer="adam",
             validation_data=(X, 1 - y), patience=3, verbose=0, restore_best=False)
    assert kept.evaluate(X, 1 - y)["loss"] == val[-1]


def test_early_stopping_counts_ties_as_no_improvement():
    """A constant val_loss improves once (epoch 1) and never again: stop after 1 + patience epochs."""
    X = np.zeros((6, 2))
    Y = np.zeros((6, 1))
    model = ffnn.FFNN([2, 1], "linear", "mse", init="zeros")  # loss 0 and zero gradients throughout
    history = model.fit(X, Y, epochs=20, validation_data=(X, Y), patience=2, verbose=0)
    assert history["val_loss"] == [0.0, 0.0, 0.0]


def test_without_patience_all_epochs_run():
    X = np.zeros((6, 2))
    model = ffnn.FFNN([2, 1], "linear", "mse", init="zeros")
    assert model.fit(X, np.zeros(6), epochs=7, validation_data=(X, np.zeros(6)), verbose=0).epochs == 7


# ----------------------------------------------------------------------------- history and verbosity
def small_regression(seed=0, N=12):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, 3))
    return X, np.tanh(X @ rng.normal(size=(3, 2)))


def test_history_accumulates_across_fit_calls():
    X, Y = small_regression()
    model = ffnn.FFNN([3, 4, 2], ["tanh", "linear"], "mse")
    first = model.fit(X, Y, epochs=2, verbose=0, validation_data=(X, Y))
    assert first is model.history and isinstance(first, ffnn.History)
    second = model.fit(X, Y, epochs=3, verbose=0, validation_data=(X, Y))
    assert second is first
    assert len(model.history["loss"]) == len(model.history["val_loss"]) == 5 == model.history.epochs
    assert "accuracy" not in model.history  # regression: no accuracy
    assert all(isinstance(v, float) for v in model.history["loss"])


def test_epoch_loss_is_the_size_weighted_mean_of_batch_losses():
    """With lr ≈ 0 the parameters do not move, so the epoch loss equals the full-data loss."""
    X, Y = small_regression(N=10)
    model = ffnn.FFNN([3, 4, 2], ["tanh", "linear"], "mse", regularization=ffnn.L2(0.1))
    history = model.fit(X, Y, batch_size=4, epochs=1, learning_rate=1e-300, verbose=0, shuffle=False,
                        validation_data=(X, Y))
    assert history["loss"][0] == pytest.approx(model.loss(X, Y), rel=1e-12)
    assert history["val_loss"][0] == pytest.approx(model.loss(X, Y), rel=1e-12)


def test_verbose_0_prints_nothing(capsys):
    X, Y = small_regression()
    ffnn.FFNN([3, 2], "linear", "mse").fit(X, Y, epochs=3, verbose=0)
    assert capsys.readouterr() == ("", "")


def test_verbose_2_prints_one_line_per_epoch(capsys):
    X, Y = small_regression()
    history = ffnn.FFNN([3, 2], "linear", "mse").fit(X, Y, epochs=3, verbose=2, validation_data=(X, Y))
    out, err = capsys.readouterr()
    lines = (out + err).strip().splitlines()
    assert len(lines) == 3
    for i, line in enumerate(lines):
        assert line.startswith(f"epoch {i + 1}/3")
        assert f"loss: {history['loss'][i]:.4f}" in line and "val_loss" in line


def test_verbose_1_shows_a_progress_bar(capsys):
    X, Y = small_regression()
    ffnn.FFNN([3, 2], "linear", "mse").fit(X, Y, epochs=3, verbose=1)
    out, err = capsys.readouterr()
    assert "3/3" in err and "fit" in err and "epoch" in err
    assert out == ""


# ----------------------------------------------------------------------------- determinism, shuffling
def test_fit_is_deterministic_and_shuffling_matters():
    X, Y = small_regression(N=20)

    def trained(shuffle, seed=0):
        model = ffnn.FFNN([3, 4, 2], ["tanh", "linear"], "mse", seed=seed)
        model.fit(X, Y, batch_size=5, epochs=3, shuffle=shuffle, verbose=0)
        return np.concatenate([p.ravel() for _, p in model.parameters()])

    np.testing.assert_array_equal(trained(True), trained(True))
    assert not np.array_equal(trained(True), trained(False))
    assert not np.array_equal(trained(True), trained(True, seed=1))


def manual_sgd(model, X, Y, lr, batch_size, batches=None):
    """fit's epoch of plain SGD written out with forward, backward and W -= lr dW (as in chapter 3).

    Stops after ``batches`` batches when given. Returns the (X_b, Y_b) batches it visited.
    """
    order = model.rng.permutation(X.shape[0])
    visited = []
    for start in range(0, X.shape[0], batch_size)[:batches]:
        idx = order[start:start + batch_size]
        visited.append((X[idx], Y[idx]))
        model.forward(X[idx])
        model.backward(Y[idx])
        for (_, p), (_, d) in zip(model.parameters(), model.gradients()):
            p -= lr * d
    return visited


def sgd_problem(regularization=None, rmsnorm=False, dtype="float64"):
    """A 200-100-10 classifier whose first W has 20 000 weights, with non-zero biases."""
    rng = np.random.default_rng(7)
    X = rng.normal(0.1, 1.0, (300, 200)).astype(dtype)
    y = rng.integers(0, 10, 300)

    def model():
        m = ffnn.FFNN([200, 100, 10], ["tanh", "softmax"], "categorical_crossentropy", init="xavier_normal",
                      regularization=regularization, rmsnorm=rmsnorm, seed=3, dtype=dtype)
        for layer in m.layers:
            layer.b[...] = np.linspace(-0.2, 0.3, layer.n_out)
        return m

    return model, X, np.eye(10, dtype=dtype)[y]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("rmsnorm", [False, True], ids=["plain", "rmsnorm"])
@pytest.mark.parametrize("reg", list(REGULARIZATIONS), ids=list(REGULARIZATIONS))
def test_fit_is_the_loop_by_hand_bit_for_bit(reg, rmsnorm, dtype):
    """fit's epoch is chapter 3's loop: forward, backward, p -= lr dp, to the last bit."""
    make, X, Y = sgd_problem(REGULARIZATIONS[reg], rmsnorm, dtype)
    ours, theirs = make(), make()
    start = [p.copy() for _, p in theirs.parameters()]
    for _ in range(2):
        manual_sgd(ours, X, Y, lr=0.05, batch_size=64)
    theirs.fit(X, Y, batch_size=64, learning_rate=0.05, epochs=2, verbose=0)
    for (name, p), (_, q), p0 in zip(ours.parameters(), theirs.parameters(), start):
        np.testing.assert_array_equal(q, p, err_msg=name)
        assert not np.allclose(q, p0), name  # every parameter moved
    for (name, d), (_, e) in zip(ours.gradients(), theirs.gradients()):
        np.testing.assert_array_equal(e, d, err_msg=name)  # the last batch's gradient
        assert np.abs(d).max() > 1e-4, name
    assert theirs.optimizer.t == 10  # 5 batches per epoch, each a step


def test_backward_moves_no_parameter():
    make, X, Y = sgd_problem(ffnn.L2(0.01), rmsnorm=True)
    model = make()
    before = [p.copy() for _, p in model.parameters()]
    model.forward(X)
    model.backward(Y)
    for (name, p), p0 in zip(model.parameters(), before):
        np.testing.assert_array_equal(p, p0, err_msg=name)


@pytest.mark.parametrize("method", ["backward", "backward_from_z"])
def test_a_layer_with_its_own_backward_is_called_by_fit(method):
    """A Dense subclass that overrides backward (as chapter 2's exercise does) works in fit and
    gradcheck: fit calls it once per batch and trains exactly as Dense's own."""
    calls = []

    class OwnBackward(ffnn.Dense):
        pass

    def own(self, grad, need_dX=True):
        calls.append(grad.shape)
        return getattr(ffnn.Dense, method)(self, grad, need_dX)

    setattr(OwnBackward, method, own)
    make, X, Y = sgd_problem()
    ours, theirs = make(), make()
    ours.layers[0].__class__ = OwnBackward
    assert max(ffnn.gradcheck(ours, X[:5], Y[:5]).values()) < 1e-6
    calls.clear()
    ours.fit(X, Y, batch_size=64, learning_rate=0.05, epochs=1, verbose=0)
    theirs.fit(X, Y, batch_size=64, learning_rate=0.05, epochs=1, verbose=0)
    assert len(calls) == 5  # once per batch
    for (name, p), (_, q) in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_array_equal(p, q, err_msg=name)


def test_zero_epochs_is_a_no_op():
    X, Y = small_regression()
    model = ffnn.FFNN([3, 2], "linear", "mse")
    W = model.layers[0].W.copy()
    assert model.fit(X, Y, epochs=0, verbose=0) == {}
    np.testing.assert_array_equal(model.layers[0].W, W)


def test_model_attributes():
    model = ffnn.FFNN([3, 4, 2], "relu", "mse", regularization=ffnn.L1(0.1), rmsnorm=True, seed=3,
                      dtype="float32")
    assert model.layer_sizes == [3, 4, 2] and model.activations == ["relu", "relu"]
    assert model.loss_name == "mse" and model.dtype == np.float32 and model.seed == 3
    assert model.n_parameters() == 3 * 4 + 4 + 4 + 4 * 2 + 2
    assert [layer.activation.name for layer in model.layers] == ["relu", "relu"]
    assert re.search(r"FFNN\(layer_sizes=\[3, 4, 2\].*L1\(0.1\).*normalization='rmsnorm'.*float32", repr(model))


# ----------------------------------------------------------------------------- float32 end to end
@PROPERTY
@given(data=st.data())
def test_float32_stays_float32_end_to_end(act, loss_case, data):
    """Forward, every cached array, every gradient, the parameters after fit and predictions."""
    rmsnorm = data.draw(st.booleans(), label="rmsnorm")
    reg = data.draw(st.sampled_from(list(REGULARIZATIONS.values())), label="regularization")
    optimizer = data.draw(st.sampled_from(["sgd", "momentum", "adam"]), label="optimizer")
    N = data.draw(st.integers(1, 7), label="N")
    rng = np.random.default_rng(data.draw(st.integers(0, 1000), label="seed"))
    model = ffnn.FFNN([3, 4, 3], [act.name, loss_case.output], loss_case.loss, regularization=reg,
                      rmsnorm=rmsnorm, dtype="float32")
    X = rng.normal(size=(N, 3))  # float64 in: converted once at the boundary
    Y = loss_case.targets(rng, N, 3)
    f32 = np.dtype(np.float32)
    assert model.forward(X).dtype == f32
    model.backward(Y)
    for layer in model.layers:
        for name in ("X", "z_raw", "z", "a", "z_hat", "sigma", "mask"):
            value = getattr(layer, name)
            assert value is None or value.dtype == f32, name
    assert all(d.dtype == f32 for _, d in model.gradients())
    model.fit(X, Y, batch_size=3, epochs=2, optimizer=optimizer, verbose=0)
    assert all(p.dtype == f32 for _, p in model.parameters())
    assert all(d.dtype == f32 for _, d in model.gradients())
    assert all(s.dtype == f32 for state in model.optimizer.state for s in state)
    assert model.predict(X).dtype == f32 and model.predict(X).shape == (N, 3)
    assert all(np.isfinite(v) for v in model.history["loss"])


@PROPERTY
@given(sizes=st.lists(st.integers(1, 6), min_size=2, max_size=4), N=st.integers(1, 9))
def test_shapes(sizes, N):
    model = ffnn.FFNN(sizes, "tanh", "mse", rmsnorm=True)
    X = np.random.default_rng(N).normal(size=(N, sizes[0]))
    assert model.predict(X).shape == (N, sizes[-1])
    assert model.predict_classes(X).shape == (N,)
    model.forward(X)
    model.backward(np.zeros((N, sizes[-1])))
    for layer, n_in, n_out in zip(model.layers, sizes, sizes[1:]):
        assert layer.W.shape == layer.dW.shape == (n_in, n_out)
        assert layer.b.shape == layer.db.shape == (n_out,)


def test_no_runtime_warning_on_extreme_inputs(act, loss_case):
    """Huge pre-activations (|z| ~ 1e4) through the whole network: finite loss, finite gradients."""
    model = ffnn.FFNN([2, 3, 3], [act.name, loss_case.output], loss_case.loss, init="uniform")
    for layer in model.layers:
        layer.W[...] = np.where(np.arange(layer.W.size).reshape(layer.W.shape) % 2, 1.0, -1.0)
    X = np.array([[5e3, -5e3], [-1e4, 1e4], [1e4, 1e4]])
    Y = loss_case.targets(np.random.default_rng(0), 3, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = model.loss(X, Y)
        model.forward(X)
        model.backward(Y)
    assert np.isfinite(loss)
    assert all(np.isfinite(d).all() for _, d in model.gradients())


def test_predict_and_accuracy_reject_bad_arguments():
    model = ffnn.FFNN([2, 3], "softmax", "categorical_crossentropy")
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="batch_size"):
        model.predict(X, batch_size=0)
    with pytest.raises(TypeError, match="batch_size"):
        model.predict(X, batch_size=2.0)
    # None used to be read as one label ("got 4 and 1 rows"); strings silently gave accuracy 0.0
    with pytest.raises(TypeError, match="y"):
        model.accuracy(X, None)
    with pytest.raises(TypeError, match="y"):
        model.accuracy(X, ["a", "b", "c", "d"])


def test_copy_refuses_a_non_float_dtype():
    model = ffnn.FFNN([2, 3, 1], "tanh")
    with pytest.raises(ValueError, match="dtype"):
        model.copy(dtype="int32")
    assert model.copy(dtype="float32").layers[0].W.dtype == np.float32


# ----------------------------------------------------------------------------- dropout, norms, schedules
@pytest.mark.parametrize("normalization", NORMS, ids=NORM_IDS)
def test_fit_is_the_loop_by_hand_with_dropout_and_normalization(normalization):
    """With dropout and any normalisation, fit is still forward(training) → backward → step."""
    rng = np.random.default_rng(5)
    X, y = rng.normal(0.2, 1.0, (50, 6)), rng.integers(0, 3, 50)

    def make():
        return ffnn.FFNN([6, 8, 7, 3], ["relu", "tanh", "softmax"], "categorical_crossentropy", seed=2,
                         normalization=normalization, dropout=[0.2, 0.4])

    ours, theirs = make(), make()
    Y = np.eye(3)[y]
    order = ours.rng.permutation(50)
    for start in range(0, 50, 16):
        idx = order[start:start + 16]
        ours.forward(X[idx], training=True)
        ours.backward(Y[idx])
        for (_, p), (_, d) in zip(ours.parameters(), ours.gradients()):
            p -= 0.1 * d
    theirs.fit(X, y, batch_size=16, learning_rate=0.1, epochs=1, verbose=0)
    for (name, p), (_, q) in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_array_equal(p, q, err_msg=name)
    for layer_a, layer_b in zip(ours.layers, theirs.layers):
        for (_, a), (_, b) in zip(layer_a.buffers(), layer_b.buffers()):
            np.testing.assert_array_equal(a, b)


def test_predict_is_deterministic_and_training_forward_is_not():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 4)), rng.normal(size=(20, 2))
    model = ffnn.FFNN([4, 30, 2], ["relu", "linear"], "mse", dropout=0.5, normalization="batchnorm", seed=1)
    model.fit(X, Y, batch_size=5, epochs=2, verbose=0)
    np.testing.assert_array_equal(model.predict(X), model.predict(X))
    np.testing.assert_array_equal(model.predict(X), model.forward(X, training=False))
    running = [b.copy() for _, b in model.layers[0].buffers()]
    model.evaluate(X, Y)
    model.loss(X, Y)
    model.predict(X)
    for (_, b), before in zip(model.layers[0].buffers(), running):  # evaluation passes leave them alone
        np.testing.assert_array_equal(b, before)
    assert not np.allclose(model.forward(X, training=True), model.forward(X, training=True))
    assert not np.array_equal(model.layers[0].running_mean, running[0])  # training passes move them
    assert model.loss(X, Y) == pytest.approx(np.mean((model.predict(X) - Y) ** 2), rel=1e-12)


def test_gradcheck_leaves_the_model_untouched_with_dropout_and_batchnorm():
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    model = ffnn.FFNN([3, 5, 2], ["tanh", "linear"], "mse", dropout=0.3, normalization="batchnorm", seed=0)
    before = ([p.copy() for _, p in model.parameters()], model.layers[0].running_mean.copy(),
              model.dropout_rng.bit_generator.state)
    ffnn.gradcheck(model, X, Y)
    for (_, p), q in zip(model.parameters(), before[0]):
        np.testing.assert_array_equal(p, q)
    np.testing.assert_array_equal(model.layers[0].running_mean, before[1])
    assert model.dropout_rng.bit_generator.state == before[2]


def test_fit_records_and_follows_the_schedule():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    model = ffnn.FFNN([3, 4, 2], ["tanh", "softmax"], "categorical_crossentropy", seed=0)
    schedule = ffnn.schedules.StepLR(2, gamma=0.5)
    model.fit(X, y, learning_rate=0.4, epochs=3, verbose=0, lr_schedule=schedule)
    assert model.history["lr"] == [0.4, 0.4, 0.2] and model.lr_schedule is schedule
    model.fit(X, y, learning_rate=0.4, epochs=2, verbose=0, lr_schedule=model.lr_schedule)  # continues
    assert model.history["lr"] == [0.4, 0.4, 0.2, 0.2, 0.1]
    model.fit(X, y, learning_rate=0.05, epochs=2, verbose=0)                              # constant
    assert model.history["lr"][-2:] == [0.05, 0.05]
    # the rate used is the rate recorded: one epoch at lr 0.2 by hand equals fit's third epoch
    a = ffnn.FFNN([3, 4, 2], ["tanh", "softmax"], "categorical_crossentropy", seed=0)
    b = ffnn.FFNN([3, 4, 2], ["tanh", "softmax"], "categorical_crossentropy", seed=0)
    a.fit(X, y, learning_rate=0.4, epochs=3, verbose=0, lr_schedule=ffnn.schedules.StepLR(2, gamma=0.5))
    b.fit(X, y, learning_rate=0.4, epochs=2, verbose=0)
    b.fit(X, y, learning_rate=0.2, epochs=1, verbose=0)
    for (_, p), (_, q) in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p, q)


def test_plateau_watches_val_loss_else_loss():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(30, 3)), rng.integers(0, 2, 30)
    model = ffnn.FFNN([3, 4, 2], ["tanh", "softmax"], "categorical_crossentropy", seed=0)
    # a validation set of random labels stops improving at once; the training loss keeps falling
    X_val, y_val = rng.normal(size=(30, 3)), rng.integers(0, 2, 30)
    plateau = ffnn.schedules.ReduceLROnPlateau(factor=0.5, patience=0, threshold=0.2)
    model.fit(X, y, learning_rate=0.1, epochs=4, verbose=0, lr_schedule=plateau, validation_data=(X_val, y_val))
    val = model.history["val_loss"]
    expected, best, lr = [], np.inf, 0.1
    for v in val:
        expected.append(lr)
        if v < best * (1 - 0.2):
            best = v
        else:
            lr *= 0.5
    assert model.history["lr"] == pytest.approx(expected) and len(set(expected)) > 1


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(dropout=1.0), ValueError, r"^dropout: expected a number in \[0, 1\)"),
    (dict(dropout=-0.1), ValueError, r"^dropout: expected a number in \[0, 1\)"),
    (dict(dropout="0.5"), TypeError, "^dropout: expected a number"),
    (dict(dropout=[0.1]), ValueError, r"^dropout: expected one rate per hidden layer \(2\), got 1"),
    (dict(dropout=[0.1, 1.5]), ValueError, r"^dropout\[1\]: expected a number in \[0, 1\)"),
    (dict(normalization="groupnorm"), ValueError, "^normalization: expected one of 'rmsnorm', 'layernorm', 'batchnorm'"),
    (dict(normalization=True), TypeError, "^normalization: expected one of"),
    (dict(rmsnorm=True, normalization="batchnorm"), ValueError, "^rmsnorm: rmsnorm=True means normalization='rmsnorm'"),
])
def test_bad_dropout_and_normalization(kwargs, error, message):
    with pytest.raises(error, match=message):
        ffnn.FFNN([3, 4, 4, 2], "relu", **kwargs)


def test_rmsnorm_true_is_normalization_rmsnorm():
    a = ffnn.FFNN([3, 4, 2], rmsnorm=True)
    b = ffnn.FFNN([3, 4, 2], normalization="rmsnorm")
    assert a.normalization == b.normalization == "rmsnorm" and a.rmsnorm and b.rmsnorm
    assert [n for n, _ in a.parameters()] == [n for n, _ in b.parameters()]


@pytest.mark.parametrize("N, batch_size", [(10, 1), (10, 3), (7, 2)])
def test_batchnorm_refuses_a_training_batch_of_one_row(N, batch_size):
    model = ffnn.FFNN([3, 4, 2], "relu", normalization="batchnorm")
    X = np.random.default_rng(0).normal(size=(N, 3))
    with pytest.raises(ValueError, match="^batch_size: batchnorm needs at least 2 rows in every training batch"):
        model.fit(X, X[:, :2], batch_size=batch_size, verbose=0)
    assert model.history == {}


def test_bad_lr_schedule_and_training_flag():
    model = ffnn.FFNN([3, 4, 2], "relu")
    X = np.ones((4, 3))
    with pytest.raises(TypeError, match="^lr_schedule: .*needs arguments"):
        model.fit(X, X[:, :2], lr_schedule="step", verbose=0)
    with pytest.raises(ValueError, match="^lr_schedule: unknown schedule 'linear'"):
        model.fit(X, X[:, :2], lr_schedule="linear", verbose=0)
    with pytest.raises(TypeError, match="^training: expected True or False"):
        model.forward(X, training="yes")


# ----------------------------------------------------------------------------- issue 18: traps
def test_categorical_crossentropy_refuses_sigmoid_outputs_but_not_sigmoid_hidden_layers():
    with pytest.raises(ValueError, match=r"^activations: loss='categorical_crossentropy' needs probabilities, so "
                                         r"the output activation must be 'softmax', got 'sigmoid'; use softmax with "
                                         r"categorical_crossentropy, or sigmoid with binary_crossentropy"):
        ffnn.FFNN([11, 16, 2], ["relu", "sigmoid"], "categorical_crossentropy")
    # why: with independent sigmoids every output at 1 already has zero CCE
    assert losses.get("categorical_crossentropy").value(np.ones((2, 2)), np.eye(2)) == 0.0
    ffnn.FFNN([4, 6, 5, 3], ["tanh", "sigmoid", "softmax"], "categorical_crossentropy")  # the backprop chapter's
    ffnn.FFNN([11, 16, 2], ["relu", "sigmoid"], "binary_crossentropy")
    ffnn.FFNN([11, 16, 2], ["relu", "softmax"], "binary_crossentropy")


class Cube(activations.Activation):
    """f(z) = z³: an activation the registry does not know."""

    name = "cube"

    def forward(self, z):
        return z ** 3

    def derivative(self, z, a):
        return 3 * z ** 2


class Steep(activations.LeakyReLU):
    slope = 0.2


def test_activation_objects_are_used_as_given():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 3))
    cube = Cube()
    model = ffnn.FFNN([3, 4, 2], [cube, "linear"], "mse", seed=0)
    assert model.layers[0].activation is cube and model.activations == ["cube", "linear"]
    z = X @ model.layers[0].W + model.layers[0].b
    np.testing.assert_allclose(model.predict(X), z ** 3 @ model.layers[1].W + model.layers[1].b)
    assert max(ffnn.gradcheck(model, X, rng.normal(size=(5, 2))).values()) < 1e-6
    leaky = activations.LeakyReLU()
    leaky.slope = 0.3
    for act, slope in ((Steep(), 0.2), (leaky, 0.3), ("leaky_relu", 0.01)):
        net = ffnn.FFNN([3, 4], act, "mse", seed=0)
        z = X @ net.layers[0].W + net.layers[0].b
        assert (z < 0).any()
        np.testing.assert_allclose(net.predict(X), np.where(z > 0, z, slope * z))
    assert activations.LeakyReLU() != leaky and repr(leaky) == "LeakyReLU(slope=0.3)"


def test_history_records_the_data_loss_next_to_the_penalised_loss():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)), rng.integers(0, 3, 30)
    Xv, yv = rng.normal(size=(10, 3)), rng.integers(0, 3, 10)
    model = ffnn.FFNN([3, 5, 3], ["tanh", "softmax"], "categorical_crossentropy", seed=0,
                      regularization=ffnn.L2(0.05))
    h = model.fit(X, y, batch_size=30, epochs=3, learning_rate=0.1, validation_data=(Xv, yv), verbose=0)
    assert [k for k in h if "loss" in k] == ["loss", "data_loss", "val_loss", "val_data_loss"]
    # after the last epoch: val_loss is the data loss plus the penalty, val_data_loss the data loss
    assert h["val_data_loss"][-1] == pytest.approx(model.loss(Xv, yv) - model.penalty(), rel=1e-12)
    assert h["val_loss"][-1] - h["val_data_loss"][-1] == pytest.approx(model.penalty(), rel=1e-9)
    assert model.evaluate(Xv, yv) == pytest.approx({"loss": h["val_loss"][-1], "data_loss": h["val_data_loss"][-1],
                                                    "accuracy": h["val_accuracy"][-1]})
    # one full batch per epoch: the training data loss is the loss minus the penalty before the step
    penalties = np.subtract(h["loss"], h["data_loss"])
    assert np.all(penalties > 0) and np.all(np.diff(penalties) < 0)  # L2 shrinks the weights
    plain = ffnn.FFNN([3, 5, 3], ["tanh", "softmax"], "categorical_crossentropy", seed=0)
    hp = plain.fit(X, y, epochs=2, validation_data=(Xv, yv), verbose=0)
    assert hp["data_loss"] == hp["loss"] and hp["val_data_loss"] == hp["val_loss"]


def test_early_stopping_watches_the_penalised_val_loss():
    """A strong L2 shrinks the penalty faster than the data loss grows: val_loss falls every epoch
    while val_data_loss rises at first. Early stopping follows val_loss, so no epoch is cut."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(float)
    model = ffnn.FFNN([2, 8, 1], ["tanh", "sigmoid"], "binary_crossentropy", seed=0,
                      init=ffnn.init.Normal(0, 4.0), regularization=ffnn.L2(0.1))
    h = model.fit(X, y, batch_size=8, learning_rate=0.05, epochs=8, validation_data=(X, 1 - y), patience=1,
                  verbose=0)
    assert h["val_data_loss"][1] > h["val_data_loss"][0]  # watching it would stop after epoch 2
    assert np.all(np.diff(h["val_loss"]) < 0) and h.epochs == 8


def test_the_progress_line_shows_the_data_loss_only_with_a_penalty(capsys):
    X, Y = np.ones((4, 2)), np.ones((4, 1))
    ffnn.FFNN([2, 1], "linear").fit(X, Y, epochs=1, verbose=2, validation_data=(X, Y))
    assert "data_loss" not in capsys.readouterr().err
    ffnn.FFNN([2, 1], "linear", regularization=ffnn.L2(0.1)).fit(X, Y, epochs=1, verbose=2,
                                                                  validation_data=(X, Y))
    line = capsys.readouterr().err
    assert " - data_loss: " in line and " - val_data_loss: " in line


def test_accuracy_reads_labels_and_rows_as_evaluate_does():
    model = ffnn.FFNN([2, 1], "sigmoid", "binary_crossentropy", init="zeros")
    model.layers[0].W[:, 0] = [1.0, 0.0]
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 0.0], [-2.0, 0.0]])
    y = np.array([1, 0, 0, 0])
    assert model.accuracy(X, y) == 0.75
    assert model.accuracy(X, y.astype(bool)) == model.accuracy(X, y.astype(float)) == 0.75
    assert model.accuracy(X, y[:, None]) == 0.75  # one column of 0/1 targets, as evaluate takes it
    assert model.evaluate(X, y)["accuracy"] == 0.75


@pytest.mark.parametrize("normalization", ["layernorm", "batchnorm"])
def test_a_cast_copy_casts_every_array(normalization):
    model = ffnn.FFNN([3, 4, 2], ["relu", "linear"], seed=0, normalization=normalization)
    copy32 = model.copy(dtype="float32")
    layer = copy32.layers[0]
    arrays = layer.parameters() + layer.gradients() + layer.buffers()
    assert {n for n, _ in arrays} >= {"W", "beta", "dbeta"} and all(a.dtype == np.float32 for _, a in arrays)
    assert all(p.dtype == np.float64 for _, p in model.parameters())  # the original is untouched


def test_an_optimizer_that_trained_another_model_is_refused():
    adam = ffnn.optim.Adam()
    ffnn.FFNN([5, 2]).fit(np.ones((4, 5)), np.ones((4, 2)), epochs=1, verbose=0, optimizer=adam)
    model = ffnn.FFNN([3, 2])
    with pytest.raises(ValueError, match=r"^optimizer: Adam\(.*\) has state"):
        model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=1, verbose=0, optimizer=adam)
    assert model.optimizer is None and model.history == {}
    same = ffnn.FFNN([5, 2])  # the same shapes: the state carries over, as documented
    same.fit(np.ones((4, 5)), np.ones((4, 2)), epochs=1, verbose=0, optimizer=adam)
    assert adam.t == 2
