"""Arrays whose data starts on a 64-byte boundary: one cache line, and one AVX-512 vector.

NumPy's allocator promises only 16 bytes. A weight matrix that starts inside a cache line makes
every row of a 784×128 float32 W straddle one more line, and the BLAS kernels that read W in the
forward product and add into it in the SGD step then load and store across lines. On MNIST an
epoch of ffnn took 0.333-0.347 s with each W 16 bytes past a line and 0.316-0.319 s with each W
on one, in three processes each (README, Speed); which of the two a process got used to depend on
where malloc happened to put W.
"""
import numpy as np

__all__ = ["ALIGNMENT", "empty", "zeros", "copy"]

ALIGNMENT = 64


def empty(shape, dtype):
    """An uninitialised array of ``shape`` and ``dtype`` starting on an ALIGNMENT-byte boundary."""
    dtype = np.dtype(dtype)
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(shape)
    size = 1
    for n in shape:
        size *= n
    pad = -(-ALIGNMENT // dtype.itemsize)  # the most elements a start can be off a boundary
    buffer = np.empty(size + pad, dtype=dtype)
    start = (-buffer.__array_interface__["data"][0] % ALIGNMENT) // dtype.itemsize
    return buffer[start:start + size].reshape(shape)


def zeros(shape, dtype):
    """Like ``np.zeros``, aligned."""
    out = empty(shape, dtype)
    out.fill(0)
    return out


def copy(a):
    """An aligned C-contiguous copy of ``a`` (same shape and dtype)."""
    a = np.asarray(a)
    out = empty(a.shape, a.dtype)
    out[...] = a
    return out
