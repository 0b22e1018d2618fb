"""The dense layer: z = X W + b, optional RMSNorm, then a = f(z).

Introduced in chapter 1 (a layer as a matrix product); its backward pass in chapter 2.

Shapes: X (N, n_in), W (n_in, n_out), b (n_out,), z and a (N, n_out). With RMSNorm the activation
sees r = g ⊙ z / rms(z) instead of z (see :mod:`ffnn.rmsnorm`).

Backward, given da = ∂L/∂a:

    dz = da ⊙ f'(z)  (a Jacobian-vector product for softmax)
    dW = Xᵀ dz,  db = Σ_N dz,  dX = dz Wᵀ

Gradients are *overwritten* by each backward call (never accumulated). Given a learning rate,
backward takes plain SGD's step instead: W ← W - lr Xᵀdz, b ← b - lr Σ_N dz (used by ``fit``).
"""
import numpy as np

from . import _aligned
from . import activations as _activations
from . import init as _init
from ._blas import add_product
from .rmsnorm import rmsnorm_backward, rmsnorm_forward

__all__ = ["Dense"]


class Dense:
    """A fully connected layer with its own activation.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths.
    activation : str or Activation
    init : str or Initializer
        Draws W (n_in, n_out); b starts at 0.
    rmsnorm : bool
        Normalise z with RMSNorm (gain ``g`` starts at 1) before the activation.
    eps : float
        RMSNorm's epsilon.
    dtype : str or numpy dtype
    rng : numpy.random.Generator
        Used by ``init`` unless the initialiser has its own seed.
    index : int
        The layer's position in its network: a seeded initialiser draws layer ``index`` from its
        own stream (see :class:`ffnn.init.Initializer`).
    """

    def __init__(self, n_in, n_out, activation="linear", init="he_normal", rmsnorm=False, eps=1e-6,
                 dtype="float64", rng=None, index=0):
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.activation = _activations.get(activation)
        self.init = _init.get(init)
        self.dtype = np.dtype(dtype)
        self.eps = float(eps)
        # Every parameter and gradient starts on a cache line (see ffnn._aligned): faster products.
        self.W = _aligned.copy(self.init(self.n_in, self.n_out, rng=rng, dtype=self.dtype, stream=index))
        self.b = _aligned.zeros(self.n_out, self.dtype)
        self.g = _aligned.copy(np.ones(self.n_out, dtype=self.dtype)) if rmsnorm else None
        self.dW = _aligned.zeros(self.W.shape, self.dtype)
        self.db = _aligned.zeros(self.b.shape, self.dtype)
        self.dg = _aligned.zeros(self.g.shape, self.dtype) if rmsnorm else None
        self.X = self.z = self.r = self.a = self.z_hat = self.rms = None

    @property
    def rmsnorm(self):
        return self.g is not None

    def forward(self, X):
        """a = f(X W + b) for X (N, n_in); caches what backward needs. Returns a (N, n_out)."""
        self.X = X
        z = X @ self.W
        z += self.b
        self.z = z
        if self.g is not None:
            self.r, self.z_hat, self.rms = rmsnorm_forward(z, self.g, self.eps)
        else:
            self.r = z
        self.a = self.activation.forward(self.r)
        return self.a

    def backward(self, da, need_dX=True, lr=None):
        """Given da = ∂L/∂a (N, n_out), fill dW, db (and dg); return dX (N, n_in) or None.

        With ``lr``, take plain SGD's step instead (see :meth:`backward_from_preactivation`).
        """
        dr = self.activation.backward(self.r, self.a, da)
        if lr is None:  # the two-argument call, so subclasses written before lr existed still work
            return self.backward_from_preactivation(dr, need_dX)
        return self.backward_from_preactivation(dr, need_dX, lr=lr)

    def backward_from_preactivation(self, dr, need_dX=True, lr=None):
        """Like :meth:`backward` but starting from the gradient at the activation's input.

        That input is z, or r = RMSNorm(z) when RMSNorm is on. The fused softmax + cross-entropy
        and sigmoid + BCE gradients enter here.

        With ``lr``, plain SGD's step is taken here instead of filling the gradients:
        W ← W - lr Xᵀdz, b ← b - lr Σ_N dz (and g ← g - lr dg), the product added straight into W
        by one BLAS call where that pays (:mod:`ffnn._blas`). db and dg are left as they were;
        dW may serve as work space. dX always uses W from before the step.
        """
        if self.g is not None:
            dz, dg = rmsnorm_backward(dr, self.z_hat, self.rms, self.g)
        else:
            dz, dg = dr, None
        dX = dz @ self.W.T if need_dX else None
        if lr is None:
            np.matmul(self.X.T, dz, out=self.dW)
            np.add.reduce(dz, axis=0, out=self.db)
            if dg is not None:
                self.dg[...] = dg
        else:
            add_product(self.W, self.X, dz, -lr, work=self.dW)
            self.b -= np.add.reduce(dz, axis=0) * self.dtype.type(lr)
            if dg is not None:
                self.g -= dg * self.dtype.type(lr)
        return dX

    def parameters(self):
        """[(name, array)] of the trainable arrays, in a fixed order: W, b, and g with RMSNorm."""
        out = [("W", self.W), ("b", self.b)]
        if self.g is not None:
            out.append(("g", self.g))
        return out

    def gradients(self):
        """[(name, array)] of the gradients, in the order of :meth:`parameters`."""
        out = [("dW", self.dW), ("db", self.db)]
        if self.g is not None:
            out.append(("dg", self.dg))
        return out

    def clear_cache(self):
        """Drop the arrays cached by forward (they can be large)."""
        self.X = self.z = self.r = self.a = self.z_hat = self.rms = None

    def __repr__(self):
        norm = ", rmsnorm=True" if self.g is not None else ""
        return f"Dense({self.n_in}, {self.n_out}, activation={self.activation.name!r}{norm})"
