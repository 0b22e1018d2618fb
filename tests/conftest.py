"""Shared tables for the ffnn tests, MiniTorch style: one table of activations and one of
(loss, output activation) pairs, each row carrying a reference implementation, reused by every test.

A test asks for a row by naming an argument:

- ``act``       every activation (hidden-layer candidates), with a scalar/row reference formula;
- ``eact``      the element-wise activations only (all but softmax);
- ``loss_case`` every (loss, output activation) pair the network accepts.

``pytest_generate_tests`` parametrises such tests over the table, so adding an activation here adds
it to every test at once. Nothing here imports from test modules (and test modules never import
this file), so it works under any pytest import mode.
"""
import math
from dataclasses import dataclass, field

import numpy as np
import pytest

import ffnn


# ----------------------------------------------------------------------------- activations
def _softmax_row(row):
    m = max(row)
    e = [math.exp(v - m) for v in row]
    s = sum(e)
    return [v / s for v in e]


@dataclass(frozen=True)
class ActCase:
    """One activation: its name in ffnn, a reference written with the math module, its kinks.

    ``ref`` maps a float to a float (element-wise) or, for softmax, a row (list) to a row.
    ``kinks`` are the points where f' jumps; finite differences across them are meaningless.
    ``d_at_kink`` is ffnn's documented convention for f'(kink).
    """

    name: str
    ref: object
    elementwise: bool = True
    kinks: tuple = ()
    d_at_kink: float = None

    def reference(self, z):
        """Apply ``ref`` to a 2-D float64 array, element by element (or row by row)."""
        z = np.asarray(z, dtype=np.float64)
        if self.elementwise:
            return np.array([[self.ref(float(v)) for v in row] for row in z])
        return np.array([self.ref([float(v) for v in row]) for row in z])

    def distance_to_kink(self, z):
        """Smallest |z - kink| over all entries (inf for smooth activations)."""
        if not self.kinks:
            return math.inf
        return min(float(np.abs(np.asarray(z) - k).min()) for k in self.kinks)

    def assert_away_from_kinks(self, z, margin=1e-3):
        """Fail loudly if any entry of z is within ``margin`` of a kink.

        Every finite-difference test calls this on the activation's actual input, so it cannot pass
        by accident with a perturbation straddling a kink.
        """
        d = self.distance_to_kink(z)
        assert d > margin, f"{self.name}: an input is {d:.2e} from a kink (margin {margin})"

    def __str__(self):
        return self.name


ACTIVATIONS = (
    ActCase("linear", lambda z: z),
    ActCase("relu", lambda z: max(0.0, z), kinks=(0.0,), d_at_kink=0.0),
    ActCase("sigmoid", lambda z: 1.0 / (1.0 + math.exp(-z))),
    ActCase("tanh", math.tanh),
    ActCase("softmax", _softmax_row, elementwise=False),
    ActCase("leaky_relu", lambda z: z if z > 0 else 0.01 * z, kinks=(0.0,), d_at_kink=0.01),
    # ELU (alpha=1) has a continuous f' but a jump in f''; keep finite differences off it too.
    ActCase("elu", lambda z: z if z > 0 else math.expm1(z), kinks=(0.0,), d_at_kink=1.0),
    ActCase("gelu", lambda z: 0.5 * z * (1.0 + math.erf(z / math.sqrt(2.0)))),
    ActCase("swish", lambda z: z / (1.0 + math.exp(-z))),
    ActCase("softplus", lambda z: math.log1p(math.exp(z))),
)
ELEMENTWISE = tuple(a for a in ACTIVATIONS if a.elementwise)


# ----------------------------------------------------------------------------- losses
@dataclass(frozen=True)
class LossCase:
    """A (loss, output activation) pair the network accepts, and how to draw valid targets."""

    loss: str
    output: str
    fused: bool = field(default=False)

    def targets(self, rng, N, K):
        """Y (N, K) float64: real numbers for MSE, soft targets in [0, 1] for BCE, one-hot for CCE."""
        if self.loss == "mse":
            return rng.normal(size=(N, K))
        if self.loss == "binary_crossentropy":
            return rng.uniform(0.0, 1.0, size=(N, K))
        return np.eye(K)[rng.integers(0, K, size=N)]

    @property
    def id(self):
        return f"{self.loss}-{self.output}" + ("-fused" if self.fused else "")


LOSS_CASES = (
    LossCase("mse", "linear", fused=True),  # a linear output: the fused forms are the plain ones
    LossCase("mse", "softmax"),  # the softmax Jacobian-vector product path
    LossCase("mse", "sigmoid"),
    LossCase("binary_crossentropy", "sigmoid", fused=True),
    LossCase("binary_crossentropy", "softmax"),
    LossCase("categorical_crossentropy", "softmax", fused=True),
)


def pytest_generate_tests(metafunc):
    if "act" in metafunc.fixturenames:
        metafunc.parametrize("act", ACTIVATIONS, ids=[a.name for a in ACTIVATIONS])
    if "eact" in metafunc.fixturenames:
        metafunc.parametrize("eact", ELEMENTWISE, ids=[a.name for a in ELEMENTWISE])
    if "loss_case" in metafunc.fixturenames:
        metafunc.parametrize("loss_case", LOSS_CASES, ids=[c.id for c in LOSS_CASES])


# ----------------------------------------------------------------------------- tiny networks
def randomize(model, rng, bias_scale=0.5):
    """Give every bias (and normalisation gain and shift) a random non-trivial value, in place.

    Fresh models have b = 0, g = 1 and beta = 0, which would hide a backward pass that drops db,
    dg or dbeta.
    """
    for layer in model.layers:
        layer.b[...] = rng.normal(0.0, bias_scale, size=layer.b.shape)
        if layer.g is not None:
            layer.g[...] = rng.uniform(0.5, 1.5, size=layer.g.shape)
        if layer.beta is not None:
            layer.beta[...] = rng.normal(0.2, bias_scale, size=layer.beta.shape)
    return model


def kink_distance(model, X, act_cases):
    """Smallest distance of any kinked activation's input to its kink, over every layer, in the
    training pass; the dropout generator is put back, so the next training pass (gradcheck's)
    draws the same masks."""
    state = model.dropout_rng.bit_generator.state
    model.forward(X)
    model.dropout_rng.bit_generator.state = state
    d = math.inf
    for layer, case in zip(model.layers, act_cases):
        d = min(d, case.distance_to_kink(layer.z))
    return d


@pytest.fixture
def tiny_problem():
    """Factory: a randomised [4, 5, 4, 3] network plus (X, Y), inputs away from every kink.

    ``tiny_problem(act, loss_case, regularization=None, rmsnorm=False, seed=0, normalization=None,
    dropout=0.0)`` returns
    (model, X, Y). Inputs are asymmetric (non-zero mean, N=6 rows); if a kinked activation's input
    lands within 1e-3 of its kink, X is redrawn, and the final state is asserted.
    """
    by_name = {a.name: a for a in ACTIVATIONS}

    def make(act, loss_case, regularization=None, rmsnorm=False, seed=0, sizes=(4, 5, 4, 3), N=6,
             margin=1e-3, normalization=None, dropout=0.0):
        rng = np.random.default_rng(seed)
        n_hidden = len(sizes) - 2
        names = [act.name] * n_hidden + [loss_case.output]
        model = ffnn.FFNN(list(sizes), names, loss_case.loss, init="xavier_normal",
                          regularization=regularization, rmsnorm=rmsnorm, seed=seed,
                          normalization=normalization, dropout=dropout)
        randomize(model, rng)
        if regularization is not None and regularization.name == "l1":
            # |W| has a kink at 0 too: move every weight at least 0.05 away from it.
            for layer in model.layers:
                layer.W[...] = np.sign(layer.W) * (np.abs(layer.W) + 0.05)
        cases = [by_name[n] for n in names]
        for _ in range(50):
            X = rng.normal(0.3, 1.0, size=(N, sizes[0]))
            if kink_distance(model, X, cases) > margin:
                break
        for layer, case in zip(model.layers, cases):
            case.assert_away_from_kinks(layer.z, margin)
        if regularization is not None and regularization.name == "l1":
            w_min = min(float(np.abs(layer.W).min()) for layer in model.layers)
            assert w_min > margin, f"L1: a weight is {w_min:.2e} from 0"
        Y = loss_case.targets(rng, N, sizes[-1])
        return model, X, Y

    return make


@pytest.fixture
def activation_table():
    return ACTIVATIONS


@pytest.fixture
def loss_table():
    return LOSS_CASES
