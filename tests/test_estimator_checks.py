"""scikit-learn's estimator checks for every skimbal estimator.

``parametrize_with_checks`` yields no check for an estimator that does not take
2-D input, so each estimator runs through a test-only adapter
(``tests/estimator_adapters.py``) that reads a 2-D ``X`` as sequences of one
timestep and changes nothing else. The checks that cannot apply to skimbal's 3-D
estimators are listed, each with the reason, in :func:`expected_failed_checks`.
"""

from __future__ import annotations

from estimator_adapters import (
    ADAPTED,
    ClassifierAdapter,
    MLROSAdapter,
    MLSMOTEAdapter,
    ScalerAdapter,
    SequenceSamplerAdapter,
)
from sklearn.utils.estimator_checks import parametrize_with_checks

# Checks whose expectations are about 2-D input, scikit-learn's exact error
# messages or conversions that skimbal's 3-D validation deliberately does not make.
_INPUT = {
    "check_complex_data": "skimbal refuses non-numeric X (complex too) with a TypeError "
                          "'X must be numeric', not scikit-learn's ValueError",
    "check_dtype_object": "skimbal refuses object-dtype X (no silent float conversion of "
                          "Python objects) with a TypeError",
    "check_estimators_empty_data_messages": "the message for an empty axis names the 3-D "
                                            "shape, not scikit-learn's '0 feature(s)' text",
    "check_fit2d_predict1d": "1-D X is refused as 'must be 3-D (n_samples, n_timesteps, "
                             "n_features)', not with scikit-learn's 'Reshape your data'",
    "check_n_features_in_after_fitting": "the message counts 'features per timestep' of 3-D "
                                         "X, not scikit-learn's exact 2-D wording",
}
# samplers have no predict / transform, so only the fit-time input checks apply
_SAMPLER_INPUT = {k: v for k, v in _INPUT.items()
                  if k not in ("check_fit2d_predict1d", "check_n_features_in_after_fitting")}
_Y_REQUIRED = {
    "check_requires_y_none": "y=None raises a TypeError ('y is required') rather than "
                             "scikit-learn's ValueError wording",
}

EXPECTED_FAILED = {
    ScalerAdapter: {
        **_INPUT,
        "check_transformer_preserve_dtypes": "SequenceScaler returns float32 by design "
                                             "(float32 end to end for the network)",
    },
    SequenceSamplerAdapter: {**_SAMPLER_INPUT, **_Y_REQUIRED},
    MLROSAdapter: {**_SAMPLER_INPUT, **_Y_REQUIRED},
    MLSMOTEAdapter: {**_SAMPLER_INPUT, **_Y_REQUIRED},
    ClassifierAdapter: {
        **_INPUT,
        **_Y_REQUIRED,
        "check_estimator_tags_renamed": "scikeras' KerasClassifier (the base class) still "
                                        "defines _more_tags for old scikit-learn; skimbal's "
                                        "tags come from __sklearn_tags__",
        "check_mixin_order": "scikeras' KerasClassifier puts BaseEstimator before "
                             "ClassifierMixin; scikeras stays the base class",
        "check_sample_weight_equivalence_on_dense_data": "mini-batch training of a neural "
                                                         "network: weighting a sample is not "
                                                         "the same as repeating it",
        "check_classifiers_train": "the tiny 2-epoch test network on one timestep does not "
                                   "reach the accuracy this check requires",
        "check_class_weight_classifiers": "the tiny 2-epoch test network does not reach the "
                                          "balanced accuracy this check requires",
        "check_fit2d_1sample": "one sample has one class; skimbal's message ('needs at least "
                               "two classes') is not one of scikit-learn's wordings",
    },
}


def expected_failed_checks(estimator) -> dict[str, str]:
    """The checks that cannot apply to ``estimator``, with the reason for each."""
    return EXPECTED_FAILED[type(estimator)]


@parametrize_with_checks(ADAPTED, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
