"""RMSNorm of a layer's pre-activation, as pure functions.

Introduced in chapter 2 (backprop through RMSNorm).

Forward, for z of shape (N, n) and gain g of shape (n,):

    rms = sqrt(mean(z², features) + eps)        (N, 1)
    ẑ   = z / rms                                (N, n)
    r   = g ⊙ ẑ                                  (N, n)

Backward, given dr = ∂L/∂r:

    dg = Σ_N dr ⊙ ẑ                               (n,)
    dẑ = dr ⊙ g
    dz = (dẑ - ẑ ⊙ mean(dẑ ⊙ ẑ, features)) / rms
"""
import numpy as np

__all__ = ["rmsnorm_forward", "rmsnorm_backward"]


def rmsnorm_forward(z, g, eps=1e-6):
    """Return (r, z_hat, rms) for z (N, n), g (n,); r = g ⊙ z / sqrt(mean(z²) + eps)."""
    rms = np.sqrt(np.mean(z * z, axis=1, keepdims=True) + z.dtype.type(eps))
    z_hat = z / rms
    return z_hat * g, z_hat, rms


def rmsnorm_backward(dr, z_hat, rms, g):
    """Return (dz, dg) given dr (N, n) and the forward cache (z_hat (N, n), rms (N, 1), g (n,))."""
    dg = np.sum(dr * z_hat, axis=0)
    dz_hat = dr * g
    dz = (dz_hat - z_hat * np.mean(dz_hat * z_hat, axis=1, keepdims=True)) / rms
    return dz, dg
