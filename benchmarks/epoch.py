"""Time one training epoch of the same MLP in ffnn, scikit-learn and PyTorch, in the same run.

Configuration (issue "ffnn core", Speed): 60 000 × 784 inputs, 784-128-64-10, ReLU hidden layers,
softmax + categorical cross-entropy, plain SGD (no momentum, no penalty), batch 128, float32,
shuffled every epoch. Each framework does its own shuffling and batching.

The three are timed in alternating rounds (the order rotates every round) after one warm-up epoch
each, so a slow moment of the machine hits all of them alike; the medians and the ratios
ffnn / PyTorch and ffnn / scikit-learn are printed.

A fourth runner, "NumPy loop", is the same epoch written as one plain NumPy function, the loop of
chapter 3 with nothing around it (no validation, no history, no accuracy): a practical floor for
a NumPy implementation on the machine. It is timed in the same rounds for reference and is not
part of the target (``--skip numpy`` leaves it out).

Usage::

    pip install -e ".[bench]"          # scikit-learn, threadpoolctl and torch==2.13.0 (CPU)
    python benchmarks/epoch.py --rounds 5 [--data-dir ../shared/data/mnist]

Without MNIST (no --data-dir and no FFNN_DATA_DIR) it uses random data of the same shape; the
arithmetic per epoch is the same.
"""
import argparse
import os
import platform
import statistics
import sys
import time
import warnings

import numpy as np

import ffnn

N_HIDDEN = (128, 64)
BATCH = 128
LR = 0.01


def load_data(data_dir, n):
    if data_dir or os.environ.get("FFNN_DATA_DIR"):
        from ffnn.datasets import load_mnist
        X, y, _, _ = load_mnist(data_dir)
        return np.ascontiguousarray(X[:n], dtype=np.float32), np.asarray(y[:n], dtype=np.int64), "MNIST"
    rng = np.random.default_rng(0)
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n), "random"


class FfnnRunner:
    name = "ffnn"

    def __init__(self, X, y):
        self.X, self.y = X, y
        self.model = ffnn.FFNN([784, *N_HIDDEN, 10], ["relu", "relu", "softmax"],
                               "categorical_crossentropy", init="he_uniform", seed=0, dtype="float32")

    def epoch(self):
        self.model.fit(self.X, self.y, batch_size=BATCH, learning_rate=LR, epochs=1, verbose=0)
        return self.model.history["loss"][-1]


class NumpyLoopRunner:
    """The epoch as one plain NumPy function: a floor for NumPy on this machine, not a library."""

    name = "NumPy loop"

    def __init__(self, X, y):
        self.X, self.N = X, X.shape[0]
        self.Y = np.eye(10, dtype=np.float32)[y]
        self.rng = np.random.default_rng(0)
        sizes = [784, *N_HIDDEN, 10]
        self.W = [(self.rng.uniform(-1, 1, (n_in, n_out)) * np.sqrt(6 / n_in)).astype(np.float32)
                  for n_in, n_out in zip(sizes, sizes[1:])]
        self.b = [np.zeros(n_out, np.float32) for n_out in sizes[1:]]

    def epoch(self):
        (W1, W2, W3), (b1, b2, b3) = self.W, self.b
        order, total = self.rng.permutation(self.N), 0.0
        for start in range(0, self.N, BATCH):
            idx = order[start:start + BATCH]
            X, Y = self.X[idx], self.Y[idx]
            z1 = X @ W1 + b1
            a1 = np.maximum(z1, 0)
            z2 = a1 @ W2 + b2
            a2 = np.maximum(z2, 0)
            z3 = a2 @ W3 + b3
            shifted = z3 - z3.max(axis=1, keepdims=True)  # softmax + CCE through log-sum-exp
            e = np.exp(shifted)
            s = e.sum(axis=1, keepdims=True)
            total -= float(np.sum(Y * (shifted - np.log(s))))
            dz3 = (e / s - Y) / X.shape[0]
            dz2 = (dz3 @ W3.T) * (z2 > 0)
            dz1 = (dz2 @ W2.T) * (z1 > 0)
            for W, b, a, dz in zip(self.W, self.b, (X, a1, a2), (dz1, dz2, dz3)):
                W -= LR * (a.T @ dz)
                b -= LR * dz.sum(axis=0)
        return total / self.N


class SklearnRunner:
    name = "scikit-learn"

    def __init__(self, X, y):
        from sklearn.neural_network import MLPClassifier
        self.X, self.y = X, y
        self.model = MLPClassifier(hidden_layer_sizes=N_HIDDEN, activation="relu", solver="sgd",
                                   batch_size=BATCH, learning_rate_init=LR, momentum=0.0,
                                   nesterovs_momentum=False, alpha=0.0, shuffle=True, random_state=0)
        self.classes = np.arange(10)

    def epoch(self):
        # partial_fit with solver="sgd" makes exactly one pass over the data in mini-batches.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model.partial_fit(self.X, self.y, classes=self.classes)
        return self.model.loss_


class TorchRunner:
    name = "PyTorch"

    def __init__(self, X, y):
        import torch
        self.torch = torch
        torch.manual_seed(0)
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)
        self.model = torch.nn.Sequential(
            torch.nn.Linear(784, N_HIDDEN[0]), torch.nn.ReLU(),
            torch.nn.Linear(N_HIDDEN[0], N_HIDDEN[1]), torch.nn.ReLU(),
            torch.nn.Linear(N_HIDDEN[1], 10))
        self.loss_fn = torch.nn.CrossEntropyLoss()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=LR)

    def epoch(self):
        torch = self.torch
        N = self.X.shape[0]
        perm = torch.randperm(N)
        total = 0.0
        for start in range(0, N, BATCH):
            idx = perm[start:start + BATCH]
            xb, yb = self.X[idx], self.y[idx]
            loss = self.loss_fn(self.model(xb), yb)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            total += loss.item() * xb.shape[0]
        return total / N


def describe_threads():
    lines = []
    try:
        from threadpoolctl import threadpool_info
        for info in threadpool_info():
            lines.append(f"  {info.get('internal_api')} {info.get('version')} "
                         f"({info.get('architecture')}, {info.get('num_threads')} threads) "
                         f"via {os.path.basename(info.get('filepath', ''))}")
    except ImportError:
        lines.append("  (threadpoolctl not installed)")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed epochs per framework (default 5)")
    parser.add_argument("--n", type=int, default=60000, help="training rows (default 60000)")
    parser.add_argument("--data-dir", default=None, help="MNIST folder (else FFNN_DATA_DIR, else random data)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["torch", "sklearn", "numpy"],
                        help="frameworks to leave out")
    parser.add_argument("--pause", type=float, default=1.0,
                        help="seconds of rest before each timed epoch, so one framework's idle BLAS/OpenMP "
                             "threads have gone to sleep before the next one starts (default 1)")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit every framework to this many threads (threadpoolctl for NumPy's BLAS, "
                             "torch.set_num_threads for PyTorch); default: each library's own default")
    args = parser.parse_args(argv)
    if args.threads is not None:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
        try:
            import torch
            torch.set_num_threads(args.threads)
        except ImportError:
            pass

    X, y, source = load_data(args.data_dir, args.n)
    runners = [FfnnRunner(X, y)]
    if "numpy" not in args.skip:
        runners.append(NumpyLoopRunner(X, y))
    if "sklearn" not in args.skip:
        runners.append(SklearnRunner(X, y))
    if "torch" not in args.skip:
        runners.append(TorchRunner(X, y))
        import torch
        torch_info = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    else:
        torch_info = "torch skipped"

    print(f"data: {source} {X.shape} float32; 784-128-64-10 relu, softmax+CCE, SGD lr={LR}, batch {BATCH}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, {torch_info}, cpus {os.cpu_count()}")
    print(describe_threads())
    for r in runners:  # warm-up: first-touch allocations, BLAS thread start-up, lazy imports
        r.epoch()
    times = {r.name: [] for r in runners}
    losses = {r.name: None for r in runners}
    for k in range(args.rounds):
        order = runners[k % len(runners):] + runners[:k % len(runners)]
        for r in order:
            time.sleep(args.pause)
            t0 = time.perf_counter()
            losses[r.name] = r.epoch()
            times[r.name].append(time.perf_counter() - t0)
    med = {name: statistics.median(ts) for name, ts in times.items()}
    print(f"\n{'framework':<14}{'median s/epoch':>16}{'min':>9}{'max':>9}{'last loss':>11}")
    for name, ts in times.items():
        print(f"{name:<14}{med[name]:>16.3f}{min(ts):>9.3f}{max(ts):>9.3f}{losses[name]:>11.4f}")
    print()
    ok = True
    for name in med:
        if name in ("ffnn", NumpyLoopRunner.name):
            continue
        ratio = med["ffnn"] / med[name]
        ok &= ratio <= 0.8
        print(f"ffnn / {name}: {ratio:.2f}  (target <= 0.80: {'met' if ratio <= 0.8 else 'NOT met'})")
    if NumpyLoopRunner.name in med:  # reference only: how close ffnn is to the bare loop
        floor = med[NumpyLoopRunner.name]
        print(f"ffnn / {NumpyLoopRunner.name}: {med['ffnn'] / floor:.2f}", end="")
        for name in ("PyTorch", "scikit-learn"):
            if name in med:
                print(f";  {NumpyLoopRunner.name} / {name}: {floor / med[name]:.2f}", end="")
        print()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
