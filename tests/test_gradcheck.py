"""ffnn.gradcheck itself: the central difference and relative error helpers, that a wrong backward
is caught, that max_checks samples entries, and that the model passed in is left untouched."""
import importlib

import numpy as np
import pytest

import ffnn
from ffnn.layers import Dense

# ``ffnn.gradcheck`` is the function (re-exported by the package); the module holds its helpers.
gc = importlib.import_module("ffnn.gradcheck")


def test_numerical_gradient_of_a_known_function():
    theta = np.array([[0.5, -1.0, 2.0]])
    before = theta.copy()
    grad = gc.numerical_gradient(lambda: float(np.sum(theta ** 3)), theta, h=1e-5)
    np.testing.assert_allclose(grad, 3 * before ** 2, rtol=1e-9)
    np.testing.assert_array_equal(theta, before)  # perturbed in place, then restored exactly


def test_numerical_gradient_indices():
    theta = np.arange(6.0).reshape(2, 3)
    grad = gc.numerical_gradient(lambda: float(np.sum(theta ** 2)), theta, indices=[1, 5])
    assert np.isnan(grad).sum() == 4
    np.testing.assert_allclose(grad.ravel()[[1, 5]], [2.0, 10.0], rtol=1e-8)


def test_relative_error():
    assert gc.relative_error(np.array([1.0, -2.0]), np.array([1.0, -2.0])) == 0.0
    assert gc.relative_error(np.array([1.0, -2.0]), np.array([1.0, -2.2])) == pytest.approx(0.2 / 2.2)
    assert gc.relative_error(np.array([1.0, 2.0]), np.array([-1.0, -2.0])) == pytest.approx(2.0)
    assert gc.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert gc.relative_error(np.array([5.0, 1.0]), np.array([np.nan, 1.0])) == 0.0  # NaN = not checked


def small_problem(loss_case=None, seed=0):
    rng = np.random.default_rng(seed)
    model = ffnn.FFNN([3, 4, 2], ["tanh", "sigmoid"], "binary_crossentropy", rmsnorm=True,
                      regularization=ffnn.L2(0.01), seed=seed)
    for layer in model.layers:
        layer.b[...] = rng.normal(size=layer.b.shape)
    X = rng.normal(0.2, 1.0, size=(5, 3))
    Y = rng.uniform(size=(5, 2))
    return model, X, Y


def test_returns_one_error_per_parameter():
    model, X, Y = small_problem()
    errors = ffnn.gradcheck(model, X, Y)
    assert list(errors) == [name for name, _ in model.parameters()]
    assert list(errors) == ["layers[0].W", "layers[0].b", "layers[0].g", "layers[1].W", "layers[1].b"]
    assert max(errors.values()) < 1e-7


def test_catches_a_sign_flipped_backward(monkeypatch):
    original = Dense.backward_from_z

    def flipped(self, dr, need_dX=True):
        out = original(self, dr, need_dX)
        self.dW *= -1  # the kind of bug gradcheck exists for
        return out

    model, X, Y = small_problem()
    monkeypatch.setattr(Dense, "backward_from_z", flipped)
    errors = ffnn.gradcheck(model, X, Y)
    assert errors["layers[0].W"] > 0.5 and errors["layers[1].W"] > 0.5
    assert errors["layers[0].b"] < 1e-7 and errors["layers[1].b"] < 1e-7  # the bug is localised


def test_catches_a_small_error(monkeypatch):
    original = Dense.backward_from_z

    def off_by_a_bit(self, dr, need_dX=True):
        out = original(self, dr, need_dX)
        self.db *= 1.001
        return out

    model, X, Y = small_problem()
    monkeypatch.setattr(Dense, "backward_from_z", off_by_a_bit)
    errors = ffnn.gradcheck(model, X, Y)
    assert 5e-4 < errors["layers[1].b"] < 2e-3


def test_max_checks_samples_that_many_entries(monkeypatch):
    calls = []
    original = gc.numerical_gradient

    def spy(f, theta, h=1e-6, indices=None):
        calls.append((theta.size, None if indices is None else list(indices)))
        return original(f, theta, h, indices)

    monkeypatch.setattr(gc, "numerical_gradient", spy)
    model, X, Y = small_problem()
    errors = ffnn.gradcheck(model, X, Y, max_checks=3, seed=1)
    assert max(errors.values()) < 1e-7
    sizes = [p.size for _, p in model.parameters()]
    assert [size for size, _ in calls] == sizes
    for size, indices in calls:
        if size > 3:
            assert len(indices) == 3 and len(set(indices)) == 3 and all(0 <= i < size for i in indices)
        else:
            assert indices is None
    first = [i for _, i in calls]
    calls.clear()
    ffnn.gradcheck(model, X, Y, max_checks=3, seed=1)
    assert [i for _, i in calls] == first  # seeded: the same entries again


def snapshot(model):
    return {
        "params": [(n, p.copy(), p.dtype) for n, p in model.parameters()],
        "grads": [(n, d.copy()) for n, d in model.gradients()],
        "rng": model.rng.bit_generator.state,
        "history": {k: list(v) for k, v in model.history.items()},
        "optimizer_t": model.optimizer.t,
        "optimizer_state": [[s.copy() for s in st] for st in model.optimizer.state],
    }


def assert_same(a, b):
    for (na, pa, da), (nb, pb, db) in zip(a["params"], b["params"]):
        assert na == nb and da == db
        np.testing.assert_array_equal(pa, pb)
    for (_, ga), (_, gb) in zip(a["grads"], b["grads"]):
        np.testing.assert_array_equal(ga, gb)
    assert a["rng"] == b["rng"] and a["history"] == b["history"] and a["optimizer_t"] == b["optimizer_t"]
    for sa, sb in zip(a["optimizer_state"], b["optimizer_state"]):
        for x, y in zip(sa, sb):
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_model_is_unchanged(dtype):
    rng = np.random.default_rng(0)
    model = ffnn.FFNN([3, 4, 2], ["tanh", "softmax"], "categorical_crossentropy", rmsnorm=True, dtype=dtype)
    X, y = rng.normal(size=(10, 3)), rng.integers(0, 2, size=10)
    model.fit(X, y, batch_size=4, epochs=2, optimizer="adam", verbose=0)
    before = snapshot(model)
    errors = ffnn.gradcheck(model, X[:5], y[:5])
    assert max(errors.values()) < 1e-6  # checked on a float64 copy, even for a float32 model
    assert_same(before, snapshot(model))
    assert model.dtype == np.dtype(dtype) and model.optimizer is not None


@pytest.mark.parametrize("max_checks, error", [(0, ValueError), (-1, ValueError), (2.5, TypeError)])
def test_max_checks_must_be_a_positive_integer(max_checks, error):
    # max_checks=0 used to check no entry at all and report a perfect 0.0 for every array
    model, X, Y = small_problem()
    with pytest.raises(error, match="max_checks"):
        ffnn.gradcheck(model, X, Y, max_checks=max_checks)


# ---------------------------------------------------------------------------- compare
def test_compare_reports_exact_close_and_the_largest_difference():
    ref = np.array([[1.0, -2.0, 3.0], [0.5, 0.25, -4.0]])
    same = ffnn.compare("W", ref.copy(), ref)
    assert same.exact and same.close and same.max_diff == 0.0 and bool(same)
    nudged = ref.copy()
    nudged[1, 2] += 3e-9
    near = ffnn.compare("W", nudged, ref)
    assert not near.exact and near.close and near.max_diff == pytest.approx(3e-9, rel=1e-6)
    off = ref.copy()
    off[0, 1] = 2.0   # a flipped sign
    far = ffnn.compare("W", off, ref)
    assert not far.exact and not far.close and not far and far.max_diff == 4.0
    assert repr(far) == "W: exact False | close False | max diff 4.00e+00"


def test_compare_tolerances_are_the_ones_given():
    ref = np.array([1.0, 2.0])
    assert not ffnn.compare("x", ref + 1e-3, ref)
    assert ffnn.compare("x", ref + 1e-3, ref, atol=1e-3 + 1e-12)
    assert ffnn.compare("x", ref * (1 + 1e-4), ref, rtol=1e-4 + 1e-12, atol=0)


@pytest.mark.parametrize("args, error, match", [
    (("W", np.ones((2, 3)), np.ones((3, 2))), ValueError, r"^ours: has shape \(2, 3\) but reference has shape \(3, 2\)"),
    (("W", np.ones(3), np.ones((1, 3))), ValueError, "shape"),
    (("W", ["a", "b"], np.ones(2)), TypeError, "ours: expected an array of real numbers"),
    (("W", np.ones(2), None), TypeError, "reference: expected an array of real numbers"),
    ((3, np.ones(2), np.ones(2)), TypeError, "^name: expected a string or None"),
])
def test_compare_refuses_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        ffnn.compare(*args)


@pytest.mark.parametrize("kwargs, match", [({"rtol": -1.0}, "rtol"), ({"atol": float("nan")}, "atol")])
def test_compare_refuses_bad_tolerances(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ffnn.compare("x", np.ones(2), np.ones(2), **kwargs)
