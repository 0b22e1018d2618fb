"""Gradient checking: compare backprop's gradients with central finite differences.

Introduced in chapter 2 (gradient checking).

For a scalar function L(θ), the central difference (L(θ + h e_i) - L(θ - h e_i)) / 2h approximates
∂L/∂θ_i with error O(h²). ``gradcheck`` reports, per parameter array, the relative error

    max_i |analytic_i - numeric_i| / max(max_i |analytic_i|, max_i |numeric_i|)

i.e. the largest absolute disagreement measured against the size of that array's gradient.

``compare`` checks a reader's own code against ffnn's, array by array: exactly equal, equal within
round-off, or how far apart.
"""
from collections import namedtuple

import numpy as np

from ._validation import as_array, check_int, check_model, check_positive, check_real, check_seed

__all__ = ["numerical_gradient", "relative_error", "gradcheck", "compare", "Agreement"]


def numerical_gradient(f, theta, h=1e-6, indices=None):
    """Central differences of the scalar function ``f()`` with respect to the array ``theta``.

    ``theta`` is perturbed in place and restored. ``indices`` (flat) limits which entries are
    computed; the others are NaN. Returns an array shaped like theta (float64).
    """
    grad = np.full(theta.shape, np.nan)
    flat, gflat = theta.reshape(-1), grad.reshape(-1)
    for i in (range(flat.size) if indices is None else indices):
        old = flat[i]
        flat[i] = old + h
        plus = f()
        flat[i] = old - h
        minus = f()
        flat[i] = old
        gflat[i] = (plus - minus) / (2 * h)
    return grad


def relative_error(analytic, numeric):
    """max|a - n| / max(max|a|, max|n|), ignoring NaN entries of ``numeric``; 0 if both are 0."""
    mask = ~np.isnan(numeric)
    a, n = np.asarray(analytic, dtype=np.float64)[mask], numeric[mask]
    if a.size == 0:
        return 0.0
    scale = max(np.abs(a).max(), np.abs(n).max())
    return 0.0 if scale == 0 else float(np.abs(a - n).max() / scale)


def gradcheck(model, X, Y, h=1e-6, max_checks=None, seed=0):
    """Per-parameter relative error between ``model.backward`` and central differences.

    The check runs on a float64 copy of ``model`` (float32 round-off would swamp the differences);
    the model itself is not changed. It checks the training pass: every evaluation of the loss
    draws the same dropout masks, and BatchNorm normalises with the batch's own statistics.
    ``max_checks`` samples that many entries per array (drawn with ``seed``) instead of all of
    them. Returns ``{"layers[0].W": err, "layers[0].b": err, ...}``, keys named as
    ``model.parameters()`` names them (``layers[i]`` is ``model.layers[i]``, counted from 0).
    """
    check_model(model, "model", ("copy", "loss", "backward", "parameters", "gradients"))
    h = check_positive(h, "h")
    seed = check_seed(seed)
    if max_checks is not None:
        max_checks = check_int(max_checks, "max_checks")  # 0 would check nothing and report 0.0
    clone = model.copy(dtype="float64")
    rng = np.random.default_rng(seed)
    masks = clone.dropout_rng.bit_generator.state

    def loss():
        clone.dropout_rng.bit_generator.state = masks  # the same dropout masks on every pass
        return clone.loss(X, Y, training=True)

    loss()
    clone.backward(Y)
    analytic = {name: d.copy() for (name, _), (_, d) in zip(clone.parameters(), clone.gradients())}

    errors = {}
    for name, p in clone.parameters():
        indices = None
        if max_checks is not None and p.size > max_checks:
            indices = rng.choice(p.size, size=max_checks, replace=False)
        errors[name] = relative_error(analytic[name], numerical_gradient(loss, p, h, indices))
    return errors


class Agreement(namedtuple("Agreement", "name exact close max_diff")):
    """How two arrays agree: bit for bit (``exact``), within ``np.allclose`` (``close``), and
    their largest absolute difference. True when they are close."""

    def __bool__(self):
        return bool(self.close)

    def __repr__(self):
        return (f"{self.name or 'arrays'}: exact {self.exact!s:5} | close {self.close!s:5} | "
                f"max diff {self.max_diff:.2e}")


def compare(name, ours, reference, rtol=1e-5, atol=1e-8):
    """Compare the array ``ours`` (a reader's code) with ``reference`` (ffnn's), entry by entry.

    Returns an :class:`Agreement` that prints as one line, e.g. ``dW: exact False | close True |
    max diff 1.39e-17``, and is true when the two are close (``|ours - reference| <= atol + rtol
    |reference|`` everywhere). Shapes must match: broadcasting would hide a missing axis.
    """
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name: expected a string or None, got {type(name).__name__}")
    ours, reference = _numbers(ours, "ours"), _numbers(reference, "reference")
    if ours.shape != reference.shape:
        raise ValueError(f"ours: has shape {ours.shape} but reference has shape {reference.shape}; "
                         "expected the same shape")
    rtol = check_real(rtol, "rtol", low=0)
    atol = check_real(atol, "atol", low=0)
    diff = np.abs(ours.astype(np.float64) - reference.astype(np.float64))
    max_diff = float(diff.max()) if diff.size else 0.0
    exact = bool(np.array_equal(ours, reference))
    close = bool(np.allclose(ours, reference, rtol=rtol, atol=atol))
    return Agreement(name, exact, close, max_diff)


def _numbers(value, argname):
    """``value`` as an array of real numbers, of any shape."""
    arr = as_array(value, argname)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{argname}: expected an array of real numbers, got dtype {arr.dtype}")
    return arr
