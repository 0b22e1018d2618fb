"""BatchNorm of a layer's product X W + b, as pure functions, with PyTorch's conventions.

Introduced in chapter 2 (normalisation layers).

In training, BatchNorm is LayerNorm taken down the batch axis: each feature is standardised by
the batch's mean μ and biased variance σ², then scaled by g and shifted by beta (see
:mod:`ffnn.layernorm`, ``axis=0``). It also keeps running statistics for evaluation:

    running_mean ← (1 - momentum) running_mean + momentum μ
    running_var  ← (1 - momentum) running_var  + momentum σ² N/(N - 1)   (the unbiased variance)

with momentum 0.1. In evaluation the running statistics replace the batch's, so each row is
normalised on its own: z = g ⊙ (z_raw - running_mean) / sqrt(running_var + eps) + beta, an affine
map whose backward pass is dz_raw = dz ⊙ g / sqrt(running_var + eps).
"""
import numpy as np

from .layernorm import layernorm_backward, layernorm_forward

__all__ = ["MOMENTUM", "batchnorm_forward", "batchnorm_backward", "batchnorm_eval", "update_running"]

MOMENTUM = 0.1


def batchnorm_forward(z_raw, g, beta, eps=1e-6):
    """Training pass: return (z, z_hat, sigma) with the batch's own statistics."""
    return layernorm_forward(z_raw, g, beta, eps, axis=0)


def batchnorm_backward(dz, z_hat, sigma, g):
    """Training pass: return (dz_raw, dg, dbeta)."""
    return layernorm_backward(dz, z_hat, sigma, g, axis=0)


def batchnorm_eval(z_raw, g, beta, running_mean, running_var, eps=1e-6):
    """Evaluation pass: return (z, z_hat, sigma) with the running statistics."""
    sigma = np.sqrt(running_var + z_raw.dtype.type(eps))
    z_hat = (z_raw - running_mean) / sigma
    return z_hat * g + beta, z_hat, sigma


def update_running(running_mean, running_var, z_raw, momentum=MOMENTUM):
    """Move the running statistics (in place) towards the batch's mean and unbiased variance."""
    N = z_raw.shape[0]
    running_mean[...] = (1 - momentum) * running_mean + momentum * z_raw.mean(axis=0)
    running_var[...] = (1 - momentum) * running_var + momentum * z_raw.var(axis=0) * (N / (N - 1))
