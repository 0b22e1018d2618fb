"""ffnn.saving: bit-exact round trips (parameters, dtype, history, optimizer state, shuffling
generator), a loaded model that trains on exactly like the original, and refusal of pickles (without
running them), corrupt, truncated and foreign files."""
import json
import pickle
import re
import zipfile

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
}


def data(N=30):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, 4))
    return X, (X[:, 0] - X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5)


def trained(optimizer, **kwargs):
    X, y = data()
    model = ffnn.FFNN([4, 6, 5, 3], ["relu", "tanh", "softmax"], "categorical_crossentropy",
                      init=[ffnn.init.HeNormal(), ffnn.init.Uniform(-0.4, 0.4, seed=3), "xavier_normal"],
                      seed=4, **kwargs)
    model.fit(X, y, batch_size=7, learning_rate=0.01, epochs=3, optimizer=optimizer, verbose=0,
              validation_data=(X[:10], y[:10]))
    return model


def assert_identical(a, b):
    assert a.layer_sizes == b.layer_sizes and a.activations == b.activations and a.loss_name == b.loss_name
    assert a.dtype == b.dtype and a.rmsnorm == b.rmsnorm and a.seed == b.seed and a.eps == b.eps
    assert a.regularization == b.regularization
    assert [repr(la.init) for la in a.layers] == [repr(lb.init) for lb in b.layers]
    for (na, pa), (nb, pb) in zip(a.parameters(), b.parameters(), strict=True):
        assert na == nb and pa.dtype == pb.dtype
        np.testing.assert_array_equal(pa, pb)
    assert dict(a.history) == dict(b.history) and isinstance(b.history, ffnn.History)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
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
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = ffnn.load(path)
    assert_identical(model, loaded)
    assert_identical(model, ffnn.FFNN.load(str(path)))

    X, y = data()
    for m in (model, loaded):
        m.fit(X, y, batch_size=7, learning_rate=0.01, epochs=2, optimizer=optimizer, shuffle=True, verbose=0,
              validation_data=(X[:10], y[:10]))
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
    assert saving.FORMAT == "ffnn-model" and saving.VERSION == 1
