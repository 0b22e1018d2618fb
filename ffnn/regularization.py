"""L1 and L2 weight penalties, added once per mini-batch on top of the mean data loss.

Introduced in chapter 3 (weight updates).

- L1(λ): penalty λ Σ|W|, gradient λ sign(W) (sign(0) = 0)
- L2(λ): penalty λ Σ W², gradient 2 λ W

Both sum over every weight matrix W of the network; biases and RMSNorm gains are not penalised.
"""
import numpy as np

from ._registry import check_implemented
from ._validation import check_real

__all__ = ["Regularizer", "L1", "L2", "get"]


class Regularizer:
    """Base class: ``penalty(W)`` is a float, ``grad(W)`` an array shaped like W."""

    name = "regularizer"

    def __init__(self, lam):
        self.lam = check_real(lam, "lam", low=0)

    def penalty(self, W):
        raise NotImplementedError

    def grad(self, W):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}({self.lam!r})"

    def __eq__(self, other):
        return type(self) is type(other) and self.lam == other.lam

    def __hash__(self):
        return hash((type(self), self.lam))


class L1(Regularizer):
    """λ Σ|W|; gradient λ sign(W)."""

    name = "l1"

    def penalty(self, W):
        return self.lam * float(np.abs(W).sum())

    def grad(self, W):
        return np.sign(W) * W.dtype.type(self.lam)


class L2(Regularizer):
    """λ Σ W²; gradient 2 λ W."""

    name = "l2"

    def penalty(self, W):
        return self.lam * float(np.vdot(W, W))

    def grad(self, W):
        return W * W.dtype.type(2 * self.lam)


def get(regularization, argname="regularization"):
    """None, an L1/L2 object, or a name with strength such as ``("l2", 1e-4)``."""
    if regularization is None:
        return None
    if isinstance(regularization, Regularizer):
        return check_implemented(regularization, Regularizer, argname, ("penalty", "grad"), "ffnn.L1(lam), ffnn.L2(lam)")
    if isinstance(regularization, (tuple, list)) and len(regularization) == 2 \
            and isinstance(regularization[0], str):
        key = regularization[0].strip().lower()
        if key in ("l1", "l2"):
            return (L1 if key == "l1" else L2)(regularization[1])
        raise ValueError(f"{argname}: unknown regulariser {regularization[0]!r}; expected 'l1' or 'l2'")
    raise TypeError(f"{argname}: expected None, ffnn.L1(lam) or ffnn.L2(lam), got {regularization!r}")
