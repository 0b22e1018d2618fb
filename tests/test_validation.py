"""Bad inputs at every public entry point: each raises the documented exception type with a message
that names the offending argument. Also: a diverging fit raises ffnn.DivergenceError, cleanly."""
import warnings

import numpy as np
import pytest

import ffnn
from ffnn import activations, init, losses, optim, regularization
from ffnn._validation import (check_array, check_bool, check_choice, check_int, check_positive, check_real,
                              is_int, is_real)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(6, 3))
Y_REG = RNG.normal(size=(6, 2))
Y_INT = np.array([0, 1, 2, 0, 1, 2])


def reg_model(**kwargs):
    return ffnn.FFNN([3, 4, 2], ["tanh", "linear"], "mse", **kwargs)


def clf_model(**kwargs):
    return ffnn.FFNN([3, 4, 3], ["relu", "softmax"], "categorical_crossentropy", **kwargs)


def bce_model(**kwargs):
    return ffnn.FFNN([3, 4, 2], ["relu", "sigmoid"], "binary_crossentropy", **kwargs)


def fit(model=None, X=X, Y=Y_REG, **kwargs):
    kwargs.setdefault("verbose", 0)
    kwargs.setdefault("epochs", 1)
    return (model or reg_model()).fit(X, Y, **kwargs)


def backward_after_forward(Y):
    model = reg_model()
    model.forward(X)
    model.backward(Y)


def object_array():
    arr = np.empty((6, 3), dtype=object)
    arr[...] = 1.0
    return arr


def with_nan():
    bad = X.copy()
    bad[2, 1] = np.nan
    return bad


def with_inf():
    bad = X.copy()
    bad[0, 0] = -np.inf
    return bad


def load_hostile(kind):
    """ffnn.load on a file of one hostile kind, written to a fresh temporary directory."""
    import json
    import tempfile
    import zipfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{kind}.npz"
        model = clf_model()
        model.fit(X, Y_INT, epochs=1, verbose=0, optimizer="adam")
        model.save(path)
        with np.load(path) as archive:
            arrays = {name: archive[name] for name in archive.files}
        header = json.loads(arrays["__header__"].tobytes())
        if kind == "not-npy":
            with zipfile.ZipFile(path, "a") as z:
                z.writestr("notes.txt", "hello")
        elif kind == "lzma":
            with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_LZMA) as z:
                for name, arr in arrays.items():
                    with z.open(f"{name}.npy", "w") as f:
                        np.lib.format.write_array(f, arr)
        elif kind in ("deep-json", "huge-sizes", "rng-state", "nan-weights", "history"):
            if kind == "deep-json":
                blob = b"[" * 100_000 + b"]" * 100_000
            else:
                if kind == "huge-sizes":
                    header["layer_sizes"] = [3, 10**9, 3]
                elif kind == "rng-state":
                    header["rng_state"]["state"]["state"] = 1.5
                elif kind == "history":
                    header["history"]["loss"] = ["not a number"]
                blob = json.dumps(header).encode()
            arrays["__header__"] = np.frombuffer(blob, dtype=np.uint8)
            if kind == "nan-weights":
                arrays["layers[0].W"] = np.full_like(arrays["layers[0].W"], np.nan)
            np.savez(path, **arrays)
        return ffnn.load(path)


CASES = [
    # --- X: shape, feature count, rows, contents
    ("X 1-D", lambda: reg_model().predict(X[:, 0]), ValueError, r"X: expected a 2-D array.*reshape"),
    ("X 3-D", lambda: reg_model().predict(X[None]), ValueError, r"X: expected a 2-D array"),
    ("X features", lambda: reg_model().predict(X[:, :2]), ValueError, r"X: expected 3 features.*\(6, 2\)"),
    ("X features fit", lambda: fit(X=np.ones((6, 4))), ValueError, r"X: expected 3 features"),
    ("X empty", lambda: reg_model().predict(np.empty((0, 3))), ValueError, r"X: expected at least one sample"),
    ("X NaN", lambda: fit(X=with_nan()), ValueError, r"X: contains NaN or infinity"),
    ("X inf", lambda: reg_model().predict(with_inf()), ValueError, r"X: contains NaN or infinity"),
    ("X strings", lambda: fit(X=np.array([["a", "b", "c"]] * 6)), TypeError, r"X: expected real numbers.*<U1"),
    ("X object", lambda: fit(X=object_array()), TypeError, r"X: expected real numbers.*object"),
    ("X complex", lambda: reg_model().predict(X + 1j), TypeError, r"X: expected real numbers"),
    ("X None", lambda: reg_model().predict(None), TypeError, r"X: expected an array of numbers, got None"),
    ("X ragged", lambda: reg_model().predict([[1.0, 2.0, 3.0], [1.0]]), ValueError, r"X: could not be read"),
    ("X forward", lambda: reg_model().forward(np.ones((2, 5))), ValueError, r"X: expected 3 features"),
    ("X loss", lambda: reg_model().loss(np.ones((2, 5)), np.ones((2, 2))), ValueError, r"X: expected 3"),
    # --- Y
    ("Y rows", lambda: fit(Y=Y_REG[:4]), ValueError, r"Y: expected 6 rows to match X, got 4"),
    ("Y columns", lambda: fit(Y=np.ones((6, 3))), ValueError, r"Y: expected shape \(N, 2\)"),
    ("Y NaN", lambda: fit(Y=np.full((6, 2), np.nan)), ValueError, r"Y: contains NaN"),
    ("Y strings", lambda: fit(Y=np.array([["a", "b"]] * 6)), TypeError, r"Y: expected an array of numbers"),
    ("Y None", lambda: fit(Y=None), TypeError, r"Y: expected an array of numbers, got None"),
    ("labels too big", lambda: fit(clf_model(), Y=np.array([0, 1, 3, 0, 1, 2])), ValueError,
     r"Y: expected labels in 0\.\.2 for n_classes=3, got label 3"),
    ("labels negative", lambda: fit(clf_model(), Y=np.array([0, -1, 2, 0, 1, 2])), ValueError,
     r"Y: expected labels >= 0, got -1"),
    ("labels fractional", lambda: fit(clf_model(), Y=np.array([0, 1.5, 2, 0, 1, 2])), ValueError,
     r"Y: expected integer labels, got non-integer values such as 1\.5"),
    ("labels rows", lambda: fit(clf_model(), Y=Y_INT[:5]), ValueError, r"Y: expected 6 rows"),
    ("one-hot columns", lambda: fit(clf_model(), Y=np.eye(4)[[0, 1, 2, 3, 0, 1]]), ValueError,
     r"Y: expected shape \(N, 3\) to match the output layer or integer labels"),
    ("BCE target > 1", lambda: fit(bce_model(), Y=np.full((6, 2), 1.5)), ValueError,
     r"Y: binary_crossentropy targets must lie in \[0, 1\]"),
    ("BCE target < 0", lambda: fit(bce_model(), Y=np.full((6, 2), -0.1)), ValueError, r"Y: .*\[0, 1\]"),
    ("CCE target > 1", lambda: fit(clf_model(), Y=2 * np.eye(3)[Y_INT]), ValueError, r"Y: .*\[0, 1\]"),
    ("accuracy y rows", lambda: clf_model().accuracy(X, Y_INT[:4]), ValueError, r"X, y: expected the same"),
    ("backward rows", lambda: backward_after_forward(Y_REG[:3]), ValueError, r"Y: expected 6 rows"),
    ("backward first", lambda: reg_model().backward(Y_REG), RuntimeError, r"forward\(X\) first"),
    # --- constructor
    ("unknown activation", lambda: ffnn.FFNN([3, 2], "rellu"), ValueError,
     r"activations: unknown activation 'rellu'; expected one of linear, relu"),
    ("unknown activation in list", lambda: ffnn.FFNN([3, 4, 2], ["relu", "nope"]), ValueError,
     r"activations\[1\]: unknown activation 'nope'"),
    ("activation type", lambda: ffnn.FFNN([3, 2], 3), TypeError, r"activations: expected an activation name"),
    ("activations length", lambda: ffnn.FFNN([3, 4, 2], ["relu"]), ValueError,
     r"activations: expected 2 entries .*got 1"),
    ("activations too many", lambda: ffnn.FFNN([3, 2], ["relu", "relu"]), ValueError, r"activations: expected 1"),
    ("unknown loss", lambda: ffnn.FFNN([3, 2], "relu", "hinge"), ValueError, r"loss: unknown loss 'hinge'"),
    ("loss type", lambda: ffnn.FFNN([3, 2], "relu", None), TypeError, r"loss: expected a loss name"),
    ("unknown init", lambda: ffnn.FFNN([3, 2], init="lecun"), ValueError, r"init: unknown initializer 'lecun'"),
    ("init list length", lambda: ffnn.FFNN([3, 4, 2], init=["zeros"]), ValueError, r"init: expected 2 entries"),
    ("init type", lambda: ffnn.FFNN([3, 2], init=0.1), TypeError, r"init: expected an initializer name"),
    ("CCE linear output", lambda: ffnn.FFNN([3, 2], "linear", "categorical_crossentropy"), ValueError,
     r"activations: loss='categorical_crossentropy' needs probabilities.*got 'linear'"),
    ("BCE relu output", lambda: ffnn.FFNN([3, 2], "relu", "binary_crossentropy"), ValueError,
     r"activations: loss='binary_crossentropy' needs probabilities"),
    ("CCE one output", lambda: ffnn.FFNN([3, 1], "softmax", "categorical_crossentropy"), ValueError,
     r"layer_sizes: categorical_crossentropy needs at least 2 outputs"),
    ("layer_sizes short", lambda: ffnn.FFNN([3]), ValueError, r"layer_sizes: expected at least \[n_in, n_out\]"),
    ("layer_sizes zero", lambda: ffnn.FFNN([3, 0, 2]), ValueError, r"layer_sizes\[1\]: expected an integer >= 1"),
    ("layer_sizes float", lambda: ffnn.FFNN([3, 2.5]), TypeError, r"layer_sizes\[1\]: expected an integer"),
    ("layer_sizes str", lambda: ffnn.FFNN("32"), TypeError, r"layer_sizes: expected a list"),
    ("layer_sizes int", lambda: ffnn.FFNN(3), TypeError, r"layer_sizes: expected a list"),
    ("dtype int", lambda: ffnn.FFNN([3, 2], dtype="int32"), ValueError, r"dtype: expected 'float32' or 'float64'"),
    ("dtype junk", lambda: ffnn.FFNN([3, 2], dtype="floaty"), TypeError, r"dtype: expected 'float32'"),
    ("model seed", lambda: ffnn.FFNN([3, 2], seed=-1), ValueError, r"seed: expected an integer >= 0"),
    ("model seed type", lambda: ffnn.FFNN([3, 2], seed="0"), TypeError, r"seed: expected an integer"),
    ("rmsnorm type", lambda: ffnn.FFNN([3, 2], rmsnorm="yes"), TypeError, r"rmsnorm: expected True or False"),
    ("eps", lambda: ffnn.FFNN([3, 2], eps=0), ValueError, r"eps: expected a number in \(0, inf\), got 0\.0"),
    ("regularization type", lambda: ffnn.FFNN([3, 2], regularization=0.1), TypeError,
     r"regularization: expected None, ffnn\.L1\(lam\) or ffnn\.L2\(lam\)"),
    ("regularization name", lambda: ffnn.FFNN([3, 2], regularization=("l3", 0.1)), ValueError,
     r"regularization: unknown regulariser 'l3'"),
    # --- regularisation strength
    ("negative lam", lambda: ffnn.L2(-0.1), ValueError, r"lam: expected a number in \[0, inf\), got -0\.1"),
    ("NaN lam", lambda: ffnn.L1(float("nan")), ValueError, r"lam: expected a number in \[0, inf\), got nan"),
    ("inf lam", lambda: ffnn.L1(float("inf")), ValueError, r"lam: expected a number in \[0, inf\), got inf"),
    ("lam type", lambda: ffnn.L1("0.1"), TypeError, r"lam: expected a number in \[0, inf\), got '0\.1'"),
    ("lam bool", lambda: ffnn.L2(True), TypeError, r"lam: expected a number"),
    ("lam via get", lambda: regularization.get(("l1", -1)), ValueError, r"lam: expected a number in \[0, inf\)"),
    # --- initialisers
    ("uniform low == high", lambda: init.Uniform(0.1, 0.1), ValueError, r"low, high: expected low < high"),
    ("uniform low > high", lambda: init.Uniform(1.0, -1.0), ValueError, r"low, high: expected low < high"),
    ("uniform inf", lambda: init.Uniform(-np.inf, 1.0), ValueError, r"low: expected a number in \(-inf, inf\), got -inf"),
    ("uniform high str", lambda: init.Uniform(0.0, "1"), TypeError, r"high: expected a number"),
    ("normal negative variance", lambda: init.Normal(0.0, -1.0), ValueError,
     r"variance: expected a number in \[0, inf\), got -1\.0"),
    ("normal NaN mean", lambda: init.Normal(float("nan"), 1.0), ValueError, r"mean: expected a number in \(-inf, inf\), got nan"),
    ("normal mean None", lambda: init.Normal(None), TypeError, r"mean: expected a number"),
    ("init seed negative", lambda: init.HeNormal(seed=-3), ValueError, r"seed: expected an integer >= 0, got -3"),
    ("init seed float", lambda: init.Normal(seed=1.5), TypeError, r"seed: expected an integer, got 1\.5"),
    ("init seed str", lambda: init.Uniform(seed="1"), TypeError, r"seed: expected an integer, got '1'"),
    ("init seed bool", lambda: init.XavierUniform(seed=True), TypeError, r"seed: expected an integer, got True"),
    ("init n_in", lambda: init.HeNormal()(0, 3), ValueError, r"n_in: expected an integer >= 1, got 0"),
    ("init n_out", lambda: init.HeNormal()(3, 2.0), TypeError, r"n_out: expected an integer, got 2\.0"),
    # --- fit arguments
    ("batch_size 0", lambda: fit(batch_size=0), ValueError, r"batch_size: expected an integer >= 1, got 0"),
    ("batch_size negative", lambda: fit(batch_size=-4), ValueError, r"batch_size: expected an integer >= 1"),
    ("batch_size float", lambda: fit(batch_size=8.0), TypeError, r"batch_size: expected an integer"),
    ("learning_rate 0", lambda: fit(learning_rate=0), ValueError, r"learning_rate: expected a number in \(0, inf\), got 0"),
    ("learning_rate negative", lambda: fit(learning_rate=-0.1), ValueError,
     r"learning_rate: expected a number in \(0, inf\), got -0\.1"),
    ("learning_rate NaN", lambda: fit(learning_rate=float("nan")), ValueError, r"learning_rate: expected"),
    ("learning_rate inf", lambda: fit(learning_rate=float("inf")), ValueError, r"learning_rate: expected"),
    ("learning_rate str", lambda: fit(learning_rate="0.1"), TypeError,
     r"learning_rate: expected a number in \(0, inf\), got '0\.1'"),
    ("epochs negative", lambda: fit(epochs=-1), ValueError, r"epochs: expected an integer >= 0, got -1"),
    ("epochs float", lambda: fit(epochs=2.5), TypeError, r"epochs: expected an integer"),
    ("verbose", lambda: fit(verbose=3), ValueError, r"verbose: expected an integer in 0\.\.2, got 3"),
    ("unknown optimizer", lambda: fit(optimizer="lbfgs"), ValueError,
     r"optimizer: unknown optimizer 'lbfgs'; expected one of sgd, momentum, "),
    ("optimizer type", lambda: fit(optimizer=0.1), TypeError, r"optimizer: expected an optimizer name"),
    ("patience without validation", lambda: fit(patience=3), ValueError,
     r"patience: early stopping watches val_loss, so validation_data is required"),
    ("patience 0", lambda: fit(patience=0, validation_data=(X, Y_REG)), ValueError,
     r"patience: expected an integer >= 1"),
    ("validation_data form", lambda: fit(validation_data=X), TypeError, r"validation_data: expected a tuple"),
    ("validation X", lambda: fit(validation_data=(X[:, :2], Y_REG)), ValueError,
     r"validation_data\[0\]: expected 3 features"),
    ("validation Y", lambda: fit(validation_data=(X, Y_REG[:2])), ValueError,
     r"validation_data\[1\]: expected 6 rows"),
    ("validation labels", lambda: fit(clf_model(), Y=Y_INT, validation_data=(X, Y_INT + 1)), ValueError,
     r"validation_data\[1\]: expected labels in 0\.\.2 for n_classes=3, got label 3"),
    # --- optimisers and gradcheck
    ("momentum beta", lambda: optim.Momentum(beta=1.0), ValueError, r"beta: expected a number in \[0, 1\)"),
    ("adam beta1", lambda: optim.Adam(beta1=-0.1), ValueError, r"beta1: expected a number in \[0, 1\)"),
    ("adam beta2", lambda: optim.Adam(beta2=1), ValueError, r"beta2: expected a number in \[0, 1\)"),
    ("adam eps", lambda: optim.Adam(eps=0.0), ValueError, r"eps: expected a number in \(0, inf\), got 0\.0"),
    ("gradcheck h", lambda: ffnn.gradcheck(reg_model(), X, Y_REG, h=0), ValueError, r"h: expected a number in \(0, inf\), got 0\.0"),
    ("gradcheck X", lambda: ffnn.gradcheck(reg_model(), X[:, :1], Y_REG), ValueError, r"X: expected 3 features"),
    # --- registries called directly
    ("activations.get", lambda: activations.get("sigmoidal"), ValueError, r"activation: unknown activation"),
    ("losses.get", lambda: losses.get("l2"), ValueError, r"loss: unknown loss 'l2'"),
    ("init.get", lambda: init.get(""), ValueError, r"init: unknown initializer ''"),
    ("optim.get", lambda: optim.get("SGDM"), ValueError, r"optimizer: unknown optimizer 'SGDM'"),
    ("regularization.get", lambda: regularization.get("l2"), TypeError, r"regularization: expected None"),
    # --- traps: outputs that cannot learn, files that are not what their names say
    ("CCE sigmoid output", lambda: ffnn.FFNN([11, 16, 2], ["relu", "sigmoid"], "categorical_crossentropy"),
     ValueError, r"^activations: .*'softmax', got 'sigmoid'; use softmax with categorical_crossentropy, "
                 r"or sigmoid with binary_crossentropy"),
    ("save .json", lambda: reg_model().save("model.json"), ValueError,
     r"^path: 'model\.json' ends in '\.json', but ffnn writes an \.npz archive.*'model\.npz'"),
    ("save path type", lambda: reg_model().save(3), TypeError, r"^path: expected a file name"),
    ("load path type", lambda: ffnn.load(None), TypeError, r"^path: expected a file name"),
    # --- save files: zip, json and NumPy errors become a ValueError naming the file
    ("load non-npy member", lambda: load_hostile("not-npy"), ValueError,
     r"^path: '.*not-npy\.npz' is not a readable ffnn model file \(member 'notes\.txt' is not a \.npy array\)"),
    ("load unknown compression", lambda: load_hostile("lzma"), ValueError,
     r"^path: '.*lzma\.npz' .*uses zip compression method 14; expected stored or deflated"),
    ("load deeply nested json", lambda: load_hostile("deep-json"), ValueError,
     r"^path: '.*deep-json\.npz' is not a readable ffnn model file \(RecursionError"),
    ("load huge layer sizes", lambda: load_hostile("huge-sizes"), ValueError,
     r"^path: '.*huge-sizes\.npz' .*layers\[0\]\.W has shape \(3, 4\) .*expected \(3, 1000000000\)"),
    ("load generator state", lambda: load_hostile("rng-state"), ValueError,
     r"^path: '.*rng-state\.npz' .*rng_state: expected the state of a PCG64 generator"),
    ("load history", lambda: load_hostile("history"), ValueError,
     r"^path: '.*history\.npz' .*history\['loss'\]: expected a list of numbers"),
    ("load NaN weights", lambda: load_hostile("nan-weights"), ValueError,
     r"^path: '.*nan-weights\.npz' .*layers\[0\]\.W contains NaN or infinity"),
    # --- seeds and dtypes
    ("gradcheck seed", lambda: ffnn.gradcheck(reg_model(), X, Y_REG, max_checks=2, seed=-1), ValueError,
     r"^seed: expected an integer >= 0, got -1"),
    ("gradcheck seed type", lambda: ffnn.gradcheck(reg_model(), X, Y_REG, seed="0"), TypeError,
     r"^seed: expected an integer, got '0'"),
    ("plot_graph seed", lambda: reg_model().plot_graph(select="random", seed=1.5), TypeError,
     r"^seed: expected an integer, got 1\.5"),
    ("copy dtype", lambda: reg_model().copy(dtype="int8"), ValueError, r"^dtype: expected 'float32' or 'float64'"),
    ("copy dtype type", lambda: reg_model().copy(dtype={0: [0]}), TypeError, r"^dtype: expected 'float32'"),
    # --- boolean options
    ("shuffle 1", lambda: fit(shuffle=1), TypeError, r"^shuffle: expected True or False, got 1"),
    ("restore_best yes", lambda: fit(restore_best="yes", patience=1, validation_data=(X, Y_REG)), TypeError,
     r"^restore_best: expected True or False, got 'yes'"),
    ("monitor 1", lambda: fit(monitor=1), TypeError, r"^monitor: expected True, False or an ffnn\.monitor\.Monitor"),
    ("training 0", lambda: reg_model().loss(X, Y_REG, training=0), TypeError, r"^training: expected True or False"),
    # --- accuracy checks what evaluate checks
    ("accuracy NaN labels", lambda: clf_model().accuracy(X, np.array([0, np.nan, 2, 0, 1, 2])), ValueError,
     r"^y: expected integer labels, got non-integer values such as nan"),
    ("accuracy fractional labels", lambda: clf_model().accuracy(X, np.array([0, 1.5, 2, 0, 1, 2])), ValueError,
     r"^y: expected integer labels, got non-integer values such as 1\.5"),
    ("accuracy label too big", lambda: clf_model().accuracy(X, np.array([0, 1, 3, 0, 1, 2])), ValueError,
     r"^y: expected labels in 0\.\.2 for 3 output\(s\), got label 3"),
    ("accuracy binary label 2", lambda: ffnn.FFNN([3, 1], "sigmoid", "binary_crossentropy").accuracy(X, Y_INT),
     ValueError, r"^y: expected labels in 0\.\.1 for 1 output\(s\), got label 2"),
    ("accuracy one-hot width", lambda: clf_model().accuracy(X, np.eye(4)[[0, 1, 2, 3, 0, 1]]), ValueError,
     r"^y: expected shape \(N, 3\) to match the output layer"),
    ("accuracy one-hot NaN", lambda: clf_model().accuracy(X, np.full((6, 3), np.nan)), ValueError,
     r"^y: contains NaN or infinity"),
    ("accuracy strings", lambda: clf_model().accuracy(X, np.array(list("abcabc"))), TypeError, r"^y: expected"),
    # --- abstract bases
    ("abstract Activation", lambda: ffnn.FFNN([3, 2], activations.Activation()), TypeError,
     r"^activations: ffnn\.activations\.Activation is an abstract base class; pass a name such as"),
    ("abstract Loss", lambda: ffnn.FFNN([3, 2], "linear", losses.Loss()), TypeError,
     r"^loss: ffnn\.losses\.Loss is an abstract base class"),
    ("abstract Initializer", lambda: ffnn.FFNN([3, 2], init=init.Initializer()), TypeError,
     r"^init: ffnn\.init\.Initializer is an abstract base class"),
    ("abstract Optimizer", lambda: fit(optimizer=optim.Optimizer()), TypeError,
     r"^optimizer: ffnn\.optim\.Optimizer is an abstract base class"),
    ("abstract Schedule", lambda: fit(lr_schedule=ffnn.schedules.Schedule()), TypeError,
     r"^lr_schedule: ffnn\.schedules\.Schedule is an abstract base class"),
    ("abstract Regularizer", lambda: ffnn.FFNN([3, 2], regularization=regularization.Regularizer(0.1)), TypeError,
     r"^regularization: ffnn\.regularization\.Regularizer is an abstract base class"),
    ("half-implemented Activation", lambda: ffnn.FFNN([3, 2], type("Half", (activations.Activation,), {"name": "half"})()),
     TypeError, r"^activations: Half does not implement forward\(\)"),
    ("used optimizer", lambda: fit(optimizer=used_adam()), ValueError,
     r"^optimizer: Adam\(.*\) has state .* for parameters of other shapes"),
    # --- gradcheck's first argument
    ("gradcheck model", lambda: ffnn.gradcheck(np.eye(3), X, Y_REG), TypeError,
     r"^model: expected an ffnn\.FFNN \(an object with layers, copy\(\), loss\(\), backward\(\), parameters\(\) "
     r"and gradients\(\)\), got ndarray"),
    ("gradcheck model order", lambda: ffnn.gradcheck(X, reg_model(), Y_REG), TypeError, r"^model: expected an ffnn"),
]


def used_adam():
    """An Adam that has trained another model, so its moments have that model's shapes."""
    adam = optim.Adam()
    ffnn.FFNN([5, 2]).fit(np.ones((4, 5)), np.ones((4, 2)), epochs=1, verbose=0, optimizer=adam)
    return adam


@pytest.mark.parametrize("call, exc, match", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_a_named_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_zero_epochs_and_bool_verbose_are_accepted():
    fit(epochs=0)
    fit(verbose=False)


def test_refused_fit_leaves_the_model_untouched():
    model = reg_model()
    before = [p.copy() for _, p in model.parameters()]
    with pytest.raises(ValueError):
        fit(model, Y=Y_REG[:5])
    for b, (_, p) in zip(before, model.parameters()):
        np.testing.assert_array_equal(b, p)
    assert model.history == {} and model.optimizer is None


# ----------------------------------------------------------------------------- divergence
@pytest.mark.parametrize("make, Y", [
    (lambda: ffnn.FFNN([2, 3, 1], ["tanh", "linear"], "mse", seed=0), None),
    (lambda: ffnn.FFNN([2, 8, 1], ["relu", "linear"], "mse", seed=0), None),
    (lambda: ffnn.FFNN([2, 8, 3], ["relu", "softmax"], "categorical_crossentropy", seed=0), "labels"),
], ids=["tanh-mse", "relu-mse", "relu-cce"])
def test_huge_learning_rate_raises_divergence_error(make, Y):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2)) * 10
    Y = rng.integers(0, 3, 20) if Y == "labels" else X[:, :1] * 3
    model = make()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the divergence is reported once, as an exception
        with pytest.raises(ffnn.DivergenceError, match=r"training diverged: the loss became .* in epoch \d+, "
                                                       r"batch \d+ \(learning_rate=1e\+06\).*smaller learning_rate"):
            model.fit(X, Y, batch_size=5, learning_rate=1e6, epochs=200, verbose=0)
    assert issubclass(ffnn.DivergenceError, FloatingPointError)
    assert all(layer.X is None for layer in model.layers)  # caches dropped even on the error path


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, "inf and -inf in one row"])
@pytest.mark.parametrize("where", [(0, 0), (157, 33), (299, 49)])
def test_check_array_finds_any_non_finite_entry(dtype, bad, where):
    # check_array sums rows with a matrix product first; every kind of bad entry, anywhere, must
    # still be refused (NaN and ±inf propagate through it; inf - inf in one row gives NaN)
    arr = np.random.default_rng(1).normal(size=(300, 50)).astype(dtype)
    if isinstance(bad, str):
        arr[where[0], where[1]], arr[where[0], (where[1] + 1) % 50] = np.inf, -np.inf
    else:
        arr[where] = bad
    with pytest.raises(ValueError, match=r"X: contains NaN or infinity"):
        check_array(arr, dtype=dtype)
    with pytest.raises(ValueError, match=r"v: contains NaN or infinity"):
        check_array(arr[:, where[1]], argname="v", dtype=dtype, ndim=1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_check_array_accepts_huge_finite_values_whose_sum_overflows(dtype):
    big = np.finfo(dtype).max
    arr = np.full((4, 3), big, dtype=dtype)
    arr[1] = -big  # row sums overflow to +inf and -inf, the total to NaN: still all finite
    np.testing.assert_array_equal(check_array(arr, dtype=dtype), arr)


# ----------------------------------------------------------------------------- the shared checks
@pytest.mark.parametrize("value, expected", [(3, True), (np.int64(3), True), (np.uint8(0), True), (True, False),
                                             (np.bool_(True), False), (3.0, False), ("3", False), (None, False)])
def test_is_int_refuses_bools_and_floats(value, expected):
    assert is_int(value) is expected


@pytest.mark.parametrize("value, expected", [(3, True), (2.5, True), (np.float32(1.5), True), (np.int64(2), True),
                                             (float("nan"), True), (True, False), (np.bool_(False), False),
                                             ("1.0", False), (1 + 2j, False), (None, False)])
def test_is_real_refuses_bools_strings_and_complex(value, expected):
    assert is_real(value) is expected


def test_check_int_bounds_and_types():
    assert check_int(1, "n") == 1 and type(check_int(np.int64(5), "n")) is int
    assert check_int(0, "n", minimum=0) == 0 and check_int(2, "n", minimum=0, maximum=2) == 2
    with pytest.raises(ValueError, match=r"^n: expected an integer >= 1, got 0$"):
        check_int(0, "n")
    with pytest.raises(ValueError, match=r"^n: expected an integer in 0\.\.2, got 3$"):
        check_int(3, "n", minimum=0, maximum=2)
    with pytest.raises(ValueError, match=r"^n: expected an integer in 0\.\.2, got -1$"):
        check_int(-1, "n", minimum=0, maximum=2)
    for bad in (1.0, "1", True, np.bool_(True), None):
        with pytest.raises(TypeError, match=r"^n: expected an integer, got "):
            check_int(bad, "n")


@pytest.mark.parametrize("kwargs, inside, outside, interval", [
    ({}, [-1e300, 0, 1e300], [], r"\(-inf, inf\)"),
    ({"low": 0}, [0, 5], [-1e-12], r"\[0, inf\)"),
    ({"low": 0, "low_open": True}, [1e-300, 5], [0, -1], r"\(0, inf\)"),
    ({"high": 1}, [-5, 1], [1.0000001], r"\(-inf, 1\]"),
    ({"high": 1, "high_open": True}, [-5, 0.999], [1], r"\(-inf, 1\)"),
    ({"low": 0, "high": 1}, [0, 0.5, 1], [-0.1, 1.1], r"\[0, 1\]"),
    ({"low": 0, "high": 1, "low_open": True, "high_open": True}, [1e-9, 0.5], [0, 1], r"\(0, 1\)"),
    ({"low": 0, "high": 1, "high_open": True}, [0, 0.5], [1], r"\[0, 1\)"),
])
def test_check_real_open_and_closed_intervals(kwargs, inside, outside, interval):
    for value in inside:
        assert check_real(value, "x", **kwargs) == value and type(check_real(value, "x", **kwargs)) is float
    for value in [*outside, float("nan"), float("inf"), float("-inf")]:
        with pytest.raises(ValueError, match=rf"^x: expected a number in {interval}, got "):
            check_real(value, "x", **kwargs)
    for value in ("0.5", True, np.bool_(False), None, 0.5j, [0.5]):
        with pytest.raises(TypeError, match=rf"^x: expected a number in {interval}, got "):
            check_real(value, "x", **kwargs)


def test_check_positive_is_the_open_half_line():
    assert check_positive(1e-300, "lr") == 1e-300
    for value in (0, -1.0, float("inf")):
        with pytest.raises(ValueError, match=r"^lr: expected a number in \(0, inf\)"):
            check_positive(value, "lr")
    with pytest.raises(TypeError, match="^lr: "):
        check_positive("1", "lr")


def test_check_bool_takes_only_bools():
    assert check_bool(True, "flag") is True and check_bool(np.bool_(False), "flag") is False
    for bad in (1, 0, "yes", None, 1.0):
        with pytest.raises(TypeError, match=r"^flag: expected True or False, got "):
            check_bool(bad, "flag")


def test_check_choice_type_then_value():
    assert check_choice("b", "mode", ("a", "b")) == "b"
    with pytest.raises(ValueError, match=r"^mode: expected one of 'a', 'b', got 'c'$"):
        check_choice("c", "mode", ("a", "b"))
    for bad in (None, 1, ["a"]):
        with pytest.raises(TypeError, match=r"^mode: expected one of 'a', 'b', got "):
            check_choice(bad, "mode", ("a", "b"))
