"""Training history: one value per epoch for each metric.

Introduced in chapter 3 (the training loop).
"""

__all__ = ["History"]


class History(dict):
    """A dict of metric name -> list of floats, one per epoch (``"loss"``, ``"val_loss"``, ...).

    It accumulates across calls to ``fit``: the second call appends its epochs to the first's.
    """

    def append(self, **metrics):
        """Add one epoch's values, e.g. ``history.append(loss=0.3, val_loss=0.4)``."""
        for name, value in metrics.items():
            self.setdefault(name, []).append(float(value))

    @property
    def epochs(self):
        """Number of epochs recorded."""
        return len(self.get("loss", []))

    def best(self, metric="val_loss"):
        """(epoch index, value) of the lowest ``metric`` (highest for accuracies)."""
        values = self.get(metric)
        if not values:
            raise KeyError(f"metric: {metric!r} was not recorded; recorded: {sorted(self)}")
        pick = max if "accuracy" in metric else min
        i = pick(range(len(values)), key=values.__getitem__)
        return i, values[i]

    def __repr__(self):
        return f"History({dict.__repr__(self)})"
