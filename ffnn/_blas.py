"""C ← C + α AᵀB in one call to NumPy's own BLAS: the product added straight into C.

Plain SGD's step for a dense layer is W ← W - lr Xᵀdz. NumPy can only write a product into an
array of its own (``dW = X.T @ dz``); the step then takes three more passes over a W-sized array
(lr·dW, W - lr·dW, and storing the result). BLAS's GEMM computes C ← α AᵀB + β C, so with β = 1
the product lands in W directly. NumPy calls GEMM for every matrix product but never with β = 1,
so this module calls the same routine of the same library through ``ctypes``. On MNIST that makes
an epoch of ffnn about 10 % faster (see the README's Speed section).

Only the BLAS in NumPy's wheels from PyPI is used: OpenBLAS with 64-bit integers, whose CBLAS
symbols end in ``64_`` (``scipy_cblas_sgemm64_`` since NumPy 2.0, ``cblas_sgemm64_`` before), so
the calling convention is known. Anywhere else, and for arrays BLAS cannot take as they are,
:func:`add_product` does the same with NumPy. ``FFNN_BLAS=numpy`` in the environment forces that.
The result equals C + α (AᵀB) up to rounding: BLAS rounds α·AᵀB + C once per entry.

:func:`write_back` is the other half of updating arrays those products touch: the new value is
formed apart and copied over, which the optimisers use too.
"""
import ctypes
import glob
import os

import numpy as np

__all__ = ["add_product", "blas_name", "write_back"]

#: C needs this many entries before a call through ctypes (a few µs) beats NumPy's own product
MIN_BLAS_SIZE = 16384
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
# (symbol prefix, symbol suffix) of 64-bit-integer OpenBLAS builds, newest first
_SYMBOLS = (("scipy_cblas_", "64_"), ("cblas_", "64_"))


def _library_files():
    """Shared libraries shipped inside NumPy's wheel (numpy.libs on Linux/Windows, .dylibs on macOS)."""
    here = os.path.dirname(np.__file__)
    return sorted(glob.glob(os.path.join(here + ".libs", "*openblas*"))
                  + glob.glob(os.path.join(here, ".dylibs", "*openblas*")))


def _bind():
    """({dtype: GEMM function}, "library:symbol") from NumPy's OpenBLAS, or ({}, None) when it
    cannot be found for certain."""
    if os.environ.get("FFNN_BLAS", "").strip().lower() == "numpy":
        return {}, None
    for path in _library_files():
        try:
            lib = ctypes.CDLL(path)  # already loaded by NumPy: the same library, the same threads
        except OSError:
            continue
        for prefix, suffix in _SYMBOLS:
            try:
                fns = {np.dtype(np.float32): getattr(lib, f"{prefix}sgemm{suffix}"),
                       np.dtype(np.float64): getattr(lib, f"{prefix}dgemm{suffix}")}
            except AttributeError:
                continue
            i64, ptr = ctypes.c_int64, ctypes.c_void_p
            for dtype, fn in fns.items():
                real = ctypes.c_float if dtype == np.float32 else ctypes.c_double
                fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, i64, i64, i64,
                               real, ptr, i64, ptr, i64, real, ptr, i64]
                fn.restype = None
            return fns, f"{os.path.basename(path)}:{prefix}?gemm{suffix}"
    return {}, None


_GEMM, _NAME = _bind()


def blas_name():
    """Which GEMM :func:`add_product` calls (library:symbol), or None when it uses NumPy."""
    return _NAME


def write_back(p, new):
    """p[...] = new: a step computed apart (into scratch space), then copied over p.

    Same values as updating p in place (``p -= ...``), but faster in training: the matrix product
    that just read or wrote p may have run on several cores, and a plain copy over p costs far less
    than an in-place read-modify-write of memory other cores hold (about 3× less for a 784×128 W
    on a 2-core machine; see the README's Speed section).
    """
    np.copyto(p, new)


def _rows(M, itemsize):
    """Row stride of M in elements when BLAS can read M as it is (unit column stride), else None."""
    s0, s1 = M.strides
    if (s1 == itemsize or M.shape[1] == 1) and s0 % itemsize == 0 and s0 >= M.shape[1] * itemsize:
        return s0 // itemsize
    return None


def add_product(C, A, B, alpha, work=None):
    """C ← C + alpha · Aᵀ B in place, for A (n, p), B (n, q), C (p, q) of one float dtype.

    Returns C. One GEMM call with β = 1 when NumPy's BLAS is reachable, C has at least
    ``MIN_BLAS_SIZE`` entries and the arrays suit it. Otherwise NumPy computes Aᵀ B into ``work``
    (an array like C, allocated when None), scales it by alpha and adds it to C: the same
    roundings as dW = Aᵀ B followed by W - lr · dW.
    """
    n, p = A.shape
    q = B.shape[1]
    if B.shape[0] != n or C.shape != (p, q):
        raise ValueError(f"add_product: shapes A {A.shape}, B {B.shape}, C {C.shape} do not fit C += Aᵀ B")
    gemm = _GEMM.get(C.dtype) if C.size >= MIN_BLAS_SIZE else None
    if gemm is not None and A.dtype == B.dtype == C.dtype and n and C.flags.writeable \
            and A.flags.aligned and B.flags.aligned and C.flags.aligned \
            and not (np.may_share_memory(C, A) or np.may_share_memory(C, B)):
        size = C.itemsize
        lda, ldb, ldc = _rows(A, size), _rows(B, size), _rows(C, size)
        if lda and ldb and ldc:
            gemm(_ROW_MAJOR, _TRANS, _NO_TRANS, p, q, n, alpha, A.ctypes.data, lda,
                 B.ctypes.data, ldb, 1.0, C.ctypes.data, ldc)
            return C
    step = np.matmul(A.T, B, out=work)
    step *= C.dtype.type(alpha)
    if C.size >= MIN_BLAS_SIZE:  # the product may have run on several cores
        write_back(C, np.add(C, step, out=step))
    else:
        C += step
    return C
