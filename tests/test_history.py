"""ffnn.history.History: per-epoch metric lists, best epoch, and accumulation."""
import pytest

import ffnn
from ffnn.history import History


def test_append_and_epochs():
    h = History()
    assert h.epochs == 0 and h == {}
    h.append(loss=1, val_loss=2.5)
    h.append(loss=0.5, val_loss=3.0)
    assert h == {"loss": [1.0, 0.5], "val_loss": [2.5, 3.0]}
    assert all(isinstance(v, float) for values in h.values() for v in values)
    assert h.epochs == 2
    assert isinstance(h, dict) and ffnn.History is History


def test_best_is_lowest_loss_and_highest_accuracy():
    h = History()
    for loss, acc in [(0.9, 0.5), (0.4, 0.8), (0.6, 0.9), (0.4, 0.7)]:
        h.append(loss=loss, val_loss=loss + 0.1, accuracy=acc, val_accuracy=acc)
    assert h.best("loss") == (1, 0.4)  # the first of equal values
    assert h.best() == (1, pytest.approx(0.5))
    assert h.best("val_accuracy") == (2, 0.9)


def test_best_of_an_unrecorded_metric():
    h = History(loss=[1.0])
    with pytest.raises(KeyError, match="val_loss.*recorded: \\['loss'\\]"):
        h.best()


def test_repr():
    assert repr(History(loss=[1.0])) == "History({'loss': [1.0]})"
