"""Learning-rate schedules: the learning rate lr for each epoch.

Introduced in chapter 3 (weight updates). Each schedule follows ``torch.optim.lr_scheduler``
(stepped once per epoch), with the same arguments and defaults. Epochs count from 0, lr₀ is
``fit``'s ``learning_rate`` (``base_lr``), and lrₑ is the rate used throughout epoch e:

- Constant:           lrₑ = lr₀
- StepLR:             lrₑ = lr₀ γ^⌊e / step_size⌋
- ExponentialLR:      lrₑ = lr₀ γᵉ
- CosineAnnealingLR:  lrₑ = eta_min + (lr₀ - eta_min) (1 + cos(π e / T_max)) / 2
                      (from lr₀ at e = 0 down to eta_min at e = T_max, and back up after it)
- ReduceLROnPlateau:  watches a metric to minimise (a loss). An epoch improves when
                      metric < best (1 - threshold); after more than ``patience`` epochs in a row
                      without improvement, lr ← max(factor lr, min_lr) and the count restarts.

The first four are closed forms in e; torch computes the same numbers by multiplying the previous
lr, which can differ in the last bits. A schedule is used like this::

    schedule.start(base_lr)          # before the first epoch: lr = base_lr
    for epoch in range(epochs):
        ... train with schedule.lr ...
        schedule.step(metric)        # after each epoch (only ReduceLROnPlateau reads metric)

``get_config()`` holds the arguments and ``get_state()`` the progress (plain numbers, for JSON);
``set_state`` restores it, so a loaded model continues its schedule.
"""
import math

from ._registry import Configurable, Registry
from ._validation import check_int, check_positive, check_real

__all__ = ["Schedule", "Constant", "StepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau",
           "get", "from_config", "NAMES"]


class Schedule(Configurable):
    """Base class. ``start(base_lr)``, then ``lr`` for each epoch and ``step(metric)`` after it."""

    name = "schedule"

    def __init__(self):
        self.base_lr = None  # set by start
        self.epoch = 0
        self.lr = None

    def start(self, base_lr):
        """Begin at epoch 0 with lr = base_lr (a number > 0)."""
        self.base_lr = check_positive(base_lr, "base_lr")
        self.epoch = 0
        self.lr = self.base_lr

    @property
    def started(self):
        return self.base_lr is not None

    def step(self, metric=None):
        """Move on to the next epoch: lr becomes lr_at(epoch + 1). ``metric`` is not used."""
        self._check_started()
        self.epoch += 1
        self.lr = self.lr_at(self.epoch)

    def lr_at(self, epoch):
        """The learning rate of epoch ``epoch`` (the formula in the module docstring)."""
        raise NotImplementedError

    def _check_started(self):
        if not self.started:
            raise RuntimeError(f"{type(self).__name__}.step: call start(base_lr) first")

    def get_state(self):
        return {"base_lr": self.base_lr, "epoch": self.epoch, "lr": self.lr}

    def set_state(self, state):
        """Restore what ``get_state()`` returned, each value checked (``state['lr']``: ...)."""
        if not isinstance(state, dict):
            raise TypeError(f"state: expected a dict like get_state() returns, got {type(state).__name__}")
        missing = [key for key in self.get_state() if key not in state]
        if missing:
            raise ValueError(f"state: missing {', '.join(map(repr, missing))}")
        checked = {key: self._check_state(key, state[key]) for key in self.get_state()}
        if (checked["base_lr"] is None) != (checked["lr"] is None):
            raise ValueError("state: expected base_lr and lr both set (started) or both None, "
                             f"got base_lr={checked['base_lr']!r}, lr={checked['lr']!r}")
        for key, value in checked.items():
            setattr(self, key, value)

    @staticmethod
    def _check_state(key, value):
        argname = f"state[{key!r}]"
        if key in ("epoch", "bad_epochs"):
            return check_int(value, argname, minimum=0)
        if value is None:
            return None
        if key == "base_lr":
            return check_positive(value, argname)
        return check_real(value, argname, low=0 if key == "lr" else None)  # cosine annealing reaches 0


class Constant(Schedule):
    """lrₑ = lr₀: the same rate every epoch (what ``fit`` does without a schedule)."""

    name = "constant"

    def lr_at(self, epoch):
        return self.base_lr


class StepLR(Schedule):
    """lrₑ = lr₀ γ^⌊e / step_size⌋: multiply by γ every ``step_size`` epochs."""

    name = "step"

    def __init__(self, step_size, gamma=0.1):
        super().__init__()
        self.step_size = check_int(step_size, "step_size")
        self.gamma = check_real(gamma, "gamma", 0, 1, low_open=True)

    def get_config(self):
        return {"step_size": self.step_size, "gamma": self.gamma}

    def lr_at(self, epoch):
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(Schedule):
    """lrₑ = lr₀ γᵉ: multiply by γ every epoch."""

    name = "exponential"

    def __init__(self, gamma):
        super().__init__()
        self.gamma = check_real(gamma, "gamma", 0, 1, low_open=True)

    def get_config(self):
        return {"gamma": self.gamma}

    def lr_at(self, epoch):
        return self.base_lr * self.gamma ** epoch


class CosineAnnealingLR(Schedule):
    """lrₑ = eta_min + (lr₀ - eta_min) (1 + cos(π e / T_max)) / 2 (Loshchilov & Hutter, 2017).

    Half a cosine from lr₀ down to eta_min over T_max epochs; after T_max it rises again, as in
    torch (there are no restarts).
    """

    name = "cosine"

    def __init__(self, T_max, eta_min=0.0):
        super().__init__()
        self.T_max = check_int(T_max, "T_max")
        self.eta_min = check_real(eta_min, "eta_min", 0)

    def get_config(self):
        return {"T_max": self.T_max, "eta_min": self.eta_min}

    def lr_at(self, epoch):
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2


class ReduceLROnPlateau(Schedule):
    """lr ← max(factor lr, min_lr) after more than ``patience`` epochs without improvement.

    An epoch improves on the best metric so far when metric < best (1 - threshold) (torch's
    mode="min", threshold_mode="rel"), so a gain of exactly the threshold does not count. The
    first metric always improves (best starts at +∞). A reduction smaller than ``eps`` is skipped,
    as in torch, so lr stops falling once it is tiny.
    """

    name = "plateau"

    def __init__(self, factor=0.1, patience=10, threshold=1e-4, min_lr=0.0, eps=1e-8):
        super().__init__()
        self.factor = check_real(factor, "factor", 0, 1, low_open=True, high_open=True)
        self.patience = check_int(patience, "patience", minimum=0)
        self.threshold = check_real(threshold, "threshold", 0, 1, high_open=True)
        self.min_lr = check_real(min_lr, "min_lr", 0)
        self.eps = check_real(eps, "eps", 0)
        self.best = None  # None until the first metric: +∞
        self.bad_epochs = 0

    def get_config(self):
        return {"factor": self.factor, "patience": self.patience, "threshold": self.threshold,
                "min_lr": self.min_lr, "eps": self.eps}

    def start(self, base_lr):
        super().start(base_lr)
        self.best, self.bad_epochs = None, 0

    def step(self, metric=None):
        """Record the epoch's ``metric`` (a number to minimise, e.g. val_loss) and maybe reduce lr."""
        self._check_started()
        if metric is None:
            raise TypeError("metric: ReduceLROnPlateau.step needs the epoch's metric (e.g. val_loss)")
        metric = check_real(metric, "metric")
        self.epoch += 1
        if self.best is None or metric < self.best * (1 - self.threshold):
            self.best, self.bad_epochs = metric, 0
        else:
            self.bad_epochs += 1
        if self.bad_epochs > self.patience:
            new_lr = max(self.factor * self.lr, self.min_lr)
            if self.lr - new_lr > self.eps:
                self.lr = new_lr
            self.bad_epochs = 0

    def get_state(self):
        return {**super().get_state(), "best": self.best, "bad_epochs": self.bad_epochs}


_REGISTRY = Registry("schedule", Schedule,
                     (Constant, StepLR, ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau),
                     required=(("lr_at", "step"),))
NAMES = _REGISTRY.names


def get(schedule, argname="schedule"):
    """A Schedule for a Schedule, None (Constant) or a name whose arguments all have defaults
    (``"constant"``, ``"plateau"``); the others need their arguments, e.g. ``StepLR(10)``."""
    if schedule is None:
        return Constant()
    try:
        return _REGISTRY.get(schedule, argname)
    except TypeError:
        if not isinstance(schedule, str):
            raise
        cls = _REGISTRY.classes[schedule.strip().lower()]
        raise TypeError(f"{argname}: {schedule!r} needs arguments; pass ffnn.schedules.{cls.__name__}(...) "
                        f"instead of its name") from None


def from_config(name, config):
    """Rebuild a schedule from its name and ``get_config()`` (then ``set_state`` restores its progress)."""
    return _REGISTRY.from_config(name, config)
