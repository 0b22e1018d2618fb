"""The capstone recipe: the book's ingredients added one at a time to the documented baseline.

Introduced in the Capstone chapter. This module is the one definition of the recipe that the
chapter shows and that ``benchmarks/capstone.py`` trains, so the two cannot drift apart.

    from ffnn import capstone
    from ffnn.experiments import load_data, sweep
    results = sweep(capstone.RECIPE, data=load_data("mnist"), seeds=(0, 1, 2), n_jobs=1)

Every configuration here is a :mod:`ffnn.config` dict. :data:`BASELINE` is the configuration of
the scikit-learn comparison page, given the same :data:`EPOCHS` as every later step, so that the
steps compare ingredients rather than training time. Each :class:`Step` lists the candidates the
chapter tried for one ingredient, in order, and which one the validation split chose. The recipe
is the baseline with every step's chosen candidate merged in, in order.
"""
from collections import namedtuple

from .config import merge
from .regularization import L2
from .schedules import CosineAnnealingLR

__all__ = ["EPOCHS", "BASELINE", "Step", "STEPS", "RECIPE", "step_configs", "without", "select"]

#: Epochs of every run in the chapter, the baseline's included.
EPOCHS = 20

#: The scikit-learn comparison page's configuration (its L2 is scikit-learn's default alpha).
BASELINE = {"hidden": [256, 128], "activation": "relu", "init": "xavier_uniform",
            "optimizer": "momentum", "learning_rate": 0.05, "batch_size": 128,
            "regularization": L2(1e-4 / (2 * 128)), "dtype": "float32", "epochs": EPOCHS}

Step = namedtuple("Step", "ingredient candidates chosen")
Step.__doc__ = ("One ingredient: the candidate settings tried (dicts merged into the configuration "
                "so far) and the index of the one the validation accuracy chose, or None when none "
                "of them beat the configuration without the ingredient.")

STEPS = (
    Step("width and depth", ({"hidden": [512, 512]}, {"hidden": [1024]}), chosen=0),
    Step("initialisation", ({"init": "he_normal"},), chosen=None),
    Step("optimiser and schedule",
         ({"optimizer": "adam", "learning_rate": 1e-3},
          {"optimizer": "adam", "learning_rate": 1e-3, "lr_schedule": CosineAnnealingLR(EPOCHS)}),
         chosen=1),
    Step("normalisation",
         ({"normalization": "batchnorm"}, {"normalization": "layernorm"}, {"normalization": "rmsnorm"}),
         chosen=2),
    Step("dropout", ({"dropout": 0.2}, {"dropout": 0.3}), chosen=0),
    Step("early stopping", ({"patience": 5, "restore_best": True},), chosen=None),
)


def _chosen(steps):
    return [step.candidates[step.chosen] for step in steps if step.chosen is not None]


def step_configs(upto=len(STEPS)):
    """The configuration after the first ``upto`` steps, each with its chosen candidate."""
    return merge(BASELINE, *_chosen(STEPS[:upto]))


#: The final recipe: the baseline plus every step's chosen candidate.
RECIPE = step_configs()


def without(ingredient):
    """The recipe minus one ingredient: that step's keys fall back to the baseline's values."""
    names = [step.ingredient for step in STEPS if step.chosen is not None]
    if ingredient not in names:
        raise ValueError(f"ingredient: expected one of the recipe's ingredients {names}, got {ingredient!r}")
    return merge(BASELINE, *_chosen(step for step in STEPS if step.ingredient != ingredient))


def select(score):
    """Walk :data:`STEPS` greedily, as the chapter does: ``score(config)`` is a configuration's
    validation accuracy; each step keeps its best candidate if that beats the configuration so far,
    else leaves the ingredient out.

    Returns the baseline's score and one dict per step: ``ingredient``, ``configs`` (each
    candidate merged into the configuration so far), ``scores`` and ``chosen`` (an index or
    None). :data:`STEPS`' ``chosen`` indices must be what this returns on the chapter's runs.
    """
    config = BASELINE
    best = baseline = score(config)
    walk = []
    for step in STEPS:
        configs = [merge(config, candidate) for candidate in step.candidates]
        scores = [score(c) for c in configs]
        chosen = max(range(len(scores)), key=scores.__getitem__)
        chosen = chosen if scores[chosen] > best else None
        if chosen is not None:
            config, best = configs[chosen], scores[chosen]
        walk.append({"ingredient": step.ingredient, "configs": configs, "scores": scores, "chosen": chosen})
    return baseline, walk
