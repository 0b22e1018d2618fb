"""ffnn.metrics against scikit-learn's on random labels (hypothesis), hand-worked cases, and bad input."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ffnn import metrics

sk = pytest.importorskip("sklearn.metrics")


def test_a_hand_worked_three_class_case():
    y_true = [0, 1, 1, 2, 2, 2, 0]
    y_pred = [0, 1, 2, 2, 2, 1, 1]
    C = metrics.confusion_matrix(y_true, y_pred)
    assert C.tolist() == [[1, 1, 0], [0, 1, 1], [0, 1, 2]]       # rows: truth, columns: prediction
    assert metrics.precision(y_true, y_pred, average=None).tolist() == pytest.approx([1, 1 / 3, 2 / 3])
    assert metrics.recall(y_true, y_pred, average=None).tolist() == pytest.approx([1 / 2, 1 / 2, 2 / 3])
    assert metrics.f1(y_true, y_pred, average=None).tolist() == pytest.approx([2 / 3, 0.4, 2 / 3])
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(4 / 7)


def test_binary_scores_are_those_of_the_positive_class():
    y_true = np.array([1, 1, 1, 0, 0, 0, 0, 0])
    y_pred = np.array([1, 0, 0, 1, 0, 0, 0, 0])
    assert metrics.precision(y_true, y_pred) == pytest.approx(1 / 2)
    assert metrics.recall(y_true, y_pred) == pytest.approx(1 / 3)
    assert metrics.f1(y_true, y_pred) == pytest.approx(0.4)
    assert metrics.recall(y_true, y_pred, pos_label=0) == pytest.approx(4 / 5)


labels = st.integers(2, 5).flatmap(lambda K: st.tuples(
    st.just(K),
    st.lists(st.tuples(st.integers(0, K - 1), st.integers(0, K - 1)), min_size=1, max_size=40)))


@settings(max_examples=150, deadline=None)
@given(labels)
def test_agrees_with_scikit_learn(case):
    K, pairs = case
    y_true, y_pred = map(np.array, zip(*pairs))
    ks = list(range(K))
    assert np.array_equal(metrics.confusion_matrix(y_true, y_pred, n_classes=K),
                          sk.confusion_matrix(y_true, y_pred, labels=ks))
    for ours, theirs in [(metrics.precision, sk.precision_score), (metrics.recall, sk.recall_score),
                         (metrics.f1, sk.f1_score)]:
        np.testing.assert_allclose(ours(y_true, y_pred, average=None, n_classes=K),
                                   theirs(y_true, y_pred, average=None, labels=ks, zero_division=0), atol=1e-12)
        assert ours(y_true, y_pred, average="macro", n_classes=K) == pytest.approx(
            theirs(y_true, y_pred, average="macro", labels=ks, zero_division=0), abs=1e-12)
        if K == 2:
            assert ours(y_true, y_pred, n_classes=2) == pytest.approx(
                theirs(y_true, y_pred, zero_division=0), abs=1e-12)
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(sk.accuracy_score(y_true, y_pred))


def test_the_report_lists_every_class_and_the_macro_average():
    report = metrics.classification_report([0, 1, 1, 2], [0, 1, 0, 2], class_names=["a", "b", "c"])
    assert report["class"] == ["a", "b", "c", "macro avg"]
    assert report["recall"] == pytest.approx([1, 0.5, 1, 2.5 / 3])
    assert report["support"] == [1, 2, 1, 4]


@pytest.mark.parametrize("call, error, match", [
    (lambda: metrics.confusion_matrix([0, 1], [0]), ValueError, "y_true, y_pred: expected the same number of rows"),
    (lambda: metrics.confusion_matrix([0, -1], [0, 1]), ValueError, "y_true: expected labels >= 0"),
    (lambda: metrics.confusion_matrix([0, 1.5], [0, 1]), ValueError, "y_true: expected integer labels"),
    (lambda: metrics.confusion_matrix(["a"], [0]), TypeError, "y_true: expected integer labels"),
    (lambda: metrics.confusion_matrix([[0, 1]], [[0, 1]]), ValueError, "y_true: expected a 1-D array"),
    (lambda: metrics.confusion_matrix([], []), ValueError, "y_true: expected at least one label"),
    (lambda: metrics.confusion_matrix([0, 3], [0, 1], n_classes=3), ValueError, r"y_true: expected labels in 0\.\.2"),
    # a flat bincount would count y_pred=3 with 3 classes as (true 1, predicted 0)
    (lambda: metrics.confusion_matrix([0, 1], [0, 3], n_classes=3), ValueError, r"y_pred: expected labels in 0\.\.2"),
    (lambda: metrics.precision([0, 1, 2], [0, 1, 2]), ValueError, "average: 'binary' needs two classes"),
    (lambda: metrics.recall([0, 1], [0, 1], average="micro"), ValueError, "average: expected one of"),
    (lambda: metrics.f1([0, 1], [0, 1], pos_label=2), ValueError, "pos_label: expected 0 or 1"),
    (lambda: metrics.classification_report([0, 1], [0, 1], class_names=["a"]), ValueError, "class_names: expected 2"),
])
def test_bad_input_is_refused_with_the_arguments_name(call, error, match):
    with pytest.raises(error, match=match):
        call()
