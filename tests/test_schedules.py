"""ffnn.schedules: each schedule's lr sequence against an independent computation (torch's own
recursive form, or exact powers of two), ReduceLROnPlateau's reduction epochs and threshold
boundary, bad arguments, and a get_state/set_state round trip."""
import json
import math

import numpy as np
import pytest

from ffnn import schedules


def lrs(schedule, base_lr, epochs, metrics=None):
    """[lr₀, lr₁, …]: the rate of each epoch, stepping after each as fit does."""
    schedule.start(base_lr)
    out = []
    for epoch in range(epochs):
        out.append(schedule.lr)
        schedule.step(None if metrics is None else metrics[epoch])
    return out


# ----------------------------------------------------------------------------- closed forms
def test_constant():
    assert lrs(schedules.Constant(), 0.3, 5) == [0.3] * 5
    assert lrs(schedules.get(None), 0.3, 3) == [0.3] * 3


def test_step_lr_exact_powers_of_two():
    assert lrs(schedules.StepLR(3, gamma=0.5), 1.0, 10) == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]
    assert lrs(schedules.StepLR(1), 1.0, 3) == pytest.approx([1, 0.1, 0.01], rel=1e-15)


def test_exponential_lr_exact_powers_of_two():
    assert lrs(schedules.ExponentialLR(0.5), 2.0, 6) == [2, 1, 0.5, 0.25, 0.125, 0.0625]


def torch_recursive_step(base_lr, step_size, gamma, epochs):
    """torch's StepLR.get_lr: multiply the current lr by γ when epoch % step_size == 0."""
    out, lr = [base_lr], base_lr
    for epoch in range(1, epochs):
        if epoch % step_size == 0:
            lr = lr * gamma
        out.append(lr)
    return out


def torch_recursive_cosine(base_lr, T_max, eta_min, epochs):
    """torch's CosineAnnealingLR.get_lr: each lr from the previous one."""
    out, lr = [base_lr], base_lr
    for e in range(1, epochs):
        if (e - 1 - T_max) % (2 * T_max) == 0:
            lr = lr + (base_lr - eta_min) * (1 - math.cos(math.pi / T_max)) / 2
        else:
            lr = ((1 + math.cos(math.pi * e / T_max)) / (1 + math.cos(math.pi * (e - 1) / T_max))
                  * (lr - eta_min) + eta_min)
        out.append(lr)
    return out


@pytest.mark.parametrize("step_size, gamma", [(1, 0.9), (4, 0.1), (5, 0.7), (25, 0.5)])
def test_step_lr_matches_torch_recursion(step_size, gamma):
    ours = lrs(schedules.StepLR(step_size, gamma), 0.05, 20)
    np.testing.assert_allclose(ours, torch_recursive_step(0.05, step_size, gamma, 20), rtol=1e-13)


@pytest.mark.parametrize("gamma", [0.9, 0.5, 1.0])
def test_exponential_lr_matches_repeated_multiplication(gamma):
    expected = [0.05]
    for _ in range(19):
        expected.append(expected[-1] * gamma)
    np.testing.assert_allclose(lrs(schedules.ExponentialLR(gamma), 0.05, 20), expected, rtol=1e-13)


@pytest.mark.parametrize("T_max, eta_min", [(7, 0.0), (7, 0.01), (10, 0.001), (1, 0.0), (20, 0.02)])
def test_cosine_matches_torch_recursion_past_T_max(T_max, eta_min):
    ours = lrs(schedules.CosineAnnealingLR(T_max, eta_min), 0.1, 20)
    np.testing.assert_allclose(ours, torch_recursive_cosine(0.1, T_max, eta_min, 20), rtol=1e-12, atol=1e-15)


def test_cosine_landmarks():
    ours = lrs(schedules.CosineAnnealingLR(4, eta_min=0.1), 1.0, 9)
    assert ours[0] == 1.0 and ours[2] == pytest.approx(0.55) and ours[4] == pytest.approx(0.1)
    assert ours[8] == pytest.approx(1.0) and ours[3] == pytest.approx(ours[5])  # up again after T_max


def test_lrs_are_python_floats():
    """A NumPy float64 lr would turn a float32 model's update into float64 arithmetic."""
    for schedule in (schedules.StepLR(2), schedules.ExponentialLR(0.9), schedules.CosineAnnealingLR(3),
                     schedules.ReduceLROnPlateau(patience=0)):
        assert all(type(lr) is float for lr in lrs(schedule, 1, 6, metrics=[1.0] * 6))


# ----------------------------------------------------------------------------- ReduceLROnPlateau
def test_plateau_reduces_after_more_than_patience_bad_epochs():
    metrics = [1.0, 0.9, 0.8, 0.8, 0.85, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.6, 0.7, 0.7, 0.7]
    # epoch:   0    1    2    3    4     5    6    7    8    9    10   11   12   13   14   15
    # bad:     0    0    0    1    2     3→0  0    1    2    3→0  1    2    0    1    2    3→0
    schedule = schedules.ReduceLROnPlateau(factor=0.5, patience=2)
    ours = lrs(schedule, 1.0, len(metrics), metrics)
    # lr changes for the epoch after the one that made the count exceed the patience
    assert ours == [1.0] * 6 + [0.5] * 4 + [0.25] * 6
    assert schedule.lr == 0.125 and schedule.best == 0.6 and schedule.bad_epochs == 0
    assert schedule.epoch == len(metrics)


@pytest.mark.parametrize("patience, expected", [(0, [1, 1, 0.5, 0.25, 0.125]), (1, [1, 1, 1, 0.5, 0.5]),
                                                (3, [1, 1, 1, 1, 1])])
def test_plateau_patience(patience, expected):
    assert lrs(schedules.ReduceLROnPlateau(factor=0.5, patience=patience), 1.0, 5, [2.0] * 5) == expected


def test_plateau_improvement_of_exactly_the_threshold_does_not_count():
    """Improvement means metric < best (1 - threshold), strictly (torch's rel mode)."""
    def bad_epochs_after(second_metric, threshold):
        schedule = schedules.ReduceLROnPlateau(threshold=threshold)
        lrs(schedule, 1.0, 2, [1.0, second_metric])
        return schedule.bad_epochs

    assert bad_epochs_after(0.75, threshold=0.25) == 1                       # exactly 25 % better
    assert bad_epochs_after(np.nextafter(0.75, 0), threshold=0.25) == 0      # a hair more
    assert bad_epochs_after(1.0, threshold=0.0) == 1                         # equal is no better
    assert bad_epochs_after(np.nextafter(1.0, 0), threshold=0.0) == 0
    assert bad_epochs_after(1.0 - 1e-5, threshold=1e-4) == 1                 # below the default threshold
    assert bad_epochs_after(1.0 - 2e-4, threshold=1e-4) == 0


def test_plateau_best_is_kept_across_a_worse_epoch():
    schedule = schedules.ReduceLROnPlateau(threshold=0.25)
    lrs(schedule, 1.0, 3, [1.0, 2.0, 0.8])  # 0.8 is not < 1.0 · 0.75
    assert schedule.best == 1.0 and schedule.bad_epochs == 2


def test_plateau_min_lr_and_eps():
    at_floor = lrs(schedules.ReduceLROnPlateau(factor=0.1, patience=0, min_lr=0.05), 1.0, 5, [1.0] * 5)
    assert at_floor == pytest.approx([1.0, 1.0, 0.1, 0.05, 0.05], rel=1e-15)
    # 1e-8 - 1e-9 is not more than eps = 1e-8, so torch (and we) keep lr.
    assert lrs(schedules.ReduceLROnPlateau(patience=0), 1e-8, 4, [1.0] * 4) == [1e-8] * 4
    assert lrs(schedules.ReduceLROnPlateau(patience=0, eps=0.0), 1e-8, 3, [1.0] * 3) \
        == pytest.approx([1e-8, 1e-8, 1e-9], rel=1e-15)


def test_plateau_start_resets_best_and_count():
    schedule = schedules.ReduceLROnPlateau(patience=5)
    lrs(schedule, 1.0, 3, [1.0, 2.0, 2.0])
    schedule.start(0.5)
    assert (schedule.lr, schedule.epoch, schedule.best, schedule.bad_epochs) == (0.5, 0, None, 0)


# ----------------------------------------------------------------------------- API and state
@pytest.mark.parametrize("make", [lambda: schedules.Constant(), lambda: schedules.StepLR(3, 0.5),
                                  lambda: schedules.ExponentialLR(0.8), lambda: schedules.CosineAnnealingLR(6, 0.01),
                                  lambda: schedules.ReduceLROnPlateau(factor=0.5, patience=1)])
@pytest.mark.parametrize("split", [0, 3, 7])
def test_state_round_trip_through_json(make, split):
    metrics = [1.0, 0.9, 0.95, 0.95, 0.8, 0.85, 0.9, 0.9, 0.7, 0.8, 0.8, 0.8]
    original = make()
    original.start(0.1)
    for m in metrics[:split]:
        original.step(m)
    saved = json.loads(json.dumps({"name": original.name, "config": original.get_config(),
                                   "state": original.get_state()}))
    again = schedules.from_config(saved["name"], saved["config"])
    again.set_state(saved["state"])
    assert again.same_config(original) and again.get_state() == original.get_state()
    for m in metrics[split:]:
        original.step(m)
        again.step(m)
        assert again.lr == original.lr
    assert again.get_state() == original.get_state()


def test_get_and_names():
    assert schedules.NAMES == ("constant", "step", "exponential", "cosine", "plateau")
    step = schedules.StepLR(5)
    assert schedules.get(step) is step
    assert isinstance(schedules.get(" Plateau "), schedules.ReduceLROnPlateau)
    assert repr(step) == "StepLR(step_size=5, gamma=0.1)"
    assert schedules.ReduceLROnPlateau().get_config() == {"factor": 0.1, "patience": 10, "threshold": 1e-4,
                                                          "min_lr": 0.0, "eps": 1e-8}  # torch's defaults
    assert not schedules.StepLR(5).started


BAD_INPUT = [
    (lambda: schedules.StepLR(0), ValueError, r"^step_size: expected an integer >= 1, got 0"),
    (lambda: schedules.StepLR(2.5), TypeError, r"^step_size: expected an integer"),
    (lambda: schedules.StepLR(3, gamma=0), ValueError, r"^gamma: expected a number in \(0, 1\], got 0"),
    (lambda: schedules.StepLR(3, gamma=1.5), ValueError, r"^gamma: expected a number in \(0, 1\]"),
    (lambda: schedules.ExponentialLR(-0.9), ValueError, r"^gamma: expected a number in \(0, 1\]"),
    (lambda: schedules.ExponentialLR("0.9"), TypeError, r"^gamma: expected a number"),
    (lambda: schedules.CosineAnnealingLR(0), ValueError, r"^T_max: expected an integer >= 1"),
    (lambda: schedules.CosineAnnealingLR(-5), ValueError, r"^T_max: expected an integer >= 1"),
    (lambda: schedules.CosineAnnealingLR(10, eta_min=-1e-3), ValueError, r"^eta_min: expected a number in \[0, inf\)"),
    (lambda: schedules.ReduceLROnPlateau(factor=1.0), ValueError, r"^factor: expected a number in \(0, 1\)"),
    (lambda: schedules.ReduceLROnPlateau(factor=0), ValueError, r"^factor: expected a number in \(0, 1\)"),
    (lambda: schedules.ReduceLROnPlateau(patience=-1), ValueError, r"^patience: expected an integer >= 0"),
    (lambda: schedules.ReduceLROnPlateau(patience=True), TypeError, r"^patience: expected an integer"),
    (lambda: schedules.ReduceLROnPlateau(threshold=1.0), ValueError, r"^threshold: expected a number in \[0, 1\)"),
    (lambda: schedules.ReduceLROnPlateau(min_lr=-0.1), ValueError, r"^min_lr: expected a number in \[0, inf\)"),
    (lambda: schedules.StepLR(3).start(0.0), ValueError, r"^base_lr: expected a number in \(0, inf\)"),
    (lambda: schedules.StepLR(3).step(), RuntimeError, r"^StepLR\.step: call start\(base_lr\) first"),
    (lambda: lrs(schedules.ReduceLROnPlateau(), 0.1, 1), TypeError, r"^metric: ReduceLROnPlateau\.step needs"),
    (lambda: lrs(schedules.ReduceLROnPlateau(), 0.1, 1, [float("nan")]), ValueError, r"^metric: expected a number"),
    (lambda: schedules.get("step"), TypeError, r"^schedule: 'step' needs arguments; pass ffnn\.schedules\.StepLR"),
    (lambda: schedules.get("warmup"), ValueError, r"^schedule: unknown schedule 'warmup'; expected one of constant"),
    (lambda: schedules.get(0.1), TypeError, r"^schedule: expected a schedule name"),
]


@pytest.mark.parametrize("make, error, message", BAD_INPUT)
def test_bad_input(make, error, message):
    with pytest.raises(error, match=message):
        make()
