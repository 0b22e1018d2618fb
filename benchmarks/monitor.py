"""What fit(..., monitor=True) costs: one MNIST epoch with and without the per-layer diagnostics.

    python benchmarks/monitor.py --rounds 5 --data-dir ../shared/data/mnist

The epoch is benchmarks/epoch.py's: 60 000 images, a 784-128-64-10 ReLU network, softmax +
cross-entropy, SGD with lr 0.01, batches of 128, float32. The two runs alternate, so a slow moment
of the machine hits both alike; the script prints the median seconds per epoch of each and the
overhead (monitored / plain - 1). The target is at most 10 %; the exit status is 0 when it is met.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

import ffnn


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data-dir", default=os.environ.get("FFNN_DATA_DIR"))
    args = parser.parse_args(argv)
    X, y, _, _ = ffnn.datasets.load_mnist(args.data_dir)

    def epoch(monitor):
        model = ffnn.FFNN([784, 128, 64, 10], ["relu", "relu", "softmax"], "categorical_crossentropy",
                          init="he_normal", dtype="float32", seed=0)
        start = time.perf_counter()
        model.fit(X, y, batch_size=128, learning_rate=0.01, epochs=1, verbose=0, monitor=monitor)
        return time.perf_counter() - start

    epoch(False), epoch(True)                       # warm-up
    times = {False: [], True: []}
    for r in range(args.rounds):
        for monitor in ((False, True) if r % 2 == 0 else (True, False)):
            times[monitor].append(epoch(monitor))
    plain, watched = statistics.median(times[False]), statistics.median(times[True])
    overhead = watched / plain - 1
    print(f"plain     {plain:.3f} s/epoch  (min {min(times[False]):.3f}, max {max(times[False]):.3f})")
    print(f"monitored {watched:.3f} s/epoch  (min {min(times[True]):.3f}, max {max(times[True]):.3f})")
    print(f"overhead {100 * overhead:+.1f} % (numpy {np.__version__}, {args.rounds} rounds)")
    return 0 if overhead <= 0.10 else 1


if __name__ == "__main__":
    sys.exit(main())
