"""The dense layer: z = X W + b, then a = f(z), with optional normalisation and dropout.

Introduced in chapter 1 (a layer as a matrix product); its backward pass in chapter 2.

Shapes: X (N, n_in), W (n_in, n_out), b (n_out,), z and a (N, n_out). With a normalisation the
product gets a name of its own, z_raw = X W + b, and the activation receives its normalised,
scaled (and shifted) version z (see :mod:`ffnn.rmsnorm`, :mod:`ffnn.layernorm`,
:mod:`ffnn.batchnorm`). Either way ``z`` is what the activation receives.

Backward, given da = ∂L/∂a:

    dz = da ⊙ f'(z)  (a Jacobian-vector product for softmax)
    dW = Xᵀ dz,  db = Σ_N dz,  dX = dz Wᵀ           (dz_raw in place of dz with a normalisation)

With dropout p in training, the layer outputs a ⊙ m with m = 1[u ≥ p] / (1 - p), u ~ U(0, 1), so
each unit's expected output is a; backward multiplies da by the same m first.

Backward fills the gradients and never moves a parameter: that is the optimiser's job
(:mod:`ffnn.optim`). Each backward call overwrites the gradients; they never accumulate.
"""
import numpy as np

from . import activations as _activations
from . import init as _init
from ._validation import check_choice, check_real
from .batchnorm import batchnorm_backward, batchnorm_eval, batchnorm_forward, update_running
from .layernorm import layernorm_backward, layernorm_forward
from .rmsnorm import rmsnorm_backward, rmsnorm_forward

__all__ = ["Dense", "NORMALIZATIONS"]

NORMALIZATIONS = ("rmsnorm", "layernorm", "batchnorm")


class Dense:
    """A fully connected layer with its own activation.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths.
    activation : str or Activation
    init : str or Initializer
        Draws W (n_in, n_out), and b when the initialiser has ``bias=True`` (else b starts at 0).
    normalization : None, "rmsnorm", "layernorm" or "batchnorm"
        Normalise X W + b before the activation; the gain ``g`` starts at 1 and the shift ``beta``
        (layernorm and batchnorm) at 0.
    dropout : float in [0, 1)
        Inverted dropout on the layer's output in training.
    eps : float
        The normalisation's epsilon, inside the square root.
    dtype : str or numpy dtype
    rng : numpy.random.Generator
        Used by ``init`` unless the initialiser has its own seed.
    index : int
        The layer's position in its network: a seeded initialiser draws layer ``index`` from its
        own stream (see :class:`ffnn.init.Initializer`).
    dropout_rng : numpy.random.Generator
        Draws the dropout masks; the network passes its own seeded ``dropout_rng``, and a layer
        on its own without one draws from an unseeded generator.
    """

    def __init__(self, n_in, n_out, activation="linear", init="he_normal", normalization=None,
                 dropout=0.0, eps=1e-6, dtype="float64", rng=None, index=0, dropout_rng=None):
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.activation = _activations.get(activation)
        self.init = _init.get(init)
        self.normalization = None if normalization is None else \
            check_choice(normalization, "normalization", NORMALIZATIONS)
        self.dropout = check_real(dropout, "dropout", 0, 1, high_open=True)
        self.dropout_rng = dropout_rng if dropout_rng is not None else np.random.default_rng()
        self.dtype = np.dtype(dtype)
        self.eps = float(eps)
        self.W = self.init(self.n_in, self.n_out, rng=rng, dtype=self.dtype, stream=index)
        self.b = self.init.bias(self.n_in, self.n_out, rng=rng, dtype=self.dtype, stream=index)
        self.g = np.ones(self.n_out, dtype=self.dtype) if normalization else None
        self.beta = np.zeros(self.n_out, dtype=self.dtype) if normalization in ("layernorm", "batchnorm") else None
        if normalization == "batchnorm":
            self.running_mean = np.zeros(self.n_out, dtype=self.dtype)
            self.running_var = np.ones(self.n_out, dtype=self.dtype)
        self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)
        self.dg = None if self.g is None else np.zeros_like(self.g)
        self.dbeta = None if self.beta is None else np.zeros_like(self.beta)
        self.clear_cache()

    @property
    def rmsnorm(self):
        return self.normalization == "rmsnorm"

    def forward(self, X, training=True):
        """a = f(X W + b) for X (N, n_in); caches what backward needs. Returns a (N, n_out).

        ``training=True`` draws dropout masks and normalises BatchNorm with the batch's own
        statistics (updating the running ones); ``training=False`` does neither.
        """
        self.X, self.training = X, training
        z = X @ self.W + self.b
        if self.normalization is not None:
            self.z_raw = z
            z = self._normalize(z, training)
        self.z = z
        self.a = self.activation.forward(z)
        if training and self.dropout > 0:
            keep = self.dropout_rng.random(self.a.shape) >= self.dropout
            self.mask = keep * self.dtype.type(1 / (1 - self.dropout))
            return self.a * self.mask
        self.mask = None
        return self.a

    def _normalize(self, z_raw, training):
        if self.normalization == "rmsnorm":
            z, self.z_hat, self.sigma = rmsnorm_forward(z_raw, self.g, self.eps)
        elif self.normalization == "layernorm":
            z, self.z_hat, self.sigma = layernorm_forward(z_raw, self.g, self.beta, self.eps)
        elif training:
            if z_raw.shape[0] < 2:
                raise ValueError("X: batchnorm in training needs at least 2 rows per batch, got 1")
            z, self.z_hat, self.sigma = batchnorm_forward(z_raw, self.g, self.beta, self.eps)
            update_running(self.running_mean, self.running_var, z_raw)
        else:
            z, self.z_hat, self.sigma = batchnorm_eval(z_raw, self.g, self.beta, self.running_mean,
                                                       self.running_var, self.eps)
        return z

    def backward(self, da, need_dX=True):
        """Given da = ∂L/∂a (N, n_out), fill dW, db (dg, dbeta); return dX (N, n_in) or None."""
        if self.mask is not None:
            da = da * self.mask
        return self.backward_from_z(self.activation.backward(self.z, self.a, da), need_dX)

    def backward_from_z(self, dz, need_dX=True):
        """Like :meth:`backward` but given dz = ∂L/∂z, the gradient at the activation's input.

        The fused softmax + cross-entropy and sigmoid + BCE gradients enter here.
        """
        if self.normalization is not None:
            dz = self._normalize_backward(dz)  # dz is now dz_raw
        self.dW = self.X.T @ dz
        self.db = dz.sum(axis=0)
        return dz @ self.W.T if need_dX else None

    def _normalize_backward(self, dz):
        if self.normalization == "rmsnorm":
            dz_raw, self.dg = rmsnorm_backward(dz, self.z_hat, self.sigma, self.g)
        elif self.normalization == "layernorm":
            dz_raw, self.dg, self.dbeta = layernorm_backward(dz, self.z_hat, self.sigma, self.g)
        elif self.training:
            dz_raw, self.dg, self.dbeta = batchnorm_backward(dz, self.z_hat, self.sigma, self.g)
        else:  # the running statistics are constants: an affine map per feature
            dz_raw = dz * self.g / self.sigma
            self.dg, self.dbeta = np.sum(dz * self.z_hat, axis=0), np.sum(dz, axis=0)
        return dz_raw

    def parameters(self):
        """[(name, array)] of the trainable arrays, in a fixed order: W, b, then g and beta."""
        return [(name, p) for name, p in (("W", self.W), ("b", self.b), ("g", self.g), ("beta", self.beta))
                if p is not None]

    def gradients(self):
        """[(name, array)] of the gradients, in the order of :meth:`parameters`: dW, db, dg, dbeta."""
        return [(f"d{name}", getattr(self, f"d{name}")) for name, _ in self.parameters()]

    def buffers(self):
        """[(name, array)] of the state that is not trained: BatchNorm's running statistics."""
        if self.normalization != "batchnorm":
            return []
        return [("running_mean", self.running_mean), ("running_var", self.running_var)]

    def clear_cache(self):
        """Drop the arrays cached by forward (they can be large)."""
        self.X = self.z_raw = self.z = self.a = self.z_hat = self.sigma = self.mask = None
        self.training = True

    def __repr__(self):
        extra = f", normalization={self.normalization!r}" if self.normalization else ""
        extra += f", dropout={self.dropout:g}" if self.dropout else ""
        return f"Dense({self.n_in}, {self.n_out}, activation={self.activation.name!r}{extra})"
