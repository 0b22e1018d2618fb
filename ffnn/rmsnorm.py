"""RMSNorm of a layer's product X W + b, as pure functions.

Introduced in chapter 2 (backprop through RMSNorm).

Forward, for the product z_raw = X W + b of shape (N, n) and the gain g of shape (n,):

    rms = sqrt(mean(z_raw², features) + eps)     (N, 1)
    ẑ   = z_raw / rms                             (N, n)
    z   = g ⊙ ẑ                                   (N, n), what the activation receives

Backward, given dz = ∂L/∂z:

    dg     = Σ_N dz ⊙ ẑ                           (n,)
    dẑ     = dz ⊙ g
    dz_raw = (dẑ - ẑ ⊙ mean(dẑ ⊙ ẑ, features)) / rms
"""
import numpy as np

__all__ = ["rmsnorm_forward", "rmsnorm_backward"]


def rmsnorm_forward(z_raw, g, eps=1e-6):
    """Return (z, z_hat, rms) for z_raw (N, n), g (n,); z = g ⊙ z_raw / sqrt(mean(z_raw²) + eps)."""
    rms = np.sqrt(np.mean(z_raw * z_raw, axis=1, keepdims=True) + z_raw.dtype.type(eps))
    z_hat = z_raw / rms
    return z_hat * g, z_hat, rms


def rmsnorm_backward(dz, z_hat, rms, g):
    """Return (dz_raw, dg) given dz (N, n) and the forward cache (z_hat (N, n), rms (N, 1), g (n,))."""
    dg = np.sum(dz * z_hat, axis=0)
    dz_hat = dz * g
    dz_raw = (dz_hat - z_hat * np.mean(dz_hat * z_hat, axis=1, keepdims=True)) / rms
    return dz_raw, dg
