"""ffnn.optim: SGD, momentum and Adam against updates computed by hand for three steps, in place,
dtype-preserving, and continued across fit calls."""
import math

import numpy as np
import pytest

import ffnn
from ffnn import optim

LR = 0.1
# Three steps of gradients for two parameters (a matrix and a vector).
THETA0 = [np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([0.25, -0.75])]
GRADS = [
    [np.array([[0.2, -0.1], [0.0, 1.0]]), np.array([0.5, -0.5])],
    [np.array([[-0.4, 0.3], [0.1, 0.9]]), np.array([0.0, 2.0])],
    [np.array([[0.1, 0.1], [-0.2, -1.0]]), np.array([-0.3, 1.0])],
]


def run(opt, steps=3, dtype="float64"):
    params = [p.astype(dtype) for p in THETA0]
    ids = [id(p) for p in params]
    history = []
    for grads in GRADS[:steps]:
        opt.step(params, [g.astype(dtype) for g in grads], LR)
        history.append([p.copy() for p in params])
    assert [id(p) for p in params] == ids  # updated in place
    return history


def scalar_trajectories(update):
    """Apply a scalar update rule element by element; returns per-step lists like ``run``."""
    out = []
    flat_theta = [p.ravel().tolist() for p in THETA0]
    states = [[{} for _ in p] for p in flat_theta]
    for t, grads in enumerate(GRADS, start=1):
        for i, g in enumerate(grads):
            for j, gj in enumerate(g.ravel().tolist()):
                flat_theta[i][j] = update(flat_theta[i][j], gj, t, states[i][j])
        out.append([np.array(f).reshape(p.shape) for f, p in zip(flat_theta, THETA0)])
    return out


def assert_trajectories(actual, expected, rtol=1e-13):
    for step, (a, e) in enumerate(zip(actual, expected), start=1):
        for pa, pe in zip(a, e):
            np.testing.assert_allclose(pa, pe, rtol=rtol, atol=1e-15, err_msg=f"step {step}")


def test_sgd_by_hand():
    assert_trajectories(run(optim.SGD()), scalar_trajectories(lambda th, g, t, s: th - LR * g))


def test_momentum_by_hand():
    beta = 0.8

    def update(th, g, t, s):
        s["v"] = beta * s.get("v", 0.0) - LR * g
        return th + s["v"]

    assert_trajectories(run(optim.Momentum(beta)), scalar_trajectories(update))
    # Step 2 written out for one entry: v1 = -lr g1, v2 = β v1 - lr g2.
    th = run(optim.Momentum(beta), steps=2)[-1][0][0, 0]
    assert th == pytest.approx(1.0 - LR * 0.2 + (beta * -LR * 0.2 - LR * -0.4), rel=1e-14)


def test_adam_by_hand_with_bias_correction():
    b1, b2, eps = 0.9, 0.999, 1e-8

    def update(th, g, t, s):
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        m_hat = s["m"] / (1 - b1 ** t)
        v_hat = s["v"] / (1 - b2 ** t)
        return th - LR * m_hat / (math.sqrt(v_hat) + eps)

    opt = optim.Adam(b1, b2, eps)
    assert_trajectories(run(opt), scalar_trajectories(update), rtol=1e-12)
    assert opt.t == 3


def test_adam_first_step_moves_every_entry_by_lr():
    """Bias correction makes step 1 exactly lr·sign(g) (up to eps): m̂ = g and √ŝ = |g|."""
    first = run(optim.Adam(), steps=1)[0]
    for p0, p1, g in zip(THETA0, first, GRADS[0]):
        expected = p0 - LR * np.sign(g) * np.abs(g) / (np.abs(g) + 1e-8)
        np.testing.assert_allclose(p1, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", optim.NAMES)
def test_float32_stays_float32(name):
    opt = optim.get(name)
    final = run(opt, dtype="float32")[-1]
    assert all(p.dtype == np.float32 for p in final)
    assert all(s.dtype == np.float32 for state in opt.state for s in state)
    reference = run(optim.get(name), dtype="float64")[-1]
    for p32, p64 in zip(final, reference):
        np.testing.assert_allclose(p32, p64, rtol=1e-5, atol=1e-6)


def test_state_layout_and_configs():
    o = optim.Adam()
    assert o.state == [] and o.t == 0
    run(o, steps=1)
    assert [len(s) for s in o.state] == [2, 2]
    assert optim.Adam().same_config(optim.Adam()) and not optim.Adam().same_config(optim.Adam(beta1=0.5))
    assert not optim.Momentum().same_config(optim.SGD())
    assert optim.Momentum(0.5).get_config() == {"beta": 0.5}
    assert repr(optim.Adam()) == "Adam(beta1=0.9, beta2=0.999, eps=1e-08)"
    sgd = optim.SGD()
    assert optim.get(sgd) is sgd and optim.get(" ADAM ").name == "adam"
    again = optim.from_config("adam", optim.Adam(0.8, 0.99, 1e-7).get_config())
    assert again.same_config(optim.Adam(0.8, 0.99, 1e-7))


# ----------------------------------------------------------------------------- with fit
@pytest.mark.parametrize("name", optim.NAMES)
def test_fit_in_two_calls_equals_one_call(name):
    """A second fit with the same optimizer name continues its state (momentum, Adam's t)."""
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 2))

    def model():
        return ffnn.FFNN([3, 5, 2], ["tanh", "linear"], "mse", rmsnorm=True, seed=1)

    once, twice = model(), model()
    once.fit(X, Y, batch_size=8, learning_rate=0.01, epochs=4, optimizer=name, verbose=0)
    twice.fit(X, Y, batch_size=8, learning_rate=0.01, epochs=2, optimizer=name, verbose=0)
    twice.fit(X, Y, batch_size=8, learning_rate=0.01, epochs=2, optimizer=name, verbose=0)
    for (_, a), (_, b) in zip(once.parameters(), twice.parameters()):
        np.testing.assert_array_equal(a, b)
    assert once.history == twice.history
    assert twice.optimizer.t == 4 * 3  # 3 batches per epoch


def test_fit_with_a_new_optimizer_object_starts_fresh():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    model = ffnn.FFNN([3, 2], "linear", "mse")
    model.fit(X, Y, epochs=1, batch_size=8, optimizer="adam", verbose=0)
    fresh = optim.Adam()
    model.fit(X, Y, epochs=1, batch_size=8, optimizer=fresh, verbose=0)
    assert model.optimizer is fresh and fresh.t == 1
    model.fit(X, Y, epochs=1, batch_size=8, optimizer="sgd", verbose=0)
    assert model.optimizer.name == "sgd" and model.optimizer.t == 1
