"""ffnn.regularization: L1/L2 penalties and gradients against hand computations and central
differences, and how the network applies them (weights only, once per mini-batch)."""
import numpy as np
import pytest

import ffnn
from ffnn import regularization
from ffnn.gradcheck import numerical_gradient

W = np.array([[0.5, -2.0, 0.0], [1.5, -0.25, 3.0]])


def test_penalties_by_hand():
    assert ffnn.L1(0.1).penalty(W) == pytest.approx(0.1 * (0.5 + 2 + 0 + 1.5 + 0.25 + 3), rel=1e-15)
    assert ffnn.L2(0.1).penalty(W) == pytest.approx(0.1 * (0.25 + 4 + 0 + 2.25 + 0.0625 + 9), rel=1e-15)
    assert isinstance(ffnn.L2(0.1).penalty(W), float)


def test_gradients_by_hand():
    np.testing.assert_array_equal(ffnn.L1(0.5).grad(W), 0.5 * np.array([[1, -1, 0], [1, -1, 1]]))
    np.testing.assert_allclose(ffnn.L2(0.5).grad(W), W, rtol=1e-15)  # 2 λ W with λ = 1/2


@pytest.mark.parametrize("reg", [ffnn.L1(0.3), ffnn.L2(0.3)], ids=["l1", "l2"])
def test_gradient_matches_central_differences(reg):
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 3))
    A[np.abs(A) < 1e-2] += 0.1  # |W| has a kink at 0
    analytic = reg.grad(A)
    numeric = numerical_gradient(lambda: reg.penalty(A), A, h=1e-6)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gradient_keeps_dtype(dtype):
    A = W.astype(dtype)
    assert ffnn.L1(0.1).grad(A).dtype == A.dtype
    assert ffnn.L2(0.1).grad(A).dtype == A.dtype


def test_zero_strength_is_a_no_op():
    assert ffnn.L2(0).penalty(W) == 0.0
    np.testing.assert_array_equal(ffnn.L1(0.0).grad(W), 0.0)


@pytest.mark.parametrize("lam, exc", [(-1e-9, ValueError), (float("inf"), ValueError), (float("nan"), ValueError),
                                     ("0.1", TypeError), (None, TypeError), (True, TypeError)])
def test_strength_is_checked(lam, exc):
    for cls in (ffnn.L1, ffnn.L2):
        with pytest.raises(exc, match=r"^lam: expected a number in \[0, inf\), got "):
            cls(lam)
    assert type(ffnn.L2(np.float32(0.5)).lam) is float


def test_get_and_equality():
    assert regularization.get(None) is None
    reg = ffnn.L1(0.2)
    assert regularization.get(reg) is reg
    assert regularization.get(("L2", 1e-3)) == ffnn.L2(1e-3)
    assert ffnn.L2(1e-3) != ffnn.L1(1e-3) and ffnn.L2(1e-3) != ffnn.L2(2e-3)
    assert repr(ffnn.L2(0.5)) == "L2(0.5)"


# ----------------------------------------------------------------------------- in the network
def problem(reg, seed=0):
    rng = np.random.default_rng(seed)
    model = ffnn.FFNN([3, 4, 2], ["tanh", "linear"], "mse", regularization=reg, rmsnorm=True, seed=seed)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    return model, X, Y


@pytest.mark.parametrize("reg", [ffnn.L1(0.05), ffnn.L2(0.05)], ids=["l1", "l2"])
def test_network_penalises_weights_only(reg):
    plain, X, Y = problem(None)
    model, _, _ = problem(reg)
    plain.forward(X), plain.backward(Y)
    model.forward(X), model.backward(Y)
    expected_penalty = sum(reg.penalty(layer.W) for layer in model.layers)
    assert model.penalty() == pytest.approx(expected_penalty, rel=1e-15)
    assert model.loss(X, Y) == pytest.approx(plain.loss(X, Y) + expected_penalty, rel=1e-14)
    for lp, lm in zip(plain.layers, model.layers):
        np.testing.assert_allclose(lm.dW, lp.dW + reg.grad(lm.W), rtol=1e-14, atol=1e-16)
        np.testing.assert_array_equal(lm.db, lp.db)  # biases are not penalised
        if lp.g is not None:
            np.testing.assert_array_equal(lm.dg, lp.dg)  # nor are RMSNorm gains


def test_penalty_enters_once_per_mini_batch():
    """One SGD epoch of two batches = two steps of W ← W - lr (dW_data(batch) + 2λW)."""
    lam, lr = 0.1, 0.05
    model, X, Y = problem(ffnn.L2(lam))
    plain, _, _ = problem(None)
    X, Y = np.vstack([X, X + 1]), np.vstack([Y, Y - 1])
    for start in (0, 5):
        plain.forward(X[start:start + 5])
        plain.backward(Y[start:start + 5])
        for layer in plain.layers:
            layer.W -= lr * (layer.dW + 2 * lam * layer.W)
            layer.b -= lr * layer.db
            if layer.g is not None:
                layer.g -= lr * layer.dg
    model.fit(X, Y, batch_size=5, learning_rate=lr, epochs=1, shuffle=False, verbose=0)
    for lp, lm in zip(plain.layers, model.layers):
        np.testing.assert_allclose(lm.W, lp.W, rtol=1e-13, atol=1e-15)
