"""Tests for ffnn.autograd, in the order the concepts build on each other.

Oracles: float64 central differences of the same forward, analytic derivatives written out by hand,
the vectorised ffnn.activations / ffnn.losses, and finally ffnn.FFNN's own backward pass.
"""
import math
import statistics
import sys
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import ffnn
from ffnn import autograd as ag
from ffnn.autograd import Value

H = 1e-6  # central-difference step: truncation ~H², round-off ~1e-16/H, both far below RTOL
RTOL, ATOL = 1e-6, 1e-8
FAST = settings(max_examples=25, deadline=None, derandomize=True)


def central_diff(f, x, h=H):
    """(f(x + h) - f(x - h)) / 2h for a float -> float function."""
    return (f(x + h) - f(x - h)) / (2 * h)


def grad_of(method, x):
    """(out.data, x.grad) after out = method(Value(x)); out.backward()."""
    v = Value(x)
    out = method(v)
    out.backward()
    return out.data, v.grad


_PHI = statistics.NormalDist()  # an independent implementation of Φ and φ for the GELU oracle


def _np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# name: (Value -> Value, reference forward float -> float, analytic derivative, points away from kinks)
ANY = (-2.3, -0.7, -0.05, 0.4, 1.9)
POS = (0.05, 0.4, 1.0, 3.7)
UNARY = {
    "neg": (lambda v: -v, lambda x: -x, lambda x: -1.0, ANY),
    "exp": (Value.exp, math.exp, math.exp, ANY),
    "log": (Value.log, np.log, lambda x: 1 / x, POS),
    "tanh": (Value.tanh, np.tanh, lambda x: 1 / np.cosh(x) ** 2, ANY),
    "sigmoid": (Value.sigmoid, _np_sigmoid, lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2, ANY),
    "relu": (Value.relu, lambda x: max(x, 0.0), lambda x: float(x > 0), ANY),
    "leaky_relu": (Value.leaky_relu, lambda x: x if x > 0 else 0.01 * x, lambda x: 1.0 if x > 0 else 0.01, ANY),
    "leaky_relu(0.2)": (lambda v: v.leaky_relu(0.2), lambda x: x if x > 0 else 0.2 * x,
                        lambda x: 1.0 if x > 0 else 0.2, ANY),
    "elu": (Value.elu, lambda x: x if x > 0 else np.exp(x) - 1, lambda x: 1.0 if x > 0 else np.exp(x), ANY),
    "elu(0.5)": (lambda v: v.elu(0.5), lambda x: x if x > 0 else 0.5 * (np.exp(x) - 1),
                 lambda x: 1.0 if x > 0 else 0.5 * np.exp(x), ANY),
    "softplus": (Value.softplus, lambda x: np.log(1 + np.exp(x)), _np_sigmoid, ANY),
    "gelu": (Value.gelu, lambda x: x * _PHI.cdf(x), lambda x: _PHI.cdf(x) + x * _PHI.pdf(x), ANY),
    "swish": (Value.swish, lambda x: x * _np_sigmoid(x),
              lambda x: _np_sigmoid(x) * (1 + x * (1 - _np_sigmoid(x))), ANY),
    "**2": (lambda v: v ** 2, lambda x: x * x, lambda x: 2 * x, ANY),
    "**3": (lambda v: v ** 3, lambda x: x * x * x, lambda x: 3 * x * x, ANY),
    "**1": (lambda v: v ** 1, lambda x: x, lambda x: 1.0, ANY),
    "**0": (lambda v: v ** 0, lambda x: 1.0, lambda x: 0.0, ANY),
    "**-1": (lambda v: v ** -1, lambda x: 1 / x, lambda x: -1 / x ** 2, ANY),
    "**0.5": (lambda v: v ** 0.5, np.sqrt, lambda x: 0.5 / np.sqrt(x), POS),
    "**-2.5": (lambda v: v ** -2.5, lambda x: x ** -2.5, lambda x: -2.5 * x ** -3.5, POS),
    "2*x": (lambda v: 2 * v, lambda x: 2 * x, lambda x: 2.0, ANY),
    "x*3": (lambda v: v * 3, lambda x: 3 * x, lambda x: 3.0, ANY),
    "1+x": (lambda v: 1 + v, lambda x: 1 + x, lambda x: 1.0, ANY),
    "x+1": (lambda v: v + 1, lambda x: x + 1, lambda x: 1.0, ANY),
    "2-x": (lambda v: 2 - v, lambda x: 2 - x, lambda x: -1.0, ANY),
    "x-2": (lambda v: v - 2, lambda x: x - 2, lambda x: 1.0, ANY),
    "3/x": (lambda v: 3 / v, lambda x: 3 / x, lambda x: -3 / x ** 2, ANY),
    "x/4": (lambda v: v / 4, lambda x: x / 4, lambda x: 0.25, ANY),
}
UNARY_CASES = [(name, x) for name, (*_, points) in UNARY.items() for x in points]


# ---- 1. Value: construction, validation, repr ------------------------------------------------------
def test_value_fields_and_repr():
    x = Value(2, label="x")
    assert (x.data, x.grad, x._prev, x._op, x.label) == (2.0, 0.0, (), "", "x")
    assert type(x.data) is float
    assert repr(x) == "Value(data=2.0, grad=0.0, label='x')"
    assert repr(Value(-0.5)) == "Value(data=-0.5, grad=0.0)"
    assert Value(np.float32(1.5)).data == 1.5 and Value(np.int64(3)).data == 3.0


@pytest.mark.parametrize("bad", ["1.0", None, True, [1.0], np.array([1.0]), 1 + 2j])
def test_value_rejects_non_real_data(bad):
    with pytest.raises(TypeError, match="data"):
        Value(bad)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, np.float64("nan")])
def test_value_rejects_non_finite_data(bad):
    with pytest.raises(ValueError, match=r"^data: expected a number in \(-inf, inf\), got -?(nan|inf)$"):
        Value(bad)


def test_overflowing_result_names_the_operation():
    with pytest.raises(ValueError, match=r"result of '\*'"):
        Value(1e200) * Value(1e200)


def test_label_must_be_str():
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)


def test_operand_type_errors():
    with pytest.raises(TypeError):
        Value(1.0) + "a"
    with pytest.raises(TypeError):
        [1.0] * Value(2.0)
    with pytest.raises(TypeError):
        Value(1.0) + True  # bools are not numbers here, as everywhere in ffnn
    with pytest.raises(TypeError, match="exponent"):
        Value(2.0) ** Value(2.0)
    with pytest.raises(TypeError, match="exponent"):
        Value(2.0) ** "2"
    with pytest.raises(ValueError, match="exponent"):
        Value(2.0) ** math.nan
    with pytest.raises(ValueError, match="exponent"):
        Value(-8.0) ** (1 / 3)
    for bad in (0.0, -1.0):
        with pytest.raises(ValueError, match="log"):
            Value(bad).log()


# ---- 2. every operation: forward vs reference, backward vs analytic and central differences ------
@pytest.mark.parametrize("name, x", UNARY_CASES)
def test_unary_forward_and_gradient(name, x):
    method, ref, dref, _ = UNARY[name]
    y, g = grad_of(method, x)
    assert y == pytest.approx(float(ref(x)), rel=1e-12, abs=1e-15)
    assert g == pytest.approx(float(dref(x)), rel=1e-12, abs=1e-15)
    assert g == pytest.approx(central_diff(lambda t: method(Value(t)).data, x), rel=RTOL, abs=ATOL)


@pytest.mark.parametrize("name", UNARY)
@FAST
@given(x=st.floats(-4, 4))
def test_unary_gradient_property(name, x):
    method, ref, dref, points = UNARY[name]
    if points is POS:
        x = abs(x) + 0.05
    assume(abs(x) > 1e-2)  # kinks (relu family) and poles (1/x) sit at 0
    y, g = grad_of(method, x)
    assert y == pytest.approx(float(ref(x)), rel=1e-9, abs=1e-12)
    assert g == pytest.approx(float(dref(x)), rel=1e-9, abs=1e-12)
    assert g == pytest.approx(central_diff(lambda t: method(Value(t)).data, x), rel=1e-5, abs=1e-7)


ACTIVATION_METHODS = ["relu", "leaky_relu", "sigmoid", "tanh", "elu", "gelu", "swish", "softplus"]


@pytest.mark.parametrize("name", ACTIVATION_METHODS)
def test_activations_agree_with_vectorised_ffnn(name):
    z = np.array([[-3.1, -0.6, -0.02, 0.3, 2.2, 7.5]])
    act = ffnn.activations.get(name)
    a = act.forward(z)
    for x, a_ref, d_ref in zip(z[0], a[0], act.derivative(z, a)[0]):
        y, g = grad_of(getattr(Value, name), float(x))
        assert y == pytest.approx(a_ref, rel=1e-12, abs=1e-15)
        assert g == pytest.approx(d_ref, rel=1e-12, abs=1e-15)


def test_kink_conventions_match_ffnn_activations():
    """At exactly 0 the relu family uses the left derivative, as ffnn.activations does."""
    assert grad_of(Value.relu, 0.0) == (0.0, 0.0)
    assert grad_of(Value.leaky_relu, 0.0) == (0.0, 0.01)
    assert grad_of(lambda v: v.elu(0.5), 0.0) == (0.0, 0.5)
    z = np.zeros((1, 1))
    for name, slope in (("relu", 0.0), ("leaky_relu", 0.01), ("elu", 1.0)):
        act = ffnn.activations.get(name)
        assert act.derivative(z, act.forward(z))[0, 0] == slope == grad_of(getattr(Value, name), 0.0)[1]


BINARY = {  # op: (forward, ∂/∂a, ∂/∂b)
    "+": (lambda a, b: a + b, lambda a, b: 1.0, lambda a, b: 1.0),
    "-": (lambda a, b: a - b, lambda a, b: 1.0, lambda a, b: -1.0),
    "*": (lambda a, b: a * b, lambda a, b: b, lambda a, b: a),
    "/": (lambda a, b: a / b, lambda a, b: 1 / b, lambda a, b: -a / b ** 2),
}


@pytest.mark.parametrize("op", BINARY)
@FAST
@given(a=st.floats(-5, 5), b=st.floats(-5, 5))
def test_binary_ops(op, a, b):
    f, da, db = BINARY[op]
    assume(abs(b) > 0.1)
    va, vb = Value(a), Value(b)
    out = f(va, vb)
    out.backward()
    assert out._op == op and out._prev == (va, vb)
    assert out.data == pytest.approx(f(a, b), rel=1e-12, abs=1e-15)
    assert va.grad == pytest.approx(da(a, b), rel=1e-12, abs=1e-15)
    assert vb.grad == pytest.approx(db(a, b), rel=1e-12, abs=1e-15)
    assert va.grad == pytest.approx(central_diff(lambda t: f(t, b), a), rel=1e-5, abs=1e-7)
    assert vb.grad == pytest.approx(central_diff(lambda t: f(a, t), b), rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("op", BINARY)
def test_reflected_ops_keep_operand_order(op):
    f = BINARY[op][0]
    x = Value(3.0)
    left, right = f(2.0, x), f(x, 2.0)
    assert left._op == right._op == op
    assert left._prev[1] is x and left._prev[0].data == 2.0
    assert right._prev[0] is x and right._prev[1].data == 2.0
    assert (left.data, right.data) == (f(2.0, 3.0), f(3.0, 2.0))


def test_numpy_scalars_defer_to_value():
    x = Value(3.0)
    for out in (np.float64(2.0) * x, np.float64(2.0) + x, np.float32(2.0) - x, np.int64(6) / x):
        assert isinstance(out, Value)
    y = np.float64(2.0) * x
    y.backward()
    assert (y.data, x.grad) == (6.0, 2.0)


def test_numpy_object_arrays_of_values():
    X = np.array([[1.0, 2.0], [-0.5, 3.0]])
    W = ag.from_array(np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]), "W")
    Z = X @ np.array(W, dtype=object)
    assert Z.shape == (2, 3) and isinstance(Z[1, 2], Value)
    Z.sum().backward()
    np.testing.assert_allclose(ag.grads(W), X.T @ np.ones((2, 3)))


def test_op_names_for_graph_drawing():
    x = Value(0.5)
    names = {"**2": x ** 2, "**-1": x ** -1, "**0.5": x ** 0.5, "neg": -x, "exp": x.exp(), "log": x.log(),
             "tanh": x.tanh(), "sigmoid": x.sigmoid(), "relu": x.relu(), "gelu": x.gelu()}
    for op, node in names.items():
        assert node._op == op and node._prev == (x,)


def test_integer_power_of_negative_base():
    y, g = grad_of(lambda v: v ** 3, -2.0)
    assert (y, g) == (-8.0, 12.0)


# ---- 3. the same expression built two ways -------------------------------------------------------
TWO_WAYS = {  # name: (expression, the same function built from other operations)
    "sub": (lambda x, y: x - y, lambda x, y: x + (-y)),
    "div": (lambda x, y: x / y, lambda x, y: x * y ** -1),
    "sigmoid": (lambda x, y: x.sigmoid() * y, lambda x, y: y / (1 + (-x).exp())),
    "tanh": (lambda x, y: (x * y).tanh(), lambda x, y: ((2 * x * y).exp() - 1) / ((2 * x * y).exp() + 1)),
    "softplus": (lambda x, y: (x - y).softplus(), lambda x, y: (1 + (x - y).exp()).log()),
    "swish": (lambda x, y: (x * y).swish(), lambda x, y: x * y * (x * y).sigmoid()),
    "elu_neg": (lambda x, y: (-x * x - y * y).elu(), lambda x, y: (-x * x - y * y).exp() - 1),
    "leaky": (lambda x, y: (x - y).leaky_relu(0.1), lambda x, y: (x - y).relu() - 0.1 * (y - x).relu()),
    "pow": (lambda x, y: (x * y) ** 3, lambda x, y: x * x * x * y * y * y),
    "log_exp": (lambda x, y: (x + y).exp().log(), lambda x, y: x + y),
    "double": (lambda x, y: 2 * x + y + y, lambda x, y: x + x + 2 * y),
    "reflected": (lambda x, y: 3 - x / y, lambda x, y: -(x * (1 / y) - 3)),
}


@pytest.mark.parametrize("name", TWO_WAYS)
@pytest.mark.parametrize("x0, y0", [(0.7, -1.3), (-0.4, 0.9), (1.6, 2.1)])
def test_same_expression_two_ways(name, x0, y0):
    results = []
    for build in TWO_WAYS[name]:
        x, y = Value(x0), Value(y0)
        out = build(x, y)
        out.backward()
        results.append((out.data, x.grad, y.grad))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10, atol=1e-12)


# ---- 4. re-used nodes and fan-out ----------------------------------------------------------------
def test_square_by_reuse():
    a = Value(3.0)
    c = a * a
    c.backward()
    assert a.grad == 6.0


def test_c_plus_equals_c_plus_one():
    a = Value(3.0)
    c = a * a
    c += c + 1  # c = 2a² + 1
    c.backward()
    assert c.data == 19.0 and a.grad == 12.0


def test_self_cancelling_reuse():
    a = Value(1.7)
    for out in (a - a, a / a):
        ag.zero_grad(a)
        out.backward()
        assert a.grad == 0.0


class _Floats:
    """The float64 'engine' for the polymorphic expressions below."""
    tanh, exp, log = staticmethod(math.tanh), staticmethod(math.exp), staticmethod(math.log)
    relu = staticmethod(lambda x: max(x, 0.0))
    sigmoid = staticmethod(lambda x: 1 / (1 + math.exp(-x)))


class _Values:
    tanh, exp, log = Value.tanh, Value.exp, Value.log
    relu, sigmoid = Value.relu, Value.sigmoid


def fan_out_expression(a, b, F):
    """A graph where nearly every intermediate node is used more than once (written for this test)."""
    c = a * b + b ** 2
    c += c + 1
    c += 2 + c - a
    d = F.tanh(c / 10) * c
    d += d * 2 + F.relu(b - a)
    d -= 3 * d + F.relu(a + b) * a
    e = F.sigmoid(d / 50) + F.exp(-c / 20) * F.log(c * c + 1)
    f = e * e / (c + 40) + e
    return f ** 2 + 1 / f


@pytest.mark.parametrize("a0, b0", [(-1.5, 2.0), (0.8, 0.3), (2.2, -0.9), (-0.3, -1.1)])
def test_fan_out_against_float64_engine_and_central_differences(a0, b0):
    a, b = Value(a0), Value(b0)
    out = fan_out_expression(a, b, _Values)
    out.backward()
    assert out.data == pytest.approx(fan_out_expression(a0, b0, _Floats), rel=1e-12)
    da = central_diff(lambda t: fan_out_expression(t, b0, _Floats), a0)
    db = central_diff(lambda t: fan_out_expression(a0, t, _Floats), b0)
    assert a.grad == pytest.approx(da, rel=1e-6, abs=1e-8)
    assert b.grad == pytest.approx(db, rel=1e-6, abs=1e-8)


def test_exponential_fan_out_is_visited_once_per_node():
    x = Value(1.0)
    y = x
    for _ in range(60):
        y = y + y  # 2^60 paths from y to x; each node must be visited once
    y.backward()
    assert x.grad == 2.0 ** 60 and len(ag.topo_order(y)) == 61


# ---- 5. accumulation semantics -------------------------------------------------------------------
def test_leaf_gradients_accumulate_across_backward_calls():
    x = Value(2.0)
    h = x * 3      # interior
    y = (h * 4).tanh() * 5 + h * h  # several interior levels
    y.backward()
    g1, gh1 = x.grad, h.grad
    y.backward()
    assert x.grad == 2 * g1            # leaves: +=, exactly doubled
    assert h.grad == gh1 and y.grad == 1.0  # interior: ∂y/∂node of the latest call
    assert g1 == pytest.approx(central_diff(lambda t: math.tanh(t * 12) * 5 + 9 * t * t, 2.0), rel=1e-6)


def test_zero_grad_resets_the_whole_graph():
    x, w = Value(1.5), Value(-0.5)
    y = (x * w).exp() + x
    y.backward()
    y.zero_grad()
    assert all(node.grad == 0.0 for node in ag.topo_order(y))
    y.backward()
    assert x.grad == pytest.approx(w.data * math.exp(x.data * w.data) + 1, rel=1e-12)


def test_parameter_shared_by_two_graphs_accumulates_until_zeroed():
    w = Value(0.5)
    losses = [(w * x - t) ** 2 for x, t in ((1.0, 2.0), (3.0, -1.0))]
    for loss in losses:
        loss.backward()
    assert w.grad == pytest.approx(2 * (0.5 - 2.0) * 1.0 + 2 * (1.5 + 1.0) * 3.0)
    ag.zero_grad([w])
    assert w.grad == 0.0


def test_backward_on_a_leaf():
    x = Value(4.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


# ---- 6. topological order and deep graphs --------------------------------------------------------
def test_topo_order_children_before_parents():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    d = c + a
    e = d * c
    order = ag.topo_order(e)
    assert order[-1] is e and len(order) == len(set(order)) == 5
    pos = {id(n): i for i, n in enumerate(order)}
    assert all(pos[id(child)] < pos[id(node)] for node in order for child in node._prev)
    assert ag.topo_order(a * a)[0] is a and len(ag.topo_order(a * a)) == 2
    with pytest.raises(TypeError, match="^root: expected a Value"):
        ag.topo_order(1.0)


def test_topo_order_needs_only_prev_and_tells_nodes_apart_by_identity():
    class Node:  # equal to every other Node: a set of nodes would merge them all
        def __init__(self, *prev):
            self._prev = prev

        def __eq__(self, other):
            return True

        def __hash__(self):
            return 0

    x, y = Node(), Node()
    s = Node(x, y)
    root = Node(s, x)
    order = ag.topo_order(root)
    assert [id(n) for n in order] == [id(x), id(y), id(s), id(root)]


@pytest.mark.parametrize("depth", [5000, 20000])
def test_deep_chain_has_no_recursion_limit(depth):
    assert depth > sys.getrecursionlimit()
    x = Value(0.5)
    y = x
    for _ in range(depth):
        y = y + 1
    y.backward()
    assert x.grad == 1.0 and y.data == depth + 0.5
    z = x
    for _ in range(depth // 10):
        z = (z * 1.0001).tanh() + z * 0.0  # a deep chain whose local derivatives differ from 1
    z.backward()
    assert math.isfinite(x.grad) and len(ag.topo_order(z)) > depth // 10


# ---- 7. numerical stability ----------------------------------------------------------------------
def test_stable_at_plus_minus_1000():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert grad_of(Value.sigmoid, 1000.0) == (1.0, 0.0)
        assert grad_of(Value.sigmoid, -1000.0) == (0.0, 0.0)
        assert grad_of(Value.softplus, 1000.0) == (1000.0, 1.0)
        assert grad_of(Value.softplus, -1000.0) == (0.0, 0.0)
        assert grad_of(Value.tanh, -1000.0) == (-1.0, 0.0)
        assert grad_of(Value.elu, -1000.0) == (-1.0, 0.0)
        assert grad_of(Value.swish, -1000.0) == (0.0, 0.0)
        assert grad_of(Value.gelu, -1000.0) == (0.0, 0.0)
        assert grad_of(Value.gelu, 1000.0) == (1000.0, 1.0)
    s, g = grad_of(Value.sigmoid, -40.0)
    assert s == pytest.approx(math.exp(-40.0), rel=1e-12) and g == pytest.approx(math.exp(-40.0), rel=1e-12)


def test_exp_overflow_raises_instead_of_returning_inf():
    with pytest.raises(OverflowError):
        Value(1000.0).exp()


# ---- 8. nested lists <-> arrays ------------------------------------------------------------------
def test_from_array_labels_and_round_trip():
    W = np.arange(6.0).reshape(2, 3) - 2.5
    Wv = ag.from_array(W, "W")
    assert len(Wv) == 2 and len(Wv[0]) == 3 and Wv[1][2].label == "W[1,2]"
    np.testing.assert_array_equal(ag.data(Wv), W)
    b = ag.from_array(np.array([1, 2]), "b")
    assert [v.label for v in b] == ["b[0]", "b[1]"] and b[1].data == 2.0
    assert ag.from_array(np.float64(3.0), "s").label == "s"
    assert ag.from_array([[1.0]])[0][0].label == ""


def test_grads_shape_and_values():
    W = ag.from_array(np.array([[1.0, -2.0], [3.0, 0.5]]))
    out = W[0][0] * W[1][1] + W[0][1] ** 2
    out.backward()
    np.testing.assert_array_equal(ag.grads(W), [[0.5, -4.0], [0.0, 1.0]])
    assert ag.grads((W[0][0],)).shape == (1,)
    ag.zero_grad(W)
    assert not ag.grads(W).any()


def test_nested_helpers_validate():
    with pytest.raises(TypeError, match="arr"):
        ag.from_array(np.array(["a"]))
    with pytest.raises(ValueError, match="arr"):
        ag.from_array([1.0, np.nan])
    with pytest.raises(TypeError, match="label_prefix"):
        ag.from_array([1.0], label_prefix=1)
    with pytest.raises(TypeError, match="nested"):
        ag.grads([Value(1.0), 2.0])


# ---- 9. the scalar twin of a dense network -------------------------------------------------------
def _tiny(seed, n_in=2, n_hidden=3, n_out=2, N=4):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(N, n_in)), rng.normal(size=(n_in, n_hidden)), rng.normal(size=n_hidden),
            rng.normal(size=(n_hidden, n_out)), rng.normal(size=n_out))


@pytest.mark.parametrize("activation", ["linear", "softmax"] + ACTIVATION_METHODS)
def test_dense_matches_vectorised_layer(activation):
    X, W, b, _, _ = _tiny(1)
    Xv, Wv, bv = ag.from_array(X, "X"), ag.from_array(W, "W"), ag.from_array(b, "b")
    A = ag.dense(Xv, Wv, bv, activation)
    act = ffnn.activations.get(activation)
    z = X @ W + b
    a = act.forward(z)
    np.testing.assert_allclose(ag.data(A), a, rtol=1e-12, atol=1e-15)
    R = np.random.default_rng(2).normal(size=a.shape)  # L = Σ R ⊙ A, so dA = R
    sum(r * v for rrow, arow in zip(R, A) for r, v in zip(rrow, arow)).backward()
    dz = act.backward(z, a, R)
    np.testing.assert_allclose(ag.grads(Wv), X.T @ dz, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ag.grads(bv), dz.sum(axis=0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ag.grads(Xv), dz @ W.T, rtol=1e-10, atol=1e-12)


def test_dense_accepts_numbers_none_and_callables():
    A = ag.dense([[1.0, 2.0]], [[1.0], [-1.0]], [0.5], None)
    assert isinstance(A[0][0], Value) and A[0][0].data == -0.5
    A = ag.dense([[1.0, 2.0]], [[1.0], [-1.0]], [0.5], lambda v: v.leaky_relu(0.2))
    assert A[0][0].data == pytest.approx(-0.1)


def test_dense_validates():
    X, W, b = [[1.0, 2.0]], [[1.0], [2.0]], [0.0]
    with pytest.raises(ValueError, match="X"):
        ag.dense([[1.0, 2.0, 3.0]], W, b)
    with pytest.raises(ValueError, match="W"):
        ag.dense(X, W, [0.0, 1.0])
    with pytest.raises(ValueError, match=r"^activation: expected one of 'linear', 'relu'.*got 'rellu'"):
        ag.dense(X, W, b, "rellu")
    with pytest.raises(TypeError, match="activation"):
        ag.dense(X, W, b, 3)


def test_softmax_row_is_shift_invariant_and_stable():
    row = [Value(1000.0), Value(999.0), Value(-1000.0)]
    p = ag.softmax(row)
    np.testing.assert_allclose(ag.data(p), ffnn.activations.softmax(np.array([[1000.0, 999.0, -1000.0]]))[0])
    p[0].backward()
    s = ag.data(p)
    np.testing.assert_allclose(ag.grads(row), s[0] * (np.eye(3)[0] - s), atol=1e-15)


LOSSES = {  # name: (scalar twin, output activation, targets for N=4, K=2)
    "mse": (ag.mse, "linear", np.array([[0.5, -1.0], [2.0, 0.0], [-0.3, 0.7], [1.0, 1.0]])),
    "binary_crossentropy": (ag.binary_crossentropy, "sigmoid", np.array([[1, 0], [0, 0], [1, 1], [0.3, 1]])),
    "categorical_crossentropy": (ag.categorical_crossentropy, "softmax", np.eye(2)[[0, 1, 1, 0]]),
}


@pytest.mark.parametrize("loss", LOSSES)
def test_losses_match_vectorised(loss):
    twin, out_act, Y = LOSSES[loss]
    y_hat = ffnn.activations.get(out_act).forward(np.random.default_rng(3).normal(size=Y.shape))
    Pv = ag.from_array(y_hat)
    L = twin(Pv, Y)
    L.backward()
    ref = ffnn.losses.get(loss)
    assert L.data == pytest.approx(ref.value(y_hat, Y), rel=1e-12)
    np.testing.assert_allclose(ag.grads(Pv), ref.grad(y_hat, Y), rtol=1e-10)


def test_losses_validate_and_accept_int_labels():
    P = ag.from_array(np.array([[0.2, 0.8], [0.6, 0.4]]))
    assert ag.categorical_crossentropy(P, np.array([1, 0])).data == pytest.approx(-math.log(0.8 * 0.6) / 2)
    with pytest.raises(ValueError, match="Y"):
        ag.mse(P, np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"^Y: expected labels in 0\.\.1 for n_classes=2, got label 2"):
        ag.categorical_crossentropy(P, np.array([0, 2]))
    with pytest.raises(ValueError, match=r"^Y: expected labels >= 0, got -1"):
        ag.categorical_crossentropy(P, np.array([-1, 0]))
    # integer labels are one-hot encoded by ffnn.losses.one_hot, the encoding FFNN uses
    Y = np.array([1, 0])
    assert ag.categorical_crossentropy(P, Y).data == ag.categorical_crossentropy(P, ffnn.losses.one_hot(Y, 2)).data


def _numpy_net(X, W1, b1, W2, b2, hidden, out, loss, Y):
    """Forward of the 2-3-2 network in float64 NumPy, the oracle for central differences."""
    a1 = ffnn.activations.get(hidden).forward(X @ W1 + b1)
    return ffnn.losses.get(loss).value(ffnn.activations.get(out).forward(a1 @ W2 + b2), Y)


def _scalar_net(params, hidden, loss, Y, X):
    twin, out, _ = LOSSES[loss]
    Xv = ag.from_array(X, "X")
    Pv = [ag.from_array(p, name) for p, name in zip(params, ("W1", "b1", "W2", "b2"))]
    y_hat = ag.dense(ag.dense(Xv, Pv[0], Pv[1], hidden), Pv[2], Pv[3], out)
    L = twin(y_hat, Y)
    L.backward()
    return L, [ag.grads(p) for p in Pv]


@pytest.mark.parametrize("loss", ["mse", "categorical_crossentropy"])
@pytest.mark.parametrize("hidden", ["tanh", "sigmoid", "relu", "gelu"])
def test_tiny_network_gradients_match_central_differences(loss, hidden):
    X, *params = _tiny(4)
    Y = LOSSES[loss][2]
    assert np.abs(X @ params[0] + params[1]).min() > 1e-3  # away from the relu kink
    L, g = _scalar_net(params, hidden, loss, Y, X)
    out = LOSSES[loss][1]
    assert L.data == pytest.approx(_numpy_net(X, *params, hidden, out, loss, Y), rel=1e-12)
    for p, gp in zip(params, g):
        num = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            orig = p[idx]
            p[idx] = orig + H
            up = _numpy_net(X, *params, hidden, out, loss, Y)
            p[idx] = orig - H
            num[idx] = (up - _numpy_net(X, *params, hidden, out, loss, Y)) / (2 * H)
            p[idx] = orig
        np.testing.assert_allclose(gp, num, rtol=1e-5, atol=1e-8)


# ---- 10. the scalar engine against the vectorised ffnn.FFNN --------------------------------------
FFNN = getattr(ffnn, "FFNN", None)
needs_ffnn = pytest.mark.skipif(FFNN is None, reason="ffnn.FFNN not available yet")


def _rms_norm(row, g, eps):
    """Scalar RMSNorm: r_j = g_j z_j / sqrt(mean(z²) + eps)."""
    inv = (sum(z * z for z in row) / len(row) + eps) ** -0.5
    return [gj * z * inv for gj, z in zip(g, row)]


@needs_ffnn
@pytest.mark.parametrize("loss, out", [("mse", "linear"), ("categorical_crossentropy", "softmax"),
                                       ("binary_crossentropy", "sigmoid")])
@pytest.mark.parametrize("hidden", ["tanh", "relu", "sigmoid", "elu", "swish"])
@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_scalar_engine_equals_ffnn_backward(loss, out, hidden, l2):
    X, *_ = _tiny(5)
    Y = LOSSES[loss][2]
    model = FFNN([2, 3, 2], [hidden, out], loss, init="xavier_normal", seed=7,
                 regularization=ffnn.L2(l2) if l2 else None)
    rng = np.random.default_rng(8)
    for layer in model.layers:  # FFNN starts b at 0, which would leave db's formula untested
        layer.b[:] = rng.normal(size=layer.b.shape)
    model.forward(X)
    model.backward(Y)
    Xv = ag.from_array(X, "X")
    Wv = [ag.from_array(layer.W, f"W{i}") for i, layer in enumerate(model.layers)]
    bv = [ag.from_array(layer.b, f"b{i}") for i, layer in enumerate(model.layers)]
    y_hat = ag.dense(ag.dense(Xv, Wv[0], bv[0], hidden), Wv[1], bv[1], out)
    L = LOSSES[loss][0](y_hat, Y)
    if l2:
        L = L + l2 * sum(w ** 2 for W in Wv for row in W for w in row)
    L.backward()
    assert L.data == pytest.approx(model.loss(X, Y), rel=1e-12)
    for i, layer in enumerate(model.layers):
        np.testing.assert_allclose(ag.grads(Wv[i]), layer.dW, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ag.grads(bv[i]), layer.db, rtol=1e-9, atol=1e-12)


@needs_ffnn
def test_scalar_engine_equals_ffnn_backward_with_rmsnorm():
    X, *_ = _tiny(6)
    Y = LOSSES["mse"][2]
    model = FFNN([2, 3, 2], ["tanh", "linear"], "mse", init="xavier_normal", rmsnorm=True, seed=3)
    rng = np.random.default_rng(9)
    layer0, layer1 = model.layers
    layer0.g[:] = rng.uniform(0.5, 1.5, size=3)
    for layer in model.layers:
        layer.b[:] = rng.normal(size=layer.b.shape)
    model.forward(X)
    model.backward(Y)
    Wv, bv, gv = ag.from_array(layer0.W), ag.from_array(layer0.b), ag.from_array(layer0.g)
    W1v, b1v = ag.from_array(layer1.W), ag.from_array(layer1.b)
    Z = ag.dense(ag.from_array(X), Wv, bv)
    A = [[r.tanh() for r in _rms_norm(row, gv, layer0.eps)] for row in Z]
    L = ag.mse(ag.dense(A, W1v, b1v), Y)
    L.backward()
    assert L.data == pytest.approx(model.loss(X, Y), rel=1e-12)
    for got, want in ((Wv, layer0.dW), (bv, layer0.db), (gv, layer0.dg), (W1v, layer1.dW), (b1v, layer1.db)):
        np.testing.assert_allclose(ag.grads(got), want, rtol=1e-9, atol=1e-12)


def test_losses_read_targets_by_the_networks_rule():
    """Labels of shape (N,) for one output, as FFNN.fit takes them: the scalar engine and the
    network agree on the loss and on what they refuse (one rule, ffnn.losses.targets)."""
    y = np.array([1, 0, 1])
    for name, out in (("binary_crossentropy", "sigmoid"), ("mse", "linear")):
        model = FFNN([2, 1], out, name, seed=0)
        X = np.array([[0.5, -1.0], [1.0, 2.0], [-0.3, 0.1]])
        Xv = ag.from_array(X)
        y_hat = ag.dense(Xv, ag.from_array(model.layers[0].W), ag.from_array(model.layers[0].b), out)
        twin = LOSSES[name][0]
        assert twin(y_hat, y).data == pytest.approx(model.loss(X, y), rel=1e-12)
        assert twin(y_hat, y).data == twin(y_hat, y[:, None]).data
    P = ag.from_array(np.array([[0.2], [0.7]]))
    for bad, match in ((np.array([0, 2]), r"^Y: binary_crossentropy targets must lie in \[0, 1\]"),
                       (np.array([0, np.nan]), r"^Y: contains NaN or infinity"),
                       (np.array([1, 0, 1]), r"^Y: expected 2 rows to match y_hat, got 3")):
        with pytest.raises(ValueError, match=match):
            ag.binary_crossentropy(P, bad)
    with pytest.raises(ValueError, match=r"^Y: expected a 2-D array of shape \(N, 2\)"):
        ag.binary_crossentropy(ag.from_array(np.full((2, 2), 0.5)), np.array([0, 1]))  # two outputs: no labels
    for bad in (None, 0.5, [], [[0.5]], [[Value(0.5)], [Value(0.2), Value(0.1)]]):
        with pytest.raises(TypeError, match=r"^y_hat: expected N × K nested lists of Values"):
            ag.binary_crossentropy(bad, np.array([1]))
