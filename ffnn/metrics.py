"""Classification metrics: the confusion matrix, and precision, recall and F1 read off it.

Introduced in the tabular chapter (penguins).

For class k, with TP the examples of class k predicted as k, FP the others predicted as k, and
FN the examples of class k predicted as something else:

    precision_k = TP / (TP + FP)      recall_k = TP / (TP + FN)      F1_k = 2 P R / (P + R)

A ratio whose denominator is 0 is reported as 0, as scikit-learn does by default. ``average``
picks what is returned: ``"binary"`` the scores of class ``pos_label`` (default 1), ``"macro"``
their unweighted mean over classes, ``None`` the array of per-class scores.
"""
import numpy as np

from ._validation import check_choice, check_consistent_length, check_int, check_labels

__all__ = ["confusion_matrix", "accuracy", "precision", "recall", "f1", "classification_report"]

def _labels(y_true, y_pred, n_classes):
    y_true, y_pred = check_labels(y_true, "y_true"), check_labels(y_pred, "y_pred")
    check_consistent_length(y_true, y_pred, "y_true", "y_pred")
    if y_true.size == 0:
        raise ValueError("y_true: expected at least one label, got an empty array")
    if n_classes is None:
        return y_true, y_pred, int(max(y_true.max(), y_pred.max())) + 1
    n_classes = check_int(n_classes, "n_classes")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.max() >= n_classes:
            raise ValueError(f"{name}: expected labels in 0..{n_classes - 1} for n_classes={n_classes}, "
                             f"got label {y.max()}")
    return y_true, y_pred, n_classes


def confusion_matrix(y_true, y_pred, n_classes=None):
    """C (K, K) with C[i, j] = the number of examples of class i predicted as class j.

    Rows are the true classes, columns the predictions (scikit-learn's convention).
    ``n_classes`` K defaults to the largest label seen plus one.
    """
    y_true, y_pred, K = _labels(y_true, y_pred, n_classes)
    try:
        C = np.zeros((K, K), dtype=np.int64)
    except (MemoryError, ValueError):  # NumPy's "maximum allowed dimension exceeded" for a huge K
        raise ValueError(f"n_classes: a {K} × {K} confusion matrix is too large to allocate") from None
    np.add.at(C, (y_true, y_pred), 1)
    return C


def accuracy(y_true, y_pred):
    """The fraction of examples whose prediction equals the label."""
    y_true, y_pred, _ = _labels(y_true, y_pred, None)
    return float(np.mean(y_true == y_pred))


def _ratio(num, den):
    return np.divide(num, den, out=np.zeros(len(num)), where=den > 0)


def _scores(y_true, y_pred, n_classes):
    """Per-class precision, recall and F1 from the confusion matrix."""
    C = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(C).astype(np.float64)
    precision = _ratio(tp, C.sum(axis=0))          # column sums: everything predicted as k
    recall = _ratio(tp, C.sum(axis=1))             # row sums: everything that is k
    f1 = _ratio(2 * precision * recall, precision + recall)
    return precision, recall, f1


def _average(per_class, average, pos_label):
    if average is None:
        return per_class
    check_choice(average, "average", ("binary", "macro"))
    if average == "macro":
        return float(per_class.mean())
    pos_label = check_int(pos_label, "pos_label", minimum=0)
    if len(per_class) > 2:
        raise ValueError(f"average: 'binary' needs two classes, got {len(per_class)}; "
                         "use average='macro' or None")
    if pos_label >= len(per_class):
        raise ValueError(f"pos_label: expected 0 or 1 for two classes, got {pos_label}")
    return float(per_class[pos_label])


def precision(y_true, y_pred, average="binary", pos_label=1, n_classes=None):
    """TP / (TP + FP): of the examples predicted as the class, the fraction that are."""
    return _average(_scores(y_true, y_pred, n_classes)[0], average, pos_label)


def recall(y_true, y_pred, average="binary", pos_label=1, n_classes=None):
    """TP / (TP + FN): of the examples of the class, the fraction found."""
    return _average(_scores(y_true, y_pred, n_classes)[1], average, pos_label)


def f1(y_true, y_pred, average="binary", pos_label=1, n_classes=None):
    """2 P R / (P + R), the harmonic mean of precision and recall."""
    return _average(_scores(y_true, y_pred, n_classes)[2], average, pos_label)


def classification_report(y_true, y_pred, class_names=None, n_classes=None):
    """A :class:`ffnn.table.Table` with precision, recall, F1 and support per class, and the
    macro average."""
    from .table import Table
    precision_k, recall_k, f1_k = _scores(y_true, y_pred, n_classes)
    support = confusion_matrix(y_true, y_pred, n_classes).sum(axis=1)
    K = len(support)
    if class_names is not None and (isinstance(class_names, (str, bytes)) or not hasattr(class_names, "__len__")):
        raise TypeError(f"class_names: expected a list of {K} names, got {class_names!r}")
    names = [str(k) for k in range(K)] if class_names is None else [str(c) for c in class_names]
    if len(names) != K:
        raise ValueError(f"class_names: expected {K} names, got {len(names)}")
    columns = ["class", "precision", "recall", "F1", "support"]
    rows = [dict(zip(columns, row)) for row in zip(names, precision_k, recall_k, f1_k, support.tolist())]
    rows.append(dict(zip(columns, ["macro avg", precision_k.mean(), recall_k.mean(), f1_k.mean(),
                                   int(support.sum())])))
    return Table(rows, columns, config_columns=("class",))
