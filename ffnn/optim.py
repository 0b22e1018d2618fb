"""Optimisers: how a parameter θ moves given its gradient dθ and the learning rate lr.

Introduced in chapter 3 (weight updates).

- SGD:       θ ← θ - lr dθ
- Momentum:  v ← β v - lr dθ;  θ ← θ + v
- Adam:      m ← β₁ m + (1-β₁) dθ;  s ← β₂ s + (1-β₂) dθ²;
             m̂ = m/(1-β₁ᵗ);  ŝ = s/(1-β₂ᵗ);  θ ← θ - lr m̂ / (√ŝ + eps)

``step`` updates every parameter in place, so a model's arrays keep their identity (views into
them stay valid). Each optimiser's state is a list of arrays per parameter plus the step counter
``t``, so it can be saved exactly.
"""
import numpy as np

from ._registry import Registry
from ._validation import check_positive, check_real

__all__ = ["Optimizer", "SGD", "Momentum", "Adam", "get", "NAMES"]


class Optimizer:
    """Base class. ``step(params, grads, lr)`` updates every array of ``params`` in place."""

    name = "optimizer"

    def __init__(self):
        self.state = []  # one list of arrays per parameter
        self.t = 0

    def get_config(self):
        return {}

    def _init_state(self, params):
        raise NotImplementedError

    def step(self, params, grads, lr):
        """params, grads: equally long lists of arrays; lr: learning rate (float)."""
        if not self.state:
            self.state = self._init_state(params)
        self.t += 1
        for p, d, state in zip(params, grads, self.state):
            self._update(p, d, lr, state)

    def _update(self, p, d, lr, state):
        """Move p in place, given its gradient d and its state (a list of arrays)."""
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def same_config(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()


class SGD(Optimizer):
    """θ ← θ - lr dθ."""

    name = "sgd"

    def _init_state(self, params):
        return [[] for _ in params]

    def _update(self, p, d, lr, state):
        p -= lr * d


class Momentum(Optimizer):
    """Heavy-ball momentum: v ← β v - lr dθ; θ ← θ + v (v starts at 0)."""

    name = "momentum"

    def __init__(self, beta=0.9):
        super().__init__()
        self.beta = check_real(beta, "beta", 0, 1, high_open=True)

    def get_config(self):
        return {"beta": self.beta}

    def _init_state(self, params):
        return [[np.zeros_like(p)] for p in params]

    def _update(self, p, d, lr, state):
        v = state[0]
        v[...] = self.beta * v - lr * d
        p += v


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction: m̂ = m/(1-β₁ᵗ), ŝ = s/(1-β₂ᵗ)."""

    name = "adam"

    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__()
        self.beta1 = check_real(beta1, "beta1", 0, 1, high_open=True)
        self.beta2 = check_real(beta2, "beta2", 0, 1, high_open=True)
        self.eps = check_positive(eps, "eps")

    def get_config(self):
        return {"beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def _init_state(self, params):
        return [[np.zeros_like(p), np.zeros_like(p)] for p in params]

    def _update(self, p, d, lr, state):
        m, s = state
        m[...] = self.beta1 * m + (1 - self.beta1) * d
        s[...] = self.beta2 * s + (1 - self.beta2) * d**2
        m_hat = m / (1 - self.beta1**self.t)
        s_hat = s / (1 - self.beta2**self.t)
        p -= lr * m_hat / (np.sqrt(s_hat) + self.eps)


_REGISTRY = Registry("optimizer", Optimizer, (SGD, Momentum, Adam))
NAMES = _REGISTRY.names


def get(optimizer, argname="optimizer"):
    """Return an Optimizer for a name (``"sgd"``, ``"momentum"``, ``"adam"``) or an Optimizer."""
    return _REGISTRY.get(optimizer, argname)


def from_config(name, config):
    """Rebuild an optimizer from its name and ``get_config()`` (used by ffnn.load)."""
    return _REGISTRY.from_config(name, config)
