"""ffnn.init: each initialiser's distribution (bounds, mean, variance), seeding and dtype, and how the
network uses them (per-layer lists, biases at zero, reproducibility)."""
import math

import numpy as np
import pytest

import ffnn
from ffnn import init

N_IN, N_OUT = 300, 200  # 60 000 draws: sample moments within ~1-2 % of the truth


def draw(initializer, n_in=N_IN, n_out=N_OUT, seed=0, dtype="float64"):
    return initializer(n_in, n_out, np.random.default_rng(seed), dtype)


# name -> (initializer, uniform limit or None, variance)
DISTRIBUTIONS = {
    "uniform": (init.Uniform(-0.3, 0.1), None, 0.4 ** 2 / 12),
    "normal": (init.Normal(0.5, 4.0), None, 4.0),
    "xavier_uniform": (init.XavierUniform(), math.sqrt(6 / (N_IN + N_OUT)), 2 / (N_IN + N_OUT)),
    "xavier_normal": (init.XavierNormal(), None, 2 / (N_IN + N_OUT)),
    "he_uniform": (init.HeUniform(), math.sqrt(6 / N_IN), 2 / N_IN),
    "he_normal": (init.HeNormal(), None, 2 / N_IN),
}
MEANS = {"uniform": -0.1, "normal": 0.5}


@pytest.mark.parametrize("name", sorted(DISTRIBUTIONS))
def test_moments(name):
    initializer, limit, variance = DISTRIBUTIONS[name]
    W = draw(initializer)
    assert W.shape == (N_IN, N_OUT) and W.dtype == np.float64
    mean = MEANS.get(name, 0.0)
    assert abs(W.mean() - mean) < 4 * math.sqrt(variance / W.size)
    assert W.var() == pytest.approx(variance, rel=0.03)
    if limit is not None:
        assert np.abs(W).max() <= limit
        assert np.abs(W).max() > 0.99 * limit  # the whole interval is used, not a narrower one


def test_uniform_bounds():
    W = draw(init.Uniform(-0.3, 0.1))
    assert W.min() >= -0.3 and W.max() < 0.1
    assert W.min() < -0.29 and W.max() > 0.09


def test_normal_takes_the_variance_not_the_std():
    assert draw(init.Normal(0.0, 9.0)).std() == pytest.approx(3.0, rel=0.02)


def test_zeros():
    W = draw(init.Zeros(), 3, 4)
    np.testing.assert_array_equal(W, np.zeros((3, 4)))


@pytest.mark.parametrize("name", init.NAMES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_shape_and_generator(name, dtype):
    initializer = init.get(name)
    W = draw(initializer, 3, 5, seed=1, dtype=dtype)
    assert W.shape == (3, 5) and W.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(W, draw(initializer, 3, 5, seed=1, dtype=dtype))
    if name != "zeros":
        assert not np.array_equal(W, draw(initializer, 3, 5, seed=2, dtype=dtype))


def test_own_seed_overrides_the_generator():
    a = init.HeNormal(seed=7)(4, 3, np.random.default_rng(0))
    b = init.HeNormal(seed=7)(4, 3, np.random.default_rng(99))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, np.random.default_rng(7).normal(0.0, math.sqrt(2 / 4), size=(4, 3)))
    assert init.HeNormal(seed=7).get_config() == {"seed": 7}
    assert repr(init.Uniform(-1, 1, seed=3)) == "Uniform(low=-1.0, high=1.0, seed=3)"


def test_numpy_scalars_are_accepted_and_stored_as_python_numbers():
    a = init.HeNormal(seed=np.int64(7))
    assert a.seed == 7 and type(a.seed) is int  # get_config stays JSON-friendly
    np.testing.assert_array_equal(a(4, 3), init.HeNormal(seed=7)(4, 3))
    assert init.HeNormal()(np.int32(4), np.uint8(3)).shape == (4, 3)
    u = init.Uniform(np.float32(-1.0), np.int64(2))
    assert u.get_config() == {"low": -1.0, "high": 2.0, "seed": None} and type(u.high) is float
    assert init.Normal(0.0, 0).get_config()["variance"] == 0.0  # a variance of 0 is allowed


@pytest.mark.parametrize("alias, name", [("glorot_uniform", "xavier_uniform"), ("kaiming_normal", "he_normal"),
                                         (" He_Uniform ", "he_uniform"), ("zero", "zeros")])
def test_get_aliases(alias, name):
    assert init.get(alias).name == name


def test_from_config_round_trip():
    for initializer in (init.Uniform(-1, 2, seed=4), init.Normal(1.0, 0.5), init.Zeros(), init.XavierNormal(seed=1)):
        again = init.from_config(initializer.name, initializer.get_config())
        assert type(again) is type(initializer) and again.get_config() == initializer.get_config()


# ----------------------------------------------------------------------------- in the network
def test_network_biases_start_at_zero_and_gains_at_one():
    model = ffnn.FFNN([3, 4, 2], "tanh", rmsnorm=True, init="uniform")
    for layer in model.layers:
        np.testing.assert_array_equal(layer.b, 0.0)
    np.testing.assert_array_equal(model.layers[0].g, 1.0)
    assert model.layers[1].g is None  # no RMSNorm on the output layer


def test_network_is_reproducible_from_its_seed():
    a = ffnn.FFNN([3, 4, 2], "tanh", seed=5)
    b = ffnn.FFNN([3, 4, 2], "tanh", seed=5)
    c = ffnn.FFNN([3, 4, 2], "tanh", seed=6)
    for la, lb, lc in zip(a.layers, b.layers, c.layers):
        np.testing.assert_array_equal(la.W, lb.W)
        assert not np.array_equal(la.W, lc.W)


def test_network_per_layer_init_list():
    model = ffnn.FFNN([3, 4, 2], "tanh", init=[init.Zeros(), init.Uniform(5.0, 6.0)])
    np.testing.assert_array_equal(model.layers[0].W, 0.0)
    assert (model.layers[1].W >= 5.0).all() and (model.layers[1].W < 6.0).all()


def test_one_seeded_initializer_gives_each_layer_its_own_weights():
    shared = init.HeNormal(seed=1)
    model = ffnn.FFNN([4, 5, 5, 5, 2], "tanh", init=shared)
    W1, W2 = model.layers[1].W, model.layers[2].W
    assert W1.shape == W2.shape and not np.array_equal(W1, W2)
    # still reproducible, and layer 0 is exactly what the initialiser draws on its own
    again = ffnn.FFNN([4, 5, 5, 5, 2], "tanh", init=init.HeNormal(seed=1), seed=99)
    for a, b in zip(model.layers, again.layers):
        np.testing.assert_array_equal(a.W, b.W)
    np.testing.assert_array_equal(model.layers[0].W, init.HeNormal(seed=1)(4, 5))


# ----------------------------------------------------------------------------- biases
@pytest.mark.parametrize("name", [n for n in init.NAMES if n != "zeros"])
def test_biases_start_at_zero_by_default(name):
    initializer = init.get(name)
    initializer(5, 4, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(initializer.bias(5, 4, rng=np.random.default_rng(0)), np.zeros(4))


def test_bias_true_draws_b_from_the_weights_distribution():
    u = init.Uniform(0.5, 0.75, bias=True)
    W = u(300, 200, rng=np.random.default_rng(1), dtype="float32")
    b = u.bias(300, 200, rng=np.random.default_rng(2), dtype="float32")
    assert b.shape == (200,) and b.dtype == np.float32
    assert 0.5 <= b.min() and b.max() < 0.75 and b.std() > 0.05  # U(0.5, 0.75), not zeros
    he = init.HeNormal(bias=True)
    he(800, 50, rng=np.random.default_rng(3))
    b = he.bias(800, 5000, rng=np.random.default_rng(4))
    assert abs(b.std() - np.sqrt(2 / 800)) < 0.05 * np.sqrt(2 / 800)  # N(0, 2/n_in) with W's n_in
    assert W.min() >= 0.5


def test_a_seeded_bias_does_not_repeat_the_weights():
    u = init.Uniform(-1, 1, seed=3, bias=True)
    W = u(4, 6)
    b = u.bias(4, 6)
    assert not np.allclose(W[0], b)
    np.testing.assert_array_equal(b, init.Uniform(-1, 1, seed=3, bias=True).bias(4, 6))  # reproducible


def test_a_network_uses_bias_init_and_keeps_the_default_zero():
    plain = ffnn.FFNN([3, 4, 2], "tanh", init="xavier_uniform", seed=0)
    assert all(np.all(layer.b == 0) for layer in plain.layers)
    drawn = ffnn.FFNN([3, 4, 2], "tanh", init=init.XavierUniform(bias=True), seed=0)
    assert all(np.all(layer.b != 0) for layer in drawn.layers)
    np.testing.assert_array_equal(plain.layers[0].W, drawn.layers[0].W)  # W drawn first, as before


def test_bias_true_is_in_the_config_and_survives_it():
    u = init.Uniform(0.1, 0.2, seed=4, bias=True)
    assert u.get_config() == {"low": 0.1, "high": 0.2, "seed": 4, "bias": True}
    again = init.from_config("uniform", u.get_config())
    np.testing.assert_array_equal(again.bias(3, 5), u.bias(3, 5))


def test_bias_must_be_a_bool():
    with pytest.raises(TypeError, match="^bias: expected True or False"):
        init.Uniform(bias=1)
