"""A seeded fuzz test over ffnn's public entry points: odd values for their arguments.

Every call gets valid arguments except one (every argument meets every value of the pool) or two
(seeded random pairs), replaced by values from a pool of odd ones (None, bools, NaN, huge
integers, empty and ragged arrays, strings, wrong dtypes, abstract base classes, ...).
The outcome must be a success (with finite numbers where numbers come back) or a ValueError,
TypeError or ffnn.DivergenceError whose message starts with the name of an argument of that
call (``"X: ..."``, ``"validation_data[0]: ..."``, ``"path: ..."``): never a bare NumPy,
zipfile or json error, never silent NaN. A second part flips, cuts and splices the bytes of a
saved model: ``ffnn.load`` must then load it or refuse it naming the file.

The draws are seeded, so the test fails the same way every time, and it runs in about ten
seconds; ``FUZZ_TRIALS`` and ``FUZZ_SEED`` in the environment explore further.
"""
import math
import os
import re
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import ffnn  # noqa: E402
from ffnn import metrics, plot  # noqa: E402
from ffnn.autograd import Value  # noqa: E402

TRIALS = int(os.environ.get("FUZZ_TRIALS", 1500))
SEED = int(os.environ.get("FUZZ_SEED", 0))

RNG = np.random.default_rng(1)
X = RNG.normal(size=(6, 3))
Y_REG = RNG.normal(size=(6, 2))
Y_INT = np.array([0, 1, 2, 0, 1, 2])
Y_BIN = np.array([0, 1, 1, 0, 1, 0])


def odd_values():
    """The pool: values of every kind a caller might pass by mistake."""
    ragged = np.empty(2, dtype=object)
    ragged[:] = [[1.0], [1.0, 2.0]]
    return [None, True, False, np.bool_(True), 0, -1, 1, 3, 2**70, -(2**70), np.int64(2), np.uint8(7),
            0.5, -0.5, 1e-300, 1e300, float("nan"), float("inf"), -float("inf"), np.float32(0.25), 1 + 2j,
            "", "x", "relu", "auto", "float16", b"abc", [], [1], [0.5, 2], [[1.0, 2.0]], [[1.0], [1.0, 2.0]],
            (), (1, 2), {}, {"a": 1}, {0: [0]}, np.array([]), np.zeros((0, 3)), np.ones((2, 2)), np.ones((6, 3, 1)),
            np.array(["a", "b"]), np.array([np.nan, 1.0]), np.full((6, 3), np.inf), ragged, X.astype(np.float16),
            X + 0j, np.ones(6, dtype=bool), object(), print, slice(1), ffnn.FFNN([3, 2], "tanh"),
            ffnn.activations.Activation(), ffnn.losses.Loss(), ffnn.init.Initializer(), ffnn.optim.Optimizer(),
            ffnn.schedules.Schedule(), ffnn.L2(0.1), ffnn.init.HeNormal(), ffnn.optim.Adam(), np.float64("nan")]


class Fresh:
    """A valid argument made anew for every call (a model that a call may change)."""

    def __init__(self, make):
        self.make = make


def reg():
    return ffnn.FFNN([3, 4, 2], ["tanh", "linear"], "mse", seed=0)


def clf():
    return ffnn.FFNN([3, 4, 3], ["relu", "softmax"], "categorical_crossentropy", seed=0)


def trained_clf():
    model = clf()
    model.fit(X, Y_INT, epochs=2, batch_size=3, verbose=0, monitor=True)
    return model


def forward_then_backward(model, Y):
    model.forward(X)
    return model.backward(Y)


def two_input():
    model = ffnn.FFNN([2, 3, 1], ["relu", "sigmoid"], "binary_crossentropy", seed=0)
    return model


def neuron():
    a, b = Value(2.0, label="a"), Value(-1.0, label="b")
    out = (a * b + a).tanh()
    out.backward()
    return out


# Entry points: (name, call(**kwargs), valid kwargs, extra names a message may start with).
ENTRIES = [
    ("FFNN", lambda **k: ffnn.FFNN(**k),
     dict(layer_sizes=[3, 4, 2], activations=["tanh", "linear"], loss="mse", init="he_normal",
          regularization=None, rmsnorm=False, seed=0, dtype="float64", eps=1e-6, normalization=None,
          dropout=0.0), ("lam", "n_in", "n_out")),
    ("fit", lambda model, **k: model.fit(**k),
     dict(model=Fresh(reg), X=X, Y=Y_REG, batch_size=3, learning_rate=0.01, epochs=1, validation_data=(X, Y_REG),
          verbose=0, optimizer="sgd", patience=None, shuffle=True, restore_best=True, lr_schedule=None,
          monitor=False), ("base_lr", "schedule")),
    ("fit-classifier", lambda model, **k: model.fit(**k),
     dict(model=Fresh(clf), X=X, Y=Y_INT, batch_size=2, epochs=1, verbose=0, validation_data=(X, Y_INT), patience=2),
     ()),
    ("predict", lambda model, **k: model.predict(**k), dict(model=Fresh(reg), X=X, batch_size=4096), ()),
    ("predict_classes", lambda model, **k: model.predict_classes(**k), dict(model=Fresh(clf), X=X), ()),
    ("evaluate", lambda model, **k: model.evaluate(**k), dict(model=Fresh(clf), X=X, Y=Y_INT), ()),
    ("accuracy", lambda model, **k: model.accuracy(**k), dict(model=Fresh(clf), X=X, y=Y_INT), ()),
    ("accuracy-binary", lambda model, **k: model.accuracy(**k),
     dict(model=Fresh(lambda: ffnn.FFNN([3, 1], "sigmoid", "binary_crossentropy")), X=X, y=Y_BIN), ()),
    ("loss", lambda model, **k: model.loss(**k), dict(model=Fresh(reg), X=X, Y=Y_REG, training=False), ()),
    ("forward", lambda model, **k: model.forward(**k), dict(model=Fresh(reg), X=X, training=True), ()),
    ("backward", lambda model, **k: forward_then_backward(model, **k), dict(model=Fresh(reg), Y=Y_REG), ()),
    ("copy", lambda model, **k: model.copy(**k), dict(model=Fresh(reg), dtype="float32"), ()),
    ("gradcheck", lambda **k: ffnn.gradcheck(**k),
     dict(model=Fresh(reg), X=X, Y=Y_REG, h=1e-6, max_checks=2, seed=0), ()),
    ("compare", lambda **k: ffnn.compare(**k), dict(name="W", ours=np.ones(3), reference=np.ones(3)), ()),
    ("load", lambda **k: ffnn.load(**k), dict(path="__fuzz_missing__.npz"), ()),
    ("save", lambda model, **k: model.save(**k), dict(model=Fresh(reg), path="__fuzz__.npz"), ()),
    ("metrics.confusion_matrix", lambda **k: metrics.confusion_matrix(**k),
     dict(y_true=Y_INT, y_pred=Y_INT[::-1], n_classes=3), ()),
    ("metrics.precision", lambda **k: metrics.precision(**k),
     dict(y_true=Y_BIN, y_pred=Y_BIN[::-1], average="binary", pos_label=1, n_classes=None), ()),
    ("metrics.classification_report", lambda **k: metrics.classification_report(**k),
     dict(y_true=Y_INT, y_pred=Y_INT[::-1], class_names=["a", "b", "c"], n_classes=None), ()),
    ("plot.graph", lambda **k: plot.graph(**k),
     dict(model=Fresh(reg), show="weights", neurons=None, max_neurons=12, select="largest", seed=0, labels="auto",
          ax=None, cmap="coolwarm", feature_names=["a", "b", "c"]), ()),
    ("plot.weights", lambda **k: plot.weights(**k),
     dict(model=Fresh(reg), layers=None, bins=10, stats=True, biases=False, log=False, sharex=True), ()),
    ("plot.history", lambda **k: plot.history(**k), dict(history={"loss": [1.0, 0.5]}, logy=False), ()),
    ("plot.diagnostics", lambda **k: plot.diagnostics(**k), dict(history=Fresh(lambda: trained_clf().history)), ()),
    ("plot.decision_boundary", lambda **k: plot.decision_boundary(**k),
     dict(model=Fresh(two_input), X=X[:, :2], y=Y_BIN, ax=None, resolution=20, padding=0.5), ()),
    ("plot.autograd_graph", lambda **k: plot.autograd_graph(**k),
     dict(value=Fresh(neuron), show_grad=True, ax=None, max_nodes=150, fmt=".4f"), ()),
    ("autograd.binary_crossentropy", lambda **k: ffnn.autograd.binary_crossentropy(**k),
     dict(y_hat=Fresh(lambda: [[Value(0.3)], [Value(0.6)]]), Y=np.array([0, 1])), ()),
    ("Value", lambda **k: Value(**k), dict(data=1.0, label="x"), ()),
    ("L2", lambda **k: ffnn.L2(**k), dict(lam=0.1), ()),
    ("optim.Adam", lambda **k: ffnn.optim.Adam(**k), dict(beta1=0.9, beta2=0.999, eps=1e-8), ()),
    ("schedules.StepLR", lambda **k: ffnn.schedules.StepLR(**k), dict(step_size=2, gamma=0.5), ()),
    ("init.Uniform", lambda **k: ffnn.init.Uniform(**k), dict(low=-0.1, high=0.1, seed=None, bias=False), ()),
]

try:
    from ffnn.sklearn import FFNNClassifier, FFNNRegressor
except ImportError:  # pragma: no cover - scikit-learn is in the test extra
    pass
else:
    # The estimators' own parameters (scikit-learn's input checks of X and y speak its language).
    ESTIMATOR = dict(hidden_layer_sizes=(4,), activation="relu", init="he_normal", regularization=None,
                     rmsnorm=False, optimizer="adam", learning_rate=1e-2, batch_size="auto", epochs=2,
                     shuffle=True, early_stopping=False, validation_fraction=0.3, patience=1,
                     random_state=0, dtype="float64", verbose=0, normalization=None, dropout=0.0,
                     lr_schedule=None)
    ENTRIES += [
        ("FFNNClassifier", lambda **k: FFNNClassifier(**k).fit(X, Y_INT), ESTIMATOR, ()),
        ("FFNNRegressor", lambda **k: FFNNRegressor(**k).fit(X, Y_REG),
         {**ESTIMATOR, "output_activation": "linear"}, ()),
    ]

#: Entry points that are methods of the model: their ``model`` is self.
METHODS = {"fit", "fit-classifier", "predict", "predict_classes", "evaluate", "accuracy", "accuracy-binary", "loss",
           "forward", "backward", "copy", "save"}

#: What an estimator's message may name for one of its parameters: the FFNN and fit argument
#: it becomes.
ALIASES = {"activation": ("activations",), "output_activation": ("activations",), "random_state": ("seed",),
           "hidden_layer_sizes": ("layer_sizes",)}

_PREFIX = re.compile(r"^([A-Za-z_][\w\[\]'\". ]*?(?:, [A-Za-z_][\w\[\]'\".]*)*): ")


def named_arguments(message):
    """The argument names a message starts with: ``"validation_data[1]: ..."`` names
    validation_data, ``"X, y: ..."`` names X and y; None when it starts with no name."""
    match = _PREFIX.match(message)
    if not match:
        return None
    return {re.split(r"[\[.]", part.strip())[0] for part in match.group(1).split(", ")}


def build(value):
    return value.make() if isinstance(value, Fresh) else value


def run(entry, argname, value, tmp_path):
    name, call, valid, extra = entry
    kwargs = {k: build(v) for k, v in valid.items()}
    if name == "save" and argname != "path":
        kwargs["path"] = tmp_path / "fuzz.npz"
    if name == "load" and argname != "path":
        return
    if argname == "model" and name in METHODS:  # self, not an argument
        return
    kwargs[argname] = value
    allowed = set(valid) | set(extra) | {alias for key in valid for alias in ALIASES.get(key, ())}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # plot's "labels are left out" and NumPy's float16 casts
        try:
            out = call(**kwargs)
        except ffnn.DivergenceError:
            return
        except FileNotFoundError:  # names the file; only a file name can cause it
            assert argname == "path", f"{name}({argname}={value!r}): FileNotFoundError"
            return
        except (ValueError, TypeError) as exc:
            msg = str(exc)
            names = named_arguments(msg)
            assert names and names & allowed, (
                f"{name}({argname}={value!r}) raised {type(exc).__name__} naming none of its arguments: {msg!r}")
            return
        finally:
            plt.close("all")
    if isinstance(out, (float, np.ndarray)) and np.asarray(out).dtype.kind == "f":
        assert np.all(np.isfinite(out)), f"{name}({argname}={value!r}) returned non-finite {out!r}"
    if isinstance(out, dict):  # evaluate's metrics, gradcheck's errors
        for key, v in out.items():
            assert not isinstance(v, float) or math.isfinite(v), f"{name}({argname}={value!r}) returned {key}={v}"


def call_and_report(entry, changes, tmp_path):
    """run() with ``changes`` {argname: value}; a failure as a line of text, else None."""
    (argname, value), *more = changes.items()
    name, call, valid, extra = entry
    if more:
        entry = (name, call, {**valid, **dict(more)}, extra)
    shown = ", ".join(f"{k}={v!r}"[:80] for k, v in changes.items())
    try:
        run(entry, argname, value, tmp_path)
    except AssertionError as err:
        return str(err)
    except Exception as exc:  # anything else escaped: a NumPy, zipfile, json... error
        return f"{name}({shown}) raised {type(exc).__name__}: {exc}"
    return None


def too_long(argname, value):
    """A huge epoch count is a long run, not an error: the fuzz does not wait for it."""
    return argname == "epochs" and is_int_like(value) and value > 100


def is_int_like(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def test_every_argument_meets_every_odd_value(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # save() with an odd path writes here, if anywhere
    failures = [call_and_report(entry, {arg: value}, tmp_path)
                for entry in ENTRIES for arg in entry[2] for value in odd_values() if not too_long(arg, value)]
    failures = [f for f in failures if f]
    assert not failures, f"{len(failures)} calls failed:\n" + "\n".join(failures[:40])


def test_two_odd_arguments_at_once_seeded(tmp_path, monkeypatch):
    """Random pairs of odd arguments (seeded): a check of one argument must not assume another
    is already valid."""
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(SEED)
    pool = odd_values()
    entries = [e for e in ENTRIES if len(e[2]) >= 2]
    failures = []
    for _ in range(TRIALS):
        entry = entries[rng.integers(len(entries))]
        args = [a for a in entry[2] if not (a == "model" and entry[0] in METHODS)]
        if entry[0] == "load" or len(args) < 2:
            continue
        first, second = rng.choice(len(args), size=2, replace=False)
        changes = {args[first]: pool[rng.integers(len(pool))], args[second]: pool[rng.integers(len(pool))]}
        if any(too_long(k, v) for k, v in changes.items()):
            continue
        failure = call_and_report(entry, changes, tmp_path)
        if failure:
            failures.append(failure)
    assert not failures, f"{len(failures)} of {TRIALS} calls failed:\n" + "\n".join(failures[:40])


# ----------------------------------------------------------------------------- mangled save files
def mangle(blob, rng):
    """One random corruption of a file's bytes: flips, a cut, a duplicated or zeroed stretch."""
    blob = bytearray(blob)
    kind = rng.integers(5)
    if kind == 0:  # flip a few bytes anywhere
        for i in rng.integers(0, len(blob), size=rng.integers(1, 8)):
            blob[i] ^= int(rng.integers(1, 256))
    elif kind == 1:  # cut
        blob = blob[:rng.integers(0, len(blob))]
    elif kind == 2:  # zero a stretch
        i = rng.integers(0, len(blob))
        blob[i:i + int(rng.integers(1, 64))] = bytes(min(64, len(blob) - i))[:len(blob[i:i + 64])]
    elif kind == 3:  # splice a stretch from elsewhere
        i, j = rng.integers(0, len(blob), size=2)
        n = int(rng.integers(1, 128))
        blob[i:i + n] = blob[j:j + n]
    else:  # flip bytes inside the zip directory at the end, where sizes and offsets live
        for i in rng.integers(max(0, len(blob) - 400), len(blob), size=rng.integers(1, 4)):
            blob[i] ^= int(rng.integers(1, 256))
    return bytes(blob)


def test_mangled_model_files_load_or_are_refused_naming_the_file(tmp_path):
    model = ffnn.FFNN([3, 4, 3], ["relu", "softmax"], "categorical_crossentropy", seed=0)
    model.fit(X, Y_INT, epochs=2, batch_size=3, verbose=0, optimizer="adam", validation_data=(X, Y_INT))
    good = tmp_path / "good.npz"
    model.save(good)
    blob = good.read_bytes()
    rng = np.random.default_rng(SEED)
    failures = []
    for t in range(150):
        path = tmp_path / f"mangled-{t}.npz"
        path.write_bytes(mangle(blob, rng))
        try:
            loaded = ffnn.load(path)
        except ValueError as exc:
            if not str(exc).startswith(f"path: {str(path)!r} is not a readable ffnn model file"):
                failures.append(f"{path.name}: {exc}")
        except Exception as exc:
            failures.append(f"{path.name}: {type(exc).__name__}: {exc}")
        else:  # a flipped bit in the data can leave a valid file; it must still be usable
            assert all(np.all(np.isfinite(p)) for _, p in loaded.parameters())
            assert np.all(np.isfinite(loaded.predict(X)))
    assert not failures, "\n".join(failures[:20])


def test_the_fuzz_pool_reaches_every_kind_of_entry_point():
    kinds = {entry[0].split(".")[0] for entry in ENTRIES}
    assert {"FFNN", "fit", "predict", "evaluate", "accuracy", "loss", "backward", "gradcheck", "save", "load",
            "metrics", "plot"} <= kinds


# ----------------------------------------------------------------------------- forged headers
JSON_ODD = [None, True, -1, 2**64, 1.5, "x", [1, "a"], {"a": None}]


def leaves(node, path=()):
    """Every path into the header (dict keys and list indices), parents before children."""
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node[:2]):
            yield from leaves(value, path + (i,))


def forged(header, path, value):
    import copy
    header = copy.deepcopy(header)
    if not path:
        return value
    node = header
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return header


def test_forged_header_entries_load_into_a_working_model_or_are_refused(tmp_path):
    """Every entry of the header, replaced by odd JSON values: ffnn.load either refuses the file,
    naming it, or returns a model that predicts finite numbers and trains on (so nothing it took
    from the file fails later, in the next fit)."""
    import json
    model = ffnn.FFNN([3, 4, 3], ["relu", "softmax"], "categorical_crossentropy", seed=0, regularization=ffnn.L2(1e-3))
    model.fit(X, Y_INT, epochs=2, batch_size=3, verbose=0, optimizer="adam", validation_data=(X, Y_INT),
              lr_schedule=ffnn.schedules.ReduceLROnPlateau(patience=0))
    good = tmp_path / "good.npz"
    model.save(good)
    with np.load(good) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(arrays["__header__"].tobytes())
    failures = []
    for path in leaves(header):
        if path[:1] == ("history",) and len(path) > 2:
            continue  # one history list stands for all
        for value in JSON_ODD:
            target = tmp_path / "forged.npz"
            blob = json.dumps(forged(header, path, value)).encode()
            np.savez(target, **{**arrays, "__header__": np.frombuffer(blob, dtype=np.uint8)})
            where = f"header{''.join(f'[{k!r}]' for k in path)} = {value!r}"
            try:
                loaded = ffnn.load(target)
                assert np.all(np.isfinite(loaded.predict(X)))
                loaded.fit(X, Y_INT, epochs=1, batch_size=3, verbose=0, optimizer=loaded.optimizer or "sgd",
                           lr_schedule=loaded.lr_schedule, validation_data=(X, Y_INT))
            except ValueError as exc:
                if not str(exc).startswith(f"path: {str(target)!r} is not a readable ffnn model file"):
                    failures.append(f"{where}: {exc}")
            except Exception as exc:
                failures.append(f"{where}: {type(exc).__name__}: {exc}")
    assert not failures, f"{len(failures)} forged headers got through:\n" + "\n".join(failures[:30])
