"""ffnn: feed-forward neural networks from scratch in NumPy — the package the ffnn textbook builds.

>>> import ffnn
>>> model = ffnn.FFNN([784, 128, 64, 10], ["relu", "relu", "softmax"], "categorical_crossentropy")
"""
from . import activations, init, losses, optim
from .gradcheck import gradcheck
from .history import History
from .layers import Dense
from .network import FFNN, DivergenceError
from .regularization import L1, L2
from .saving import load

__version__ = "0.1.0"

__all__ = ["FFNN", "Dense", "History", "L1", "L2", "DivergenceError", "gradcheck", "load",
           "activations", "init", "losses", "optim", "__version__"]
