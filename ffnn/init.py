"""Initialisers: W = init(n_in, n_out) of shape (n_in, n_out), and b = init.bias(n_out).

Introduced in chapter 1 (forward propagation), where their effect on activations through depth is
plotted.

| name             | distribution of each W_ij                                  |
| ---------------- | ---------------------------------------------------------- |
| ``zeros``        | 0                                                          |
| ``uniform``      | U(low, high), default U(-0.05, 0.05)                       |
| ``normal``       | N(mean, variance), default N(0, 0.01)                      |
| ``xavier_uniform`` | U(-√(6/(n_in+n_out)), +√(6/(n_in+n_out)))                |
| ``xavier_normal``  | N(0, 2/(n_in+n_out))                                     |
| ``he_uniform``   | U(-√(6/n_in), +√(6/n_in))                                  |
| ``he_normal``    | N(0, 2/n_in)                                               |

Biases start at 0 unless the initialiser is made with ``bias=True``: then each b_j is drawn from
the same distribution as the W_ij (with the layer's n_in and n_out), e.g.
``ffnn.init.Uniform(-0.1, 0.1, bias=True)``.

Each initialiser takes an optional ``seed``; without one it draws from the generator the model
passes in (seeded by the model's ``seed``), so a model is reproducible either way.
"""
import math

import numpy as np

from ._registry import Configurable, Registry
from ._validation import check_bool, check_int, check_real

__all__ = ["Initializer", "Zeros", "Uniform", "Normal", "XavierUniform", "XavierNormal",
           "HeUniform", "HeNormal", "get", "NAMES"]


class Initializer(Configurable):
    """Base class: ``init(n_in, n_out, rng=None, dtype="float64")`` returns W (n_in, n_out)."""

    name = "initializer"

    def __init__(self, seed=None, bias=False):
        self.seed = None if seed is None else check_int(seed, "seed", minimum=0)
        self.bias_too = check_bool(bias, "bias")

    def _rng(self, rng, stream=0, bias=False):
        if self.seed is not None:
            # Each layer of a network gets its own stream, so that one seeded initialiser shared by
            # several layers does not give same-shaped layers identical weights; biases get a
            # stream of their own so that b does not repeat W's first draws.
            key = [self.seed, stream, 1] if bias else (self.seed if stream == 0 else [self.seed, stream])
            return np.random.default_rng(key)
        return rng if rng is not None else np.random.default_rng()

    def sample(self, rng, shape, fan_in, fan_out):
        """Draw an array of ``shape`` for a layer with ``fan_in`` inputs and ``fan_out`` outputs."""
        raise NotImplementedError

    def __call__(self, n_in, n_out, rng=None, dtype="float64", stream=0):
        """W (n_in, n_out) drawn from ``rng``, or from the initialiser's own seed if it has one.

        ``stream`` (the layer's index in a network) selects an independent stream of a seeded
        initialiser: ``default_rng(seed)`` for stream 0, ``default_rng([seed, stream])`` after.
        """
        n_in, n_out = check_int(n_in, "n_in"), check_int(n_out, "n_out")
        self.fan_in, self.fan_out = n_in, n_out
        return np.asarray(self.sample(self._rng(rng, stream), (n_in, n_out), n_in, n_out), dtype=dtype)

    def bias(self, n_in, n_out, rng=None, dtype="float64", stream=0):
        """b (n_out,) of a layer with n_in inputs: zeros, or with ``bias=True`` drawn like W."""
        if not self.bias_too:
            return np.zeros(n_out, dtype=dtype)
        rng = self._rng(rng, stream, bias=True)
        return np.asarray(self.sample(rng, (n_out,), n_in, n_out), dtype=dtype)

    def get_config(self):
        """The constructor arguments, as a JSON-friendly dict (``bias`` only when True)."""
        return {"seed": self.seed, **({"bias": True} if self.bias_too else {})}


class Zeros(Initializer):
    """W = 0. Every neuron of a layer then computes the same thing: symmetry is never broken."""

    name = "zeros"

    def __init__(self):
        super().__init__(None)

    def sample(self, rng, shape, fan_in, fan_out):
        return np.zeros(shape)

    def get_config(self):
        return {}


class Uniform(Initializer):
    """W_ij ~ U(low, high)."""

    name = "uniform"

    def __init__(self, low=-0.05, high=0.05, seed=None, bias=False):
        super().__init__(seed, bias)
        self.low, self.high = check_real(low, "low"), check_real(high, "high")
        if not self.low < self.high:
            raise ValueError(f"low, high: expected low < high, got low={low!r}, high={high!r}")

    def sample(self, rng, shape, fan_in, fan_out):
        return rng.uniform(self.low, self.high, size=shape)

    def get_config(self):
        return {"low": self.low, "high": self.high, **super().get_config()}


class Normal(Initializer):
    """W_ij ~ N(mean, variance) (note: the *variance*, not the standard deviation)."""

    name = "normal"

    def __init__(self, mean=0.0, variance=0.01, seed=None, bias=False):
        super().__init__(seed, bias)
        self.mean, self.variance = check_real(mean, "mean"), check_real(variance, "variance", low=0)

    def sample(self, rng, shape, fan_in, fan_out):
        return rng.normal(self.mean, math.sqrt(self.variance), size=shape)

    def get_config(self):
        return {"mean": self.mean, "variance": self.variance, **super().get_config()}


class XavierUniform(Initializer):
    """Glorot/Xavier uniform: W_ij ~ U(-l, l) with l = √(6 / (n_in + n_out))."""

    name = "xavier_uniform"

    def sample(self, rng, shape, fan_in, fan_out):
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=shape)


class XavierNormal(Initializer):
    """Glorot/Xavier normal: W_ij ~ N(0, 2 / (n_in + n_out))."""

    name = "xavier_normal"

    def sample(self, rng, shape, fan_in, fan_out):
        return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=shape)


class HeUniform(Initializer):
    """He/Kaiming uniform: W_ij ~ U(-l, l) with l = √(6 / n_in)."""

    name = "he_uniform"

    def sample(self, rng, shape, fan_in, fan_out):
        limit = math.sqrt(6.0 / fan_in)
        return rng.uniform(-limit, limit, size=shape)


class HeNormal(Initializer):
    """He/Kaiming normal: W_ij ~ N(0, 2 / n_in)."""

    name = "he_normal"

    def sample(self, rng, shape, fan_in, fan_out):
        return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=shape)


_REGISTRY = Registry("initializer", Initializer,
                     (Zeros, Uniform, Normal, XavierUniform, XavierNormal, HeUniform, HeNormal), aliases={
                         "glorot_uniform": "xavier_uniform", "glorot_normal": "xavier_normal",
                         "kaiming_uniform": "he_uniform", "kaiming_normal": "he_normal", "zero": "zeros"},
                     required=("sample",))
NAMES = _REGISTRY.names


def get(init, argname="init"):
    """Return an Initializer for a name such as ``"he_normal"`` or an Initializer object."""
    return _REGISTRY.get(init, argname)


def from_config(name, config):
    """Rebuild an initializer from its ``name`` and ``get_config()`` (used by ffnn.load)."""
    return _REGISTRY.from_config(name, config)
