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


# ----------------------------------------------------------------------------- hostile files
def _set_encrypted_flag(blob, member):
    """The bytes of a zip whose ``member`` says it is encrypted (general-purpose flag bit 0), in
    its local header and in the central directory."""
    blob = bytearray(blob)
    name = member.encode()
    for signature, flag_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        start = 0
        while (start := blob.find(signature, start)) != -1:
            if blob[start + name_at:start + name_at + len(name)] == name:
                blob[start + flag_at] |= 0x1
            start += 4
    return bytes(blob)


def test_an_encrypted_member_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "model.npz"
    trained("sgd").save(path)
    bad = tmp_path / "encrypted.npz"
    bad.write_bytes(_set_encrypted_flag(path.read_bytes(), "layers[0].W.npy"))
    with zipfile.ZipFile(bad) as z:  # zipfile itself would ask for a password
        assert z.getinfo("layers[0].W.npy").flag_bits & 0x1
    with pytest.raises(ValueError, match=r"path: .*encrypted\.npz.*member 'layers\[0\]\.W\.npy' is encrypted"):
        ffnn.load(bad)


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA, 99])
def test_an_unknown_compression_is_refused_naming_the_file(tmp_path, method):
    arrays = valid_arrays(tmp_path)
    path = tmp_path / f"method-{method}.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED if method == 99 else method) as z:
        for name, arr in arrays.items():
            with z.open(f"{name}.npy", "w") as f:
                np.lib.format.write_array(f, arr)
    if method == 99:  # a method no zip library knows: patch the central directory's field
        blob = bytearray(path.read_bytes())
        at = blob.find(b"PK\x01\x02")
        blob[at + 10:at + 12] = (99).to_bytes(2, "little")
        path.write_bytes(bytes(blob))
    with pytest.raises(ValueError, match=rf"path: .*method-{method}\.npz.*compression method {method}; "
                                         r"expected stored or deflated"):
        ffnn.load(path)


def test_a_deflated_file_still_loads(tmp_path):
    # np.savez_compressed writes deflated members: the same arrays, the same model
    arrays = valid_arrays(tmp_path)
    path = tmp_path / "compressed.npz"
    np.savez_compressed(path, **arrays)
    assert_identical(ffnn.load(tmp_path / "valid.npz"), ffnn.load(path))


def _npy_bytes(shape, data=b""):
    """An .npy file whose header claims ``shape`` (float64) but that holds only ``data``."""
    import io
    f = io.BytesIO()
    np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return f.getvalue() + data


def test_layer_sizes_are_checked_against_the_arrays_before_anything_is_allocated(tmp_path):
    import tracemalloc
    n = 1_000_000  # layers[0].W (4 × n) and layers[1].W (n × 5) would need 72 MB, [4, n] alone 32 MB
    path = rewrite(tmp_path, "forged-size.npz", lambda h: h.update(layer_sizes=[4, n, 5, 3]))
    tracemalloc.start()
    with pytest.raises(ValueError, match=rf"path: .*forged-size\.npz.*layers\[0\]\.W has shape \(4, 6\).*"
                                         rf"expected \(4, {n}\)"):
        ffnn.load(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 10_000_000  # bytes: nothing of the forged size was allocated
    # the same with the arrays' own headers forged to agree: their data is not in the file
    arrays = valid_arrays(tmp_path)
    header = json.loads(arrays.pop("__header__").tobytes())
    header["layer_sizes"] = [4, n, 5, 3]
    forged = tmp_path / "forged-npy.npz"
    with zipfile.ZipFile(forged, "w") as z:
        for name, arr in arrays.items():
            with z.open(f"{name}.npy", "w") as f:
                if name == "layers[0].W":
                    f.write(_npy_bytes((4, n), arr.tobytes()))
                else:
                    np.lib.format.write_array(f, arr)
        with z.open("__header__.npy", "w") as f:
            np.lib.format.write_array(f, np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
    with pytest.raises(ValueError, match=rf"path: .*forged-npy\.npz.*layers\[0\]\.W is shorter than its shape "
                                         rf"\(4, {n}\) says"):
        ffnn.load(forged)


def _nested(depth):
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("name, edit_header, message", [
    ("deep.npz", None, "RecursionError"),
    ("list-header.npz", lambda h: [h], "does not describe an ffnn model"),
    ("bool-version.npz", lambda h: {**h, "version": True}, "format version True"),
    ("sizes-str.npz", lambda h: {**h, "layer_sizes": "4-6-5-3"}, "layer_sizes: expected a list"),
    ("sizes-bool.npz", lambda h: {**h, "layer_sizes": [4, True, 5, 3]}, "layer_sizes: expected a list"),
    ("init.npz", lambda h: {**h, "init": "he_normal"}, r"init: expected a list of \{name, config\}"),
    ("init-config.npz", lambda h: {**h, "init": [{"name": "uniform", "config": {"low": 1, "high": 0}}] * 3},
     "low, high: expected low < high"),
    ("init-kwarg.npz", lambda h: {**h, "init": [{"name": "uniform", "config": {"evil": 1}}] * 3}, "evil"),
    ("activation.npz", lambda h: {**h, "activations": ["relu", "tanh", "os.system"]}, "unknown activation"),
    ("seed.npz", lambda h: {**h, "seed": -5}, "seed: expected an integer >= 0"),
    ("dtype.npz", lambda h: {**h, "dtype": "float16"}, "dtype: expected 'float32' or 'float64'"),
    ("reg.npz", lambda h: {**h, "regularization": {"name": "l2", "lam": -1}}, r"lam: expected a number in \[0, inf\)"),
    ("rng-name.npz", lambda h: {**h, "rng_state": {**h["rng_state"], "bit_generator": "MT19937"}},
     "rng_state: expected the state of a PCG64 generator"),
    ("rng-float.npz", lambda h: {**h, "rng_state": {**h["rng_state"], "state": {"state": 1.5, "inc": 3}}},
     "rng_state: expected the state of a PCG64 generator"),
    ("rng-huge.npz", lambda h: {**h, "dropout_rng_state": {**h["dropout_rng_state"], "state": {"state": 2**130, "inc": 3}}},
     "dropout_rng_state: expected the state of a PCG64 generator"),
    ("rng-has-uint32.npz", lambda h: {**h, "rng_state": {**h["rng_state"], "has_uint32": 7}},
     "rng_state: expected the state of a PCG64 generator"),
    ("history-type.npz", lambda h: {**h, "history": [1, 2]}, "history: expected a dict of lists"),
    ("history-values.npz", lambda h: {**h, "history": {"loss": [0.5, None]}}, r"history\['loss'\]: expected a list"),
    ("opt-t.npz", lambda h: {**h, "optimizer": {**h["optimizer"], "t": -3}}, "optimizer t: expected an integer >= 0"),
    ("opt-name.npz", lambda h: {**h, "optimizer": {**h["optimizer"], "name": "lbfgs"}}, "unknown optimizer 'lbfgs'"),
    ("opt-config.npz", lambda h: {**h, "optimizer": {**h["optimizer"], "config": {"beta1": 2}}},
     r"beta1: expected a number in \[0, 1\)"),
    ("opt-sizes.npz", lambda h: {**h, "optimizer": {**h["optimizer"], "state_sizes": "2"}},
     "optimizer state_sizes: expected a list of integers"),
])
def test_every_header_entry_is_checked_when_loading(tmp_path, name, edit_header, message):
    arrays = valid_arrays(tmp_path)
    header = json.loads(arrays["__header__"].tobytes().decode("utf-8"))
    blob = _nested(50_000).encode() if edit_header is None else json.dumps(edit_header(header)).encode()
    arrays["__header__"] = np.frombuffer(blob, dtype=np.uint8)
    path = tmp_path / name
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=rf"^path: .*{re.escape(name)}' is not a readable ffnn model file \(.*{message}"):
        ffnn.load(path)


@pytest.mark.parametrize("state, message", [
    ({"lr": "fast"}, r"state\['lr'\]: expected a number"),
    ({"epoch": -1}, r"state\['epoch'\]: expected an integer >= 0"),
    ({"base_lr": None}, "state: expected base_lr and lr both set"),
    ({"bad_epochs": 1.5}, r"state\['bad_epochs'\]: expected an integer"),
    ({"best": float("nan")}, r"state\['best'\]: expected a number"),
])
def test_the_schedule_state_is_checked_when_loading(tmp_path, state, message):
    X, y = data()
    model = ffnn.FFNN([4, 3], "softmax", "categorical_crossentropy", seed=0)
    model.fit(X, y, epochs=2, verbose=0, validation_data=(X, y), lr_schedule=SCHEDULES["plateau"]())
    path = tmp_path / "model.npz"
    model.save(path)
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(arrays["__header__"].tobytes())
    header["lr_schedule"]["state"].update(state)
    arrays["__header__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=rf"^path: .*model\.npz' is not a readable ffnn model file \(.*{message}"):
        ffnn.load(path)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name", ["layers[1].b", "optimizer.2.1"])
def test_non_finite_weights_and_optimizer_state_are_refused(tmp_path, name, value):
    def poison(arrays):
        arrays[name] = arrays[name].copy()
        arrays[name].flat[0] = value
    path = rewrite(tmp_path, "poisoned.npz", edit_arrays=poison)
    what = re.escape(name) if name.startswith("layers") else r"optimizer state of layers\[1\]\.W"
    with pytest.raises(ValueError, match=rf"poisoned\.npz.*{what} contains NaN or infinity"):
        ffnn.load(path)


# ----------------------------------------------------------------------------- what save refuses
@pytest.mark.parametrize("name", ["model.json", "model.pt", "weights.h5", "model.npz.bak", "m.NPY"])
def test_save_refuses_a_path_with_another_extension(tmp_path, name):
    with pytest.raises(ValueError, match=rf"^path: '.*{re.escape(name)}' ends in '\.\w+', but ffnn writes an \.npz "
                                         r"archive .*name the file with \.npz"):
        trained("sgd").save(tmp_path / name)
    assert not (tmp_path / name).exists()


def test_save_writes_npz_in_any_case_and_no_extension_as_named(tmp_path):
    model = trained("sgd")
    for name in ("model.NPZ", "model.v2.npz", "checkpoint"):
        model.save(tmp_path / name)
        assert (tmp_path / name).exists() and zipfile.is_zipfile(tmp_path / name)
        assert_identical(model, ffnn.load(tmp_path / name))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint", "model.NPZ", "model.v2.npz"]


class Cube(ffnn.activations.Activation):
    name = "cube"

    def forward(self, z):
        return z ** 3

    def derivative(self, z, a):
        return 3 * z ** 2


class Steep(ffnn.activations.LeakyReLU):
    slope = 0.2


def changed_slope():
    act = ffnn.activations.LeakyReLU()
    act.slope = 0.3
    return act


class Halved(ffnn.losses.MSE):
    def value(self, y_hat, Y):
        return super().value(y_hat, Y) / 2


@pytest.mark.parametrize("make, where", [
    (lambda: ffnn.FFNN([3, 4, 1], [Cube(), "linear"]), r"layers\[0\]\.activation is Cube\(\)"),
    (lambda: ffnn.FFNN([3, 4, 1], [Steep(), "linear"]), r"layers\[0\]\.activation is Steep\(\)"),
    (lambda: ffnn.FFNN([3, 4, 1], [changed_slope(), "linear"]), r"layers\[0\]\.activation is LeakyReLU\(slope=0\.3\)"),
    (lambda: ffnn.FFNN([3, 1], "linear", Halved()), r"loss is Halved\(\)"),
])
def test_save_refuses_what_load_could_not_rebuild(tmp_path, make, where):
    with pytest.raises(ValueError, match=rf"^model: {where}, which ffnn\.load could not rebuild"):
        make().save(tmp_path / "custom.npz")
    assert not (tmp_path / "custom.npz").exists()
    ffnn.FFNN([3, 4, 1], [ffnn.activations.LeakyReLU(), "linear"]).save(tmp_path / "plain.npz")  # ffnn's own: fine
