"""ffnn.saving: bit-exact round trips (parameters, dtype, history, optimizer state, shuffling
generator), a loaded model that trains on exactly like the original, and refusal of pickles (without
running them), corrupt, truncated and foreign files."""
import json
import pickle
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

import ffnn
from ffnn import saving

CONFIGS = {
    "f64-sgd": dict(dtype="float64", rmsnorm=False, regularization=None, optimizer="sgd"),
    "f32-momentum-l1": dict(dtype="float32", rmsnorm=False, regularization=ffnn.L1(1e-3), optimizer="momentum"),
    "f64-adam-rmsnorm-l2": dict(dtype="float64", rmsnorm=True, regularization=ffnn.L2(1e-3), optimizer="adam"),
    "f32-adam-rmsnorm": dict(dtype="float32", rmsnorm=True, regularization=None, optimizer="adam"),
    "f64-momentum-rmsnorm-l1": dict(dtype="float64", rmsnorm=True, regularization=ffnn.L1(1e-3),
                                    optimizer="momentum"),
    "f64-nesterov-layernorm-dropout": dict(dtype="float64", normalization="layernorm", dropout=0.3,
                                           optimizer="nesterov", lr_schedule="step"),
    "f32-adamw-batchnorm-plateau": dict(dtype="float32", normalization="batchnorm", optimizer="adamw",
                                        lr_schedule="plateau"),
    "f64-rmsprop-batchnorm-dropout": dict(dtype="float64", normalization="batchnorm", dropout=[0.2, 0.5],
                                          optimizer="rmsprop", lr_schedule="cosine"),
    "f64-adagrad-bias-init": dict(dtype="float64", optimizer="adagrad", bias_init=True),
}

SCHEDULES = {"step": lambda: ffnn.schedules.StepLR(2, gamma=0.5),
             "plateau": lambda: ffnn.schedules.ReduceLROnPlateau(factor=0.5, patience=0, threshold=0.5),
             "cosine": lambda: ffnn.schedules.CosineAnnealingLR(4, eta_min=0.001)}


def data(N=30):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, 4))
    return X, (X[:, 0] - X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5)


def trained(optimizer, lr_schedule=None, bias_init=False, **kwargs):
    X, y = data()
    model = ffnn.FFNN([4, 6, 5, 3], ["relu", "tanh", "softmax"], "categorical_crossentropy",
                      init=[ffnn.init.HeNormal(bias=bias_init), ffnn.init.Uniform(-0.4, 0.4, seed=3),
                            "xavier_normal"], seed=4, **kwargs)
    model.fit(X, y, batch_size=7, learning_rate=0.01, epochs=3, optimizer=optimizer, verbose=0,
              validation_data=(X[:10], y[:10]),
              lr_schedule=None if lr_schedule is None else SCHEDULES[lr_schedule]())
    return model


def assert_identical(a, b):
    assert a.layer_sizes == b.layer_sizes and a.activations == b.activations and a.loss_name == b.loss_name
    assert a.dtype == b.dtype and a.rmsnorm == b.rmsnorm and a.seed == b.seed and a.eps == b.eps
    assert a.normalization == b.normalization and a.dropout == b.dropout
    assert a.regularization == b.regularization
    assert [repr(la.init) for la in a.layers] == [repr(lb.init) for lb in b.layers]
    for (na, pa), (nb, pb) in zip(a.parameters(), b.parameters(), strict=True):
        assert na == nb and pa.dtype == pb.dtype
        np.testing.assert_array_equal(pa, pb)
    assert dict(a.history) == dict(b.history) and isinstance(b.history, ffnn.History)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    assert a.dropout_rng.bit_generator.state == b.dropout_rng.bit_generator.state
    for la, lb in zip(a.layers, b.layers):
        for (na, x), (nb, y) in zip(la.buffers(), lb.buffers(), strict=True):
            assert na == nb and x.dtype == y.dtype
            np.testing.assert_array_equal(x, y)
    if a.lr_schedule is None:
        assert b.lr_schedule is None
    else:
        assert a.lr_schedule.same_config(b.lr_schedule)
        assert a.lr_schedule.get_state() == b.lr_schedule.get_state()
    if a.optimizer is None:
        assert b.optimizer is None
        return
    assert a.optimizer.same_config(b.optimizer) and a.optimizer.t == b.optimizer.t
    for sa, sb in zip(a.optimizer.state, b.optimizer.state, strict=True):
        for x, y in zip(sa, sb, strict=True):
            assert x.dtype == y.dtype
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("config", list(CONFIGS))
def test_round_trip_is_bit_exact_and_training_continues_identically(tmp_path, config):
    kwargs = dict(CONFIGS[config])
    optimizer = kwargs.pop("optimizer")
    model = trained(optimizer, **kwargs)
    if "lr_schedule" in kwargs:
        assert len(set(model.history["lr"])) > 1  # the schedule has moved the rate
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = ffnn.load(path)
    assert_identical(model, loaded)
    assert_identical(model, ffnn.FFNN.load(str(path)))

    X, y = data()
    for m in (model, loaded):
        m.fit(X, y, batch_size=7, learning_rate=0.01, epochs=2, optimizer=optimizer, shuffle=True, verbose=0,
              validation_data=(X[:10], y[:10]), lr_schedule=m.lr_schedule)
    assert_identical(model, loaded)
    assert len(loaded.history["loss"]) == 5


def test_untrained_model_round_trip(tmp_path):
    model = ffnn.FFNN([2, 3, 1], ["elu", "sigmoid"], "binary_crossentropy", seed=9)
    path = tmp_path / "fresh"
    model.save(path)
    assert path.exists() and not (tmp_path / "fresh.npz").exists()  # saved exactly where asked
    loaded = ffnn.load(path)
    assert_identical(model, loaded)
    np.testing.assert_array_equal(loaded.predict(np.ones((2, 2))), model.predict(np.ones((2, 2))))


# ----------------------------------------------------------------------------- refusing bad files
class Payload:
    """Unpickling this would create the marker file: proof that a pickle was (not) run."""

    marker = None

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def payload(marker):
    p = Payload()
    p.marker = marker
    return p


def valid_arrays(tmp_path):
    path = tmp_path / "valid.npz"
    trained("adam").save(path)
    with np.load(path) as archive:
        return {name: archive[name] for name in archive.files}


@pytest.mark.parametrize("kind", ["raw-pickle", "npy-object-array", "npz-object-array", "npz-object-header"])
def test_pickles_are_refused_without_being_run(tmp_path, kind):
    marker = tmp_path / "pwned"
    path = tmp_path / f"{kind}.bin"
    evil = np.empty(1, dtype=object)
    evil[0] = payload(marker)
    if kind == "raw-pickle":
        path.write_bytes(pickle.dumps(payload(marker)))
    elif kind == "npy-object-array":
        with open(path, "wb") as f:
            np.save(f, evil, allow_pickle=True)
    else:
        arrays = valid_arrays(tmp_path)
        if kind == "npz-object-array":
            arrays["layers[0].W"] = evil  # a well-formed model file with one poisoned entry
        else:
            arrays["__header__"] = evil
        with open(path, "wb") as f:
            np.savez(f, **arrays)
    with pytest.raises(ValueError, match=rf"path: .*{kind}\.bin"):
        ffnn.load(path)
    assert not marker.exists()
    # The payload is real: unpickling it does create the marker.
    pickle.loads(pickle.dumps(payload(marker))).close()
    assert marker.exists()


def test_truncated_file(tmp_path):
    path = tmp_path / "model.npz"
    trained("sgd").save(path)
    blob = path.read_bytes()
    for cut in (len(blob) // 2, 100, 10):
        bad = tmp_path / f"truncated-{cut}.npz"
        bad.write_bytes(blob[:cut])
        with pytest.raises(ValueError, match=rf"path: .*truncated-{cut}\.npz.*not a readable ffnn model"):
            ffnn.load(bad)


def test_corrupt_bytes(tmp_path):
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(0).bytes(2000))
    with pytest.raises(ValueError, match=r"path: .*noise\.npz"):
        ffnn.load(path)
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"path: .*empty\.npz"):
        ffnn.load(empty)


def test_foreign_npz_and_npy(tmp_path):
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, a=np.arange(3), b=np.eye(2))
    with pytest.raises(ValueError, match=r"path: .*foreign\.npz.*no ffnn header"):
        ffnn.load(foreign)
    single = tmp_path / "single.npy"
    np.save(single, np.arange(3))
    with pytest.raises(ValueError, match=r"path: .*single\.npy.*not an \.npz"):
        ffnn.load(single)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        ffnn.load(tmp_path / "nope.npz")


def rewrite(tmp_path, name, edit_header=None, edit_arrays=None):
    arrays = valid_arrays(tmp_path)
    header = json.loads(arrays["__header__"].tobytes().decode("utf-8"))
    if edit_header:
        edit_header(header)
    if edit_arrays:
        edit_arrays(arrays)
    arrays["__header__"] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    path = tmp_path / name
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


@pytest.mark.parametrize("name, edit_header, edit_arrays, message", [
    ("format.npz", lambda h: h.update(format="something-else"), None, "does not describe an ffnn model"),
    ("version.npz", lambda h: h.update(version=99), None, "version 99"),
    ("missing-key.npz", lambda h: h.pop("layer_sizes"), None, "layer_sizes"),
    ("bad-sizes.npz", lambda h: h.update(layer_sizes=[4, 6, 5, 0]), None, "layer_sizes"),
    ("shape.npz", None, lambda a: a.update({"layers[1].b": np.zeros(7)}), r"layers\[1\]\.b has shape"),
    ("dtype.npz", None, lambda a: a.update({"layers[0].W": a["layers[0].W"].astype(np.float32)}), "dtype"),
    ("missing-array.npz", None, lambda a: a.pop("layers[2].W"), r"layers\[2\]\.W"),
    ("extra-array.npz", None, lambda a: a.update(stowaway=np.zeros(2)), "unexpected arrays.*stowaway"),
    ("opt-shape.npz", None, lambda a: a.update({"optimizer.1.0": np.zeros(3)}),
     r"optimizer state of layers\[0\]\.b has shape"),
    ("opt-arrays.npz", lambda h: h["optimizer"].update(state_sizes=[1] * len(h["optimizer"]["state_sizes"])),
     lambda a: [a.pop(k) for k in list(a) if k.startswith("optimizer.") and k.endswith(".1")],
     r"optimizer state of layers\[0\]\.W has 1 arrays, adam keeps 2"),
    ("opt-count.npz", lambda h: h["optimizer"].update(state_sizes=h["optimizer"]["state_sizes"][:2]),
     lambda a: [a.pop(k) for k in list(a) if k.startswith("optimizer.") and int(k.split(".")[1]) >= 2],
     "optimizer state for 2 parameters"),
])
def test_malformed_model_files(tmp_path, name, edit_header, edit_arrays, message):
    path = rewrite(tmp_path, name, edit_header, edit_arrays)
    with pytest.raises(ValueError, match=rf"path: .*{re.escape(name)}.*{message}"):
        ffnn.load(path)


def test_header_is_not_json(tmp_path):
    arrays = valid_arrays(tmp_path)
    arrays["__header__"] = np.frombuffer(b"\xff\xfe not json", dtype=np.uint8)
    path = tmp_path / "garbled.npz"
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    with pytest.raises(ValueError, match=r"path: .*garbled\.npz"):
        ffnn.load(path)


def test_the_format_is_a_plain_zip_of_npy_files(tmp_path):
    path = tmp_path / "model.npz"
    trained("adam").save(path)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    assert "__header__.npy" in names and "layers[0].W.npy" in names and "optimizer.0.0.npy" in names
    assert saving.FORMAT == "ffnn-model" and saving.VERSION == 2 and saving.READS == (1, 2)


# ----------------------------------------------------------------------------- files of format 1
# tests/data/model_v1_{adam,momentum}.npz were written by ffnn at commit 7c17384 (format 1, before
# normalization, dropout and schedules): a [4, 5, 3] tanh/softmax classifier with RMSNorm and
# L2(0.01), seed 5, trained 2 epochs (batch 8, lr 0.05) on 40 rows of N(0.2, 1) with 3 classes.
V1 = {opt: Path(__file__).parent / "data" / f"model_v1_{opt}.npz" for opt in ("adam", "momentum")}


@pytest.mark.parametrize("opt", list(V1))
def test_format_1_files_still_load(opt):
    with np.load(V1[opt]) as archive:
        raw = {name: archive[name] for name in archive.files}
    header = json.loads(raw["__header__"].tobytes().decode("utf-8"))
    assert header["version"] == 1
    model = ffnn.load(V1[opt])
    assert model.normalization == "rmsnorm" and model.dropout == 0.0 and model.lr_schedule is None
    assert model.layer_sizes == [4, 5, 3] and model.regularization == ffnn.L2(0.01)
    for name, p in model.parameters():
        np.testing.assert_array_equal(p, raw[name])
    assert dict(model.history) == header["history"] and len(model.history["loss"]) == 2
    assert model.rng.bit_generator.state == header["rng_state"]
    assert model.optimizer.name == opt and model.optimizer.t == header["optimizer"]["t"] == 10
    if opt == "adam":  # Adam's moments mean the same in both formats
        for i, state in enumerate(model.optimizer.state):
            for j, s in enumerate(state):
                np.testing.assert_array_equal(s, raw[f"optimizer.{i}.{j}"])
    else:  # format 1 held the heavy-ball velocity -lr v: momentum restarts from zero
        assert model.optimizer.state == []
    X = np.random.default_rng(1).normal(0.2, 1.0, (40, 4))
    y = np.arange(40) % 3
    before = model.loss(X, y)
    model.fit(X, y, batch_size=8, learning_rate=0.05, epochs=3, optimizer=opt, verbose=0)
    assert np.isfinite(model.history["loss"]).all() and model.loss(X, y) != before
