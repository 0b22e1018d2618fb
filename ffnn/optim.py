"""Optimisers: how a parameter θ moves given its gradient dθ and the learning rate lr.

Introduced in chapter 3 (weight updates). Each rule is ``torch.optim``'s, with the same
hyperparameters and defaults (no dampening, no centring, accumulators starting at 0), so the
numbers match PyTorch's.

- SGD:       θ ← θ - lr dθ
- Momentum:  v ← β v + dθ;  θ ← θ - lr v                  (torch.optim.SGD with momentum=β)
- Nesterov:  v ← β v + dθ;  θ ← θ - lr (dθ + β v)         (the same with nesterov=True)
- Adam:      m ← β₁ m + (1-β₁) dθ;  s ← β₂ s + (1-β₂) dθ²;
             m̂ = m/(1-β₁ᵗ);  ŝ = s/(1-β₂ᵗ);  θ ← θ - lr m̂ / (√ŝ + eps)
- AdamW:     θ ← θ - lr wd θ, then the Adam step          (decoupled weight decay)
- RMSprop:   s ← α s + (1-α) dθ²;  θ ← θ - lr dθ / (√s + eps)
- AdaGrad:   s ← s + dθ²;          θ ← θ - lr dθ / (√s + eps)

The momentum v sums past gradients, v = dθₜ + β dθₜ₋₁ + β² dθₜ₋₂ + …; it is the heavy-ball
velocity divided by -lr, so both forms move θ identically while lr is constant.

``step`` updates every parameter in place, so a model's arrays keep their identity (views into
them stay valid). Each optimiser's state is a list of arrays per parameter plus the step counter
``t``, so it can be saved exactly.
"""
import numpy as np

from ._registry import Configurable, Registry
from ._validation import check_bool, check_positive, check_real

__all__ = ["Optimizer", "SGD", "Momentum", "Nesterov", "Adam", "AdamW", "RMSprop", "AdaGrad", "get",
           "NAMES"]


class Optimizer(Configurable):
    """Base class. ``step(params, grads, lr)`` updates every array of ``params`` in place."""

    name = "optimizer"

    def __init__(self):
        self.state = []  # one list of arrays per parameter
        self.t = 0

    #: how many arrays of state each parameter has (a velocity, Adam's two moments, ...)
    n_state = 0

    def _init_state(self, params):
        return [[np.zeros_like(p) for _ in range(self.n_state)] for p in params]

    def fits(self, params):
        """True when the state is empty or was made for arrays shaped like ``params``."""
        return not self.state or (len(self.state) == len(params) and all(
            s.shape == p.shape and s.dtype == p.dtype for state, p in zip(self.state, params) for s in state))

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


class SGD(Optimizer):
    """θ ← θ - lr dθ."""

    name = "sgd"

    def _update(self, p, d, lr, state):
        p -= lr * d


class Momentum(Optimizer):
    """v ← β v + dθ; θ ← θ - lr v (v starts at 0). With ``nesterov``: θ ← θ - lr (dθ + β v)."""

    name = "momentum"
    n_state = 1

    def __init__(self, beta=0.9, nesterov=False):
        super().__init__()
        self.beta = check_real(beta, "beta", 0, 1, high_open=True)
        self.nesterov = check_bool(nesterov, "nesterov")

    def get_config(self):
        return {"beta": self.beta, "nesterov": self.nesterov}

    def _update(self, p, d, lr, state):
        v = state[0]
        v[...] = self.beta * v + d
        if self.nesterov:
            p -= lr * (d + self.beta * v)
        else:
            p -= lr * v


class Nesterov(Momentum):
    """``Momentum(beta, nesterov=True)``, under the name ``"nesterov"``."""

    name = "nesterov"

    def __init__(self, beta=0.9):
        super().__init__(beta, nesterov=True)

    def get_config(self):
        return {"beta": self.beta}


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction: m̂ = m/(1-β₁ᵗ), ŝ = s/(1-β₂ᵗ)."""

    name = "adam"
    n_state = 2

    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__()
        self.beta1 = check_real(beta1, "beta1", 0, 1, high_open=True)
        self.beta2 = check_real(beta2, "beta2", 0, 1, high_open=True)
        self.eps = check_positive(eps, "eps")

    def get_config(self):
        return {"beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def _update(self, p, d, lr, state):
        m, s = state
        m[...] = self.beta1 * m + (1 - self.beta1) * d
        s[...] = self.beta2 * s + (1 - self.beta2) * d**2
        m_hat = m / (1 - self.beta1**self.t)
        s_hat = s / (1 - self.beta2**self.t)
        p -= lr * m_hat / (np.sqrt(s_hat) + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): θ ← θ - lr wd θ, then Adam.

    The decay shrinks θ directly instead of entering dθ, so it is not rescaled by 1/√ŝ.
    """

    name = "adamw"

    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
        super().__init__(beta1, beta2, eps)
        self.weight_decay = check_real(weight_decay, "weight_decay", 0)

    def get_config(self):
        return {**super().get_config(), "weight_decay": self.weight_decay}

    def _update(self, p, d, lr, state):
        p -= lr * self.weight_decay * p
        super()._update(p, d, lr, state)


class RMSprop(Optimizer):
    """s ← α s + (1-α) dθ²; θ ← θ - lr dθ / (√s + eps) (s starts at 0, no bias correction)."""

    name = "rmsprop"
    n_state = 1

    def __init__(self, alpha=0.99, eps=1e-8):
        super().__init__()
        self.alpha = check_real(alpha, "alpha", 0, 1, high_open=True)
        self.eps = check_positive(eps, "eps")

    def get_config(self):
        return {"alpha": self.alpha, "eps": self.eps}

    def _update(self, p, d, lr, state):
        s = state[0]
        s[...] = self.alpha * s + (1 - self.alpha) * d**2
        p -= lr * d / (np.sqrt(s) + self.eps)


class AdaGrad(Optimizer):
    """s ← s + dθ²; θ ← θ - lr dθ / (√s + eps) (Duchi et al., 2011; s starts at 0)."""

    name = "adagrad"
    n_state = 1

    def __init__(self, eps=1e-10):
        super().__init__()
        self.eps = check_positive(eps, "eps")

    def get_config(self):
        return {"eps": self.eps}

    def _update(self, p, d, lr, state):
        s = state[0]
        s[...] = s + d**2
        p -= lr * d / (np.sqrt(s) + self.eps)


_REGISTRY = Registry("optimizer", Optimizer, (SGD, Momentum, Nesterov, Adam, AdamW, RMSprop, AdaGrad),
                     required=(("_update", "step"),))
NAMES = _REGISTRY.names


def get(optimizer, argname="optimizer"):
    """Return an Optimizer for a name (one of :data:`NAMES`: ``"sgd"``, ``"momentum"``,
    ``"nesterov"``, ``"adam"``, ``"adamw"``, ``"rmsprop"``, ``"adagrad"``) or an Optimizer."""
    return _REGISTRY.get(optimizer, argname)


def from_config(name, config):
    """Rebuild an optimizer from its name and ``get_config()`` (used by ffnn.load)."""
    return _REGISTRY.from_config(name, config)
