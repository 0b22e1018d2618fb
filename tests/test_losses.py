"""ffnn.losses against oracles: values vs hand-written loops (math module), gradients vs central
differences, fused (from-logits) forms vs the unfused ones, and stability at |z| up to 1e4.

Runs over the shared (loss, output activation) table in conftest.py (argument ``loss_case``).
"""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ffnn import activations, losses
from ffnn.gradcheck import numerical_gradient

PROPERTY = settings(derandomize=True, deadline=None, max_examples=25)
N, K = 5, 3


# ----------------------------------------------------------------------------- references
def mse_ref(y_hat, Y):
    return sum((p - y) ** 2 for rp, ry in zip(y_hat.tolist(), Y.tolist()) for p, y in zip(rp, ry)) / y_hat.size


def bce_ref(y_hat, Y):
    total = sum(-(y * math.log(p) + (1 - y) * math.log(1 - p))
                for rp, ry in zip(y_hat.tolist(), Y.tolist()) for p, y in zip(rp, ry))
    return total / y_hat.size


def cce_ref(y_hat, Y):
    rows = [-sum(y * math.log(p) for p, y in zip(rp, ry)) for rp, ry in zip(y_hat.tolist(), Y.tolist())]
    return sum(rows) / len(rows)  # mean over rows, not over N×K


REFERENCE = {"mse": mse_ref, "binary_crossentropy": bce_ref, "categorical_crossentropy": cce_ref}


def problem(loss_case, seed=0, scale=1.5):
    """(loss, activation, z, y_hat, Y) in float64 with moderate logits."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0.2, scale, size=(N, K))
    f = activations.get(loss_case.output)
    return losses.get(loss_case.loss), f, z, f.forward(z), loss_case.targets(rng, N, K)


def test_table_covers_every_loss(loss_table):
    assert {c.loss for c in loss_table} == set(losses.NAMES)
    for c in loss_table:
        assert c.fused == (losses.get(c.loss).output_activation == c.output)


# ----------------------------------------------------------------------------- values and grads
def test_value_matches_reference(loss_case):
    loss, _, _, y_hat, Y = problem(loss_case)
    value = loss.value(y_hat, Y)
    assert isinstance(value, float)
    np.testing.assert_allclose(value, REFERENCE[loss_case.loss](y_hat, Y), rtol=1e-12)
    assert loss(y_hat, Y) == value


def test_known_values():
    y_hat = np.array([[0.5, 0.25], [0.75, 0.5]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert losses.get("mse").value(y_hat, Y) == pytest.approx((0.25 + 0.0625 + 0.5625 + 0.25) / 4, rel=1e-15)
    assert losses.get("binary_crossentropy").value(y_hat, Y) == pytest.approx(
        -(math.log(0.5) + math.log(0.75) + math.log(0.25) + math.log(0.5)) / 4, rel=1e-14)
    assert losses.get("categorical_crossentropy").value(y_hat, Y) == pytest.approx(
        -(math.log(0.5) + math.log(0.5)) / 2, rel=1e-14)


def test_grad_matches_central_differences(loss_case):
    """∂L/∂ŷ with ŷ treated as free variables (the unfused path)."""
    loss, _, _, y_hat, Y = problem(loss_case, seed=1)
    analytic = loss.grad(y_hat, Y)
    assert analytic.shape == y_hat.shape
    p = y_hat.copy()
    numeric = numerical_gradient(lambda: loss.value(p, Y), p, h=1e-7)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_chain_through_output_activation_matches_central_differences(loss_case):
    """dz = f.backward(z, ŷ, ∂L/∂ŷ) vs ∂L(f(z))/∂z: the path the network takes when unfused."""
    loss, f, z, y_hat, Y = problem(loss_case, seed=2)
    analytic = f.backward(z, y_hat, loss.grad(y_hat, Y))
    zp = z.copy()
    numeric = numerical_gradient(lambda: loss.value(f.forward(zp), Y), zp, h=1e-6)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def fused_cases(loss_table):
    return [c for c in loss_table if c.fused]


def test_fused_value_equals_unfused_on_moderate_inputs(loss_table):
    for case in fused_cases(loss_table):
        for seed in range(3):
            loss, f, z, y_hat, Y = problem(case, seed=seed, scale=3.0)
            np.testing.assert_allclose(loss.value_from_z(z, Y), loss.value(y_hat, Y), rtol=1e-12,
                                       err_msg=case.id)


def test_fused_grad_matches_central_differences_and_chain_rule(loss_table):
    for case in fused_cases(loss_table):
        loss, f, z, y_hat, Y = problem(case, seed=3)
        analytic = loss.dz_from_y_hat(y_hat, Y)
        zp = z.copy()
        numeric = numerical_gradient(lambda: loss.value_from_z(zp, Y), zp, h=1e-6)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9, err_msg=case.id)
        np.testing.assert_allclose(analytic, f.backward(z, y_hat, loss.grad(y_hat, Y)), rtol=1e-10,
                                   atol=1e-14, err_msg=case.id)


def test_fused_values_stay_exact_far_out():
    """Where the unfused loss would clip, the fused one is still exact: softplus(z) - y z."""
    bce, cce = losses.get("binary_crossentropy"), losses.get("categorical_crossentropy")
    z = np.array([[1e4, -1e4]])
    assert bce.value_from_z(z, np.array([[0.0, 1.0]])) == pytest.approx(1e4, rel=1e-12)
    assert bce.value_from_z(z, np.array([[1.0, 0.0]])) == 0.0
    assert cce.value_from_z(np.array([[1e4, -1e4, 0.0]]), np.array([[0.0, 1.0, 0.0]])) == \
        pytest.approx(2e4, rel=1e-12)


# ----------------------------------------------------------------------------- properties
def extreme_z(dtype):
    width = np.dtype(dtype).itemsize * 8
    return hnp.arrays(dtype, st.tuples(st.integers(1, 5), st.integers(2, 5)),
                      elements=st.floats(-1e4, 1e4, allow_nan=False, width=width))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@PROPERTY
@given(data=st.data())
def test_every_loss_is_finite_at_extreme_logits(loss_case, dtype, data):
    """|z| ≤ 1e4 (outputs saturated to exactly 0 or 1): values and grads finite, dtype kept, no warning."""
    z = data.draw(extreme_z(dtype), label="z")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
    Y = loss_case.targets(rng, *z.shape).astype(dtype)
    loss, f = losses.get(loss_case.loss), activations.get(loss_case.output)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            y_hat = f.forward(z)
            value, grad = loss.value(y_hat, Y), loss.grad(y_hat, Y)
            dz = f.backward(z, y_hat, grad)
            outs = [grad, dz]
            values = [value]
            if loss_case.fused:
                values.append(loss.value_from_z(z, Y))
                outs.append(loss.dz_from_y_hat(y_hat, Y))
    assert all(math.isfinite(v) and v >= 0 for v in values)
    for out in outs:
        assert out.dtype == z.dtype and out.shape == z.shape
        assert np.isfinite(out).all()


@PROPERTY
@given(y_hat=hnp.arrays("float64", (4, 3), elements=st.floats(0.0, 1.0)))
def test_cross_entropies_are_nonnegative_and_zero_at_the_target(y_hat):
    Y = (y_hat > 0.5).astype(float)
    for name in ("binary_crossentropy", "mse"):
        assert losses.get(name).value(y_hat, Y) >= 0
        assert losses.get(name).value(Y, Y) <= 1e-12
    onehot = np.eye(3)[[0, 1, 2, 1]]
    assert losses.get("categorical_crossentropy").value(onehot, onehot) == 0.0


# ----------------------------------------------------------------------------- registry
@pytest.mark.parametrize("alias, name", [("bce", "binary_crossentropy"), ("CCE", "categorical_crossentropy"),
                                         ("mean_squared_error", "mse"),
                                         ("binary_cross_entropy", "binary_crossentropy"),
                                         (" MSE ", "mse")])
def test_get_aliases(alias, name):
    assert losses.get(alias).name == name


def test_get_passes_instances_through():
    loss = losses.MSE()
    assert losses.get(loss) is loss
    assert repr(loss) == "MSE()"
