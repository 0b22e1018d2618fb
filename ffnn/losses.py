"""Loss functions L(ŷ, Y) and their gradients ∂L/∂ŷ.

Introduced in chapter 2 (the chain rule and backprop).

Conventions (ŷ and Y both (N, K)):

- MSE  = 1/(N K) Σ_{n,k} (ŷ - y)²                       (mean over all N×K elements)
- BCE  = 1/(N K) Σ_{n,k} -[y log ŷ + (1 - y) log(1 - ŷ)]  (mean over all elements)
- CCE  = 1/N Σ_n -Σ_k y_k log ŷ_k                        (mean over the N rows)

Each loss also has a *fused* form that starts from the output layer's pre-activation z instead of ŷ,
used when the output activation is its natural partner (sigmoid for BCE, softmax for CCE). The fused
forms evaluate the loss with log-sum-exp / softplus, so they never take log(0), and their gradient
with respect to z collapses to (ŷ - Y) divided by the number of averaged terms.
"""
import numpy as np

from ._registry import Registry

from .activations import log_softmax, softplus

__all__ = ["Loss", "MSE", "BinaryCrossEntropy", "CategoricalCrossEntropy", "get", "NAMES"]


class Loss:
    """Base class. ``value`` returns a Python float; ``grad`` returns dŷ with the shape of ŷ."""

    name = "loss"
    #: the output activation whose fused gradient this loss knows, if any
    fused_activation = None

    def value(self, y_hat, Y):
        raise NotImplementedError

    def grad(self, y_hat, Y):
        raise NotImplementedError

    def value_from_logits(self, z, Y):
        """Loss computed from the output pre-activation z, when f is ``fused_activation``."""
        raise NotImplementedError

    def grad_from_logits(self, y_hat, Y):
        """dz = ∂L/∂z for the fused pair, given ŷ = f(z)."""
        raise NotImplementedError

    def __call__(self, y_hat, Y):
        return self.value(y_hat, Y)

    def __repr__(self):
        return f"{type(self).__name__}()"


class MSE(Loss):
    """L = mean((ŷ - Y)²) over all N×K elements; ∂L/∂ŷ = 2(ŷ - Y)/(N K)."""

    name = "mse"

    def value(self, y_hat, Y):
        d = y_hat - Y
        return float(np.mean(d * d))

    def grad(self, y_hat, Y):
        return (y_hat - Y) * y_hat.dtype.type(2.0 / y_hat.size)


def _eps(dtype):
    # Clip probabilities this far from 0 and 1 so log stays finite in the unfused path.
    return np.finfo(dtype).eps


class BinaryCrossEntropy(Loss):
    """L = mean(-[Y log ŷ + (1-Y) log(1-ŷ)]) over all N×K elements.

    ∂L/∂ŷ = (ŷ - Y) / (ŷ (1 - ŷ) N K). Fused with sigmoid: L = mean(softplus(z) - Y z) and
    ∂L/∂z = (ŷ - Y)/(N K).
    """

    name = "binary_crossentropy"
    fused_activation = "sigmoid"

    def value(self, y_hat, Y):
        eps = _eps(y_hat.dtype)
        p = np.clip(y_hat, eps, 1 - eps)
        return float(-np.mean(Y * np.log(p) + (1 - Y) * np.log1p(-p)))

    def grad(self, y_hat, Y):
        eps = _eps(y_hat.dtype)
        p = np.clip(y_hat, eps, 1 - eps)
        return (p - Y) / (p * (1 - p) * y_hat.size)

    def value_from_logits(self, z, Y):
        return float(np.mean(softplus(z) - Y * z))

    def grad_from_logits(self, y_hat, Y):
        return (y_hat - Y) * y_hat.dtype.type(1.0 / y_hat.size)


class CategoricalCrossEntropy(Loss):
    """L = -1/N Σ_n Σ_k Y_nk log ŷ_nk with Y one-hot (or soft) rows.

    ∂L/∂ŷ = -Y / (N ŷ). Fused with softmax: L = 1/N Σ_n (logsumexp(z_n) - Σ_k Y_nk z_nk)
    and ∂L/∂z = (ŷ - Y)/N.
    """

    name = "categorical_crossentropy"
    fused_activation = "softmax"

    def value(self, y_hat, Y):
        p = np.maximum(y_hat, _eps(y_hat.dtype))
        return float(-np.sum(Y * np.log(p)) / y_hat.shape[0])

    def grad(self, y_hat, Y):
        p = np.maximum(y_hat, _eps(y_hat.dtype))
        return -Y / (p * y_hat.shape[0])

    def value_from_logits(self, z, Y):
        return float(-np.sum(Y * log_softmax(z)) / z.shape[0])

    def grad_from_logits(self, y_hat, Y):
        return (y_hat - Y) * y_hat.dtype.type(1.0 / y_hat.shape[0])


_REGISTRY = Registry("loss", Loss, (MSE, BinaryCrossEntropy, CategoricalCrossEntropy), aliases={
    "bce": "binary_crossentropy", "cce": "categorical_crossentropy", "mean_squared_error": "mse",
    "crossentropy": "categorical_crossentropy", "cross_entropy": "categorical_crossentropy",
    "binary_cross_entropy": "binary_crossentropy", "categorical_cross_entropy": "categorical_crossentropy"})
NAMES = _REGISTRY.names


def get(loss, argname="loss"):
    """Return a Loss instance for a name such as ``"mse"`` or a Loss object."""
    return _REGISTRY.get(loss, argname)
