"""Tests for ffnn.datasets: IDX/npz decoding and checks on tiny synthetic files, the source
order (data_dir > env var > OpenML), the offline error, one_hot, load_digits, and real MNIST
when FFNN_DATA_DIR points at it."""

import dataclasses
import gzip
import os
import sys
import urllib.error
import warnings

import numpy as np
import pytest

from ffnn import datasets

# Read before the autouse fixture clears the variables for the synthetic tests.
REAL_MNIST_DIR = os.environ.get("FFNN_DATA_DIR")
REAL_FASHION_DIR = os.environ.get("FFNN_FASHION_DATA_DIR")

# The MNIST description with a 5/3 split and no checksums, so tiny files pass the size check.
SMALL = dataclasses.replace(datasets._MNIST, n_train=5, n_test=3, sha256=())
STEMS = {key: stem for key, stem, _ in datasets._IDX_FILES}


@pytest.fixture(autouse=True)
def isolated(monkeypatch):
    monkeypatch.delenv("FFNN_DATA_DIR", raising=False)
    monkeypatch.delenv("FFNN_FASHION_DATA_DIR", raising=False)
    datasets.clear_cache()
    yield
    datasets.clear_cache()


def idx_bytes(arr, magic):
    arr = np.asarray(arr, dtype=np.uint8)
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in arr.shape)
    return header + arr.tobytes()


def make_data(n_train=5, n_test=3, seed=0):
    rng = np.random.default_rng(seed)
    return {"train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
            "train_labels": rng.integers(0, 10, n_train, dtype=np.uint8),
            "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
            "test_labels": rng.integers(0, 10, n_test, dtype=np.uint8)}


def write_idx(folder, data, gz=True, names=None):
    """Write the arrays as IDX files named like the standard ones; returns {key: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for key, arr in data.items():
        raw = idx_bytes(arr, 0x803 if key.endswith("images") else 0x801)
        name = (names or {}).get(key, STEMS[key] + (".gz" if gz else ""))
        paths[key] = folder / name
        paths[key].write_bytes(gzip.compress(raw, mtime=0) if gz else raw)
    return paths


def expected(data):
    return (data["train_images"].reshape(-1, 784) / np.float32(255), data["train_labels"],
            data["test_images"].reshape(-1, 784) / np.float32(255), data["test_labels"])


def assert_matches(arrays, data):
    for got, want in zip(arrays, expected(data)):
        np.testing.assert_array_equal(got, want)
    assert [a.dtype for a in arrays] == [np.float32, np.int64, np.float32, np.int64]


# --- decoding -------------------------------------------------------------------------------

def test_idx_gz_decodes_to_scaled_float32_rows(tmp_path):
    data = make_data()
    write_idx(tmp_path, data)
    X_train, y_train, X_test, y_test = arrays = datasets._load(SMALL, tmp_path)
    assert_matches(arrays, data)
    assert X_train.shape == (5, 784) and X_test.shape == (3, 784)
    # Row-major flattening: pixel (row 3, column 7) of image 2 is column 3 * 28 + 7.
    assert X_train[2, 3 * 28 + 7] == np.float32(data["train_images"][2, 3, 7]) / np.float32(255)


@pytest.mark.parametrize("style", ["plain", "dotted", "gz_name_but_not_gzipped"])
def test_other_file_names_and_uncompressed_files(tmp_path, style):
    data = make_data(seed=1)
    if style == "plain":
        write_idx(tmp_path, data, gz=False)
    elif style == "dotted":   # e.g. train-images.idx3-ubyte, as some mirrors name them
        write_idx(tmp_path, data, gz=False,
                  names={k: s.replace("-idx", ".idx") for k, s in STEMS.items()})
    else:   # a browser unzipped the download but kept the .gz name
        write_idx(tmp_path, data, gz=False, names={k: s + ".gz" for k, s in STEMS.items()})
    assert_matches(datasets._load(SMALL, tmp_path), data)


def test_load_idx_dir_accepts_folder_without_size_check(tmp_path):
    data = make_data(n_train=2, n_test=1, seed=2)
    write_idx(tmp_path, data)
    assert_matches(datasets._load_idx_dir(tmp_path), data)


@pytest.mark.parametrize("key, content, match", [
    ("train_images", idx_bytes(np.zeros(5), 0x801),
     r"magic number is 0x00000801, expected 0x00000803"),
    ("test_labels", idx_bytes(np.zeros((3, 28, 28)), 0x803),
     r"magic number is 0x00000803, expected 0x00000801"),
    ("train_labels", b"\x89PNG\r\n\x1a\n" + bytes(40), r"not an IDX label file"),
    ("test_images", b"", r"magic number is nothing"),
])
def test_wrong_magic_names_the_file(tmp_path, key, content, match):
    paths = write_idx(tmp_path, make_data())
    paths[key].write_bytes(gzip.compress(content))
    with pytest.raises(ValueError, match=match) as err:
        datasets._load(SMALL, tmp_path)
    assert str(paths[key]) in str(err.value)


def test_truncated_gzip_names_the_file(tmp_path):
    paths = write_idx(tmp_path, make_data())
    blob = paths["train_images"].read_bytes()
    paths["train_images"].write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ValueError, match="corrupt or truncated gzip") as err:
        datasets._load(SMALL, tmp_path)
    assert str(paths["train_images"]) in str(err.value)


@pytest.mark.parametrize("cut, match", [(100, "truncated or corrupt"), (-1, "truncated or corrupt"),
                                        (10, "truncated IDX header")])
def test_truncated_or_padded_idx_payload(tmp_path, cut, match):
    paths = write_idx(tmp_path, make_data())
    raw = idx_bytes(make_data()["train_images"], 0x803)
    bad = raw[:cut] if cut > 0 else raw + b"\x00"   # -1: one trailing byte too many
    paths["train_images"].write_bytes(gzip.compress(bad))
    with pytest.raises(ValueError, match=match):
        datasets._load(SMALL, tmp_path)


def test_label_out_of_range(tmp_path):
    data = make_data()
    data["test_labels"][1] = 10
    paths = write_idx(tmp_path, data)
    with pytest.raises(ValueError, match=r"labels must be 0..9, found 10 at index 1") as err:
        datasets._load(SMALL, tmp_path)
    assert str(paths["test_labels"]) in str(err.value)


def test_mismatched_counts_name_both_files(tmp_path):
    data = make_data()
    data["train_labels"] = data["train_labels"][:4]
    paths = write_idx(tmp_path, data)
    with pytest.raises(ValueError, match="5 images but .* 4 labels") as err:
        datasets._load(SMALL, tmp_path)
    assert str(paths["train_images"]) in str(err.value)
    assert str(paths["train_labels"]) in str(err.value)


def test_image_size_must_be_28x28(tmp_path):
    data = make_data()
    data["train_images"] = data["train_images"][:, :27, :]
    write_idx(tmp_path, data)
    with pytest.raises(ValueError, match="expected 28x28"):
        datasets._load(SMALL, tmp_path)


def test_split_sizes_are_checked(tmp_path):
    write_idx(tmp_path, make_data(n_train=5, n_test=3))
    with pytest.raises(ValueError, match="5 training examples, expected 6"):
        datasets._load(dataclasses.replace(SMALL, n_train=6), tmp_path)
    with pytest.raises(ValueError, match="3 test examples, expected 10000"):
        datasets._load(dataclasses.replace(SMALL, n_train=5, n_test=10000), tmp_path)


def test_checksum_mismatch_warns_with_both_digests(tmp_path):
    write_idx(tmp_path, make_data())
    ds = dataclasses.replace(datasets._MNIST, n_train=None, n_test=None)
    with pytest.warns(UserWarning, match="SHA-256 .* differs") as record:
        datasets._load(ds, tmp_path)
    assert len(record) == 4
    assert record[0].filename == __file__, "the warning should point at the caller's line"
    standard = dict(datasets._MNIST.sha256)["train-images-idx3-ubyte.gz"]
    assert standard.startswith("440fcabf") and standard in str(record[0].message)


# --- npz ------------------------------------------------------------------------------------

@pytest.mark.parametrize("flat", [False, True])
def test_npz_folder_and_file(tmp_path, flat):
    data = make_data(seed=3)
    shape = (lambda a: a.reshape(len(a), 784)) if flat else (lambda a: a)
    np.savez(tmp_path / "mnist.npz",
             x_train=shape(data["train_images"]), y_train=data["train_labels"],
             x_test=shape(data["test_images"]), y_test=data["test_labels"].astype(np.int64))
    assert_matches(datasets._load(SMALL, tmp_path), data)
    datasets.clear_cache()
    assert_matches(datasets._load(SMALL, tmp_path / "mnist.npz"), data)


def test_npz_is_loaded_without_pickle(tmp_path):
    data = make_data()
    np.savez(tmp_path / "mnist.npz", x_train=data["train_images"],
             y_train=np.array(list(data["train_labels"]), dtype=object),
             x_test=data["test_images"], y_test=data["test_labels"])
    with pytest.raises(ValueError, match="mnist.npz: cannot load .*allow_pickle"):
        datasets._load(SMALL, tmp_path)


@pytest.mark.parametrize("change, match", [
    (lambda d: d.pop("y_test"), r"missing arrays \['y_test'\]"),
    (lambda d: d.update(x_train=d["x_train"].astype(np.float32)), "x_train must be uint8"),
    (lambda d: d.update(y_test=d["y_test"][:2]),
     "y_test must be 1-D integer labels, one per image"),
    (lambda d: d["y_train"].__setitem__(0, 12), r"labels must be 0..9, found 12"),
])
def test_npz_contents_are_checked(tmp_path, change, match):
    data = make_data()
    arrays = {"x_train": data["train_images"], "y_train": data["train_labels"].copy(),
              "x_test": data["test_images"], "y_test": data["test_labels"]}
    change(arrays)
    np.savez(tmp_path / "mnist.npz", **arrays)
    with pytest.raises(ValueError, match=match):
        datasets._load(SMALL, tmp_path)


def test_npz_not_a_zip(tmp_path):
    (tmp_path / "mnist.npz").write_bytes(b"definitely not a zip archive")
    with pytest.raises(ValueError, match="mnist.npz"):
        datasets._load(SMALL, tmp_path)


# --- where the data comes from ------------------------------------------------------------

def test_data_dir_beats_env_var_and_env_var_beats_openml(tmp_path, monkeypatch):
    arg_data, env_data = make_data(seed=4), make_data(seed=5)
    write_idx(tmp_path / "arg", arg_data)
    write_idx(tmp_path / "env", env_data)
    monkeypatch.setenv("FFNN_DATA_DIR", str(tmp_path / "env"))

    def no_download(*args, **kwargs):
        raise AssertionError("OpenML must not be used when a local copy is given")

    monkeypatch.setattr(datasets, "_load_openml", no_download)
    assert_matches(datasets._load(SMALL, tmp_path / "arg"), arg_data)
    assert_matches(datasets._load(SMALL, None), env_data)


def test_broken_data_dir_is_an_error_not_a_fallback(tmp_path, monkeypatch):
    write_idx(tmp_path / "env", make_data())
    monkeypatch.setenv("FFNN_DATA_DIR", str(tmp_path / "env"))
    with pytest.raises(datasets.DatasetNotFoundError, match="is not a folder") as err:
        datasets.load_mnist(tmp_path / "nope")
    assert isinstance(err.value, FileNotFoundError)
    paths = write_idx(tmp_path / "partial", make_data())
    paths["test_labels"].unlink()
    with pytest.raises(datasets.DatasetNotFoundError, match="missing: t10k-labels-idx1-ubyte.gz"):
        datasets.load_mnist(tmp_path / "partial")
    (tmp_path / "empty").mkdir()
    with pytest.raises(datasets.DatasetNotFoundError, match="holds no MNIST files"):
        datasets.load_mnist(tmp_path / "empty")


def test_data_dir_type_is_checked():
    with pytest.raises(TypeError, match=r"^data_dir: expected a path \(str or os.PathLike\), got int"):
        datasets.load_mnist(data_dir=123)


def assert_three_ways(message, env_var, openml_name):
    for needle in ("data_dir=", env_var, "OpenML", openml_name, "scikit-learn",
                   "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "x_train"):
        assert needle in message, needle


def test_offline_error_lists_the_three_ways(monkeypatch):
    sk_datasets = pytest.importorskip("sklearn.datasets")

    def offline(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(sk_datasets, "fetch_openml", offline)
    with pytest.raises(datasets.DatasetNotFoundError, match="URLError") as err:
        datasets.load_mnist()
    assert_three_ways(str(err.value), "FFNN_DATA_DIR", "mnist_784")
    assert "yann.lecun.com/exdb/mnist" in str(err.value)
    with pytest.raises(datasets.DatasetNotFoundError) as err:
        datasets.load_fashion_mnist()
    assert_three_ways(str(err.value), "FFNN_FASHION_DATA_DIR", "Fashion-MNIST")
    assert "load_fashion_mnist(data_dir=" in str(err.value)


def test_missing_sklearn_gives_the_same_advice(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)   # makes the import fail
    with pytest.raises(datasets.DatasetNotFoundError,
                       match="scikit-learn.*is not installed") as err:
        datasets.load_mnist()
    assert_three_ways(str(err.value), "FFNN_DATA_DIR", "mnist_784")


def test_openml_rows_are_split_and_labels_converted(monkeypatch):
    sk_datasets = pytest.importorskip("sklearn.datasets")
    rng = np.random.default_rng(6)
    X = rng.integers(0, 256, (5, 784)).astype(np.float64)
    y = np.array(["3", "0", "9", "1", "7"], dtype=object)
    calls = []

    def fake_fetch(name, **kwargs):
        calls.append((name, kwargs))
        return X, y

    monkeypatch.setattr(sk_datasets, "fetch_openml", fake_fetch)
    ds = dataclasses.replace(SMALL, n_train=3, n_test=2)
    X_train, y_train, X_test, y_test = datasets._load(ds, None)
    assert calls[0][0] == "mnist_784"
    assert calls[0][1]["as_frame"] is False and calls[0][1]["return_X_y"] is True
    np.testing.assert_array_equal(X_train, (X[:3] / 255).astype(np.float32))
    np.testing.assert_array_equal(X_test, (X[3:] / 255).astype(np.float32))
    assert y_train.tolist() == [3, 0, 9] and y_test.tolist() == [1, 7]
    assert y_train.dtype == np.int64 and X_train.dtype == np.float32
    datasets._load(ds, None)
    assert len(calls) == 1, "the second call must come from the in-memory cache"


def test_cache_is_shared_read_only_and_notices_new_files(tmp_path):
    write_idx(tmp_path, make_data(seed=7))
    first = datasets._load(SMALL, tmp_path)
    assert datasets._load(SMALL, tmp_path) is first
    assert not any(a.flags.writeable for a in first)
    with pytest.raises(ValueError, match="read-only"):
        first[0][0, 0] = 1.0
    newer = make_data(seed=8)
    paths = write_idx(tmp_path, newer)
    for p in paths.values():   # make sure the mtime changes even on coarse-grained clocks
        os.utime(p, ns=(10**18, 10**18))
    assert_matches(datasets._load(SMALL, tmp_path), newer)


# --- one_hot --------------------------------------------------------------------------------

def test_one_hot_values():
    Y = datasets.one_hot([2, 0, 1, 2])
    np.testing.assert_array_equal(Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert Y.dtype == np.float64
    Y = datasets.one_hot(np.array([1.0, 3.0]), n_classes=5, dtype=np.float32)
    np.testing.assert_array_equal(Y, [[0, 1, 0, 0, 0], [0, 0, 0, 1, 0]])
    assert Y.dtype == np.float32
    assert datasets.one_hot(np.array([], dtype=np.int64), n_classes=3).shape == (0, 3)
    np.testing.assert_array_equal(datasets.one_hot([4, 1]).argmax(axis=1), [4, 1])


def test_one_hot_is_the_one_in_losses():
    from ffnn import losses
    assert datasets.one_hot is losses.one_hot and "one_hot" in datasets.__all__


@pytest.mark.parametrize("y, n_classes, exc, match", [
    ([0, 1.5], None, ValueError, r"^y: expected integer labels, got non-integer values such as 1.5"),
    ([0, -1], None, ValueError, r"^y: expected labels >= 0, got -1"),
    (["a", "b"], None, TypeError, r"^y: expected integer labels, got an array of dtype <U1"),
    ([True, False], None, TypeError, r"^y: expected integer labels, got an array of dtype bool"),
    ([[0], [1]], None, ValueError, r"^y: expected a 1-D array"),
    ([0, np.nan], None, ValueError, r"^y: expected integer labels, got non-integer values such as nan"),
    ([0, 3], 3, ValueError, r"^y: expected labels in 0\.\.2 for n_classes=3, got label 3"),
    ([0, 1], 0, ValueError, r"^n_classes: expected an integer >= 1, got 0"),
    ([0, 1], 2.0, TypeError, r"^n_classes: expected an integer, got 2\.0"),
    ([0, 1], True, TypeError, r"^n_classes: expected an integer, got True"),
])
def test_one_hot_validation(y, n_classes, exc, match):
    with pytest.raises(exc, match=match):
        datasets.one_hot(y, n_classes)


# --- digits, class names --------------------------------------------------------------------

def test_load_digits_split_is_stratified_scaled_and_deterministic():
    sk_datasets = pytest.importorskip("sklearn.datasets")
    X_train, y_train, X_test, y_test = datasets.load_digits()
    assert X_train.shape == (1347, 64) and X_test.shape == (450, 64)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert X_train.min() == 0 and X_train.max() == 1
    np.testing.assert_array_equal(X_train * 16, np.round(X_train * 16))   # k/16 exactly
    again = datasets.load_digits()
    for a, b in zip((X_train, y_train, X_test, y_test), again):
        np.testing.assert_array_equal(a, b)
    X_all, y_all = sk_datasets.load_digits(return_X_y=True)
    # The split is a permutation of the full data set: same rows with the same labels.
    rows = lambda X, y: sorted(map(tuple, np.column_stack([X * 16, y]).astype(int).tolist()))
    split_rows = rows(np.vstack([X_train, X_test]), np.concatenate([y_train, y_test]))
    assert split_rows == rows(X_all / 16, y_all)
    share = np.bincount(y_test, minlength=10) / np.bincount(y_all, minlength=10)
    assert np.all(np.abs(share - 0.25) < 0.01)
    assert not np.array_equal(datasets.load_digits(random_state=1)[1], y_train)


@pytest.mark.parametrize("test_size, exc", [(0, ValueError), (1, ValueError), (1.5, ValueError),
                                             (float("nan"), ValueError), ("0.2", TypeError), (True, TypeError)])
def test_load_digits_checks_test_size(test_size, exc):
    with pytest.raises(exc, match=r"^test_size: expected a number in \(0, 1\), got"):
        datasets.load_digits(test_size=test_size)


def test_fashion_class_names():
    assert len(datasets.FASHION_MNIST_CLASSES) == 10
    assert datasets.FASHION_MNIST_CLASSES[0] == "T-shirt/top"
    assert datasets.FASHION_MNIST_CLASSES[9] == "Ankle boot"


# --- the real files (only when the environment says where they are) ------------------------

@pytest.mark.skipif(not REAL_MNIST_DIR, reason="set FFNN_DATA_DIR to the folder with the real "
                    "MNIST files (the Makefile does) to run this test")
def test_real_mnist(monkeypatch):
    monkeypatch.setenv("FFNN_DATA_DIR", REAL_MNIST_DIR)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # the standard files must pass their checksums
        X_train, y_train, X_test, y_test = datasets.load_mnist()
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert X_train.min() == 0 and X_train.max() == 1
    assert np.bincount(y_train).tolist() == [5923, 6742, 5958, 6131, 5842,
                                             5421, 5918, 6265, 5851, 5949]
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert X_train.mean(dtype=np.float64) == pytest.approx(0.1307, abs=1e-4)
    # Var = E[x^2] - E[x]^2, summed row by row to avoid a 376 MB float64 temporary.
    mean_sq = np.einsum("ij,ij->i", X_train, X_train).sum(dtype=np.float64) / X_train.size
    assert np.sqrt(mean_sq - X_train.mean(dtype=np.float64) ** 2) == pytest.approx(0.3081, abs=1e-4)
    assert X_test.mean(dtype=np.float64) * 255 == pytest.approx(33.791, abs=1e-3)
    assert datasets.load_mnist() is datasets.load_mnist()


@pytest.mark.skipif(not REAL_FASHION_DIR, reason="set FFNN_FASHION_DATA_DIR to the folder with "
                    "the real Fashion-MNIST files to run this test")
def test_real_fashion_mnist(monkeypatch):
    monkeypatch.setenv("FFNN_FASHION_DATA_DIR", REAL_FASHION_DIR)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X_train, y_train, X_test, y_test = datasets.load_fashion_mnist()
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert X_train.mean(dtype=np.float64) * 255 == pytest.approx(72.94, abs=0.01)


# ---------------------------------------------------------------------------- palmer penguins
def test_load_penguins_returns_the_raw_table_with_its_missing_values():
    pytest.importorskip("palmerpenguins")
    df = datasets.load_penguins()
    assert df.shape == (344, 8)
    assert set(df["species"]) == {"Adelie", "Chinstrap", "Gentoo"}
    assert df["sex"].isna().sum() == 11 and df["body_mass_g"].isna().sum() == 2


def test_load_penguins_without_the_package_says_how_to_get_it(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "palmerpenguins", None)   # makes the import fail
    with pytest.raises(ImportError, match="pip install palmerpenguins"):
        datasets.load_penguins()
