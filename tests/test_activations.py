"""ffnn.activations against oracles: forward vs a math-module reference, derivative and backward vs
central differences, softmax backward vs its explicit Jacobian, conventions at the kinks, and
property tests for shapes, dtypes and stability at |z| up to 1e4.

Every test runs over the shared activation table in conftest.py (argument ``act`` or ``eact``).
"""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ffnn import activations
from ffnn.gradcheck import numerical_gradient

H = 1e-6
PROPERTY = settings(derandomize=True, deadline=None, max_examples=25)


def moderate_z(act, seed=0, shape=(7, 5)):
    """float64 inputs in about [-4, 4], asymmetric, at least 1e-2 away from any kink."""
    z = np.random.default_rng(seed).normal(0.2, 1.5, size=shape)
    if act.kinks:
        z[np.abs(z) < 1e-2] += 0.05
    act.assert_away_from_kinks(z, margin=1e-2)
    return z


def test_table_covers_every_activation(activation_table):
    assert sorted(a.name for a in activation_table) == sorted(activations.NAMES)


# ----------------------------------------------------------------------------- forward
def test_forward_matches_reference(act):
    f = activations.get(act.name)
    z = moderate_z(act)
    z[0, :3] = [0.0, -0.0, 1e-8]  # include the kinks themselves for the forward pass
    np.testing.assert_allclose(f.forward(z), act.reference(z), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(f(z), f.forward(z), rtol=0, atol=0)


def test_forward_at_known_points():
    z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(activations.get("relu").forward(z), [[0.0, 0.0, 3.0]])
    np.testing.assert_allclose(activations.get("leaky_relu").forward(z), [[-0.02, 0.0, 3.0]])
    np.testing.assert_allclose(activations.get("sigmoid").forward(z)[0, 1], 0.5)
    np.testing.assert_allclose(activations.get("softplus").forward(z)[0, 1], np.log(2.0))
    np.testing.assert_allclose(activations.get("elu").forward(z)[0, 0], np.exp(-2.0) - 1.0)
    np.testing.assert_allclose(activations.get("softmax").forward(np.zeros((2, 4))), np.full((2, 4), 0.25))


def test_softmax_is_row_wise_and_shift_invariant():
    z = np.random.default_rng(0).normal(0.2, 1.5, size=(7, 5))
    a = activations.softmax(z)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(activations.softmax(z + 123.0), a, rtol=1e-12)
    # Each row depends on its own row only.
    np.testing.assert_allclose(activations.softmax(z[2:3]), a[2:3], rtol=1e-15)
    np.testing.assert_allclose(np.exp(activations.log_softmax(z)), a, rtol=1e-12)


# ----------------------------------------------------------------------------- derivatives
def test_derivative_matches_central_differences(eact):
    f = activations.get(eact.name)
    z = moderate_z(eact, seed=1)
    numeric = (f.forward(z + H) - f.forward(z - H)) / (2 * H)
    analytic = f.derivative(z, f.forward(z))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_backward_is_the_vector_jacobian_product(act):
    """backward(z, a, da) = ∂⟨da, f(z)⟩/∂z, checked entry by entry (softmax included)."""
    f = activations.get(act.name)
    z = moderate_z(act, seed=2, shape=(4, 5))
    da = np.random.default_rng(3).normal(size=z.shape)
    zp = z.copy()
    numeric = numerical_gradient(lambda: float(np.sum(da * f.forward(zp))), zp, h=H)
    analytic = f.backward(z, f.forward(z), da)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_elementwise_backward_is_da_times_derivative(eact):
    f = activations.get(eact.name)
    z = moderate_z(eact, seed=4)
    da = np.random.default_rng(5).normal(size=z.shape)
    a = f.forward(z)
    np.testing.assert_allclose(f.backward(z, a, da), da * f.derivative(z, a), rtol=1e-15, atol=0)


def test_softmax_backward_matches_explicit_jacobian():
    rng = np.random.default_rng(6)
    z = rng.normal(size=(5, 4))
    da = rng.normal(size=z.shape)
    a = activations.softmax(z)
    expected = np.empty_like(z)
    for n in range(z.shape[0]):
        J = np.diag(a[n]) - np.outer(a[n], a[n])  # J[k, j] = ∂a_k/∂z_j
        expected[n] = J.T @ da[n]
    np.testing.assert_allclose(activations.get("softmax").backward(z, a, da), expected, rtol=1e-12, atol=1e-15)


def test_softmax_has_no_elementwise_derivative():
    z = np.zeros((1, 3))
    with pytest.raises(TypeError, match="softmax"):
        activations.get("softmax").derivative(z, activations.softmax(z))


def test_derivative_convention_at_the_kink(eact):
    """f'(0) is the left-hand slope for relu (0), leaky_relu (slope) and elu (α e⁰ = 1).

    Smooth activations must simply agree with central differences at 0.
    """
    f = activations.get(eact.name)
    if not eact.kinks:
        z = np.zeros((1, 1))
        numeric = (f.forward(z + H) - f.forward(z - H)) / (2 * H)
        np.testing.assert_allclose(f.derivative(z, f.forward(z)), numeric, rtol=1e-8, atol=1e-10)
        return
    z = np.array([[0.0, 1e-12, -1e-12]])
    a = f.forward(z)
    d = f.derivative(z, a)
    assert d[0, 0] == eact.d_at_kink
    assert d[0, 1] == 1.0
    np.testing.assert_allclose(d[0, 2], eact.d_at_kink, rtol=1e-9)
    da = np.array([[2.0, 2.0, 2.0]])
    np.testing.assert_allclose(f.backward(z, a, da), 2.0 * d, rtol=1e-15)


# Limits at z = ±1e4 (f(z), f'(z)) — what a numerically stable implementation must return.
LIMITS = {
    "linear": ((1e4, 1.0), (-1e4, 1.0)),
    "relu": ((1e4, 1.0), (0.0, 0.0)),
    "sigmoid": ((1.0, 0.0), (0.0, 0.0)),
    "tanh": ((1.0, 0.0), (-1.0, 0.0)),
    "leaky_relu": ((1e4, 1.0), (-100.0, 0.01)),
    "elu": ((1e4, 1.0), (-1.0, 0.0)),
    "gelu": ((1e4, 1.0), (0.0, 0.0)),
    "swish": ((1e4, 1.0), (0.0, 0.0)),
    "softplus": ((1e4, 1.0), (0.0, 0.0)),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_at_plus_minus_1e4(eact, dtype):
    f = activations.get(eact.name)
    z = np.array([[1e4, -1e4]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = f.forward(z)
        d = f.derivative(z, a)
    (fp, dp), (fm, dm) = LIMITS[eact.name]
    np.testing.assert_allclose(a[0], [fp, fm], rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(d[0], [dp, dm], rtol=1e-6, atol=1e-30)


def test_softmax_at_plus_minus_1e4():
    z = np.array([[1e4, -1e4, 0.0], [1e4, 1e4, -1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = activations.softmax(z)
    np.testing.assert_array_equal(a, [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]])


# ----------------------------------------------------------------------------- registry
def test_get_by_name_and_instance(act):
    f = activations.get(act.name)
    assert f.name == act.name
    assert isinstance(f, activations.Activation)
    assert activations.get(f) is f
    assert activations.get("  " + act.name.upper() + " ") == f
    assert repr(f).endswith("()")


# ----------------------------------------------------------------------------- properties
def z_arrays(dtype, lim=1e4):
    return hnp.arrays(dtype, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6),
                      elements=st.floats(-lim, lim, allow_nan=False, width=np.dtype(dtype).itemsize * 8))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@PROPERTY
@given(data=st.data())
def test_shapes_dtypes_and_finiteness(act, dtype, data):
    """For any (N, n) batch with |z| ≤ 1e4: same shape and dtype out, all finite, no warnings."""
    z = data.draw(z_arrays(dtype), label="z")
    f = activations.get(act.name)
    da = np.ones_like(z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            a = f.forward(z)
            dz = f.backward(z, a, da)
            d = f.derivative(z, a) if act.elementwise else dz
    for out in (a, dz, d):
        assert out.shape == z.shape
        assert out.dtype == z.dtype
        assert np.isfinite(out).all()


@PROPERTY
@given(z=z_arrays("float64"))
def test_ranges(act, z):
    a = activations.get(act.name).forward(z)
    if act.name in ("sigmoid", "softmax"):
        assert ((a >= 0) & (a <= 1)).all()
    if act.name == "softmax":
        np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    if act.name == "tanh":
        assert (np.abs(a) <= 1).all()
    if act.name in ("relu", "softplus"):
        assert (a >= 0).all()
    if act.name == "elu":
        assert (a >= -1).all()
    if act.name in ("gelu", "swish"):  # minima: gelu ≈ -0.170, swish ≈ -0.278
        assert (a >= -0.28).all()


@PROPERTY
@given(z=hnp.arrays("float64", (1, 40), elements=st.floats(-1e4, 1e4)))
def test_nondecreasing(eact, z):
    """Every activation but gelu/swish is monotone; those two are at least monotone for z ≥ 0."""
    f = activations.get(eact.name)
    if eact.name in ("gelu", "swish"):
        z = np.abs(z)
    z = np.sort(z, axis=1)
    assert (np.diff(f.forward(z), axis=1) >= 0).all()
    assert (f.derivative(z, f.forward(z)) >= 0).all()
