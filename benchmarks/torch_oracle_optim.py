"""Check ffnn.optim and ffnn.schedules against torch.optim (torch==2.13.0, CPU).

Each optimiser takes STEPS steps in ffnn and in torch from the same parameters (a 5 × 4 matrix and
a vector of 4), each on the gradient of Σ (θ²/2 + sin 3θ) at its own θ plus a tilt that changes
every step, once with a constant learning rate and once with one that changes every step (as
under a schedule: this separates torch's momentum from the heavy-ball form). Each schedule
gives its learning rate for STEPS epochs; ReduceLROnPlateau reads a loss that plateaus. The
script prints the largest absolute difference of each and exits with status 1 if one exceeds
TOL (float64) or TOL_FLOAT32.

Usage::

    pip install -e ".[bench]"          # torch==2.13.0 (CPU); not needed by the tests
    python benchmarks/torch_oracle_optim.py
"""
import math
import sys

import numpy as np
import torch

from ffnn import optim, schedules

STEPS = 20
TOL, TOL_FLOAT32 = 1e-6, 1e-4
CONSTANT_LRS = [0.05] * STEPS
CHANGING_LRS = [0.01 + 0.1 * (1 + math.cos(math.pi * k / 7)) / 2 for k in range(STEPS)]

OPTIMIZERS = {  # label: (ffnn optimiser, torch optimiser for a list of tensors, same hyperparameters)
    "SGD": (lambda: optim.SGD(), lambda ps: torch.optim.SGD(ps)),
    "Momentum(0.9)": (lambda: optim.Momentum(0.9), lambda ps: torch.optim.SGD(ps, momentum=0.9)),
    "nesterov": (lambda: optim.get("nesterov"), lambda ps: torch.optim.SGD(ps, momentum=0.9, nesterov=True)),
    "Momentum(0.5, nesterov)": (lambda: optim.Momentum(0.5, nesterov=True),
                                lambda ps: torch.optim.SGD(ps, momentum=0.5, nesterov=True)),
    "Adam()": (lambda: optim.Adam(), lambda ps: torch.optim.Adam(ps)),
    "AdamW()": (lambda: optim.AdamW(), lambda ps: torch.optim.AdamW(ps)),
    "AdamW(wd=0.5)": (lambda: optim.AdamW(0.8, 0.99, 1e-6, weight_decay=0.5),
                      lambda ps: torch.optim.AdamW(ps, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.5)),
    "RMSprop()": (lambda: optim.RMSprop(), lambda ps: torch.optim.RMSprop(ps)),
    "RMSprop(0.9)": (lambda: optim.RMSprop(alpha=0.9, eps=1e-6),
                     lambda ps: torch.optim.RMSprop(ps, alpha=0.9, eps=1e-6)),
    "AdaGrad()": (lambda: optim.AdaGrad(), lambda ps: torch.optim.Adagrad(ps)),
}

lr_scheduler = torch.optim.lr_scheduler
PLATEAU_LOSS = [1.0, 0.8, 0.7, 0.7, 0.69999, 0.71, 0.6, 0.6, 0.62, 0.6, 0.55, 0.55, 0.56, 0.54,
                0.54, 0.54, 0.54, 0.5, 0.5, 0.5]
BOUNDARY_LOSS = [1.0, 0.75, 0.75, 0.5625, 0.5, 0.5, 0.375, 0.25, 0.25, 0.25] * 2  # gains of exactly 25 %
SCHEDULES = {  # label: (ffnn schedule, torch scheduler for an optimizer, metric per epoch or None)
    "StepLR(5, 0.5)": (lambda: schedules.StepLR(5, 0.5), lambda o: lr_scheduler.StepLR(o, 5, 0.5), None),
    "StepLR(3)": (lambda: schedules.StepLR(3), lambda o: lr_scheduler.StepLR(o, 3), None),
    "ExponentialLR(0.9)": (lambda: schedules.ExponentialLR(0.9), lambda o: lr_scheduler.ExponentialLR(o, 0.9),
                           None),
    "CosineAnnealingLR(7, 0.001)": (lambda: schedules.CosineAnnealingLR(7, 0.001),
                                    lambda o: lr_scheduler.CosineAnnealingLR(o, 7, 0.001), None),
    "CosineAnnealingLR(20)": (lambda: schedules.CosineAnnealingLR(20),
                              lambda o: lr_scheduler.CosineAnnealingLR(o, 20), None),
    "ReduceLROnPlateau(0.5, patience=2)": (lambda: schedules.ReduceLROnPlateau(0.5, patience=2),
                                           lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=0.5, patience=2),
                                           PLATEAU_LOSS),
    "ReduceLROnPlateau(patience=0, threshold=0.25)": (
        lambda: schedules.ReduceLROnPlateau(patience=0, threshold=0.25),
        lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=0, threshold=0.25), BOUNDARY_LOSS),
    "ReduceLROnPlateau(0.3, patience=1, min_lr=0.004)": (
        lambda: schedules.ReduceLROnPlateau(0.3, patience=1, min_lr=0.004),
        lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=0.3, patience=1, min_lr=0.004), PLATEAU_LOSS),
}


def start_params(dtype):
    rng = np.random.default_rng(0)
    return [rng.normal(size=(5, 4)).astype(dtype), rng.normal(size=4).astype(dtype)]


def wavy_grad(theta, step):
    """The gradient of Σ (θ²/2 + sin 3θ), plus a different tilt at every step."""
    tilt = np.cos(np.arange(theta.size).reshape(theta.shape) + step)
    return (theta + 3 * np.cos(3 * theta) + tilt).astype(theta.dtype)


def ffnn_run(make, lrs, dtype):
    opt, params = make(), start_params(dtype)
    for step, lr in enumerate(lrs):
        opt.step(params, [wavy_grad(p, step) for p in params], lr)
    assert all(p.dtype == dtype for p in params)
    return params


def torch_run(make, lrs, dtype):
    params = [torch.tensor(p, requires_grad=True) for p in start_params(dtype)]
    opt = make(params)
    for step, lr in enumerate(lrs):
        for group in opt.param_groups:
            group["lr"] = lr
        for p in params:
            p.grad = torch.from_numpy(wavy_grad(p.detach().numpy(), step))
        opt.step()
    return [p.detach().numpy() for p in params]


def max_diff(ours, theirs):
    return max(float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) for a, b in zip(ours, theirs))


def schedule_lrs(make_ours, make_theirs, metrics, base_lr=0.1):
    ours, theirs = make_ours(), []
    ours.start(base_lr)
    ours_lrs = []
    torch_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
    scheduler = make_theirs(torch_opt)
    for epoch in range(STEPS):
        ours_lrs.append(ours.lr)
        theirs.append(torch_opt.param_groups[0]["lr"])
        torch_opt.step()
        metric = None if metrics is None else metrics[epoch]
        ours.step(metric)
        scheduler.step() if metric is None else scheduler.step(metric)
    return np.array(ours_lrs), np.array(theirs)


def main():
    print(f"torch {torch.__version__}, numpy {np.__version__}, {STEPS} steps from the same start\n")
    worst, worst32 = 0.0, 0.0
    print(f"{'optimiser':<26}{'constant lr':>14}{'changing lr':>14}{'float32':>12}")
    for label, (make_ours, make_theirs) in OPTIMIZERS.items():
        diffs = [max_diff(ffnn_run(make_ours, lrs, np.float64), torch_run(make_theirs, lrs, np.float64))
                 for lrs in (CONSTANT_LRS, CHANGING_LRS)]
        diff32 = max_diff(ffnn_run(make_ours, CHANGING_LRS, np.float32),
                          torch_run(make_theirs, CHANGING_LRS, np.float32))
        worst, worst32 = max(worst, *diffs), max(worst32, diff32)
        print(f"{label:<26}{diffs[0]:>14.2e}{diffs[1]:>14.2e}{diff32:>12.2e}")

    print(f"\n{'schedule (base lr 0.1)':<50}{'max |Δlr|':>10}  lrs differ at epochs")
    for label, (make_ours, make_theirs, metrics) in SCHEDULES.items():
        ours, theirs = schedule_lrs(make_ours, make_theirs, metrics)
        diff = float(np.max(np.abs(ours - theirs)))
        worst = max(worst, diff)
        print(f"{label:<50}{diff:>10.2e}  {np.flatnonzero(~np.isclose(ours, theirs, rtol=1e-9)).tolist()}")

    ok = worst <= TOL and worst32 <= TOL_FLOAT32
    print(f"\nlargest difference: {worst:.2e} in float64 (tolerance {TOL:g}), "
          f"{worst32:.2e} in float32 (tolerance {TOL_FLOAT32:g}): {'agree' if ok else 'DISAGREE'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
