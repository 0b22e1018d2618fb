"""ffnn.optim: every optimiser against updates computed by hand and against torch.optim's update
rules written out in float64; in place, dtype-preserving, validated, and continued across fit
calls and save/load."""
import copy
import json
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
        s["v"] = beta * s.get("v", 0.0) + g
        return th - LR * s["v"]

    assert_trajectories(run(optim.Momentum(beta)), scalar_trajectories(update))
    # Step 2 written out for one entry: v1 = g1, v2 = β v1 + g2.
    th = run(optim.Momentum(beta), steps=2)[-1][0][0, 0]
    assert th == pytest.approx(1.0 - LR * 0.2 - LR * (beta * 0.2 + -0.4), rel=1e-14)


def test_nesterov_by_hand():
    beta = 0.8

    def update(th, g, t, s):
        s["v"] = beta * s.get("v", 0.0) + g
        return th - LR * (g + beta * s["v"])

    assert_trajectories(run(optim.Nesterov(beta)), scalar_trajectories(update))
    assert_trajectories(run(optim.Momentum(beta, nesterov=True)), scalar_trajectories(update))


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


# ----------------------------------------------------------------------------- torch.optim's rules
# Each reference is torch.optim's single-tensor update for one parameter, written out in float64 in
# torch's own order of operations (torch is not imported). ``s`` holds the state of one parameter.
def torch_sgd():
    def update(th, d, lr, t, s):
        return th - lr * d
    return update


def torch_momentum(beta, nesterov=False):
    def update(th, d, lr, t, s):
        s["buf"] = d.copy() if t == 1 else beta * s["buf"] + d  # torch: buf = clone(grad) at step 1
        step = d + beta * s["buf"] if nesterov else s["buf"]
        return th - lr * step
    return update


def torch_adam(beta1, beta2, eps, weight_decay=0.0):
    def update(th, d, lr, t, s):
        th = th * (1 - lr * weight_decay)  # AdamW's decoupled decay (1 for Adam)
        s["m"] = s.get("m", 0.0) + (1 - beta1) * (d - s.get("m", 0.0))  # torch: exp_avg.lerp_(grad, 1-β₁)
        s["v"] = beta2 * s.get("v", 0.0) + (1 - beta2) * d * d
        step_size = lr / (1 - beta1**t)
        denom = np.sqrt(s["v"]) / math.sqrt(1 - beta2**t) + eps
        return th - step_size * s["m"] / denom
    return update


def torch_rmsprop(alpha, eps):
    def update(th, d, lr, t, s):
        s["square_avg"] = alpha * s.get("square_avg", 0.0) + (1 - alpha) * d * d
        return th - lr * d / (np.sqrt(s["square_avg"]) + eps)
    return update


def torch_adagrad(eps):
    def update(th, d, lr, t, s):
        s["sum"] = s.get("sum", 0.0) + d * d
        return th - lr * d / (np.sqrt(s["sum"]) + eps)
    return update


# name: (ffnn optimiser, torch's rule with the same hyperparameters); defaults and non-defaults.
TORCH_CASES = {
    "sgd": (lambda: optim.SGD(), torch_sgd()),
    "momentum": (lambda: optim.Momentum(), torch_momentum(0.9)),
    "momentum-0.5": (lambda: optim.Momentum(0.5), torch_momentum(0.5)),
    "nesterov": (lambda: optim.get("nesterov"), torch_momentum(0.9, nesterov=True)),
    "nesterov-0.7": (lambda: optim.Momentum(0.7, nesterov=True), torch_momentum(0.7, nesterov=True)),
    "adam": (lambda: optim.Adam(), torch_adam(0.9, 0.999, 1e-8)),
    "adamw": (lambda: optim.AdamW(), torch_adam(0.9, 0.999, 1e-8, weight_decay=0.01)),
    "adamw-0.3": (lambda: optim.AdamW(0.8, 0.99, 1e-6, weight_decay=0.3), torch_adam(0.8, 0.99, 1e-6, 0.3)),
    "rmsprop": (lambda: optim.RMSprop(), torch_rmsprop(0.99, 1e-8)),
    "rmsprop-0.9": (lambda: optim.RMSprop(alpha=0.9, eps=1e-6), torch_rmsprop(0.9, 1e-6)),
    "adagrad": (lambda: optim.AdaGrad(), torch_adagrad(1e-10)),
    "adagrad-0.1": (lambda: optim.AdaGrad(eps=0.1), torch_adagrad(0.1)),
}
# A learning rate that changes between steps, as under a schedule: it separates torch's momentum
# (v ← βv + dθ; θ ← θ - lr v) from the heavy-ball form (v ← βv - lr dθ; θ ← θ + v).
LRS = [0.1, 0.05, 0.2, 0.1, 0.02, 0.3, 0.1, 0.05, 0.15, 0.1]


def wavy_grad(theta, step):
    """The gradient of Σ (θ²/2 + sin 3θ), plus a different tilt at every step."""
    tilt = np.cos(np.arange(theta.size).reshape(theta.shape) + step)
    return theta + 3 * np.cos(3 * theta) + tilt


def optimizer_path(opt, dtype):
    """θ after each of len(LRS) steps of ``opt`` on wavy_grad, for a matrix and a vector."""
    params = [p.astype(dtype) for p in THETA0]
    path = []
    for step, lr in enumerate(LRS):
        opt.step(params, [wavy_grad(p, step) for p in params], lr)
        path.append([p.copy() for p in params])
    return path


def reference_path(update, lrs=LRS):
    """The same in float64 under ``update(θ, dθ, lr, t, state)``."""
    params = [p.copy() for p in THETA0]
    states = [{} for _ in params]
    path = []
    for t, lr in enumerate(lrs, start=1):
        params = [update(p, wavy_grad(p, t - 1), lr, t, s) for p, s in zip(params, states)]
        path.append(params)
    return path


@pytest.mark.parametrize("case", list(TORCH_CASES))
def test_follows_torch_rule_in_float64(case):
    make, update = TORCH_CASES[case]
    assert_trajectories(optimizer_path(make(), "float64"), reference_path(update), rtol=1e-12)


@pytest.mark.parametrize("case", list(TORCH_CASES))
def test_follows_torch_rule_in_float32(case):
    make, update = TORCH_CASES[case]
    opt = make()
    path = optimizer_path(opt, "float32")
    assert all(p.dtype == np.float32 for p in path[-1])
    assert all(s.dtype == np.float32 for state in opt.state for s in state)
    for step, (ours, ref) in enumerate(zip(path, reference_path(update)), start=1):
        for p32, p64 in zip(ours, ref):
            np.testing.assert_allclose(p32, p64, rtol=2e-5, atol=2e-5, err_msg=f"step {step}")


def test_torch_momentum_and_heavy_ball_agree_only_for_a_constant_lr():
    """v_torch = -v_heavy/lr: the same path while lr is constant, another one when lr changes."""
    def heavy_ball(th, d, lr, t, s):
        s["v"] = 0.9 * s.get("v", 0.0) - lr * d
        return th + s["v"]

    ours = optimizer_path(optim.Momentum(), "float64")
    assert not np.allclose(ours[-1][0], reference_path(heavy_ball)[-1][0], rtol=1e-3)
    constant = [0.1] * len(LRS)
    assert_trajectories(reference_path(torch_momentum(0.9), constant), reference_path(heavy_ball, constant),
                        rtol=1e-12)


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
    assert optim.Momentum(0.5).get_config() == {"beta": 0.5, "nesterov": False}
    assert repr(optim.Adam()) == "Adam(beta1=0.9, beta2=0.999, eps=1e-08)"
    sgd = optim.SGD()
    assert optim.get(sgd) is sgd and optim.get(" ADAM ").name == "adam"
    again = optim.from_config("adam", optim.Adam(0.8, 0.99, 1e-7).get_config())
    assert again.same_config(optim.Adam(0.8, 0.99, 1e-7))


# name: (state arrays per parameter, get_config() of the default: torch.optim's defaults)
DEFAULTS = {
    "sgd": (0, {}),
    "momentum": (1, {"beta": 0.9, "nesterov": False}),
    "nesterov": (1, {"beta": 0.9}),
    "adam": (2, {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
    "adamw": (2, {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01}),
    "rmsprop": (1, {"alpha": 0.99, "eps": 1e-8}),
    "adagrad": (1, {"eps": 1e-10}),
}


def test_names_and_defaults():
    assert optim.NAMES == tuple(DEFAULTS)
    for name, (n_state, config) in DEFAULTS.items():
        opt = optim.get(name)
        assert opt.name == name and opt.get_config() == config
        run(opt, steps=1)
        assert [len(s) for s in opt.state] == [n_state, n_state]
    nesterov = optim.get("Nesterov")
    assert isinstance(nesterov, optim.Momentum) and nesterov.nesterov and repr(nesterov) == "Nesterov(beta=0.9)"
    assert repr(optim.AdamW()) == "AdamW(beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.01)"
    assert not optim.AdamW().same_config(optim.Adam()) and not optim.Nesterov().same_config(optim.Momentum())


@pytest.mark.parametrize("name", optim.NAMES)
def test_config_and_state_round_trip_continue_identically(name):
    """from_config(name, JSON'd get_config()) plus a copy of t and state continues bit for bit."""
    opt = optim.get(name)
    params = [p.copy() for p in THETA0]
    for step, lr in enumerate(LRS[:4]):
        opt.step(params, [wavy_grad(p, step) for p in params], lr)
    again = optim.from_config(opt.name, json.loads(json.dumps(opt.get_config())))
    assert again.same_config(opt) and type(again) is type(opt)
    again.t, again.state = opt.t, copy.deepcopy(opt.state)
    params_again = [p.copy() for p in params]
    for step, lr in enumerate(LRS[4:], start=4):
        opt.step(params, [wavy_grad(p, step) for p in params], lr)
        again.step(params_again, [wavy_grad(p, step) for p in params_again], lr)
    for p, q in zip(params, params_again):
        np.testing.assert_array_equal(p, q)


BAD_HYPERPARAMETERS = [
    (lambda: optim.Momentum(beta=1.0), ValueError, r"^beta: expected a number in \[0, 1\), got 1\.0"),
    (lambda: optim.Momentum(beta="0.9"), TypeError, r"^beta: expected a number"),
    (lambda: optim.Momentum(nesterov=1), TypeError, r"^nesterov: expected True or False, got 1"),
    (lambda: optim.Momentum(nesterov="yes"), TypeError, r"^nesterov: expected True or False"),
    (lambda: optim.Nesterov(beta=-0.1), ValueError, r"^beta: expected a number in \[0, 1\)"),
    (lambda: optim.AdamW(weight_decay=-0.01), ValueError, r"^weight_decay: expected a number in \[0, inf\)"),
    (lambda: optim.AdamW(weight_decay=None), TypeError, r"^weight_decay: expected a number"),
    (lambda: optim.AdamW(weight_decay=float("inf")), ValueError, r"^weight_decay: expected a number"),
    (lambda: optim.AdamW(beta2=1), ValueError, r"^beta2: expected a number in \[0, 1\)"),
    (lambda: optim.AdamW(eps=0.0), ValueError, r"^eps: expected a number in \(0, inf\)"),
    (lambda: optim.RMSprop(alpha=1.0), ValueError, r"^alpha: expected a number in \[0, 1\)"),
    (lambda: optim.RMSprop(alpha=-0.5), ValueError, r"^alpha: expected a number in \[0, 1\)"),
    (lambda: optim.RMSprop(alpha=True), TypeError, r"^alpha: expected a number"),
    (lambda: optim.RMSprop(eps=-1e-8), ValueError, r"^eps: expected a number in \(0, inf\)"),
    (lambda: optim.AdaGrad(eps=0), ValueError, r"^eps: expected a number in \(0, inf\), got 0"),
    (lambda: optim.AdaGrad(eps=float("nan")), ValueError, r"^eps: expected a number"),
    (lambda: optim.AdaGrad(eps="1e-10"), TypeError, r"^eps: expected a number"),
    (lambda: optim.get("adamax"), ValueError, r"^optimizer: unknown optimizer 'adamax'; expected one of "
                                             r"sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad"),
]


@pytest.mark.parametrize("make, error, message", BAD_HYPERPARAMETERS)
def test_bad_hyperparameters(make, error, message):
    with pytest.raises(error, match=message):
        make()


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


@pytest.mark.parametrize("name", ["nesterov", "adamw", "rmsprop", "adagrad"])
def test_save_and_load_continue_training_identically(tmp_path, name):
    """The saved file keeps the new optimisers' name, config, t and state (one array per entry)."""
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 2))
    model = ffnn.FFNN([3, 5, 2], ["tanh", "linear"], "mse", seed=1, dtype="float32")
    model.fit(X, Y, batch_size=8, learning_rate=0.01, epochs=2, optimizer=name, verbose=0)
    model.save(tmp_path / "model.npz")
    loaded = ffnn.load(tmp_path / "model.npz")
    assert loaded.optimizer.same_config(model.optimizer) and loaded.optimizer.t == model.optimizer.t
    for m in (model, loaded):
        m.fit(X, Y, batch_size=8, learning_rate=0.01, epochs=2, optimizer=name, verbose=0)
    for (_, a), (_, b) in zip(model.parameters(), loaded.parameters()):
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_array_equal(a, b)
