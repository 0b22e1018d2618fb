"""Activation functions a = f(z) and their backward passes.

Introduced in chapter 1 (forward propagation); their derivatives in chapter 2 (backprop).

Every activation works on a batch ``z`` of shape (N, n) and returns an array of the same shape and
dtype. Each is numerically stable for |z| up to 1e4 (and beyond): no overflow warnings, no NaN.

- ``forward(z)`` returns ``a = f(z)``.
- ``derivative(z, a)`` returns the element-wise f'(z) (``a`` is passed so it need not be recomputed).
- ``backward(z, a, da)`` returns ``dz = da * f'(z)``; softmax overrides it with the
  Jacobian-vector product, because its Jacobian is not diagonal.
"""
import math

import numpy as np

from ._registry import Registry

try:  # SciPy's erf is exact to machine precision and fast; NumPy has no erf of its own.
    from scipy.special import erf as _erf
except ImportError:  # pragma: no cover - exercised only where SciPy is absent
    _erf = np.vectorize(math.erf, otypes=[float])

__all__ = [
    "Activation", "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "ELU", "GELU",
    "Swish", "Softplus", "sigmoid", "softmax", "log_softmax", "softplus", "get", "NAMES",
]


def sigmoid(z):
    """Stable logistic function σ(z) = 1 / (1 + e^{-z}), shape-preserving.

    Uses e^{-|z|}, which never overflows: σ(z) = 1/(1+e^{-|z|}) for z ≥ 0 and e^{-|z|}/(1+e^{-|z|})
    for z < 0.
    """
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def softplus(z):
    """Stable softplus log(1 + e^z) = max(z, 0) + log1p(e^{-|z|})."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def log_softmax(z):
    """Row-wise log softmax via log-sum-exp: z - max(z) - log Σ exp(z - max(z)); z is (N, K)."""
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(z):
    """Row-wise softmax exp(z_k) / Σ_j exp(z_j), shifted by the row maximum; z is (N, K)."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class Activation:
    """Base class: an element-wise activation a = f(z) with derivative f'(z)."""

    name = "activation"

    def forward(self, z):
        raise NotImplementedError

    def derivative(self, z, a):
        """Element-wise f'(z), same shape as z."""
        raise NotImplementedError

    def backward(self, z, a, da):
        """dz = da ⊙ f'(z) for element-wise activations; all arrays (N, n)."""
        return da * self.derivative(z, a)

    def __call__(self, z):
        return self.forward(z)

    def __repr__(self):  # attributes set on the instance (a changed slope) show
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"

    def __eq__(self, other):
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self):
        return hash(type(self))


class Linear(Activation):
    """f(z) = z, f'(z) = 1."""

    name = "linear"

    def forward(self, z):
        return z

    def derivative(self, z, a):
        return np.ones_like(z)

    def backward(self, z, a, da):
        return da


class ReLU(Activation):
    """f(z) = max(0, z); f'(z) = 1 if z > 0 else 0 (0 at the kink)."""

    name = "relu"

    def forward(self, z):
        return np.maximum(z, 0)

    def derivative(self, z, a):
        return (z > 0).astype(z.dtype)

    def backward(self, z, a, da):
        return da * (z > 0)  # dz = da ⊙ 1[z > 0]


class LeakyReLU(Activation):
    """f(z) = z if z > 0 else slope·z; f'(z) = 1 if z > 0 else slope (slope = 0.01)."""

    name = "leaky_relu"
    slope = 0.01

    def forward(self, z):
        return np.where(z > 0, z, z * z.dtype.type(self.slope))

    def derivative(self, z, a):
        return np.where(z > 0, 1, self.slope).astype(z.dtype)


class Sigmoid(Activation):
    """f(z) = σ(z) = 1 / (1 + e^{-z}); f'(z) = σ(z)(1 - σ(z))."""

    name = "sigmoid"

    def forward(self, z):
        return sigmoid(z)

    def derivative(self, z, a):
        return a * (1 - a)


class Tanh(Activation):
    """f(z) = tanh(z); f'(z) = 1 - tanh(z)²."""

    name = "tanh"

    def forward(self, z):
        return np.tanh(z)

    def derivative(self, z, a):
        return 1 - a * a


class ELU(Activation):
    """f(z) = z if z > 0 else α(e^z - 1); f'(z) = 1 if z > 0 else α e^z (α = 1)."""

    name = "elu"
    alpha = 1.0

    def forward(self, z):
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0)))

    def derivative(self, z, a):
        return np.where(z > 0, 1, self.alpha * np.exp(np.minimum(z, 0))).astype(z.dtype)


class GELU(Activation):
    """Exact GELU: f(z) = z Φ(z) = z/2 (1 + erf(z/√2)); f'(z) = Φ(z) + z φ(z)."""

    name = "gelu"

    def forward(self, z):
        return (0.5 * z * (1 + _erf(z / math.sqrt(2)))).astype(z.dtype, copy=False)

    def derivative(self, z, a):
        cdf = 0.5 * (1 + _erf(z / math.sqrt(2)))
        pdf = np.exp(-0.5 * np.minimum(z * z, 1e4)) / math.sqrt(2 * math.pi)
        return (cdf + z * pdf).astype(z.dtype, copy=False)


class Swish(Activation):
    """f(z) = z σ(z); f'(z) = σ(z) + z σ(z)(1 - σ(z))."""

    name = "swish"

    def forward(self, z):
        return z * sigmoid(z)

    def derivative(self, z, a):
        s = sigmoid(z)
        return s + z * s * (1 - s)


class Softplus(Activation):
    """f(z) = log(1 + e^z); f'(z) = σ(z)."""

    name = "softplus"

    def forward(self, z):
        return softplus(z)

    def derivative(self, z, a):
        return sigmoid(z)


class Softmax(Activation):
    """a_k = e^{z_k} / Σ_j e^{z_j} over each row of z (N, K).

    Its Jacobian is ∂a_k/∂z_j = a_k (δ_kj - a_j), so the backward pass is the Jacobian-vector
    product dz = a ⊙ (da - Σ_k da_k a_k), which never builds the (K, K) Jacobian.
    """

    name = "softmax"

    def forward(self, z):
        return softmax(z)

    def derivative(self, z, a):
        raise TypeError("softmax has no element-wise derivative; use backward(z, a, da)")

    def backward(self, z, a, da):
        return a * (da - (da * a).sum(axis=1, keepdims=True))


_REGISTRY = Registry("activation", Activation,
                     (Linear, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, ELU, GELU, Swish, Softplus),
                     required=("forward", ("derivative", "backward")))
NAMES = _REGISTRY.names


def get(activation, argname="activation"):
    """Return an Activation instance for a name such as ``"relu"`` or an Activation object."""
    return _REGISTRY.get(activation, argname)
