"""Variable-length input: validation, end-padding with the NaN sentinel, un-padding."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from skimbal._sequences import is_sequence_list, lengths_mask, unpad
from skimbal._validation import check_sequence_batch


def _seqs():
    rng = np.random.RandomState(0)
    return [rng.normal(size=(n, 2)) for n in (3, 5, 1)]


def test_list_is_padded_at_the_end_with_nan():
    seqs = _seqs()
    copies = [s.copy() for s in seqs]
    X, lengths = check_sequence_batch(seqs)
    assert X.shape == (3, 5, 2) and X.dtype == np.float32
    np.testing.assert_array_equal(lengths, [3, 5, 1])
    for s, n, row in zip(seqs, lengths, X, strict=True):
        np.testing.assert_allclose(row[:n], s, rtol=1e-6)
        assert np.isnan(row[n:]).all()
    for s, c in zip(seqs, copies, strict=True):  # inputs untouched
        np.testing.assert_array_equal(s, c)


def test_array_input_has_no_lengths():
    X = np.zeros((4, 3, 2))
    out, lengths = check_sequence_batch(X)
    assert lengths is None and out.shape == (4, 3, 2)
    assert not is_sequence_list(X)


def test_genuine_zero_steps_are_data_not_padding():
    seqs = [np.array([[1.0], [0.0], [2.0]]), np.array([[0.0], [0.0]])]
    X, lengths = check_sequence_batch(seqs)
    np.testing.assert_array_equal(lengths, [3, 2])
    assert X[0, 1, 0] == 0.0 and X[1, 0, 0] == 0.0 and np.isnan(X[1, 2, 0])


def test_mask_and_unpad_round_trip():
    lengths = np.array([2, 4, 1])
    np.testing.assert_array_equal(
        lengths_mask(lengths, 4),
        [[1, 1, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0]],
    )
    values = np.arange(12).reshape(3, 4)
    parts = unpad(values, lengths)
    assert [p.tolist() for p in parts] == [[0, 1], [4, 5, 6, 7], [8]]


@pytest.mark.parametrize(
    "X, err, match",
    [
        ([np.zeros((3, 2)), np.zeros((0, 2))], ValueError, r"empty sequences.*\[1\]"),
        ([np.zeros((3, 2)), np.zeros((4, 3))], ValueError,
         r"inconsistent feature counts.*X\[1\] has 3"),
        ([np.zeros((3, 2)), np.zeros(4)], ValueError, "mixes 1-D and 2-D"),
        ([np.zeros(4), np.zeros((3, 2))], ValueError, "mixes 1-D and 2-D"),
        ([np.zeros(4), np.zeros(3)], ValueError, "list of 1-D arrays"),
        ([np.zeros((3, 2)), np.zeros((2, 2, 1))], ValueError, r"X\[1\] is 3-D"),
        ([np.zeros((3, 2)), np.full((2, 2), np.nan)], ValueError, "NaN or infinity"),
        ([np.zeros((3, 2)), np.full((2, 2), "a")], TypeError, r"X\[1\] must be numeric"),
    ],
)
def test_bad_lists(X, err, match):
    with pytest.raises(err, match=match):
        check_sequence_batch(X)


def test_feature_count_checked_against_fit():
    with pytest.raises(ValueError, match="3 features per timestep.*fitted with 2"):
        check_sequence_batch([np.zeros((2, 3))], n_features=2)


def test_all_finite_checks_every_block(monkeypatch):
    import skimbal._validation as v

    monkeypatch.setattr(v, "_FINITE_BLOCK_BYTES", 64)  # many small blocks
    X = np.zeros((50, 4, 3), dtype=np.float32)
    assert v.all_finite(X)
    for bad in (0, 23, 49):  # first, middle and last block
        Y = X.copy()
        Y[bad, 2, 1] = np.nan
        assert not v.all_finite(Y)
        with pytest.raises(ValueError, match="NaN or infinity"):
            v.check_sequences(Y)


# ------------------------------------------------- aeon / sktime layout (channels first)
def test_from_channels_first_array_is_a_transposed_view():
    from skimbal import from_channels_first

    X = np.arange(2 * 3 * 5, dtype=float).reshape(2, 3, 5)  # 2 cases, 3 channels, 5 steps
    before = X.copy()
    out = from_channels_first(X)
    assert out.shape == (2, 5, 3)
    assert out[1, 4, 2] == X[1, 2, 4]
    assert np.shares_memory(out, X)
    np.testing.assert_array_equal(X, before)


def test_from_channels_first_list_stays_a_list():
    from skimbal import from_channels_first

    X = [np.ones((2, 7)), np.zeros((2, 3))]  # aeon's unequal-length form
    out = from_channels_first(X)
    assert isinstance(out, list) and [x.shape for x in out] == [(7, 2), (3, 2)]


@pytest.mark.parametrize("X, match", [
    (np.zeros((4, 5)), "3-D array"),
    ([np.zeros(5), np.zeros(4)], r"X\[0\] is 1-D"),
])
def test_from_channels_first_bad_input(X, match):
    from skimbal import from_channels_first

    with pytest.raises(ValueError, match=match):
        from_channels_first(X)


def test_channels_first_array_gets_a_layout_warning():
    from skimbal import SequenceScaler

    X_aeon = np.random.default_rng(0).normal(size=(6, 1, 100))  # univariate, aeon layout
    with pytest.warns(UserWarning, match="from_channels_first"):
        SequenceScaler().fit(X_aeon)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SequenceScaler().fit(np.swapaxes(X_aeon, 1, 2))  # (6, 100, 1): no warning
        SequenceScaler().fit(np.zeros((6, 3, 20)) + np.arange(20))  # 20 features: plausible


def test_channels_first_list_error_names_the_converter():
    from skimbal import SequenceScaler

    X_aeon = [np.ones((2, 7)), np.ones((2, 9))]  # (n_channels, n_timepoints_i)
    # read as skimbal's layout, the lists have 7 and 9 "features"
    with pytest.raises(ValueError, match="from_channels_first"):
        SequenceScaler().fit(X_aeon)


# ------------------------------------------------ object arrays of sequences (issue 30)
def _object_array(shapes):
    arr = np.empty(len(shapes), dtype=object)
    for i, shape in enumerate(shapes):
        arr[i] = np.zeros(shape, dtype=np.float32)
    return arr


def test_object_array_of_equal_shaped_sequences_is_not_called_ragged():
    from skimbal import SequenceScaler

    X = _object_array([(5, 2)] * 6)
    with pytest.raises(TypeError, match=r"object array of 6 sequences that all have shape "
                       r"\(5, 2\) \(equal length, not ragged\).*3-D float array of shape "
                       r"\(6, 5, 2\), e.g. np.stack\(X\)") as info:
        SequenceScaler().fit(X)
    assert "(ragged)" not in str(info.value)


def test_object_array_of_ragged_sequences_says_ragged():
    from skimbal import SequenceScaler

    with pytest.raises(TypeError, match=r"6 sequences of different shapes \(ragged\).*list\(X\)"):
        SequenceScaler().fit(_object_array([(3 + i % 3, 2) for i in range(6)]))
