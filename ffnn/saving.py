"""Saving and loading models: one ``.npz`` file of plain arrays plus a JSON header.

Introduced in chapter 3 (saving and loading).

The file is read with ``allow_pickle=False``, so loading never executes code. It holds every
parameter, BatchNorm's running statistics, the optimizer's state and step count, the learning-rate
schedule's state, the shuffling and dropout generators' states and the history, so a loaded model
continues training exactly (bit for bit) as the original would have.

This module knows the file format, not the model: ``save`` reads any model through its
attributes, and ``load`` builds the class it is given (``FFNN.load`` and ``ffnn.load`` pass FFNN).
"""
import json
import zipfile

import numpy as np

from . import init as _init
from . import optim as _optim
from . import regularization as _regularization
from . import schedules as _schedules
from .history import History

__all__ = ["save", "load", "FORMAT", "VERSION", "READS"]

FORMAT = "ffnn-model"
VERSION = 2
#: Version 1 files (before normalization, dropout and schedules) still load: their ``rmsnorm``
#: flag becomes the normalization, and their momentum state, which held the heavy-ball velocity
#: -lr·v rather than today's v, is dropped, so momentum restarts from zero.
READS = (1, 2)


def _header(model):
    opt, schedule = model.optimizer, model.lr_schedule
    return {
        "format": FORMAT, "version": VERSION,
        "layer_sizes": model.layer_sizes, "activations": model.activations, "loss": model.loss_name,
        "init": [{"name": layer.init.name, "config": layer.init.get_config()} for layer in model.layers],
        "regularization": None if model.regularization is None else
        {"name": model.regularization.name, "lam": model.regularization.lam},
        "normalization": model.normalization, "dropout": model.dropout,
        "eps": model.eps, "seed": model.seed, "dtype": model.dtype.name,
        "rng_state": model.rng.bit_generator.state,
        "dropout_rng_state": model.dropout_rng.bit_generator.state,
        "history": dict(model.history),
        "optimizer": None if opt is None else
        {"name": opt.name, "config": opt.get_config(), "t": opt.t,
         "state_sizes": [len(s) for s in opt.state]},
        "lr_schedule": None if schedule is None else
        {"name": schedule.name, "config": schedule.get_config(), "state": schedule.get_state()},
    }


def _arrays(model):
    """The model's own arrays by name: its parameters and BatchNorm's running statistics."""
    arrays = {name: p for name, p in model.parameters()}
    for i, layer in enumerate(model.layers):
        arrays.update((f"layers[{i}].{name}", b) for name, b in layer.buffers())
    return arrays


def save(model, path):
    """Write ``model`` to ``path`` exactly as named (no extension is added)."""
    arrays = _arrays(model)
    if model.optimizer is not None:
        for i, state in enumerate(model.optimizer.state):
            for j, s in enumerate(state):
                arrays[f"optimizer.{i}.{j}"] = s
    header = json.dumps(_header(model)).encode("utf-8")
    arrays["__header__"] = np.frombuffer(header, dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _fail(path, why):
    return ValueError(f"path: {str(path)!r} is not a readable ffnn model file ({why})")


def load(path, model_class):
    """Read a model written by :func:`save` into a new ``model_class`` (ffnn.FFNN).

    Raises ValueError for a corrupt or foreign file.
    """
    try:
        archive = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise _fail(path, f"{type(exc).__name__}: {exc}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise _fail(path, "a single .npy array, not an .npz archive")
    with archive:
        try:
            names = set(archive.files)
            if "__header__" not in names:
                raise _fail(path, "no ffnn header")
            header = json.loads(archive["__header__"].tobytes().decode("utf-8"))
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise _fail(path, "the header does not describe an ffnn model")
            if header.get("version") not in READS:
                raise _fail(path, f"format version {header.get('version')!r}; this ffnn reads "
                                  f"{', '.join(map(str, READS))}")
            arrays = {name: archive[name] for name in names if name != "__header__"}
        except ValueError as exc:
            if str(exc).startswith("path:"):
                raise
            # np.load refuses object arrays (pickles) here, without running them.
            raise _fail(path, f"{type(exc).__name__}: {exc}") from None
        except (OSError, zipfile.BadZipFile, EOFError, UnicodeDecodeError, KeyError) as exc:
            raise _fail(path, f"{type(exc).__name__}: {exc}") from None
    try:
        reg = header["regularization"]
        v1 = header["version"] == 1
        model = model_class(header["layer_sizes"], header["activations"], header["loss"],
                            init=[_init.from_config(i["name"], i["config"]) for i in header["init"]],
                            regularization=None if reg is None else
                            _regularization.get((reg["name"], reg["lam"])),
                            normalization=("rmsnorm" if header["rmsnorm"] else None) if v1
                            else header["normalization"],
                            dropout=0.0 if v1 else header["dropout"],
                            seed=header["seed"], dtype=header["dtype"], eps=header["eps"])
        for name, p in _arrays(model).items():
            saved = arrays.pop(name)
            if saved.shape != p.shape or saved.dtype != p.dtype:
                raise _fail(path, f"{name} has shape {saved.shape} and dtype {saved.dtype}, "
                                  f"expected {p.shape} and {p.dtype}")
            p[...] = saved
        model.rng.bit_generator.state = header["rng_state"]
        if not v1:
            model.dropout_rng.bit_generator.state = header["dropout_rng_state"]
        model.history = History({k: list(v) for k, v in header["history"].items()})
        opt = header["optimizer"]
        if opt is not None:
            model.optimizer = _optim.from_config(opt["name"], opt["config"])
            model.optimizer.t = int(opt["t"])
            model.optimizer.state = [[arrays.pop(f"optimizer.{i}.{j}") for j in range(n)]
                                     for i, n in enumerate(opt["state_sizes"])]
            if v1 and opt["name"] == "momentum":
                model.optimizer.state = []
            if len(model.optimizer.state) not in (0, len(model.parameters())):
                raise _fail(path, f"optimizer state for {len(model.optimizer.state)} parameters, "
                                  f"expected {len(model.parameters())}")
            for (name, p), state in zip(model.parameters(), model.optimizer.state):
                if len(state) != model.optimizer.n_state:
                    raise _fail(path, f"optimizer state of {name} has {len(state)} arrays, "
                                      f"{opt['name']} keeps {model.optimizer.n_state}")
                for s in state:
                    if s.shape != p.shape or s.dtype != p.dtype:
                        raise _fail(path, f"optimizer state of {name} has shape {s.shape} and dtype "
                                          f"{s.dtype}, expected {p.shape} and {p.dtype}")
        schedule = None if v1 else header["lr_schedule"]
        if schedule is not None:
            model.lr_schedule = _schedules.from_config(schedule["name"], schedule["config"])
            model.lr_schedule.set_state(schedule["state"])
    except (KeyError, TypeError) as exc:
        raise _fail(path, f"missing or malformed entry {exc}") from None
    except ValueError as exc:
        if str(exc).startswith("path:"):
            raise
        raise _fail(path, str(exc)) from None
    if arrays:
        raise _fail(path, f"unexpected arrays {sorted(arrays)}")
    return model
