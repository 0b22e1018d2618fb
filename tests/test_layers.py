"""ffnn.layers.Dense: forward against the formula f(X W + b) (with and without RMSNorm) and backward
against central differences for W, b, g and X, for every activation of the shared table."""
import numpy as np
import pytest

from ffnn import init
from ffnn.gradcheck import numerical_gradient
from ffnn.layers import Dense


def make_layer(act, rmsnorm, seed=0, n_in=4, n_out=3, N=6, dtype="float64"):
    """A layer with random b (and g) and an input X whose activation inputs avoid every kink."""
    rng = np.random.default_rng(seed)
    layer = Dense(n_in, n_out, act.name, init.XavierNormal(), rmsnorm=rmsnorm, dtype=dtype, rng=rng)
    layer.b[...] = rng.normal(0.0, 0.5, size=n_out)
    if rmsnorm:
        layer.g[...] = rng.uniform(0.5, 1.5, size=n_out)
    for _ in range(50):
        X = rng.normal(0.3, 1.0, size=(N, n_in)).astype(dtype)
        layer.forward(X)
        if act.distance_to_kink(layer.z) > 1e-3:
            break
    act.assert_away_from_kinks(layer.z)
    return layer, X


@pytest.mark.parametrize("rmsnorm", [False, True], ids=["plain", "rmsnorm"])
def test_forward_matches_formula(act, rmsnorm):
    layer, X = make_layer(act, rmsnorm)
    z = X @ layer.W + layer.b
    if rmsnorm:
        z = layer.g * z / np.sqrt(np.mean(z * z, axis=1, keepdims=True) + layer.eps)
    a = layer.forward(X)
    assert a.shape == (X.shape[0], layer.n_out)
    np.testing.assert_allclose(a, act.reference(z), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(layer.z_raw if rmsnorm else layer.z, X @ layer.W + layer.b, rtol=1e-15)


@pytest.mark.parametrize("rmsnorm", [False, True], ids=["plain", "rmsnorm"])
def test_backward_matches_central_differences(act, rmsnorm):
    """dW, db, dg and dX of the scalar ⟨da, layer(X)⟩; dX sums each input's fan-out to every unit."""
    layer, X = make_layer(act, rmsnorm, seed=1)
    da = np.random.default_rng(2).normal(size=(X.shape[0], layer.n_out))
    layer.forward(X)
    dX = layer.backward(da)
    analytic = {"W": layer.dW.copy(), "b": layer.db.copy(), "X": dX}
    if rmsnorm:
        analytic["g"] = layer.dg.copy()
    Xp = X.copy()
    arrays = {"W": layer.W, "b": layer.b, "X": Xp}
    if rmsnorm:
        arrays["g"] = layer.g

    def scalar():
        return float(np.sum(da * layer.forward(Xp)))

    for name, arr in arrays.items():
        np.testing.assert_allclose(analytic[name], numerical_gradient(scalar, arr), rtol=1e-6, atol=1e-9,
                                   err_msg=f"{act.name}: d{name}")


def test_gradients_are_overwritten_not_accumulated(act):
    layer, X = make_layer(act, rmsnorm=True, seed=3)
    da = np.ones((X.shape[0], layer.n_out))
    layer.forward(X)
    layer.backward(da)
    first = [d.copy() for _, d in layer.gradients()]
    layer.forward(X)
    layer.backward(da)
    for a, (_, b) in zip(first, layer.gradients()):
        np.testing.assert_array_equal(a, b)


def test_backward_without_dX():
    layer = Dense(3, 2, "tanh", rng=np.random.default_rng(0))
    layer.forward(np.ones((4, 3)))
    assert layer.backward(np.ones((4, 2)), need_dX=False) is None
    assert layer.backward(np.ones((4, 2))).shape == (4, 3)


def test_parameters_and_gradients_are_the_layer_arrays():
    layer = Dense(3, 2, "relu", rmsnorm=True, rng=np.random.default_rng(0))
    assert [n for n, _ in layer.parameters()] == ["W", "b", "g"]
    assert [n for n, _ in layer.gradients()] == ["dW", "db", "dg"]
    for (_, p), attr in zip(layer.parameters(), ("W", "b", "g")):
        assert p is getattr(layer, attr)
    for (_, p), (_, d) in zip(layer.parameters(), layer.gradients()):
        assert p.shape == d.shape
    plain = Dense(3, 2, "relu", rng=np.random.default_rng(0))
    assert [n for n, _ in plain.parameters()] == ["W", "b"] and plain.g is None and not plain.rmsnorm
    assert repr(layer) == "Dense(3, 2, activation='relu', rmsnorm=True)"


def test_clear_cache():
    layer = Dense(3, 2, "relu", rmsnorm=True, rng=np.random.default_rng(0))
    layer.forward(np.ones((4, 3)))
    assert layer.z is not None and layer.z_hat is not None
    layer.clear_cache()
    assert all(getattr(layer, k) is None for k in ("X", "z_raw", "z", "a", "z_hat", "rms"))


@pytest.mark.parametrize("rmsnorm", [False, True], ids=["plain", "rmsnorm"])
def test_float32_stays_float32(act, rmsnorm):
    layer, X = make_layer(act, rmsnorm, dtype="float32")
    layer.forward(X)
    dX = layer.backward(np.ones((X.shape[0], layer.n_out), dtype=np.float32))
    arrays = [layer.z, layer.a, dX] + ([layer.z_raw] if rmsnorm else []) + [p for _, p in layer.parameters()] \
        + [d for _, d in layer.gradients()]
    assert {a.dtype for a in arrays} == {np.dtype(np.float32)}
