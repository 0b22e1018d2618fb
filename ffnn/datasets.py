"""Datasets for the experiments: MNIST, Fashion-MNIST and scikit-learn's 8x8 digits; the Palmer
penguins table; and seeded two-dimensional toy problems (moons, circles, spirals) to draw
decision boundaries on.

MNIST ("The MNIST database of handwritten digits") is by Yann LeCun, Corinna Cortes and
Christopher J. C. Burges, first published at http://yann.lecun.com/exdb/mnist/: 70,000 grey
28x28 images of digits, split 60,000 train / 10,000 test. The Keras documentation gives its
licence as CC BY-SA 3.0. Fashion-MNIST (Xiao, Rasul and Vollgraf, Zalando Research, 2017,
arXiv:1708.07747, MIT License) has the same format with ten kinds of clothing instead of digits.

Every loader returns ``(X_train, y_train, X_test, y_test)`` with ``X`` float32 in [0, 1], one
flattened image per row, and ``y`` int64 class labels. Files are parsed with ``np.frombuffer``
(``np.load(..., allow_pickle=False)`` for ``.npz``), so loading never executes code.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import http.client
import os
import sys
import warnings
import zlib
import zipfile

import numpy as np

from ._validation import check_int, check_real
from .losses import one_hot  # re-exported: the encoding lives with the losses that need it

__all__ = [
    "DatasetNotFoundError", "load_mnist", "load_fashion_mnist", "load_digits", "one_hot",
    "clear_cache", "FASHION_MNIST_CLASSES", "load_penguins", "make_moons", "make_circles", "make_spirals",
]

FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

# (key, file stem, IDX magic); images are 0x0803 (ubyte, 3 dims), labels 0x0801 (ubyte, 1 dim).
_IDX_FILES = (("train_images", "train-images-idx3-ubyte", 0x00000803),
              ("train_labels", "train-labels-idx1-ubyte", 0x00000801),
              ("test_images", "t10k-images-idx3-ubyte", 0x00000803),
              ("test_labels", "t10k-labels-idx1-ubyte", 0x00000801))
_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


class DatasetNotFoundError(FileNotFoundError):
    """No copy of the dataset was found locally and it could not be downloaded."""


@dataclasses.dataclass(frozen=True)
class _Dataset:
    title: str
    env_var: str
    openml_name: str
    npz_names: tuple
    sha256: tuple        # ((file name, hex digest), ...) of the standard .gz files
    where: str           # where the standard files can be downloaded
    n_train: int | None = 60000   # None skips the split-size check (synthetic test data)
    n_test: int | None = 10000


_MNIST = _Dataset(
    "MNIST", "FFNN_DATA_DIR", "mnist_784", ("mnist.npz",),
    (("train-images-idx3-ubyte.gz",
      "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
     ("train-labels-idx1-ubyte.gz",
      "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
     ("t10k-images-idx3-ubyte.gz",
      "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
     ("t10k-labels-idx1-ubyte.gz",
      "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6")),
    "http://yann.lecun.com/exdb/mnist/ (mirror: https://ossci-datasets.s3.amazonaws.com/mnist/); "
    "mnist.npz from https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz")
_FASHION = _Dataset(
    "Fashion-MNIST", "FFNN_FASHION_DATA_DIR", "Fashion-MNIST",
    ("fashion-mnist.npz", "fashion_mnist.npz"),
    (("train-images-idx3-ubyte.gz",
      "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
     ("train-labels-idx1-ubyte.gz",
      "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
     ("t10k-images-idx3-ubyte.gz",
      "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
     ("t10k-labels-idx1-ubyte.gz",
      "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5")),
    "https://github.com/zalandoresearch/fashion-mnist "
    "(files at http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/)")


def load_mnist(data_dir=None):
    """Load MNIST handwritten digits, 60,000 train and 10,000 test images.

    Returns ``(X_train, y_train, X_test, y_test)``:

    - ``X_train`` (60000, 784) and ``X_test`` (10000, 784), float32, ``pixel / 255`` in [0, 1];
      each row is a 28x28 image flattened row-major (0 = background, 1 = full ink).
    - ``y_train`` (60000,) and ``y_test`` (10000,), int64 digits 0..9.

    Sources, first one wins:

    1. ``data_dir``, a folder with the four standard IDX files
       ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
       ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz`` (un-gzipped names work too),
       or a Keras-style ``mnist.npz`` (arrays ``x_train, y_train, x_test, y_test``);
       ``data_dir`` may also be the path of the ``.npz`` itself;
    2. the environment variable ``FFNN_DATA_DIR``, a folder like the above;
    3. OpenML ``mnist_784`` through scikit-learn's ``fetch_openml`` (downloaded once, then cached
       in scikit-learn's data home); rows 0..59999 are the training set, the rest the test set.

    The file structure, label range and 60000/10000 split are checked (``ValueError`` naming the
    file otherwise); the standard ``.gz`` files are also checked against their SHA-256 and a
    mismatch gives a ``UserWarning``. Decoded arrays are cached in memory per source, so repeated
    calls do not decode the files again; the returned arrays are therefore **read-only**
    (``flags.writeable`` is False) and shared between calls: use ``X_train.copy()`` to get a
    private writable copy, and :func:`clear_cache` to free the memory.

    Raises ``DatasetNotFoundError`` (a ``FileNotFoundError``) when no source works.
    """
    return _load(_MNIST, data_dir)


def load_fashion_mnist(data_dir=None):
    """Load Fashion-MNIST, 60,000 train and 10,000 test 28x28 images of clothing.

    Same shapes, dtypes, caching and read-only arrays as :func:`load_mnist`. Labels 0..9 name the
    classes in ``FASHION_MNIST_CLASSES``. Sources, first one wins: ``data_dir``, the environment
    variable ``FFNN_FASHION_DATA_DIR`` (a folder with the four IDX files, or a
    ``fashion-mnist.npz`` / ``fashion_mnist.npz`` with arrays ``x_train, y_train, x_test,
    y_test``), then OpenML ``Fashion-MNIST`` through scikit-learn.
    """
    return _load(_FASHION, data_dir)


def clear_cache():
    """Forget the in-memory copies kept by :func:`load_mnist` and :func:`load_fashion_mnist`."""
    _load_cached.cache_clear()


def load_digits(test_size=0.25, random_state=0):
    """scikit-learn's bundled 8x8 digits (1,797 images), split into train and test sets.

    Returns ``(X_train, y_train, X_test, y_test)``: ``X`` float32 of shape (N, 64), pixel
    ``/ 16`` in [0, 1]; ``y`` int64 digits 0..9. With the defaults N is 1347 train and 450 test.
    The split is stratified by class and seeded by ``random_state``, so it is the same every call.
    The arrays are fresh and writable. Needs scikit-learn (no download).
    """
    test_size = check_real(test_size, "test_size", 0, 1, low_open=True, high_open=True)
    try:
        from sklearn.datasets import load_digits as sk_load_digits
        from sklearn.model_selection import train_test_split
    except ImportError as exc:
        raise ImportError("load_digits needs scikit-learn: pip install scikit-learn "
                          "(or pip install 'ffnn[sklearn]')") from exc
    X, y = sk_load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=random_state, stratify=y)
    return (np.divide(X_train, 16, dtype=np.float32), y_train.astype(np.int64),
            np.divide(X_test, 16, dtype=np.float32), y_test.astype(np.int64))


def load_penguins():
    """The Palmer penguins table (Gorman, Williams and Fraser 2014; CC0): 344 penguins, 8 columns.

    Returns the raw pandas DataFrame shipped by the ``palmerpenguins`` package: numeric columns
    (``bill_length_mm``, ``bill_depth_mm``, ``flipper_length_mm``, ``body_mass_g``, ``year``),
    categorical ones (``species``, ``island``, ``sex``) and missing values (NaN), untouched.
    Needs ``palmerpenguins`` (in the book and test extras; no download).
    """
    try:
        from palmerpenguins import load_penguins as _penguins
    except ImportError as exc:
        raise ImportError("load_penguins needs the palmerpenguins package: pip install palmerpenguins "
                          "(it is in ffnn's book and test extras)") from exc
    return _penguins()


# --- two-dimensional toy problems ------------------------------------------------------------
# Each returns X (N, 2) float64 and y (N,) int64, drawn from its own seeded generator.

def _toy_args(n_samples, noise, seed, minimum):
    n_samples = check_int(n_samples, "n_samples", minimum=minimum)
    noise = check_real(noise, "noise", low=0)
    seed = check_int(seed, "seed", minimum=0)
    return n_samples, noise, np.random.default_rng(seed)


def make_moons(n_samples=200, noise=0.1, seed=0):
    """Two interleaved half circles, class 0 on top, class 1 below, plus Gaussian ``noise``."""
    n_samples, noise, rng = _toy_args(n_samples, noise, seed, 2)
    n0 = n_samples // 2
    t = np.concatenate([np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n_samples - n0)])
    y = np.repeat([0, 1], [n0, n_samples - n0])
    X = np.where(y[:, None] == 0,
                 np.column_stack([np.cos(t), np.sin(t)]),
                 np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)]))
    return X + rng.normal(scale=noise, size=X.shape), y


def make_circles(n_samples=200, noise=0.05, factor=0.5, seed=0):
    """A small circle (class 1, radius ``factor``) inside a large one (class 0, radius 1)."""
    n_samples, noise, rng = _toy_args(n_samples, noise, seed, 2)
    factor = check_real(factor, "factor", 0, 1, low_open=True, high_open=True)
    n0 = n_samples // 2
    t = np.concatenate([np.linspace(0, 2 * np.pi, n0, endpoint=False),
                        np.linspace(0, 2 * np.pi, n_samples - n0, endpoint=False)])
    y = np.repeat([0, 1], [n0, n_samples - n0])
    radius = np.where(y == 0, 1.0, factor)
    X = radius[:, None] * np.column_stack([np.cos(t), np.sin(t)])
    return X + rng.normal(scale=noise, size=X.shape), y


def make_spirals(n_samples=300, n_classes=3, noise=0.2, seed=0):
    """``n_classes`` interleaved spiral arms (CS231n's example); arm k is class k.

    Point i of an arm sits at radius r = i / n in [0, 1] and angle 4 r + 2πk / K, with Gaussian
    ``noise`` added to the angle; X has coordinates r (sin θ, cos θ).
    """
    n_samples, noise, rng = _toy_args(n_samples, noise, seed, 2)
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    y = np.arange(n_samples) % n_classes
    y.sort()
    X = np.empty((n_samples, 2))
    for k in range(n_classes):
        idx = np.flatnonzero(y == k)
        r = np.linspace(0.0, 1.0, len(idx))
        theta = 4 * r + 2 * np.pi * k / n_classes + rng.normal(scale=noise, size=len(idx))
        X[idx] = np.column_stack([r * np.sin(theta), r * np.cos(theta)])
    return X, y.astype(np.int64)


# --- where the data comes from -------------------------------------------------------------

def _load(ds, data_dir):
    if data_dir is not None:
        source = _local_source(ds, data_dir, "data_dir")
    elif os.environ.get(ds.env_var):
        source = _local_source(ds, os.environ[ds.env_var], ds.env_var)
    else:
        source = ("openml", ds.openml_name)
    # File sizes and mtimes are part of the key so that a replaced file is not served stale.
    stamp = ()
    if source[0] != "openml":
        paths = source[1].values() if source[0] == "idx" else [source[1]]
        stamp = tuple((p, os.stat(p).st_mtime_ns, os.stat(p).st_size) for p in paths)
    return _load_cached(ds, source[0], stamp)


@functools.lru_cache(maxsize=4)
def _load_cached(ds, kind, stamp):
    if kind == "idx":
        arrays = _load_idx_dir({key: p for (key, _, _), (p, _, _) in zip(_IDX_FILES, stamp)}, ds)
    elif kind == "npz":
        arrays = _load_npz(stamp[0][0], ds)
    else:
        arrays = _load_openml(ds)
    for a in arrays:
        a.flags.writeable = False
    return arrays


def _local_source(ds, path, arg):
    """Find the data in ``path``: ("idx", {key: file}) or ("npz", file); errors name ``arg``."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{arg}: expected a path (str or os.PathLike), got {type(path).__name__}")
    given, path = os.fspath(path), os.path.realpath(os.fspath(path))
    if os.path.isfile(path) and path.endswith(".npz"):
        return ("npz", path)
    shown = f"{arg}={given!r}" + (f" ({path})" if path != given else "")
    if not os.path.isdir(path):
        raise DatasetNotFoundError(f"{shown} is not a folder (or an .npz file). "
                                   + _how_to_provide(ds))
    found, missing = {}, []
    for key, stem, _ in _IDX_FILES:
        names = (stem + ".gz", stem, stem.replace("-idx", ".idx"))
        hits = [os.path.join(path, n) for n in names if os.path.isfile(os.path.join(path, n))]
        if hits:
            found[key] = hits[0]
        else:
            missing.append(stem + ".gz")
    if not missing:
        return ("idx", found)
    for name in ds.npz_names:
        if os.path.isfile(os.path.join(path, name)):
            return ("npz", os.path.join(path, name))
    if found:
        raise DatasetNotFoundError(f"{shown} holds only some of the {ds.title} IDX files; "
                                   f"missing: {', '.join(missing)}. " + _how_to_provide(ds))
    raise DatasetNotFoundError(f"{shown} holds no {ds.title} files. " + _how_to_provide(ds))


def _how_to_provide(ds):
    fn = "load_mnist" if ds.title == "MNIST" else "load_fashion_mnist"
    return (f"Provide {ds.title} in one of three ways:\n"
            f"  1. pass a folder: ffnn.datasets.{fn}(data_dir='path/to/folder');\n"
            f"  2. set the environment variable {ds.env_var}=path/to/folder;\n"
            f"  3. connect to the internet once with scikit-learn installed: OpenML "
            f"'{ds.openml_name}' is downloaded and cached in scikit-learn's data home.\n"
            f"The folder must hold the four IDX files "
            f"{', '.join(stem + '.gz' for _, stem, _ in _IDX_FILES)} "
            f"(un-gzipped names also work) or {' / '.join(ds.npz_names)} with arrays "
            f"x_train, y_train, x_test, y_test. The standard files come from {ds.where}.")


def _load_openml(ds):
    try:
        from sklearn.datasets import fetch_openml
    except ImportError as exc:
        raise DatasetNotFoundError(
            f"{ds.title} was not found locally and scikit-learn, needed to download it from "
            f"OpenML, is not installed. " + _how_to_provide(ds)) from exc
    try:
        import pandas  # noqa: F401  (the faster ARFF parser)
        parser = "pandas"
    except ImportError:
        parser = "liac-arff"
    try:
        X, y = fetch_openml(ds.openml_name, version=1, as_frame=False, return_X_y=True,
                            parser=parser)
    except (OSError, http.client.HTTPException) as exc:
        raise DatasetNotFoundError(
            f"{ds.title} was not found locally and downloading OpenML '{ds.openml_name}' "
            f"failed ({type(exc).__name__}: {exc}). " + _how_to_provide(ds)) from exc
    what = f"OpenML '{ds.openml_name}'"
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 784 or not np.all((X >= 0) & (X <= 255)):
        raise ValueError(f"{what}: expected pixels 0..255 of shape (N, 784), got {X.shape}")
    try:
        y = np.asarray(y).astype(str).astype(np.int64)
    except ValueError as exc:
        raise ValueError(f"{what}: labels are not integers: {exc}") from exc
    n_train = ds.n_train if ds.n_train is not None else X.shape[0] - (ds.n_test or 0)
    parts = (X[:n_train], y[:n_train], X[n_train:], y[n_train:])
    _check_split(ds, what, what, parts[1].size, parts[3].size)
    _check_labels(y, what)
    return (np.divide(parts[0], np.float32(255), dtype=np.float32), parts[1],
            np.divide(parts[2], np.float32(255), dtype=np.float32), parts[3])


# --- decoding and checking ----------------------------------------------------------------

def _load_idx_dir(files, ds=None):
    """Decode the four IDX files ``{"train_images": path, ...}`` (or a folder holding them).

    ``ds`` (a ``_Dataset``) supplies the split sizes and SHA-256 values to check; None checks
    neither, for small synthetic files.
    """
    if not isinstance(files, dict):
        kind, files = _local_source(ds or _MNIST, files, "path")
        if kind != "idx":
            raise DatasetNotFoundError(f"no IDX files in {files!r}")
    sha = dict(ds.sha256) if ds is not None else {}
    raw = {key: _read_idx(files[key], magic, sha) for key, _, magic in _IDX_FILES}
    out = []
    for split in ("train", "test"):
        images, labels = raw[split + "_images"], raw[split + "_labels"]
        img_file, lab_file = files[split + "_images"], files[split + "_labels"]
        if images.shape[1:] != (28, 28):
            raise ValueError(f"{img_file}: images are {images.shape[1:]}, expected 28x28")
        if images.shape[0] != labels.shape[0]:
            raise ValueError(f"{img_file} has {images.shape[0]} images but {lab_file} has "
                             f"{labels.shape[0]} labels; they must be the same count")
        _check_labels(labels, lab_file)
        out += [np.divide(images.reshape(len(images), 784), np.float32(255), dtype=np.float32),
                labels.astype(np.int64)]
    if ds is not None:
        _check_split(ds, files["train_labels"], files["test_labels"], len(out[1]), len(out[3]))
    return tuple(out)


def _read_idx(path, magic, sha256=None):
    """Bytes of one IDX file (gzipped or not) as a uint8 array shaped by its header."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":   # gzip magic; browsers sometimes unzip but keep the .gz name
        expected = (sha256 or {}).get(os.path.basename(path))
        if expected and hashlib.sha256(data).hexdigest() != expected:
            warnings.warn(f"{path}: SHA-256 {hashlib.sha256(data).hexdigest()} differs from the "
                          f"standard file's {expected}; it may be another dataset or a "
                          "re-compressed copy", UserWarning, stacklevel=_caller_level())
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{path}: corrupt or truncated gzip data ({exc})") from exc
    if len(data) < 4 or int.from_bytes(data[:4], "big") != magic:
        found = f"0x{int.from_bytes(data[:4], 'big'):08X}" if len(data) >= 4 else "nothing"
        raise ValueError(f"{path}: not an IDX {'image' if magic & 0xFF == 3 else 'label'} "
                         f"file: magic number is {found}, expected 0x{magic:08X}")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path}: truncated IDX header ({len(data)} bytes)")
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    size = int(np.prod(dims))
    if len(data) - header != size:
        raise ValueError(f"{path}: header says {'x'.join(map(str, dims))} = {size} bytes of data "
                         f"but the file has {len(data) - header}; it is truncated or corrupt")
    return np.frombuffer(data, dtype=np.uint8, count=size, offset=header).reshape(dims)


def _load_npz(path, ds=None):
    """Decode a Keras-style ``.npz`` (uint8 images (N, 28, 28) or (N, 784), labels (N,))."""
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = [k for k in _NPZ_KEYS if k not in z.files]
            if missing:
                raise ValueError(f"{path}: missing arrays {missing}; expected {list(_NPZ_KEYS)}")
            arrays = {k: z[k] for k in _NPZ_KEYS}
    except (OSError, EOFError, zipfile.BadZipFile, AttributeError) as exc:
        raise ValueError(f"{path}: not a readable .npz file ({exc})") from exc
    except ValueError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise ValueError(f"{path}: cannot load ({exc})") from exc
    out = []
    for split in ("train", "test"):
        x, y = arrays["x_" + split], arrays["y_" + split]
        if x.dtype != np.uint8 or x.ndim not in (2, 3) or x.shape[1:] not in ((28, 28), (784,)):
            raise ValueError(f"{path}: x_{split} must be uint8 of shape (N, 28, 28) or (N, 784), "
                             f"got {x.dtype} {x.shape}")
        if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer) or len(y) != len(x):
            raise ValueError(f"{path}: y_{split} must be 1-D integer labels, one per image; got "
                             f"{y.dtype} {y.shape} for {len(x)} images")
        _check_labels(y, f"{path} (y_{split})")
        out += [np.divide(x.reshape(len(x), 784), np.float32(255), dtype=np.float32),
                y.astype(np.int64)]
    if ds is not None:
        _check_split(ds, path, path, len(out[1]), len(out[3]))
    return tuple(out)


def _caller_level():
    """``stacklevel`` that points a warning at the first frame outside this module."""
    frame, level = sys._getframe(1), 1   # frame 1 is the caller of warn()
    while frame is not None and frame.f_code.co_filename == __file__:
        frame, level = frame.f_back, level + 1
    return level


def _check_labels(y, where):
    if y.size and (y.min() < 0 or y.max() > 9):
        bad = int(np.flatnonzero((y < 0) | (y > 9))[0])
        raise ValueError(f"{where}: labels must be 0..9, found {int(y[bad])} at index {bad}")


def _check_split(ds, train_where, test_where, n_train, n_test):
    for where, n, want, split in ((train_where, n_train, ds.n_train, "training"),
                                  (test_where, n_test, ds.n_test, "test")):
        if want is not None and n != want:
            raise ValueError(f"{where}: {n} {split} examples, expected {want} for the standard "
                             f"{ds.title} split; is it the complete file?")
