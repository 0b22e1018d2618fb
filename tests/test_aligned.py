"""ffnn._aligned: arrays on 64-byte boundaries, and the model's parameters, gradients and optimiser
state kept on them through construction, copy, save/load and training."""
import numpy as np
import pytest

import ffnn
from ffnn import _aligned


def on_a_line(a):
    return a.ctypes.data % _aligned.ALIGNMENT == 0


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("shape", [(784, 128), (10,), 7, (3, 0), (1, 1)])
def test_empty_zeros_copy_are_aligned_and_shaped(dtype, shape):
    for _ in range(5):  # several allocations, so a lucky malloc cannot pass the test alone
        a = _aligned.empty(shape, dtype)
        z = _aligned.zeros(shape, dtype)
        expected = (shape,) if isinstance(shape, int) else shape
        assert a.shape == z.shape == expected and a.dtype == z.dtype == np.dtype(dtype)
        assert a.flags.c_contiguous and a.flags.writeable
        assert not np.any(z)
        assert a.size == 0 or (on_a_line(a) and on_a_line(z))  # an empty array has no data to place


def test_copy_keeps_values_and_is_independent():
    src = np.arange(12.0).reshape(3, 4)[:, ::2]  # not contiguous
    out = _aligned.copy(src)
    assert on_a_line(out) and out.flags.c_contiguous and np.array_equal(out, src)
    out[0, 0] = -1
    assert src[0, 0] == 0


def arrays_of(model):
    out = [p for _, p in model.parameters()] + [d for _, d in model.gradients()]
    if model.optimizer is not None:
        out += [s for state in model.optimizer.state for s in state]
    return out


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_model_arrays_stay_on_cache_lines(optimizer, tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 30)), rng.integers(0, 3, 40)
    model = ffnn.FFNN([30, 17, 3], ["relu", "softmax"], "cce", rmsnorm=True, seed=1)
    assert all(on_a_line(a) for a in arrays_of(model))
    model.fit(X, y, batch_size=16, epochs=2, verbose=0, optimizer=optimizer)
    n_state = {"sgd": 0, "momentum": 1, "adam": 2}[optimizer]
    assert len(arrays_of(model)) == 5 * (2 + n_state)  # 5 parameters, 5 gradients, their state
    assert all(on_a_line(a) for a in arrays_of(model))
    for clone in (model.copy(), model.copy("float32")):
        assert all(on_a_line(a) for _, a in clone.parameters() + clone.gradients())
        for (_, p), (_, q) in zip(model.parameters(), clone.parameters()):
            np.testing.assert_allclose(q, p, rtol=1e-6)
    model.save(tmp_path / "m.npz")
    loaded = ffnn.load(tmp_path / "m.npz")
    assert len(arrays_of(loaded)) == len(arrays_of(model)) and all(on_a_line(a) for a in arrays_of(loaded))
