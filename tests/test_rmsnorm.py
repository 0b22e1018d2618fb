"""ffnn.rmsnorm: forward against a loop reference, backward against central differences."""
import math

import numpy as np
import pytest

from ffnn.gradcheck import numerical_gradient
from ffnn.rmsnorm import rmsnorm_backward, rmsnorm_forward


def reference(z, g, eps):
    out = []
    for row in z.tolist():
        rms = math.sqrt(sum(v * v for v in row) / len(row) + eps)
        out.append([gi * v / rms for v, gi in zip(row, g.tolist())])
    return np.array(out)


def problem(seed=0, shape=(5, 4)):
    rng = np.random.default_rng(seed)
    z = rng.normal(0.3, 2.0, size=shape)
    g = rng.uniform(0.5, 1.5, size=shape[1])
    dr = rng.normal(size=shape)
    return z, g, dr


@pytest.mark.parametrize("eps", [1e-6, 0.5])
def test_forward_matches_reference(eps):
    z, g, _ = problem()
    r, z_hat, rms = rmsnorm_forward(z, g, eps)
    np.testing.assert_allclose(r, reference(z, g, eps), rtol=1e-13)
    np.testing.assert_allclose(z_hat * rms, z, rtol=1e-14)
    assert rms.shape == (z.shape[0], 1)


def test_normalised_rows_have_unit_rms_and_ignore_scale():
    z, _, _ = problem()
    g = np.ones(z.shape[1])
    r, _, _ = rmsnorm_forward(z, g, eps=0.0)
    np.testing.assert_allclose(np.mean(r * r, axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(rmsnorm_forward(7.5 * z, g, eps=0.0)[0], r, rtol=1e-13)


@pytest.mark.parametrize("eps", [1e-6, 0.5])
def test_backward_matches_central_differences(eps):
    """dz and dg of the scalar ⟨dr, r(z, g)⟩ (a non-trivial eps checks it is kept in rms)."""
    z, g, dr = problem(seed=1)
    r, z_hat, rms = rmsnorm_forward(z, g, eps)
    dz, dg = rmsnorm_backward(dr, z_hat, rms, g)
    zp, gp = z.copy(), g.copy()

    def scalar():
        return float(np.sum(dr * rmsnorm_forward(zp, gp, eps)[0]))

    np.testing.assert_allclose(dz, numerical_gradient(scalar, zp), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(dg, numerical_gradient(scalar, gp), rtol=1e-6, atol=1e-9)
    assert dz.shape == z.shape and dg.shape == g.shape


def test_backward_is_orthogonal_to_the_input_without_eps():
    """With eps = 0 the output does not change along z itself, so Σ_j dz_j z_j = 0 per row."""
    z, g, dr = problem(seed=2)
    r, z_hat, rms = rmsnorm_forward(z, g, 0.0)
    dz, _ = rmsnorm_backward(dr, z_hat, rms, g)
    np.testing.assert_allclose(np.sum(dz * z, axis=1), 0.0, atol=1e-12)


def test_float32_stays_float32():
    z, g, dr = (a.astype(np.float32) for a in problem())
    r, z_hat, rms = rmsnorm_forward(z, g)
    dz, dg = rmsnorm_backward(dr, z_hat, rms, g)
    assert {a.dtype for a in (r, z_hat, rms, dz, dg)} == {np.dtype(np.float32)}


def test_zero_row_is_finite():
    z = np.zeros((2, 3))
    z[1] = [1.0, -2.0, 0.5]
    g = np.ones(3)
    r, z_hat, rms = rmsnorm_forward(z, g)
    dz, dg = rmsnorm_backward(np.ones_like(z), z_hat, rms, g)
    assert np.isfinite(r).all() and np.isfinite(dz).all()
    np.testing.assert_array_equal(r[0], 0.0)
