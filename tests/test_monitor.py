"""ffnn.monitor: the per-layer diagnostics fit(monitor=True) records, checked against the same
statistics computed by hand from the model's own forward pass and step."""
import numpy as np
import pytest

import ffnn
from ffnn.monitor import SATURATION, Monitor


def _data(seed=0, N=40, n_in=5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, n_in)) + 0.3          # asymmetric inputs
    y = rng.integers(0, 3, size=N)
    return X, y


def _model(acts=("relu", "tanh", "softmax"), seed=1):
    model = ffnn.FFNN([5, 7, 6, 3], list(acts), "categorical_crossentropy", seed=seed)
    rng = np.random.default_rng(seed + 10)
    for layer in model.layers:
        layer.b[...] = rng.normal(scale=0.3, size=layer.n_out)   # non-zero biases
    return model


def test_monitoring_does_not_change_training():
    X, y = _data()
    plain, watched = _model(), _model()
    plain.fit(X, y, batch_size=8, learning_rate=0.1, epochs=3, verbose=0, optimizer="adam")
    watched.fit(X, y, batch_size=8, learning_rate=0.1, epochs=3, verbose=0, optimizer="adam", monitor=True)
    for (_, p), (_, q) in zip(plain.parameters(), watched.parameters()):
        assert np.array_equal(p, q)
    assert plain.history["loss"] == watched.history["loss"]
    assert "layers[0].update_ratio" not in plain.history
    assert len(watched.history["layers[2].grad_norm"]) == 3


def test_one_full_batch_step_matches_the_statistics_by_hand():
    X, y = _data()
    model = _model()
    before = model.copy()
    a = [None] * 3
    out = X
    for i, layer in enumerate(before.layers):
        out = layer.forward(out)
        a[i] = out
    before.backward(y)
    grads = [layer.dW.copy() for layer in before.layers]
    model.fit(X, y, batch_size=len(X), learning_rate=0.5, epochs=1, verbose=0, shuffle=False, monitor=True)
    h = model.history
    for i, (old, new) in enumerate(zip(before.layers, model.layers)):
        key = f"layers[{i}]"
        expected = np.linalg.norm(new.W - old.W) / np.linalg.norm(old.W)
        assert h[f"{key}.update_ratio"][0] == pytest.approx(expected, rel=1e-12)
        assert h[f"{key}.grad_norm"][0] == pytest.approx(np.linalg.norm(grads[i]), rel=1e-12)
        assert h[f"{key}.a_mean"][0] == pytest.approx(a[i].mean(), rel=1e-10)
        assert h[f"{key}.a_std"][0] == pytest.approx(a[i].std(), rel=1e-8)
    assert h["layers[0].dead"][0] == pytest.approx(np.mean(~(a[0] > 0).any(axis=0)))
    assert h["layers[1].saturated"][0] == pytest.approx(np.mean(np.abs(a[1]) > SATURATION))
    assert "layers[1].dead" not in h and "layers[0].saturated" not in h and "layers[2].dead" not in h


@pytest.mark.parametrize("every, measured", [(1, [0, 1, 2, 3, 4]), (2, [0, 2, 4]), (3, [0, 3]), (10, [0])])
def test_weight_statistics_are_means_over_every_kth_step(every, measured):
    X, y = _data(N=50)
    model = _model()
    ratios, norms, a_means = [], [], []
    probe = model.copy()
    for step, start in enumerate(range(0, 50, 10)):  # the same five steps fit takes without shuffling
        W0 = probe.layers[0].W.copy()
        probe.forward(X[start:start + 10])
        probe.backward(y[start:start + 10])
        norms.append(np.linalg.norm(probe.layers[0].dW))
        a_means.append(probe.layers[0].a.mean())
        probe.fit(X[start:start + 10], y[start:start + 10], batch_size=10, learning_rate=0.3,
                  epochs=1, verbose=0, shuffle=False)
        ratios.append(np.linalg.norm(probe.layers[0].W - W0) / np.linalg.norm(W0))
    model.fit(X, y, batch_size=10, learning_rate=0.3, epochs=1, verbose=0, shuffle=False, monitor=Monitor(every))
    h = model.history
    assert h["layers[0].update_ratio"][0] == pytest.approx(np.mean([ratios[i] for i in measured]), rel=1e-10)
    assert h["layers[0].grad_norm"][0] == pytest.approx(np.mean([norms[i] for i in measured]), rel=1e-10)
    assert np.array_equal(model.layers[0].W, probe.layers[0].W)
    assert len(set(np.round(ratios, 12))) == 5    # the steps differ, so a wrong subset would show
    # the activation statistics still see every batch, each at the weights of its own step
    assert h["layers[0].a_mean"][0] == pytest.approx(np.mean(a_means), rel=1e-10)


@pytest.mark.parametrize("every, error", [(0, ValueError), (1.5, TypeError), (True, TypeError)])
def test_monitor_every_must_be_a_positive_integer(every, error):
    with pytest.raises(error, match="every"):
        Monitor(every)


def test_a_dead_relu_unit_is_counted_and_a_live_one_is_not():
    X, y = _data()
    X = np.abs(X)                                   # every input positive
    model = _model()
    model.layers[0].b[...] = 5.0                    # the others fire on every row ...
    model.layers[0].W[:, [1, 4]] = -1.0             # ... but units 1 and 4 never can, on X >= 0
    model.layers[0].b[[1, 4]] = -0.5
    model.fit(X, y, batch_size=8, learning_rate=0.05, epochs=2, verbose=0, monitor=True)
    assert model.history["layers[0].dead"] == [pytest.approx(2 / 7)] * 2


def test_saturation_counts_the_flat_tails_of_sigmoid_and_tanh():
    X, y = _data()
    for act in ("sigmoid", "tanh"):
        model = _model((act, act, "softmax"))
        model.layers[0].W *= 30.0                   # drives most of layer 0 into the tails
        model.fit(X, y, batch_size=len(X), learning_rate=1e-9, epochs=1, verbose=0, shuffle=False, monitor=True)
        a = model.layers[0].activation.forward(X @ model.layers[0].W + model.layers[0].b)
        c = 2 * a - 1 if act == "sigmoid" else a
        expected = np.mean(np.abs(c) > SATURATION)
        assert 0.5 < expected < 1.0
        assert model.history["layers[0].saturated"][0] == pytest.approx(expected)


def test_a_monitor_object_can_be_passed_and_reused():
    X, y = _data()
    mon = Monitor()
    model = _model()
    model.fit(X, y, batch_size=8, learning_rate=0.05, epochs=1, verbose=0, monitor=mon)
    model.fit(X, y, batch_size=8, learning_rate=0.05, epochs=1, verbose=0, monitor=mon)
    assert len(model.history["layers[0].grad_norm"]) == 2
    with pytest.raises(RuntimeError, match="no step"):
        mon.end_epoch(model.layers)


@pytest.mark.parametrize("bad", ["yes", 1, None, object()])
def test_monitor_refuses_other_values(bad):
    X, y = _data()
    with pytest.raises(TypeError, match="monitor: expected True, False or an ffnn.monitor.Monitor"):
        _model().fit(X, y, epochs=1, verbose=0, monitor=bad)
