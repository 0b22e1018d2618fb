"""ffnn._blas.add_product: C ← C + α AᵀB through NumPy's own BLAS (GEMM with β = 1) or NumPy,
against the two-step NumPy formula, for both dtypes, every path (BLAS, NumPy for small C, NumPy
for arrays BLAS cannot take) and the binding itself."""
import os
import subprocess
import sys

import numpy as np
import pytest

from ffnn import _blas

BIG = (96, 200, 100)  # n, p, q: C has 20 000 entries, above MIN_BLAS_SIZE
SMALL = (7, 5, 3)


def operands(n, p, q, dtype, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.normal(0.2, 1.0, (n, p)).astype(dtype)
    B = rng.normal(-0.1, 1.0, (n, q)).astype(dtype)
    C = rng.normal(0.0, 1.0, (p, q)).astype(dtype)
    return A, B, C


def reference(C, A, B, alpha):
    return C.astype(np.float64) + alpha * (A.astype(np.float64).T @ B.astype(np.float64))


def tolerance(dtype):
    return {"rtol": 1e-5, "atol": 1e-4} if np.dtype(dtype) == np.float32 else {"rtol": 1e-12, "atol": 1e-11}


def test_numpys_own_openblas_is_bound():
    """On NumPy's PyPI wheels (scipy-openblas, 64-bit integers) the GEMM must be found, or fit
    silently loses its speed."""
    if os.environ.get("FFNN_BLAS", "").strip().lower() == "numpy":
        pytest.skip("FFNN_BLAS=numpy turns the binding off (tested below)")
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    if blas.get("name") != "scipy-openblas" or "USE64BITINT" not in blas.get("openblas configuration", ""):
        pytest.skip(f"NumPy is built with {blas.get('name')}: add_product uses NumPy here")
    assert _blas.blas_name() is not None and "gemm64_" in _blas.blas_name()
    assert set(_blas._GEMM) == {np.dtype(np.float32), np.dtype(np.float64)}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [BIG, SMALL], ids=["blas-size", "small"])
@pytest.mark.parametrize("alpha", [-0.01, 0.5, 1.0])
def test_adds_the_product_in_place(dtype, shape, alpha):
    A, B, C = operands(*shape, dtype)
    expected = reference(C, A, B, alpha)
    out = _blas.add_product(C, A, B, alpha)
    assert out is C and C.dtype == np.dtype(dtype)
    np.testing.assert_allclose(C, expected, **tolerance(dtype))
    assert not np.allclose(C, reference(np.zeros_like(C), A, B, alpha), **tolerance(dtype))  # C was kept


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_blas_path_is_one_gemm_call(dtype, monkeypatch):
    """Above MIN_BLAS_SIZE one GEMM call does the work (M = p, N = q, K = n, β = 1), and its single
    rounding of α·AᵀB + C stays within float rounding of NumPy's two steps."""
    A, B, C = operands(*BIG, dtype)
    calls = []
    gemm = _blas._GEMM.get(np.dtype(dtype))
    if gemm is None:
        pytest.skip("no BLAS binding here")
    monkeypatch.setitem(_blas._GEMM, np.dtype(dtype), lambda *args: (calls.append(args), gemm(*args)))
    fused = _blas.add_product(C.copy(), A, B, -0.01)
    assert len(calls) == 1 and calls[0][3:6] == (BIG[1], BIG[2], BIG[0]) and calls[0][11] == 1.0
    two_steps = C + (A.T @ B) * np.dtype(dtype).type(-0.01)
    np.testing.assert_allclose(fused, two_steps, **tolerance(dtype))
    assert not np.array_equal(fused, C)


def test_small_c_rounds_exactly_as_dw_then_w_minus_lr_dw():
    """Below MIN_BLAS_SIZE NumPy does the work: bit for bit the book's two steps."""
    A, B, C = operands(*SMALL, "float32")
    lr = np.float32(0.1)
    dW = A.T @ B
    expected = C - lr * dW
    _blas.add_product(C, A, B, -0.1, work=np.empty_like(C))
    assert np.array_equal(C, expected)


def test_numpy_path_for_big_c_matches_and_uses_work(monkeypatch):
    monkeypatch.setattr(_blas, "_GEMM", {})
    A, B, C = operands(*BIG, "float64")
    expected = C - 0.25 * (A.T @ B)
    work = np.empty_like(C)
    _blas.add_product(C, A, B, -0.25, work=work)
    assert np.array_equal(C, expected)
    assert np.array_equal(work, C)  # the sum was formed in work, then copied over C


@pytest.mark.parametrize("case", ["A transposed view", "B strided rows", "C column slice",
                                  "C shares memory with A", "mixed dtypes", "C read-only"])
def test_arrays_blas_cannot_take_as_they_are(case):
    n, p, q = BIG
    A, B, C = operands(n, p, q, "float64")
    if case == "A transposed view":
        A = np.asfortranarray(A)  # unit row stride, not unit column stride
    elif case == "B strided rows":
        B = np.repeat(B, 2, axis=0)[::2]  # row stride 2 q: BLAS reads it with ldb = 2 q
    elif case == "C column slice":
        C = operands(n, p, 2 * q, "float64")[2][:, ::2]
    elif case == "C shares memory with A":
        base = operands(n + p, p, q, "float64")[0]
        A, C = base[:n], base[n:, :q]
    elif case == "mixed dtypes":
        B = B.astype(np.float32)
    expected = reference(C, A, B, -0.5)
    if case == "C read-only":
        C.setflags(write=False)
        with pytest.raises(ValueError, match="read-only"):
            _blas.add_product(C, A, B, -0.5)
        return
    _blas.add_product(C, A, B, -0.5)
    np.testing.assert_allclose(C, expected, rtol=1e-5 if case == "mixed dtypes" else 1e-12, atol=1e-10)


def test_shapes_that_do_not_fit_are_refused():
    A, B, C = operands(*SMALL, "float64")
    with pytest.raises(ValueError, match=r"add_product: shapes A \(7, 5\), B \(6, 3\)"):
        _blas.add_product(C, A, B[:6], 1.0)
    with pytest.raises(ValueError, match="do not fit"):
        _blas.add_product(C.T, A, B, 1.0)


def test_ffnn_blas_numpy_turns_the_binding_off():
    code = "from ffnn import _blas; print(_blas.blas_name(), len(_blas._GEMM))"
    env = dict(os.environ, FFNN_BLAS="numpy")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["None", "0"]
