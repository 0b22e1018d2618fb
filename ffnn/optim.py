"""Optimisers: how a parameter θ moves given its gradient dθ and the learning rate lr.

Introduced in chapter 3 (weight updates).

- SGD:       θ ← θ - lr dθ
- Momentum:  v ← β v - lr dθ;  θ ← θ + v
- Adam:      m ← β₁ m + (1-β₁) dθ;  s ← β₂ s + (1-β₂) dθ²;
             θ ← θ - lr m̂ / (√ŝ + eps) with m̂ = m/(1-β₁ᵗ), ŝ = s/(1-β₂ᵗ)

Updates are in place, so a model's arrays keep their identity (views into them stay valid).
Each optimiser's state is a list of arrays plus a step counter, so it can be saved exactly.
"""
import math
import numbers

import numpy as np

from . import _aligned
from ._blas import write_back
from ._registry import Registry

__all__ = ["Optimizer", "SGD", "Momentum", "Adam", "get", "NAMES"]


def _check_unit(value, argname):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"{argname}: expected a number in [0, 1), got {value!r}")
    return float(value)


class Optimizer:
    """Base class. ``step(params, grads, lr)`` updates every array of ``params`` in place."""

    name = "optimizer"

    def __init__(self):
        self.state = []  # one list of arrays per parameter
        self.t = 0
        self._scratch = None  # work space for lr · dθ, so a step allocates nothing; never saved

    def get_config(self):
        return {}

    def _init_state(self, params):
        raise NotImplementedError

    def step(self, params, grads, lr):
        """params, grads: equally long lists of arrays; lr: learning rate (float)."""
        if not self.state:
            self.state = self._init_state(params)
        if self._scratch is None:
            self._scratch = [_aligned.empty(p.shape, p.dtype) for p in params]
        self.t += 1
        for i, (p, d) in enumerate(zip(params, grads)):
            self._update(p, d, lr, self.state[i], self._scratch[i])

    def _update(self, p, d, lr, state, tmp):
        """Update p in place from its gradient d; ``tmp`` is scratch space shaped like p."""
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def same_config(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()


class SGD(Optimizer):
    """θ ← θ - lr dθ.

    ``fit`` takes this step inside the backward pass instead, adding -lr Xᵀdz straight into each
    W (:meth:`ffnn.layers.Dense.backward_from_preactivation`), for every batch but each epoch's
    last; it still counts every step in ``t``.
    """

    name = "sgd"

    def _init_state(self, params):
        return [[] for _ in params]

    def _update(self, p, d, lr, state, tmp):
        np.multiply(d, p.dtype.type(lr), out=tmp)
        write_back(p, np.subtract(p, tmp, out=tmp))


class Momentum(Optimizer):
    """Heavy-ball momentum: v ← β v - lr dθ; θ ← θ + v (v starts at 0)."""

    name = "momentum"

    def __init__(self, beta=0.9):
        super().__init__()
        self.beta = _check_unit(beta, "beta")

    def get_config(self):
        return {"beta": self.beta}

    def _init_state(self, params):
        return [[_aligned.zeros(p.shape, p.dtype)] for p in params]

    def _update(self, p, d, lr, state, tmp):
        v = state[0]
        v *= p.dtype.type(self.beta)
        v -= np.multiply(d, p.dtype.type(lr), out=tmp)
        write_back(p, np.add(p, v, out=tmp))


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction."""

    name = "adam"

    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__()
        self.beta1 = _check_unit(beta1, "beta1")
        self.beta2 = _check_unit(beta2, "beta2")
        if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not eps > 0:
            raise ValueError(f"eps: expected a positive number, got {eps!r}")
        self.eps = float(eps)

    def get_config(self):
        return {"beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def _init_state(self, params):
        return [[_aligned.zeros(p.shape, p.dtype), _aligned.zeros(p.shape, p.dtype)] for p in params]

    def _update(self, p, d, lr, state, tmp):
        m, s = state
        t = self.t
        dt = p.dtype.type
        m *= dt(self.beta1)
        m += np.multiply(d, dt(1 - self.beta1), out=tmp)
        s *= dt(self.beta2)
        np.multiply(d, d, out=tmp)
        tmp *= dt(1 - self.beta2)
        s += tmp
        # Fold both bias corrections into the step size and eps:
        # lr m̂ / (√ŝ + eps) = lr √(1-β₂ᵗ)/(1-β₁ᵗ) · m / (√s + eps √(1-β₂ᵗ)).
        step = lr * math.sqrt(1 - self.beta2 ** t) / (1 - self.beta1 ** t)
        eps_hat = self.eps * math.sqrt(1 - self.beta2 ** t)
        np.sqrt(s, out=tmp)
        tmp += dt(eps_hat)
        np.divide(m, tmp, out=tmp)
        tmp *= dt(step)
        write_back(p, np.subtract(p, tmp, out=tmp))


_REGISTRY = Registry("optimizer", Optimizer, (SGD, Momentum, Adam))
NAMES = _REGISTRY.names


def get(optimizer, argname="optimizer"):
    """Return an Optimizer for a name (``"sgd"``, ``"momentum"``, ``"adam"``) or an Optimizer."""
    return _REGISTRY.get(optimizer, argname)


def from_config(name, config):
    """Rebuild an optimizer from its name and ``get_config()`` (used by ffnn.load)."""
    return _REGISTRY.from_config(name, config)
