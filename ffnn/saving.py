"""Saving and loading models: one ``.npz`` file of plain arrays plus a JSON header.

Introduced in chapter 3 (saving and loading).

The file is a zip archive of ``.npy`` members, NumPy's ``.npz``: one per parameter, BatchNorm's
running statistics and the optimizer's state, and ``__header__``, UTF-8 JSON with the model's
settings, the optimizer's step count, the learning-rate schedule's state, the shuffling and
dropout generators' states and the history. A loaded model continues training exactly (bit for
bit) as the original would have.

Loading never executes code: the header is JSON and every array is read with
``allow_pickle=False``. A file is checked before anything is built from it: members and their
compression first, then the header's entries, then the layer sizes against the weight arrays'
shapes (so a forged size cannot make ``load`` allocate), then every array's shape, dtype and
finiteness. Whatever is wrong raises a ValueError naming the file.

This module knows the file format, not the model: ``save`` reads any model through its
attributes, and ``load`` builds the class it is given (``FFNN.load`` and ``ffnn.load`` pass FFNN).
"""
import json
import math
import os
import zipfile

import numpy as np

from . import activations as _activations
from . import init as _init
from . import losses as _losses
from . import optim as _optim
from . import regularization as _regularization
from . import schedules as _schedules
from ._validation import all_finite, check_int, check_path, is_int, is_real
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


def _rebuilt_alike(obj, rebuild):
    """True when ``rebuild()``, which makes an object from obj's name (and config), gives one of
    the same class in the same state: the test that ``load`` will get back what was saved."""
    try:
        twin = rebuild()
    except (TypeError, ValueError, KeyError):
        return False
    state = (lambda o: o.get_config()) if hasattr(obj, "get_config") else vars
    return type(twin) is type(obj) and state(twin) == state(obj)


def _check_savable(model):
    """Refuse what the file could not describe: objects that are not ffnn's own, by name."""
    parts = [(f"layers[{i}].activation", layer.activation, lambda a=layer.activation: _activations.get(a.name))
             for i, layer in enumerate(model.layers)]
    parts += [(f"layers[{i}].init", layer.init, lambda o=layer.init: _init.from_config(o.name, o.get_config()))
              for i, layer in enumerate(model.layers)]
    parts.append(("loss", model.loss_fn, lambda: _losses.get(model.loss_fn.name)))
    if model.optimizer is not None:
        parts.append(("optimizer", model.optimizer,
                      lambda: _optim.from_config(model.optimizer.name, model.optimizer.get_config())))
    if model.lr_schedule is not None:
        parts.append(("lr_schedule", model.lr_schedule,
                      lambda: _schedules.from_config(model.lr_schedule.name, model.lr_schedule.get_config())))
    for where, obj, rebuild in parts:
        if not _rebuilt_alike(obj, rebuild):
            raise ValueError(f"model: {where} is {obj!r}, which ffnn.load could not rebuild: the file names "
                             "each part and its constructor's settings, because loading never runs code, so "
                             "only ffnn's own classes with those settings can be saved")


def save(model, path):
    """Write ``model`` to ``path``: an ``.npz`` file, at exactly that path.

    A path with another extension (``model.json``, ``model.pt``) is refused rather than
    written in a format its name does not announce; a path without one is written as named.
    """
    path = check_path(path)
    suffix = os.path.splitext(os.fspath(path))[1]
    if suffix and suffix.lower() != ".npz":
        raise ValueError(f"path: {str(path)!r} ends in {suffix!r}, but ffnn writes an .npz archive (NumPy "
                         f"arrays and a JSON header); name the file with .npz, e.g. "
                         f"{os.path.splitext(os.fspath(path))[0] + '.npz'!r}")
    _check_savable(model)
    arrays = _arrays(model)
    if model.optimizer is not None:
        for i, state in enumerate(model.optimizer.state):
            for j, s in enumerate(state):
                arrays[f"optimizer.{i}.{j}"] = s
    header = json.dumps(_header(model)).encode("utf-8")
    arrays["__header__"] = np.frombuffer(header, dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


# ---------------------------------------------------------------------------- loading
class _Refused(ValueError):
    """What is wrong with the file, in words; ``load`` adds the file's name."""


def _fail(path, why):
    return ValueError(f"path: {str(path)!r} is not a readable ffnn model file ({why})")


def load(path, model_class):
    """Read a model written by :func:`save` into a new ``model_class`` (ffnn.FFNN).

    Raises FileNotFoundError for a missing file and ValueError, naming the file, for anything
    that is not an intact ffnn model file.
    """
    path = check_path(path)
    try:
        with open(path, "rb") as f:
            if f.read(6) == b"\x93NUMPY":
                raise _Refused("a single .npy array, not an .npz archive")
        with zipfile.ZipFile(path) as archive:
            return _Reader(archive, model_class).model
    except FileNotFoundError:
        raise
    except _Refused as exc:
        raise _fail(path, str(exc)) from None
    except (OSError, EOFError, zipfile.BadZipFile, ValueError, TypeError, KeyError, RuntimeError,
            NotImplementedError, UnicodeDecodeError, RecursionError, OverflowError, MemoryError) as exc:
        # zipfile, zlib, json and NumPy's .npy reader each have their own ways to fail on a broken
        # or hostile file; all of them mean the same thing here.
        raise _fail(path, f"{type(exc).__name__}: {exc}") from None


class _Reader:
    """Reads one archive: members, header, sizes, then arrays, each checked before it is used."""

    def __init__(self, archive, model_class):
        self.archive = archive
        self.members = self._members()
        header = self._header()
        self.v1 = header["version"] == 1
        sizes = header["layer_sizes"]
        if not isinstance(sizes, list) or len(sizes) < 2 or not all(is_int(n) and n >= 1 for n in sizes):
            raise _Refused(f"layer_sizes: expected a list of at least two integers >= 1, got {sizes!r}")
        for i in range(len(sizes) - 1):  # sizes first: nothing is allocated for a forged size
            self._npy_header(f"layers[{i}].W", (sizes[i], sizes[i + 1]))
        model = self._build(header, model_class)
        for name, p in _arrays(model).items():
            p[...] = self._array(name, p.shape, p.dtype)
        self._generators(model, header)
        model.history = _history(header["history"])
        self._optimizer(model, header["optimizer"])
        schedule = None if self.v1 else header["lr_schedule"]
        if schedule is not None:
            model.lr_schedule = _schedules.from_config(schedule["name"], schedule["config"])
            model.lr_schedule.set_state(schedule["state"])
        if self.members:
            raise _Refused(f"unexpected arrays {sorted(self.members)}")
        self.model = model

    def _members(self):
        members = {}
        for info in self.archive.infolist():
            if info.flag_bits & 0x1:
                raise _Refused(f"member {info.filename!r} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _Refused(f"member {info.filename!r} uses zip compression method {info.compress_type}; "
                               "expected stored or deflated")
            if not info.filename.endswith(".npy"):
                raise _Refused(f"member {info.filename!r} is not a .npy array")
            name = info.filename[:-4]
            if name in members:
                raise _Refused(f"member {info.filename!r} appears twice")
            members[name] = info
        return members

    def _npy_header(self, name, shape=None, dtype=None, what=None):
        """(shape, dtype) from the .npy header of member ``name``, checked against the expected
        ones, without reading its data. Messages call the array ``what`` (default: its name)."""
        what = what or name
        if name not in self.members:
            raise _Refused(f"{name} is missing" if name != "__header__" else "no ffnn header")
        with self.archive.open(self.members[name]) as f:
            version = np.lib.format.read_magic(f)
            if version not in ((1, 0), (2, 0)):
                raise _Refused(f"{what}: .npy format version {version}; expected 1.0 or 2.0")
            read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            got_shape, _, got_dtype = read(f)
        if got_dtype.hasobject:
            raise _Refused(f"{what} holds Python objects (a pickle), which ffnn never loads")
        if (shape is not None and got_shape != tuple(shape)) or (dtype is not None and got_dtype != dtype):
            raise _Refused(f"{what} has shape {got_shape} and dtype {got_dtype}, expected "
                           f"{tuple(shape) if shape is not None else got_shape} and {dtype or got_dtype}")
        if math.prod(got_shape) * got_dtype.itemsize > self.members[name].file_size:
            raise _Refused(f"{what} is shorter than its shape {got_shape} says")
        return got_shape, got_dtype

    def _array(self, name, shape, dtype, what=None):
        """Member ``name`` as an array of ``shape`` and ``dtype``, finite; removed from the members."""
        self._npy_header(name, shape, dtype, what)
        with self.archive.open(self.members.pop(name)) as f:
            arr = np.lib.format.read_array(f, allow_pickle=False)
        if arr.dtype.kind == "f" and not all_finite(arr):
            raise _Refused(f"{what or name} contains NaN or infinity")
        return arr

    def _header(self):
        shape, _ = self._npy_header("__header__", dtype=np.dtype(np.uint8))
        if len(shape) != 1:
            raise _Refused(f"__header__ has shape {shape}; expected a 1-D array of bytes")
        header = json.loads(self._array("__header__", shape, np.uint8).tobytes().decode("utf-8"))
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise _Refused("the header does not describe an ffnn model")
        if header.get("version") not in READS or isinstance(header.get("version"), bool):
            raise _Refused(f"format version {header.get('version')!r}; this ffnn reads {', '.join(map(str, READS))}")
        return header

    def _build(self, header, model_class):
        reg, inits = header["regularization"], header["init"]
        if not isinstance(inits, list) or not all(isinstance(i, dict) for i in inits):
            raise _Refused(f"init: expected a list of {{name, config}} entries, got {inits!r}")
        if reg is not None and not isinstance(reg, dict):
            raise _Refused(f"regularization: expected null or {{name, lam}}, got {reg!r}")
        return model_class(header["layer_sizes"], header["activations"], header["loss"],
                           init=[_init.from_config(i["name"], i["config"]) for i in inits],
                           regularization=None if reg is None else _regularization.get((reg["name"], reg["lam"])),
                           normalization=("rmsnorm" if header["rmsnorm"] is True else None) if self.v1
                           else header["normalization"],
                           dropout=0.0 if self.v1 else header["dropout"],
                           seed=header["seed"], dtype=header["dtype"], eps=header["eps"])

    def _generators(self, model, header):
        keys = [("rng_state", model.rng)] + ([] if self.v1 else [("dropout_rng_state", model.dropout_rng)])
        for key, rng in keys:
            state, own = header[key], rng.bit_generator.state
            if not (isinstance(state, dict) and state.keys() == own.keys()
                    and state["bit_generator"] == own["bit_generator"] == "PCG64"
                    and isinstance(state["state"], dict) and state["state"].keys() == {"state", "inc"}
                    and all(is_int(v) and 0 <= v < 2**128 for v in state["state"].values())
                    and state["has_uint32"] in (0, 1) and is_int(state["has_uint32"])
                    and is_int(state["uinteger"]) and 0 <= state["uinteger"] < 2**32):
                raise _Refused(f"{key}: expected the state of a PCG64 generator, got {state!r}"[:300])
            rng.bit_generator.state = state

    def _optimizer(self, model, opt):
        if opt is None:
            return
        if not isinstance(opt, dict):
            raise _Refused(f"optimizer: expected null or a dict, got {opt!r}")
        model.optimizer = _optim.from_config(opt["name"], opt["config"])
        model.optimizer.t = check_int(opt["t"], "optimizer t", minimum=0)
        sizes, params = opt["state_sizes"], model.parameters()
        if not isinstance(sizes, list) or not all(is_int(n) for n in sizes):
            raise _Refused(f"optimizer state_sizes: expected a list of integers, got {sizes!r}")
        if len(sizes) not in (0, len(params)):
            raise _Refused(f"optimizer state for {len(sizes)} parameters, expected {len(params)}")
        for (name, p), n in zip(params, sizes):
            if n != model.optimizer.n_state:
                raise _Refused(f"optimizer state of {name} has {n} arrays, {opt['name']} keeps "
                               f"{model.optimizer.n_state}")
        state = [[self._array(f"optimizer.{i}.{j}", p.shape, p.dtype, f"optimizer state of {name}")
                  for j in range(n)] for i, ((name, p), n) in enumerate(zip(params, sizes))]
        model.optimizer.state = [] if self.v1 and opt["name"] == "momentum" else state


def _history(history):
    """The saved history, checked: metric names and lists of numbers."""
    if not isinstance(history, dict):
        raise _Refused(f"history: expected a dict of lists, got {type(history).__name__}")
    for key, values in history.items():
        if not isinstance(values, list) or not all(is_real(v) for v in values):
            raise _Refused(f"history[{key!r}]: expected a list of numbers")
    return History({k: [float(v) for v in values] for k, values in history.items()})
