"""ffnn: feed-forward neural networks from scratch in NumPy — the package the ffnn textbook builds.

>>> import ffnn
>>> model = ffnn.FFNN([784, 128, 64, 10], ["relu", "relu", "softmax"], "categorical_crossentropy")

The core (this namespace) needs only NumPy. The submodules ``plot``, ``widgets``, ``datasets``,
``experiments``, ``capstone``, ``config``, ``table``, ``comparison``, ``autograd``, ``metrics``,
``monitor`` and ``sklearn`` are imported on first use, so ``import ffnn`` stays fast and
scikit-learn / ipywidgets stay optional.
"""
import importlib

from . import activations, init, losses, optim, regularization, schedules
from .gradcheck import compare, gradcheck
from .history import History
from .layers import Dense
from .network import FFNN, DivergenceError
from .regularization import L1, L2

__version__ = "0.1.0"

load = FFNN.load

_LAZY = ("autograd", "capstone", "comparison", "config", "datasets", "experiments", "metrics", "monitor",
         "plot", "sklearn", "table", "widgets")

__all__ = ["FFNN", "Dense", "History", "L1", "L2", "DivergenceError", "compare", "gradcheck", "load",
           "activations", "init", "losses", "optim", "regularization", "schedules", "__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'ffnn' has no attribute {name!r}")
