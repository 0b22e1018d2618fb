"""ffnn.layers.Dense: forward against the formula f(norm(X W + b)) for every normalisation, dropout,
and backward against central differences for W, b, g, beta and X, for every activation of the
shared table."""
import numpy as np
import pytest

from ffnn import init
from ffnn.gradcheck import numerical_gradient
from ffnn.layers import NORMALIZATIONS, Dense

NORMS = [None, *NORMALIZATIONS]
NORM_IDS = ["plain", *NORMALIZATIONS]


def make_layer(act, normalization, seed=0, n_in=4, n_out=3, N=6, dtype="float64", dropout=0.0):
    """A layer with random b (g, beta) and an input X whose activation inputs avoid every kink."""
    rng = np.random.default_rng(seed)
    layer = Dense(n_in, n_out, act.name, init.XavierNormal(), normalization=normalization, dropout=dropout,
                  dtype=dtype, rng=rng, dropout_rng=np.random.default_rng(seed + 100))
    layer.b[...] = rng.normal(0.0, 0.5, size=n_out)
    if layer.g is not None:
        layer.g[...] = rng.uniform(0.5, 1.5, size=n_out)
    if layer.beta is not None:
        layer.beta[...] = rng.normal(0.2, 0.5, size=n_out)
    for _ in range(50):
        X = rng.normal(0.3, 1.0, size=(N, n_in)).astype(dtype)
        layer.forward(X)
        if act.distance_to_kink(layer.z) > 1e-3:
            break
    act.assert_away_from_kinks(layer.z)
    return layer, X


def reference_z(layer, X, training=True):
    """What the activation should receive, written from the formulas."""
    z = X @ layer.W + layer.b
    if layer.normalization == "rmsnorm":
        return layer.g * z / np.sqrt(np.mean(z * z, axis=1, keepdims=True) + layer.eps)
    if layer.normalization == "layernorm":
        mu, var = z.mean(axis=1, keepdims=True), z.var(axis=1, keepdims=True)
        return layer.g * (z - mu) / np.sqrt(var + layer.eps) + layer.beta
    if layer.normalization == "batchnorm":
        mu, var = (z.mean(axis=0), z.var(axis=0)) if training else (layer.running_mean, layer.running_var)
        return layer.g * (z - mu) / np.sqrt(var + layer.eps) + layer.beta
    return z


@pytest.mark.parametrize("normalization", NORMS, ids=NORM_IDS)
def test_forward_matches_formula(act, normalization):
    layer, X = make_layer(act, normalization)
    z = reference_z(layer, X)
    a = layer.forward(X)
    assert a.shape == (X.shape[0], layer.n_out)
    np.testing.assert_allclose(a, act.reference(z), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(layer.z, z, rtol=1e-12, atol=1e-14)
    raw = layer.z_raw if normalization else layer.z
    np.testing.assert_allclose(raw, X @ layer.W + layer.b, rtol=1e-15)


@pytest.mark.parametrize("normalization", NORMS, ids=NORM_IDS)
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("dropout", [0.0, 0.4], ids=["nodrop", "dropout"])
def test_backward_matches_central_differences(act, normalization, training, dropout):
    """dW, db, dg, dbeta and dX of the scalar ⟨da, layer(X)⟩, with the dropout mask held fixed."""
    layer, X = make_layer(act, normalization, seed=1, dropout=dropout)
    if normalization == "batchnorm":
        layer.running_mean[...] = [0.3, -0.2, 0.1]
        layer.running_var[...] = [0.5, 1.5, 2.0]
    da = np.random.default_rng(2).normal(size=(X.shape[0], layer.n_out))
    state = layer.dropout_rng.bit_generator.state
    layer.forward(X, training)
    if dropout and training:
        assert 0 < np.count_nonzero(layer.mask == 0) < layer.mask.size
    dX = layer.backward(da)
    analytic = {name[1:]: d.copy() for name, d in layer.gradients()} | {"X": dX}
    Xp = X.copy()
    arrays = dict(layer.parameters()) | {"X": Xp}
    assert set(arrays) == set(analytic)

    def scalar():
        layer.dropout_rng.bit_generator.state = state
        return float(np.sum(da * layer.forward(Xp, training)))

    for name, arr in arrays.items():
        np.testing.assert_allclose(analytic[name], numerical_gradient(scalar, arr), rtol=1e-6, atol=1e-9,
                                   err_msg=f"{act.name}: d{name}")


def test_dropout_is_inverted_and_only_in_training():
    rng = np.random.default_rng(0)
    layer = Dense(20, 4000, "linear", init.Normal(0.5, 0.01), dropout=0.3, rng=rng,
                  dropout_rng=np.random.default_rng(1))
    X = rng.normal(0.5, 0.1, (50, 20))
    eval_out = layer.forward(X, training=False)
    assert layer.mask is None
    train_out = layer.forward(X, training=True)
    kept = layer.mask != 0
    np.testing.assert_allclose(train_out[kept], eval_out[kept] / 0.7, rtol=1e-12)  # scaled by 1/(1-p)
    assert np.all(train_out[~kept] == 0)
    assert abs((~kept).mean() - 0.3) < 0.01                                         # p of them dropped
    assert abs(train_out.mean() / eval_out.mean() - 1) < 0.01                       # expectation kept
    again = layer.forward(X, training=True)
    assert not np.array_equal(again, train_out)                                     # a new mask each pass


def test_batchnorm_running_statistics_follow_pytorch():
    """momentum 0.1 towards the batch mean and the *unbiased* batch variance; eval uses them."""
    rng = np.random.default_rng(3)
    layer = Dense(3, 2, "linear", normalization="batchnorm", rng=rng)
    X1, X2 = rng.normal(1.0, 2.0, (8, 3)), rng.normal(-1.0, 0.5, (5, 3))
    mean, var = np.zeros(2), np.ones(2)
    for Xb in (X1, X2):
        z = Xb @ layer.W + layer.b
        layer.forward(Xb, training=True)
        mean = 0.9 * mean + 0.1 * z.mean(axis=0)
        var = 0.9 * var + 0.1 * z.var(axis=0, ddof=1)
        np.testing.assert_allclose(layer.running_mean, mean, rtol=1e-13)
        np.testing.assert_allclose(layer.running_var, var, rtol=1e-13)
    before = layer.running_mean.copy(), layer.running_var.copy()
    out = layer.forward(X1[:1], training=False)  # one row is fine in evaluation
    np.testing.assert_array_equal(layer.running_mean, before[0])
    np.testing.assert_array_equal(layer.running_var, before[1])
    np.testing.assert_allclose(out, reference_z(layer, X1[:1], training=False), rtol=1e-12)
    with pytest.raises(ValueError, match="^X: batchnorm in training needs at least 2 rows"):
        layer.forward(X1[:1], training=True)


@pytest.mark.parametrize("normalization", NORMS, ids=NORM_IDS)
def test_gradients_are_overwritten_not_accumulated(act, normalization):
    layer, X = make_layer(act, normalization, seed=3)
    da = np.ones((X.shape[0], layer.n_out))
    layer.forward(X)
    layer.backward(da)
    first = [d.copy() for _, d in layer.gradients()]
    layer.forward(X)
    layer.backward(da)
    for a, (_, b) in zip(first, layer.gradients()):
        np.testing.assert_array_equal(a, b)


def test_backward_without_dX():
    layer = Dense(3, 2, "tanh", rng=np.random.default_rng(0))
    layer.forward(np.ones((4, 3)))
    assert layer.backward(np.ones((4, 2)), need_dX=False) is None
    assert layer.backward(np.ones((4, 2))).shape == (4, 3)


@pytest.mark.parametrize("normalization, names", [(None, ["W", "b"]), ("rmsnorm", ["W", "b", "g"]),
                                                  ("layernorm", ["W", "b", "g", "beta"]),
                                                  ("batchnorm", ["W", "b", "g", "beta"])])
def test_parameters_and_gradients_are_the_layer_arrays(normalization, names):
    layer = Dense(3, 2, "relu", normalization=normalization, rng=np.random.default_rng(0))
    assert [n for n, _ in layer.parameters()] == names
    assert [n for n, _ in layer.gradients()] == [f"d{n}" for n in names]
    for (name, p), (_, d) in zip(layer.parameters(), layer.gradients()):
        assert p is getattr(layer, name) and p.shape == d.shape
    assert [n for n, _ in layer.buffers()] == (["running_mean", "running_var"] if normalization == "batchnorm"
                                               else [])
    assert layer.rmsnorm == (normalization == "rmsnorm")
    norm = f", normalization={normalization!r}" if normalization else ""
    assert repr(layer) == f"Dense(3, 2, activation='relu'{norm})"


def test_clear_cache():
    layer = Dense(3, 2, "relu", normalization="rmsnorm", dropout=0.5, rng=np.random.default_rng(0))
    layer.forward(np.ones((4, 3)))
    assert layer.z is not None and layer.z_hat is not None and layer.mask is not None
    layer.clear_cache()
    assert all(getattr(layer, k) is None for k in ("X", "z_raw", "z", "a", "z_hat", "sigma", "mask"))


@pytest.mark.parametrize("normalization", NORMS, ids=NORM_IDS)
def test_float32_stays_float32(act, normalization):
    layer, X = make_layer(act, normalization, dtype="float32", dropout=0.25)
    out = layer.forward(X)
    dX = layer.backward(np.ones((X.shape[0], layer.n_out), dtype=np.float32))
    arrays = [out, layer.z, layer.a, layer.mask, dX] + ([layer.z_raw] if normalization else []) \
        + [p for _, p in layer.parameters()] + [d for _, d in layer.gradients()] + [b for _, b in layer.buffers()]
    assert {a.dtype for a in arrays} == {np.dtype(np.float32)}


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(normalization="layrnorm"), ValueError, "^normalization: expected one of 'rmsnorm', 'layernorm', 'batchnorm'"),
    (dict(dropout=1.0), ValueError, r"^dropout: expected a number in \[0, 1\)"),
    (dict(dropout=None), TypeError, "^dropout: expected a number"),
])
def test_a_layer_refuses_an_unknown_normalization_or_dropout(kwargs, error, message):
    with pytest.raises(error, match=message):
        Dense(3, 2, "relu", **kwargs)
