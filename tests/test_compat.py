"""The scikeras / scikit-learn compatibility fixes in skimbal._compat."""

import numpy as np
import pytest
from scikeras.wrappers import KerasClassifier
from sklearn.base import is_classifier
from sklearn.model_selection import KFold, StratifiedKFold, check_cv
from sklearn.utils import get_tags

from skimbal import WeightedSequenceClassifier
from skimbal._compat import ClassifierTagsMixin


def test_plain_scikeras_is_not_a_classifier_without_the_fix():
    # Documents the upstream problem the mixin fixes; if scikeras ever fixes
    # it, this test fails and the mixin can be dropped.
    assert not is_classifier(KerasClassifier())


def test_mixin_makes_scikeras_a_classifier():
    class Fixed(ClassifierTagsMixin, KerasClassifier):
        pass

    assert is_classifier(Fixed())
    tags = get_tags(Fixed())
    assert tags.estimator_type == "classifier"
    assert tags.input_tags.three_d_array


def test_weighted_classifier_tags():
    est = WeightedSequenceClassifier()
    assert is_classifier(est)
    tags = get_tags(est)
    assert tags.target_tags.required
    assert tags.input_tags.three_d_array and not tags.input_tags.two_d_array
    assert tags.non_deterministic
    assert not get_tags(WeightedSequenceClassifier(random_state=0)).non_deterministic


def test_multi_label_tag_matches_what_fit_accepts():
    # The tag says multi-label indicator targets are supported; so does fit.
    assert get_tags(WeightedSequenceClassifier()).classifier_tags.multi_label
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 5, 2)).astype("float32")
    Y = np.array([[1, 0], [0, 1], [1, 1]] * 4)
    est = WeightedSequenceClassifier(architecture="rnn", units=2, epochs=1, batch_size=12,
                                     random_state=0).fit(X, Y)
    assert est.predict(X).shape == Y.shape
    assert set(np.unique(est.predict(X))) <= {0, 1}


def test_check_cv_is_stratified_for_the_estimator():
    y = np.array([0] * 10 + [1] * 5)
    cv = check_cv(5, y, classifier=is_classifier(WeightedSequenceClassifier()))
    assert isinstance(cv, StratifiedKFold)
    cv_plain = check_cv(5, y, classifier=is_classifier(KerasClassifier()))
    assert isinstance(cv_plain, KFold)


def test_partial_fit_is_hidden():
    est = WeightedSequenceClassifier()
    assert not hasattr(est, "partial_fit")
    with pytest.raises(AttributeError, match="class weighting"):
        getattr(est, "partial_fit")  # noqa: B009


def test_initialize_is_hidden():
    est = WeightedSequenceClassifier()
    assert not hasattr(est, "initialize")
    with pytest.raises(AttributeError, match="without skimbal's fit plan"):
        getattr(est, "initialize")  # noqa: B009


def test_seeded_fit_does_not_leave_op_determinism_on():
    # A fresh process: TensorFlow caches TF_DETERMINISTIC_OPS at its first
    # determinism query, which must happen inside scikeras' seeded block.
    import subprocess
    import sys

    code = (
        "import numpy as np\n"
        "from skimbal import WeightedSequenceClassifier as W\n"
        "from tensorflow.python.framework import config\n"
        "rng = np.random.RandomState(0)\n"
        "X = rng.normal(size=(20, 4, 2)).astype('float32')\n"
        "y = np.r_[np.zeros(10, int), np.ones(10, int)]\n"
        "W(units=2, epochs=1, random_state=0).fit(X, y)\n"
        "print('determinism', config.is_op_determinism_enabled())\n"
        "W(units=2, epochs=1, dropout=0.2).fit(X, y)\n"  # unseeded random ops
        "print('unseeded fit ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert "determinism False" in out.stdout, out.stderr[-2000:]
    assert "unseeded fit ok" in out.stdout, out.stderr[-2000:]
