"""The dense layer: z = X W + b, then a = f(z).

Introduced in chapter 1 (a layer as a matrix product); its backward pass in chapter 2.

Shapes: X (N, n_in), W (n_in, n_out), b (n_out,), z and a (N, n_out). With RMSNorm the product
gets a name of its own, z_raw = X W + b, and the activation receives z = g ⊙ z_raw / rms(z_raw)
(see :mod:`ffnn.rmsnorm`). Either way ``z`` is what the activation receives.

Backward, given da = ∂L/∂a:

    dz = da ⊙ f'(z)  (a Jacobian-vector product for softmax)
    dW = Xᵀ dz,  db = Σ_N dz,  dX = dz Wᵀ           (dz_raw in place of dz with RMSNorm)

Backward fills the gradients and never moves a parameter: that is the optimiser's job
(:mod:`ffnn.optim`). Each backward call overwrites the gradients; they never accumulate.
"""
import numpy as np

from . import activations as _activations
from . import init as _init
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
        Normalise X W + b with RMSNorm (gain ``g`` starts at 1) before the activation.
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
        self.W = self.init(self.n_in, self.n_out, rng=rng, dtype=self.dtype, stream=index)
        self.b = np.zeros(self.n_out, dtype=self.dtype)
        self.g = np.ones(self.n_out, dtype=self.dtype) if rmsnorm else None
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.dg = np.zeros_like(self.g) if rmsnorm else None
        self.clear_cache()

    @property
    def rmsnorm(self):
        return self.g is not None

    def forward(self, X):
        """a = f(X W + b) for X (N, n_in); caches what backward needs. Returns a (N, n_out)."""
        self.X = X
        z = X @ self.W + self.b
        if self.g is not None:
            self.z_raw = z
            z, self.z_hat, self.rms = rmsnorm_forward(z, self.g, self.eps)
        self.z = z
        self.a = self.activation.forward(z)
        return self.a

    def backward(self, da, need_dX=True):
        """Given da = ∂L/∂a (N, n_out), fill dW, db (and dg); return dX (N, n_in) or None."""
        return self.backward_from_z(self.activation.backward(self.z, self.a, da), need_dX)

    def backward_from_z(self, dz, need_dX=True):
        """Like :meth:`backward` but given dz = ∂L/∂z, the gradient at the activation's input.

        The fused softmax + cross-entropy and sigmoid + BCE gradients enter here.
        """
        if self.g is not None:
            dz, self.dg = rmsnorm_backward(dz, self.z_hat, self.rms, self.g)  # dz is now dz_raw
        self.dW = self.X.T @ dz
        self.db = dz.sum(axis=0)
        return dz @ self.W.T if need_dX else None

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
        self.X = self.z_raw = self.z = self.a = self.z_hat = self.rms = None

    def __repr__(self):
        norm = ", rmsnorm=True" if self.g is not None else ""
        return f"Dense({self.n_in}, {self.n_out}, activation={self.activation.name!r}{norm})"
