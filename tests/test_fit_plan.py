"""The fit plan and the parameter rules (skimbal._fit_plan): plain functions on arrays.

Nothing here builds or trains a network; the load test reads a shipped fixture.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from skimbal._fit_plan import (
    CROSS_RULES,
    FITTED_STATE,
    NOT_BOOL,
    PARAMETER_RULES,
    FitPlan,
    FittedStateError,
    check_fitted_state,
    check_params,
    focal_loss_is_skimbals,
    plan_fit,
)

DATA = Path(__file__).parent / "data" / "legacy_models"

FOCAL_WITH_LOSS = re.escape(
    "focal_gamma=2.0 makes skimbal's default loss a focal loss, so it cannot be combined "
    "with loss='binary_crossentropy'; use loss=None with focal_gamma, or focal_gamma=0 "
    "with your own loss."
)


def _params(**changes):
    """The default parameters of WeightedSequenceClassifier, as fit sees them."""
    from skimbal import WeightedSequenceClassifier

    return {**WeightedSequenceClassifier().get_params(deep=False), **changes}


def _data(n=40, T=6, F=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, T, F)).astype(np.float32)
    y = np.array([0] * (n - n // 4) + [1] * (n // 4))
    return X, y


def test_every_constructor_parameter_has_one_rule():
    assert set(PARAMETER_RULES) == set(_params())


def test_bool_for_a_number_is_a_type_error():
    numbers = [name for name, rules in PARAMETER_RULES.items() if NOT_BOOL in rules]
    assert {"epochs", "batch_size", "units", "focal_gamma", "tau"} <= set(numbers)
    for name in numbers:
        with pytest.raises(TypeError, match=f"{name} must be a number.*not the bool True"):
            check_params(_params(**{name: True}))


def test_cross_rules_are_named_functions_in_order():
    assert [rule.__name__ for rule in CROSS_RULES] == [
        "architecture_rule", "tuned_threshold_needs_split", "logit_adjusted_loss_is_skimbals",
        "deferral_needs_class_weight", "focal_loss_is_skimbals", "model_is_a_function",
        "ensemble_needs_skimbals_network",
    ]
    focal_loss_is_skimbals(_params(focal_gamma=2.0))  # loss=None: fine
    with pytest.raises(ValueError, match=FOCAL_WITH_LOSS):
        focal_loss_is_skimbals(_params(focal_gamma=2.0, loss="binary_crossentropy"))


@pytest.mark.parametrize("changes, error, match", [
    (dict(dropout=1.5), ValueError, "The 'dropout' parameter of WeightedSequenceClassifier"),
    (dict(architecture="transformer"), ValueError, "'architecture' parameter"),
    (dict(threshold="tune", validation_fraction=0), ValueError, "threshold='tune' picks"),
    (dict(logit_adjustment="loss", loss="mse"), ValueError, "logit_adjustment='loss' trains"),
    (dict(class_weight_start=0.5), ValueError, "class_weight=None has none to defer"),
    (dict(optimizer="adamm"), ValueError, "optimizer='adamm' is not a known Keras optimizer"),
    (dict(units=()), ValueError, "units must be a positive int"),
])
def test_check_params_applies_every_rule_group(changes, error, match):
    with pytest.raises(error, match=match):
        check_params(_params(**changes))


def test_plan_of_a_binary_fit():
    X, y = _data()
    w = np.ones(len(y))
    plan = plan_fit(_params(class_weight="balanced", random_state=3), X, y, w)
    assert isinstance(plan, FitPlan)
    assert plan.spec.kind == "binary" and plan.class_weights_in == "batches"
    assert plan.X.dtype == np.float32 and plan.lengths is None and plan.mask is None
    assert plan.train_idx is None and plan.val_idx is None  # "auto": no split under 1,000
    assert plan.training.batch_size == 4 and plan.training.epochs == 75  # 750 steps
    assert plan.training.passes_per_round == 5  # no split: 15 Keras epochs of 5 passes
    assert plan.seed == 3 and plan.frontend_strides == () and plan.conv_pool == 1
    np.testing.assert_allclose(plan.class_prior, [0.75, 0.25])
    np.testing.assert_allclose(plan.training_prior, [0.5, 0.5])
    assert plan.class_weight_start_epoch == 0 and plan.length_buckets is None
    mean, scale = plan.input_moments
    assert mean.shape == scale.shape == (2,)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.seed = 4


def test_plan_fitted_attributes_are_listed_in_fitted_state():
    X, y = _data()
    state = plan_fit(_params(), X, y).fitted_attributes()
    assert set(state) <= set(FITTED_STATE)
    assert state["target_type_"] == "binary" and state["timestep_targets_"] is False


def test_fitted_state_of_a_plan_keeps_the_invariants_load_checks():
    X, y = _data()
    state = plan_fit(_params(), X, y).fitted_attributes()
    check_fitted_state(state)
    with pytest.raises(FittedStateError, match="expected 1") as info:
        check_fitted_state({**state, "n_outputs_": 2})
    assert info.value.key == "n_outputs_"
    with pytest.raises(FittedStateError, match="applies only to multi-label targets"):
        check_fitted_state({**state, "threshold_": np.array([0.5])})
    Y = (np.random.default_rng(0).random((40, 3)) < 0.4).astype(int)
    state = plan_fit(_params(), X, Y).fitted_attributes()
    check_fitted_state(state)
    with pytest.raises(FittedStateError, match="is missing or differs"):
        check_fitted_state({k: v for k, v in state.items() if k != "label_names_"})


def test_plan_of_variable_length_multilabel_and_timestep_targets():
    rng = np.random.default_rng(1)
    X = [rng.normal(size=(t, 2)) for t in rng.integers(3, 9, size=30)]
    Y = (rng.random((30, 3)) < 0.4).astype(int)
    plan = plan_fit(_params(class_weight="balanced", standardize=False), X, Y)
    assert plan.spec.kind == "multilabel" and plan.class_weights_in == "loss"
    assert plan.lengths is not None and plan.input_moments is None
    assert plan.weights.loss_weights is not None and plan.length_buckets >= 1
    steps = [rng.integers(0, 2, size=len(x)) for x in X]
    plan = plan_fit(_params(time_weight="linear"), X, steps)
    assert plan.spec.per_timestep and plan.mask.shape == (30, plan.X.shape[1])
    assert plan.time_weight.shape == (plan.X.shape[1],)


def test_plan_refuses_options_of_other_kinds():
    X, y = _data()
    with pytest.raises(ValueError, match="time_weight='linear' applies to per-timestep"):
        plan_fit(_params(time_weight="linear"), X, y)
    with pytest.raises(ValueError, match="threshold applies only to multi-label"):
        plan_fit(_params(threshold=0.3), X, y)


#: plans a binary fit in a fresh interpreter, then runs the assertion appended to it
_PLAN_IN_A_SUBPROCESS = (
    "import sys, numpy as np\n"
    "from skimbal._fit_plan import plan_fit\n"
    "params = dict(per_timestep='auto', target_type='auto', time_weight=None,\n"
    "    frontend_strides='auto', label_names=None, threshold=0.5, loss=None,\n"
    "    balanced_batches=False, class_weight='balanced', normalize_weights=True,\n"
    "    beta=0.999, class_weight_start=0.0, logit_adjustment=None, tau=1.0,\n"
    "    random_state=0, validation_fraction='auto', length_buckets='auto',\n"
    "    batch_size='auto', epochs='auto', standardize=True, early_stopping='auto',\n"
    "    lr_schedule='cosine', lite_kernel_size=40)\n"
    "X = np.random.default_rng(0).normal(size=(20, 5, 2))\n"
    "plan_fit(params, X, np.arange(20) % 2)\n"
)


def test_planning_loads_neither_scikeras_nor_the_training_loop():
    check = ("bad = [m for m in ('scikeras', 'skimbal.classifier', 'skimbal._training', "
             "'skimbal.losses', 'skimbal.persistence') if m in sys.modules]\n"
             "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", _PLAN_IN_A_SUBPROCESS + check], check=True,
                   capture_output=True)


def test_planning_imports_no_tensorflow():
    check = "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
    out = subprocess.run([sys.executable, "-c", _PLAN_IN_A_SUBPROCESS + check], check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == "[]", f"planning imported {out.strip()}"


def test_load_refuses_params_that_fit_refuses(tmp_path):
    """A file whose parameters break a cross-parameter rule is refused, with fit's words."""
    import skimbal

    src, dst = DATA / "binary.skimbal", tmp_path / "focal_with_loss.skimbal"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "skimbal.json":
                meta = json.loads(data)
                meta["params"].update(focal_gamma=2.0, loss="binary_crossentropy")
                data = json.dumps(meta).encode()
            zout.writestr(item, data)
    with pytest.raises(ValueError, match="holds an invalid parameter: " + FOCAL_WITH_LOSS):
        skimbal.load(dst)
    with pytest.raises(ValueError, match=FOCAL_WITH_LOSS):
        check_params(_params(focal_gamma=2.0, loss="binary_crossentropy"))
