"""LayerNorm of a layer's product X W + b, as pure functions.

Introduced in chapter 2 (normalisation layers), beside RMSNorm and BatchNorm.

Forward, for the product z_raw (N, n), the gain g (n,) and the shift beta (n,), each statistic
taken along ``axis`` (1: over each row's features, LayerNorm; 0: over the batch, BatchNorm):

    μ   = mean(z_raw)                             μ, σ: (N, 1) for axis 1, (1, n) for axis 0
    σ   = sqrt(mean((z_raw - μ)²) + eps)          (the biased variance)
    ẑ   = (z_raw - μ) / σ
    z   = g ⊙ ẑ + beta                            (N, n), what the activation receives

Backward, given dz = ∂L/∂z, with m the number of entries each mean runs over:

    dbeta  = Σ_N dz                                (n,)
    dg     = Σ_N dz ⊙ ẑ                            (n,)
    dẑ     = dz ⊙ g
    dz_raw = (dẑ - mean(dẑ) - ẑ ⊙ mean(dẑ ⊙ ẑ)) / σ

RMSNorm (:mod:`ffnn.rmsnorm`) is LayerNorm without μ and without beta.
"""
import numpy as np

__all__ = ["layernorm_forward", "layernorm_backward"]


def layernorm_forward(z_raw, g, beta, eps=1e-6, axis=1):
    """Return (z, z_hat, sigma) for z_raw (N, n); z = g ⊙ (z_raw - μ) / σ + beta."""
    mu = np.mean(z_raw, axis=axis, keepdims=True)
    centred = z_raw - mu
    sigma = np.sqrt(np.mean(centred * centred, axis=axis, keepdims=True) + z_raw.dtype.type(eps))
    z_hat = centred / sigma
    return z_hat * g + beta, z_hat, sigma


def layernorm_backward(dz, z_hat, sigma, g, axis=1):
    """Return (dz_raw, dg, dbeta) given dz (N, n) and the forward cache (z_hat, sigma, g)."""
    dbeta = np.sum(dz, axis=0)
    dg = np.sum(dz * z_hat, axis=0)
    dz_hat = dz * g
    dz_raw = (dz_hat - np.mean(dz_hat, axis=axis, keepdims=True)
              - z_hat * np.mean(dz_hat * z_hat, axis=axis, keepdims=True)) / sigma
    return dz_raw, dg, dbeta
