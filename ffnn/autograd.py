"""Scalar reverse-mode automatic differentiation: the whole idea on one screen.

Introduced in chapter 2 (the chain rule and backprop).

A :class:`Value` wraps one float. Every operation returns a new ``Value`` that remembers its operands
(``_prev``, in operand order) and the name of the operation (``_op``). Each operation states its
forward value and its local derivatives on one line; ``_unary`` / ``_binary`` turn them into the
closure ``_backward`` that applies the chain rule

    child.grad += (∂out/∂child) · out.grad

``root.backward()`` visits the graph in reverse topological order, so a node's ``grad`` is complete
before it is passed on to its children; ``+=`` makes a node used twice (``a * a``) collect both paths.

**Gradient semantics.** Leaf gradients ACCUMULATE (``+=``) across ``backward()`` calls, as in
PyTorch: call ``zero_grad()`` before the next backward pass. Interior nodes (results of operations)
are reset at the start of every ``backward()``, so their ``grad`` is ∂root/∂node of the latest call.

The helpers at the bottom (``from_array``, ``dense``, ``softmax``, ``mse``, ...) build the scalar twin
of a small dense network on nested lists, so its gradients can be compared with ``ffnn.FFNN``.
"""
import math
from functools import reduce
from operator import add

import numpy as np

from ._validation import check_choice, check_real, is_real
from . import losses

__all__ = ["Value", "topo_order", "zero_grad", "from_array", "data", "grads", "dense", "softmax",
           "mse", "binary_crossentropy", "categorical_crossentropy", "ACTIVATIONS"]


def _sigmoid(x):
    # e^{-|x|} never overflows, so σ is exact and warning-free for any finite x.
    e = math.exp(-abs(x))
    return 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)


class Value:
    """A scalar node of a computation graph: ``data`` (float), ``grad`` = ∂root/∂self (float).

    ``Value(2.0, label="x")``; ``data`` must be a finite real number (TypeError / ValueError).
    Leaf gradients accumulate across ``backward()`` calls; reset them with ``zero_grad()``.
    NumPy object arrays of Values work too: ``X @ np.array(from_array(W), dtype=object)``.
    """

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = check_real(data, f"data (result of {_op!r})" if _op else "data")
        if not isinstance(label, str):
            raise TypeError(f"label: expected a str, got {type(label).__name__}")
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        self.label = label
        self._backward = lambda: None

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    @staticmethod
    def _lift(other):
        return other if isinstance(other, Value) else Value(other)

    # ---- binary operations: forward value and both local derivatives on one line ----------------
    def _binary(self, other, op, f):
        """Node out = a <op> b, where f(a, b) returns (out.data, ∂out/∂a, ∂out/∂b)."""
        if not (isinstance(other, Value) or is_real(other)):
            return NotImplemented
        other = self._lift(other)
        y, d_self, d_other = f(self.data, other.data)
        out = Value(y, (self, other), op)
        def _backward():  # chain rule; += so that a * a collects both paths
            self.grad += d_self * out.grad
            other.grad += d_other * out.grad
        out._backward = _backward
        return out

    def __add__(self, other):
        """a + b;  ∂/∂a = 1, ∂/∂b = 1."""
        return self._binary(other, "+", lambda a, b: (a + b, 1.0, 1.0))

    def __sub__(self, other):
        """a - b;  ∂/∂a = 1, ∂/∂b = -1."""
        return self._binary(other, "-", lambda a, b: (a - b, 1.0, -1.0))

    def __mul__(self, other):
        """a · b;  ∂/∂a = b, ∂/∂b = a."""
        return self._binary(other, "*", lambda a, b: (a * b, b, a))

    def __truediv__(self, other):
        """a / b;  ∂/∂a = 1/b, ∂/∂b = -a/b²."""
        return self._binary(other, "/", lambda a, b: (a / b, 1.0 / b, -a / (b * b)))

    def __radd__(self, other):  # other + self
        return self._lift(other) + self if is_real(other) else NotImplemented

    def __rsub__(self, other):  # other - self
        return self._lift(other) - self if is_real(other) else NotImplemented

    def __rmul__(self, other):  # other * self
        return self._lift(other) * self if is_real(other) else NotImplemented

    def __rtruediv__(self, other):  # other / self
        return self._lift(other) / self if is_real(other) else NotImplemented

    def __pow__(self, exponent):
        """x^k for a number k;  ∂/∂x = k x^(k-1)."""
        if isinstance(exponent, Value):
            raise TypeError("exponent: expected a number, got a Value (write (k * x.log()).exp())")
        k = check_real(exponent, "exponent")
        y = self.data ** k
        if isinstance(y, complex):
            raise ValueError(f"exponent: {self.data!r} ** {k!r} is not a real number")
        return self._unary(y, lambda: k * self.data ** (k - 1), f"**{k:g}")

    # ---- unary operations: y = f(x) beside f'(x) -----------------------------------------------
    def _unary(self, y, local, op):
        """Node out = f(self) with out.data = y; ``local()`` returns f'(x) when backward needs it."""
        out = Value(y, (self,), op)
        def _backward():
            self.grad += local() * out.grad
        out._backward = _backward
        return out

    def __neg__(self):
        """-x;  d/dx = -1."""
        return self._unary(-self.data, lambda: -1.0, "neg")

    def exp(self):
        """e^x;  d/dx = e^x."""
        y = math.exp(self.data)
        return self._unary(y, lambda: y, "exp")

    def log(self):
        """ln x for x > 0;  d/dx = 1/x."""
        if self.data <= 0:
            raise ValueError(f"log: expected data > 0, got {self.data!r}")
        return self._unary(math.log(self.data), lambda: 1.0 / self.data, "log")

    def tanh(self):
        """tanh x;  d/dx = 1 - tanh²x."""
        t = math.tanh(self.data)
        return self._unary(t, lambda: 1.0 - t * t, "tanh")

    def sigmoid(self):
        """σ(x) = 1/(1 + e^{-x}), stable for any finite x;  d/dx = σ(x)(1 - σ(x))."""
        s = _sigmoid(self.data)
        return self._unary(s, lambda: s * (1.0 - s), "sigmoid")

    def relu(self):
        """max(0, x);  d/dx = 1 if x > 0 else 0 (0 at the kink, as in ffnn.activations)."""
        x = self.data
        return self._unary(x if x > 0 else 0.0, lambda: 1.0 if x > 0 else 0.0, "relu")

    def leaky_relu(self, slope=0.01):
        """x if x > 0 else slope·x;  d/dx = 1 if x > 0 else slope."""
        x = self.data
        return self._unary(x if x > 0 else slope * x, lambda: 1.0 if x > 0 else slope, "leaky_relu")

    def elu(self, alpha=1.0):
        """x if x > 0 else α(e^x - 1);  d/dx = 1 if x > 0 else α e^x."""
        x = self.data
        return self._unary(x if x > 0 else alpha * math.expm1(x),
                           lambda: 1.0 if x > 0 else alpha * math.exp(x), "elu")

    def softplus(self):
        """log(1 + e^x) = max(x, 0) + log1p(e^{-|x|});  d/dx = σ(x)."""
        x = self.data
        return self._unary(max(x, 0.0) + math.log1p(math.exp(-abs(x))), lambda: _sigmoid(x), "softplus")

    def gelu(self):
        """Exact GELU x Φ(x), Φ(x) = (1 + erf(x/√2))/2;  d/dx = Φ(x) + x φ(x), φ = e^{-x²/2}/√(2π)."""
        x = self.data
        cdf = 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))
        pdf = math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
        return self._unary(x * cdf, lambda: cdf + x * pdf, "gelu")

    def swish(self):
        """x σ(x);  d/dx = σ(x) + x σ(x)(1 - σ(x))."""
        x, s = self.data, _sigmoid(self.data)
        return self._unary(x * s, lambda: s + x * s * (1.0 - s), "swish")

    # ---- the backward pass -----------------------------------------------------------------------
    def backward(self):
        """Fill ``grad`` = ∂self/∂node for every node of the graph below ``self``.

        Interior nodes are reset to 0 first and ``self.grad`` is seeded with 1; leaves ACCUMULATE
        (``+=``), so two calls double every leaf gradient. Iterative: deep graphs are fine.
        """
        order = topo_order(self)
        for node in order:
            if node._prev:
                node.grad = 0.0
        self.grad += 1.0
        for node in reversed(order):
            node._backward()

    def zero_grad(self):
        """Set ``grad = 0`` on every node of the graph below ``self`` (leaves included)."""
        zero_grad(self)


def topo_order(root):
    """All nodes reachable from ``root``, each once, children before parents (``root`` last).

    Iterative depth-first post-order, so a chain of 10⁵ nodes does not hit the recursion limit.
    Needs only ``_prev`` (the operands) and tells nodes apart by identity, so ``ffnn.plot`` walks
    any engine's graph with it.
    """
    if not hasattr(root, "_prev"):
        raise TypeError(f"root: expected a Value (an object with _prev), got {type(root).__name__}")
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node._prev) if id(child) not in seen)
    return order


# ---- nested lists of Values <-> NumPy arrays ---------------------------------------------------
def _map(nested, f):
    if isinstance(nested, Value):
        return f(nested)
    if isinstance(nested, (list, tuple)):
        return [_map(item, f) for item in nested]
    raise TypeError(f"nested: expected a Value or nested lists of Values, got {type(nested).__name__}")


def zero_grad(nested):
    """Set ``grad = 0`` on every Value in ``nested`` (a Value or nested lists) and on its whole graph."""
    def reset(v):
        for node in topo_order(v):
            node.grad = 0.0
    _map(nested, reset)


def data(nested):
    """NumPy float64 array of ``.data`` with the shape of the nested lists."""
    return np.array(_map(nested, lambda v: v.data), dtype=np.float64)


def grads(nested):
    """NumPy float64 array of ``.grad`` with the shape of the nested lists (e.g. dW for W)."""
    return np.array(_map(nested, lambda v: v.grad), dtype=np.float64)


def from_array(arr, label_prefix=""):
    """Nested lists of leaf Values with the shape of ``arr``; labels like ``"W[0,1]"``.

    A 0-d array gives a single Value labelled ``label_prefix``.
    """
    a = np.asarray(arr)
    if a.dtype.kind not in "iuf":
        raise TypeError(f"arr: expected a numeric array, got dtype {a.dtype}")
    if not np.all(np.isfinite(a)):
        raise ValueError("arr: expected finite numbers, got NaN or inf")
    if not isinstance(label_prefix, str):
        raise TypeError(f"label_prefix: expected a str, got {type(label_prefix).__name__}")

    def build(idx):
        if len(idx) == a.ndim:
            name = f"{label_prefix}[{','.join(map(str, idx))}]" if label_prefix and idx else label_prefix
            return Value(float(a[idx]), label=name)
        return [build(idx + (i,)) for i in range(a.shape[len(idx)])]
    return build(())


# ---- the scalar twin of a dense network --------------------------------------------------------
ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "gelu", "swish",
               "softplus")


def _total(terms):
    # Left-to-right sum without the constant 0 node that builtins.sum would add.
    return reduce(add, terms) if terms else Value(0.0)


def softmax(row):
    """a_k = e^{z_k - m} / Σ_j e^{z_j - m} over one row of Values; m = max z is a constant (no gradient
    needed: softmax is shift-invariant) that keeps e^{z - m} ≤ 1."""
    m = max(Value._lift(z).data for z in row)
    e = [(Value._lift(z) - m).exp() for z in row]
    s = _total(e)
    return [ek / s for ek in e]


def dense(X, W, b, activation="linear"):
    """One dense layer on nested lists: a[n][j] = f(Σ_k X[n][k] W[k][j] + b[j]).

    X (N × n_in), W (n_in × n_out), b (n_out,): nested lists of Values or numbers; returns N × n_out
    Values. ``activation``: a name from ``ACTIVATIONS`` (``None`` = "linear"; "softmax" acts row-wise)
    or a callable Value -> Value.
    """
    n_in, n_out = len(W), len(b)
    if n_in == 0 or n_out == 0 or any(len(row) != n_out for row in W):
        raise ValueError(f"W: expected n_in × n_out nested lists with n_in ≥ 1 and n_out = len(b) = {n_out}, "
                         f"got {n_in} rows of lengths {sorted({len(row) for row in W})}")
    if len(X) == 0 or any(len(row) != n_in for row in X):
        raise ValueError(f"X: expected N ≥ 1 rows of n_in = len(W) = {n_in} entries, "
                         f"got row lengths {sorted({len(row) for row in X})}")
    activation = "linear" if activation is None else activation
    if not (isinstance(activation, str) or callable(activation)):
        raise TypeError(f"activation: expected a name or a callable, got {type(activation).__name__}")
    if isinstance(activation, str):
        check_choice(activation, "activation", ACTIVATIONS)
    Z = [[Value._lift(_total([x * W[k][j] for k, x in enumerate(row)]) + b[j]) for j in range(n_out)]
         for row in X]
    if activation == "linear":
        return Z
    if activation == "softmax":
        return [softmax(z) for z in Z]
    f = getattr(Value, activation) if isinstance(activation, str) else activation
    return [[f(z) for z in row] for row in Z]


def _targets(y_hat, Y, loss):
    """Y as an (N, K) float64 array, by the rule ffnn.FFNN follows (:func:`ffnn.losses.targets`):
    labels (N,) are one-hot for categorical cross-entropy and one column for K = 1."""
    rows = (list, tuple, np.ndarray)
    if not (isinstance(y_hat, rows) and len(y_hat) and all(isinstance(r, rows) for r in y_hat)
            and len({len(r) for r in y_hat}) == 1 and len(y_hat[0])
            and all(isinstance(p, Value) for r in y_hat for p in r)):
        raise TypeError(f"y_hat: expected N × K nested lists of Values (as dense returns), N, K >= 1, "
                        f"got {type(y_hat).__name__}")
    N, K = len(y_hat), len(y_hat[0])
    Y = losses.targets(Y, K, losses.get(loss), argname="Y")
    if Y.shape[0] != N:
        raise ValueError(f"Y: expected {N} rows to match y_hat, got {Y.shape[0]}")
    return Y


def mse(y_hat, Y):
    """L = 1/(N K) Σ_{n,k} (ŷ_nk - y_nk)²; y_hat N × K Values, Y array-like (N, K), or (N,) for K = 1."""
    Y = _targets(y_hat, Y, "mse")
    return _total([(p - float(y)) ** 2 for row, yrow in zip(y_hat, Y) for p, y in zip(row, yrow)]) / Y.size


def binary_crossentropy(y_hat, Y):
    """L = -1/(N K) Σ_{n,k} [y log ŷ + (1 - y) log(1 - ŷ)]; Y (N, K) in [0, 1], or labels (N,)
    for K = 1; terms with a zero weight are skipped."""
    Y = _targets(y_hat, Y, "binary_crossentropy")
    terms = [float(w) * q.log() for row, yrow in zip(y_hat, Y) for p, y in zip(row, yrow)
             for w, q in ((y, p), (1.0 - y, 1.0 - p)) if w != 0]
    return -_total(terms) / Y.size


def categorical_crossentropy(y_hat, Y):
    """L = -1/N Σ_n Σ_k y_nk log ŷ_nk; Y one-hot (N, K) or integer labels (N,); zero terms skipped."""
    Y = _targets(y_hat, Y, "categorical_crossentropy")
    terms = [float(y) * p.log() for row, yrow in zip(y_hat, Y) for p, y in zip(row, yrow) if y != 0]
    return -_total(terms) / len(Y)
