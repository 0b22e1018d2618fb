"""ffnn.progress.Progress: silent, one line per epoch, or a tqdm bar."""
import io

from ffnn.progress import Progress


def run(verbose, epochs=3):
    out = io.StringIO()
    progress = Progress(epochs, verbose, file=out)
    for epoch in range(epochs):
        progress.update(epoch, {"loss": 1.0 / (epoch + 1), "val_loss": 2.0})
    progress.close()
    return out.getvalue()


def test_verbose_0_is_silent(capsys):
    assert run(0) == ""
    assert capsys.readouterr() == ("", "")


def test_verbose_2_writes_one_line_per_epoch():
    lines = run(2).splitlines()
    assert lines == ["epoch 1/3 - loss: 1.0000 - val_loss: 2.0000",
                     "epoch 2/3 - loss: 0.5000 - val_loss: 2.0000",
                     "epoch 3/3 - loss: 0.3333 - val_loss: 2.0000"]


def test_verbose_1_draws_a_tqdm_bar():
    text = run(1)
    assert "fit" in text and "3/3" in text and "epoch" in text
    assert "loss=0.3333" in text  # the latest metrics in the postfix


def test_default_file_is_stderr(capsys):
    progress = Progress(1, 2)
    progress.update(0, {"loss": 0.25})
    progress.close()
    out, err = capsys.readouterr()
    assert out == "" and err == "epoch 1/1 - loss: 0.2500\n"
