"""Progress reporting for ``fit``: a tqdm bar (notebook-aware) or one line per epoch.

Introduced in chapter 3 (the training loop).
"""
import sys

__all__ = ["Progress"]


class Progress:
    """verbose=0: silent; 1: a tqdm bar over epochs showing the latest metrics; 2: a line per epoch."""

    def __init__(self, epochs, verbose=1, file=None):
        self.verbose = verbose
        self.epochs = epochs
        self.file = file if file is not None else sys.stderr
        self._bar = None
        if verbose == 1:
            from tqdm.auto import tqdm  # imported late: tqdm.auto probes for Jupyter
            self._bar = tqdm(total=epochs, unit="epoch", desc="fit", leave=True, file=file)

    def update(self, epoch, metrics):
        """Report the metrics of the finished epoch (0-based index)."""
        if self.verbose == 1:
            self._bar.set_postfix({k: f"{v:.4g}" for k, v in metrics.items()}, refresh=False)
            self._bar.update(1)
        elif self.verbose >= 2:
            parts = " - ".join(f"{k}: {v:.4f}" for k, v in metrics.items())
            print(f"epoch {epoch + 1}/{self.epochs} - {parts}", file=self.file, flush=True)

    def close(self):
        if self._bar is not None:
            self._bar.close()
