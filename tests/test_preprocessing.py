"""SequenceScaler: per-channel standardisation of 3-D and variable-length input."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

from skimbal.preprocessing import SequenceScaler

# 2 samples x 2 steps x 2 channels; channel 0: 1, 3, 5, 7; channel 1: 0, 0, 0, 4
X3 = np.array([[[1.0, 0.0], [3.0, 0.0]], [[5.0, 0.0], [7.0, 4.0]]])


def test_hand_computed_3d():
    X_copy = X3.copy()
    sc = SequenceScaler().fit(X3)
    # channel 0: mean 4, population var (9 + 1 + 1 + 9) / 4 = 5
    # channel 1: mean 1, var (1 + 1 + 1 + 9) / 4 = 3
    np.testing.assert_allclose(sc.mean_, [4.0, 1.0])
    np.testing.assert_allclose(sc.var_, [5.0, 3.0])
    np.testing.assert_allclose(sc.scale_, [np.sqrt(5.0), np.sqrt(3.0)])
    assert sc.n_features_in_ == 2 and sc.n_samples_seen_ == 4
    out = sc.transform(X3)
    assert out.dtype == np.float32 and out.shape == X3.shape
    np.testing.assert_allclose(out[1, 1], [3 / np.sqrt(5), 3 / np.sqrt(3)], rtol=1e-6)
    np.testing.assert_allclose(out[0, 0], [-3 / np.sqrt(5), -1 / np.sqrt(3)], rtol=1e-6)
    np.testing.assert_array_equal(X3, X_copy)  # never mutated


def test_variable_length_list():
    # lengths 1 and 3, one channel: values 2 | 4, 6, 8 -> mean 5, var (9+1+1+9)/4 = 5
    X = [np.array([[2.0]]), np.array([[4.0], [6.0], [8.0]])]
    sc = SequenceScaler().fit(X)
    np.testing.assert_allclose(sc.mean_, [5.0])
    np.testing.assert_allclose(sc.var_, [5.0])
    out = sc.transform(X)
    assert isinstance(out, list) and [o.shape for o in out] == [(1, 1), (3, 1)]
    assert all(o.dtype == np.float32 for o in out)
    np.testing.assert_allclose(out[1][:, 0], (np.array([4, 6, 8]) - 5) / np.sqrt(5), rtol=1e-6)
    # pooling every timestep is not the same as padding to 3-D with zeros
    padded = np.zeros((2, 3, 1))
    padded[0, 0], padded[1] = 2.0, X[1]
    assert not np.allclose(SequenceScaler().fit(padded).mean_, sc.mean_)


def test_constant_channel_scale_one_no_division_by_zero():
    X = X3.copy()
    X[..., 1] = 7.0  # constant channel
    with np.errstate(all="raise"):
        sc = SequenceScaler().fit(X)
        out = sc.transform(X)
    assert sc.scale_[1] == 1.0 and sc.var_[1] == 0.0
    np.testing.assert_array_equal(out[..., 1], 0.0)  # centred only
    assert np.isfinite(out).all()
    # a later non-constant value keeps its offset from the training constant, unscaled
    X_new = X.copy()
    X_new[0, 0, 1] = 9.0
    assert sc.transform(X_new)[0, 0, 1] == pytest.approx(2.0)


def test_statistics_from_training_data_only():
    rng = np.random.RandomState(0)
    X_train = rng.normal(10.0, 2.0, size=(20, 5, 3))
    X_test = rng.normal(-3.0, 9.0, size=(6, 5, 3))
    sc = SequenceScaler().fit(X_train)
    mean = X_train.reshape(-1, 3).mean(axis=0)
    std = X_train.reshape(-1, 3).std(axis=0)
    np.testing.assert_allclose(sc.transform(X_test), (X_test - mean) / std, rtol=1e-5)


def test_options_and_inverse():
    sc = SequenceScaler(with_mean=False).fit(X3)
    assert sc.mean_ is None
    np.testing.assert_allclose(sc.transform(X3)[1, 1, 0], 7 / np.sqrt(5), rtol=1e-6)
    full = SequenceScaler().fit(X3)
    np.testing.assert_allclose(full.inverse_transform(full.transform(X3)), X3, atol=1e-6)
    no_std = SequenceScaler(with_std=False).fit(X3)
    assert no_std.scale_ is None
    np.testing.assert_allclose(no_std.transform(X3)[1, 1], [3.0, 3.0])


def test_clone_and_pipeline_step():
    from sklearn.preprocessing import FunctionTransformer

    sc = SequenceScaler(with_std=False)
    assert clone(sc).get_params() == {"with_mean": True, "with_std": False}
    pipe = make_pipeline(SequenceScaler(), FunctionTransformer(lambda a: a.mean(axis=(1, 2))))
    out = pipe.fit_transform(X3)
    # per-sample mean of standardised values, hand-computed from the values above
    z = (X3 - [4.0, 1.0]) / np.sqrt([5.0, 3.0])
    np.testing.assert_allclose(out, z.mean(axis=(1, 2)), rtol=1e-6)


@pytest.mark.parametrize(
    "X, err, match",
    [
        (np.zeros((4, 3)), ValueError, "must be 3-D"),
        (None, TypeError, "X is required"),
        (np.full((2, 2, 2), "a"), TypeError, "numeric"),
        ([np.zeros((3, 2)), np.zeros((3, 4))], ValueError, "same number of features"),
        (np.full((2, 2, 2), np.nan), ValueError, "NaN or infinity"),
    ],
)
def test_bad_input(X, err, match):
    with pytest.raises(err, match=match):
        SequenceScaler().fit(X)


def test_transform_checks():
    with pytest.raises(NotFittedError):
        SequenceScaler().transform(X3)
    with pytest.raises(ValueError, match="fitted with 2"):
        SequenceScaler().fit(X3).transform(np.zeros((1, 2, 3)))
    with pytest.raises(NotFittedError):
        SequenceScaler().inverse_transform(X3)
    with pytest.raises(ValueError, match="3 features per timestep, but SequenceScaler was "
                                         "fitted with 2"):
        SequenceScaler().fit(X3).inverse_transform(np.zeros((1, 2, 3)))


def test_transform_refuses_nan_after_clean_fit():
    """Consistent with the classifier: NaN / inf at transform time is an error, not passed on."""
    sc = SequenceScaler().fit(X3)
    bad = np.array(X3, dtype=float)
    bad[0, 0, 0] = np.nan
    before = bad.copy()
    with pytest.raises(ValueError, match="NaN or infinity"):
        sc.transform(bad)
    np.testing.assert_array_equal(bad, before)
    with pytest.raises(ValueError, match=r"X\[1\] contains NaN or infinity"):
        sc.transform([np.asarray(X3[0], float), np.full((2, X3.shape[2]), np.inf)])
