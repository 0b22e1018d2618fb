"""Training diagnostics: per-layer statistics recorded once per epoch while ``fit`` trains.

Introduced in the "Looking inside" chapter (is my network healthy?).

``model.fit(X, y, monitor=True)`` adds, for every layer ``i`` (numbered as ``model.layers[i]``,
from 0), these entries to the history, one value per epoch:

- ``layers[i].update_ratio``: ‖ΔW‖ / ‖W‖ for one optimizer step, averaged over the measured steps
  (a healthy rate is near 1e-3; far above it the weights are thrown around, far below they
  barely move);
- ``layers[i].grad_norm``: ‖dW‖, averaged over the measured steps;
- ``layers[i].a_mean`` and ``layers[i].a_std``: mean and standard deviation of the layer's
  activations a over every example of the epoch (in training mode, before dropout);
- ``layers[i].dead`` (hidden ReLU layers): the fraction of units that were never positive on any
  example of the epoch. A dead unit passes no gradient back, so no step can revive it;
- ``layers[i].saturated`` (hidden sigmoid and tanh layers): the fraction of activations in the flat
  tails, where the slope is below 6 % of its largest: |tanh(z)| > 0.97, or |2σ(z) − 1| > 0.97.

The norms are Frobenius norms of the weight matrix W only (biases and gains are left out).
They are measured on every ``every``-th step of an epoch (steps 0, every, 2 every, ...; default
10): each needs a copy of W, which would cost more than the step itself for small batches. The
activation statistics use every batch.
"""
import numpy as np

from ._validation import check_int

__all__ = ["Monitor", "SATURATION"]

SATURATION = 0.97
"""|tanh(z)| (or |2σ(z) − 1|) above which an activation counts as saturated: slope < 6 % of max."""


class Monitor:
    """Collects the statistics of one epoch, batch by batch, for :meth:`ffnn.FFNN.fit`.

    ``fit`` calls :meth:`after_backward` once the batch's gradients are in place, and
    :meth:`after_step` once the optimizer has updated the weights; :meth:`end_epoch` returns
    the epoch's values and starts the next epoch afresh. Monitoring only reads the model: a run
    with ``monitor=True`` trains exactly like one without.
    """

    def __init__(self, every=10):
        self.every = check_int(every, "every")
        self._reset()

    def _reset(self):
        self._batches = 0
        self._steps = 0
        self._rows = 0
        self._sums = {}       # name -> running sum over the epoch
        self._ever_positive = {}
        self._W_before = []

    def _add(self, name, value):
        self._sums[name] = self._sums.get(name, 0.0) + value

    def after_backward(self, layers):
        """Record the batch's activations and gradient norms, and remember W before the step."""
        n = layers[0].a.shape[0]
        self._rows += n
        for i, layer in enumerate(layers):
            a = layer.a
            self._add(f"layers[{i}].a_sum", float(np.sum(a, dtype=np.float64)))
            self._add(f"layers[{i}].a_sq_sum", float(np.vdot(a, a)))
            name = layer.activation.name if i < len(layers) - 1 else "output"  # hidden units only
            if name == "relu":
                positive = (layer.a > 0).any(axis=0)
                seen = self._ever_positive.get(i)
                self._ever_positive[i] = positive if seen is None else seen | positive
            elif name in ("sigmoid", "tanh"):
                centred = 2 * a - 1 if name == "sigmoid" else a  # tanh(z/2) = 2σ(z) − 1
                self._add(f"layers[{i}].saturated", np.count_nonzero(np.abs(centred) > SATURATION) / a.shape[1])
        self._measure = self._batches % self.every == 0
        self._batches += 1
        if self._measure:
            for i, layer in enumerate(layers):
                self._add(f"layers[{i}].grad_norm", np.linalg.norm(layer.dW))
            self._W_before = [layer.W.copy() for layer in layers]

    def after_step(self, layers):
        """Record ‖ΔW‖ / ‖W‖ of the step just taken, if it is one of the measured steps."""
        if not self._measure:
            return
        self._steps += 1
        for i, (layer, before) in enumerate(zip(layers, self._W_before)):
            norm = np.linalg.norm(before)
            ratio = np.linalg.norm(layer.W - before) / norm if norm > 0 else np.inf
            self._add(f"layers[{i}].update_ratio", ratio)

    def end_epoch(self, layers):
        """The epoch's values, ``{"layers[0].update_ratio": ..., ...}``; then start afresh."""
        if self._steps == 0:
            raise RuntimeError("Monitor.end_epoch: no step was recorded in this epoch")
        out = {}
        for i, layer in enumerate(layers):
            key = f"layers[{i}]"
            width = layer.W.shape[1]
            mean = self._sums[f"{key}.a_sum"] / (self._rows * width)
            var = self._sums[f"{key}.a_sq_sum"] / (self._rows * width) - mean ** 2
            out[f"{key}.update_ratio"] = self._sums[f"{key}.update_ratio"] / self._steps
            out[f"{key}.grad_norm"] = self._sums[f"{key}.grad_norm"] / self._steps
            out[f"{key}.a_mean"] = mean
            out[f"{key}.a_std"] = np.sqrt(max(var, 0.0))
            if i in self._ever_positive:
                out[f"{key}.dead"] = 1.0 - self._ever_positive[i].mean()
            if f"{key}.saturated" in self._sums:
                out[f"{key}.saturated"] = self._sums[f"{key}.saturated"] / self._rows
        self._reset()
        return out
