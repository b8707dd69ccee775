from importlib import resources

import numpy as np
import pytest

from skimbal.datasets import (
    load_japanese_vowels,
    make_imbalanced_sequences,
    make_variable_length_sequences,
    pad_sequences,
)


def test_shapes_and_exact_proportions():
    X, y = make_imbalanced_sequences(300, n_timesteps=7, n_features=2,
                                     weights=(0.7, 0.2, 0.1), random_state=0)
    assert X.shape == (300, 7, 2) and X.dtype == np.float32
    assert np.bincount(y).tolist() == [210, 60, 30]


def test_seed_reproducible_and_classes_separable():
    a = make_imbalanced_sequences(100, random_state=1, class_sep=3.0, noise=0.1)
    b = make_imbalanced_sequences(100, random_state=1, class_sep=3.0, noise=0.1)
    np.testing.assert_array_equal(a[0], b[0])
    X, y = a
    # class 1 carries a positive offset on channel 1
    assert X[y == 1, :, 1].mean() > X[y == 0, :, 1].mean() + 1.0


@pytest.mark.parametrize("weights", [(1.0,), (0.5, -0.5), (0.5, float("nan")), (1.5, -0.5)])
def test_bad_weights(weights):
    with pytest.raises(ValueError, match="weights"):
        make_imbalanced_sequences(50, weights=weights)


@pytest.mark.parametrize("weights", [(0.5, 0.7), (20, 1), (0.3, 0.3)])
def test_weights_must_sum_to_one(weights):
    """No silent renormalisation (as sklearn's make_classification checks its weights)."""
    with pytest.raises(ValueError, match=r"weights must be class proportions summing to 1"):
        make_imbalanced_sequences(50, weights=weights)


def test_multilabel_exact_positive_counts():
    X, Y = make_imbalanced_sequences(200, target="multilabel",
                                     weights=(0.3, 0.1, 0.02), random_state=0)
    assert Y.shape == (200, 3)
    assert Y.sum(axis=0).tolist() == [60, 20, 4]
    assert set(np.unique(Y)) == {0, 1}


def test_per_timestep_events_are_rare_and_marked():
    X, Y = make_imbalanced_sequences(100, n_timesteps=50, target="per_timestep",
                                     weights=(0.98, 0.02), class_sep=3.0, noise=0.1,
                                     random_state=0)
    assert Y.shape == (100, 50)
    share = (Y == 1).mean()
    assert 0.01 <= share <= 0.03
    assert X[..., 1][Y == 1].mean() > X[..., 1][Y == 0].mean() + 2.0


def test_unknown_target():
    with pytest.raises(ValueError, match="target must be"):
        make_imbalanced_sequences(50, target="regression")


# --------------------------------------------------------------- JapaneseVowels
TEST_COUNTS = [31, 35, 88, 44, 29, 24, 40, 50, 29]  # speakers 1..9 in the UEA test split


def test_japanese_vowels_standard_split():
    d = load_japanese_vowels()
    assert len(d.X_train) == 270 and len(d.X_test) == 370
    assert np.bincount(d.y_train, minlength=10)[1:].tolist() == [30] * 9
    assert np.bincount(d.y_test, minlength=10)[1:].tolist() == TEST_COUNTS
    lengths = np.concatenate([d.lengths_train, d.lengths_test])
    assert lengths.min() == 7 and lengths.max() == 29
    assert all(x.shape == (n, 12) and x.dtype == np.float32
               for x, n in zip(d.X_train + d.X_test, lengths, strict=True))
    # first frame of the first training case, as written in JapaneseVowels_TRAIN.ts
    np.testing.assert_allclose(d.X_train[0][0, :3], [1.860936, -0.207383, 0.261557])
    assert d.X_train[0].shape == (20, 12) and d.y_train[0] == 1
    assert "Kudo" in d.DESCR and "Bagnall" in d.DESCR


def test_japanese_vowels_padded_matches_lists():
    lists, padded = load_japanese_vowels(), load_japanese_vowels(padded=True)
    assert padded.X_train.shape == (270, 29, 12) and padded.X_test.shape == (370, 29, 12)
    for i in (0, 100, 369):
        n = lists.lengths_test[i]
        np.testing.assert_array_equal(padded.X_test[i, :n], lists.X_test[i])
        assert not padded.X_test[i, n:].any()  # end-padded with zeros


@pytest.mark.parametrize("minority, expected_test", [(1, 9), (3, 5)])
def test_japanese_vowels_imbalance(minority, expected_test):
    full = load_japanese_vowels()
    d = load_japanese_vowels(imbalance=0.1, minority_class=minority, random_state=3)
    # round(0.1 * largest other speaker): 30 in train; 88 (or 50 without speaker 3) in test
    assert (d.y_train == minority).sum() == 3 and (d.y_test == minority).sum() == expected_test
    others = full.y_test != minority
    np.testing.assert_array_equal(d.y_test[d.y_test != minority], full.y_test[others])
    # the kept cases are original cases of that speaker, in the original order
    originals = [x.tobytes() for x, y in zip(full.X_train, full.y_train, strict=True)
                 if y == minority]
    kept = [originals.index(x.tobytes())
            for x, y in zip(d.X_train, d.y_train, strict=True) if y == minority]
    assert kept == sorted(kept)
    again = load_japanese_vowels(imbalance=0.1, minority_class=minority, random_state=3)
    np.testing.assert_array_equal(again.lengths_train, d.lengths_train)
    other_seeds = {
        tuple(load_japanese_vowels(imbalance=0.1, minority_class=minority,
                                   random_state=s).lengths_test)
        for s in range(4)
    }
    assert len(other_seeds) > 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(imbalance=0.0), "imbalance"),
        (dict(imbalance=1.5), "imbalance"),
        (dict(imbalance="0.1"), "imbalance"),
        (dict(imbalance=True), "imbalance"),
        (dict(minority_class=0), "minority_class"),
        (dict(minority_class=10), "minority_class"),
        (dict(padded="yes"), "padded"),
    ],
)
def test_japanese_vowels_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        load_japanese_vowels(**kwargs)


def test_packaged_file_is_small():
    path = resources.files("skimbal").joinpath("data", "japanese_vowels.npz")
    assert path.is_file() and path.stat().st_size < 1_000_000


def test_pad_sequences():
    out = pad_sequences([np.ones((2, 1)), 2 * np.ones((3, 1))], value=-1.0)
    np.testing.assert_array_equal(out[..., 0], [[1, 1, -1], [2, 2, 2]])
    assert out.dtype == np.float32
    with pytest.raises(ValueError, match="more than maxlen=2"):
        pad_sequences([np.ones((3, 1))], maxlen=2)
    with pytest.raises(ValueError, match="same n_features"):
        pad_sequences([np.ones((3, 1)), np.ones((3, 2))])


# ------------------------------------------------------ make_variable_length_sequences
def test_variable_length_shapes_lengths_and_counts():
    X, y = make_variable_length_sequences(200, n_classes=8, n_features=2, min_length=30,
                                          max_length=300, imbalance=10.0, random_state=0)
    assert isinstance(X, list) and len(X) == len(y) == 200
    assert all(x.dtype == np.float32 and x.ndim == 2 and x.shape[1] == 2 for x in X)
    lengths = np.array([len(x) for x in X])
    assert lengths.min() >= 30 and lengths.max() <= 300
    counts = np.bincount(y, minlength=8)
    assert counts.sum() == 200 and counts.min() >= 1
    # counts fall with the class code, the first class about `imbalance` times the last
    assert np.all(np.diff(counts) <= 0)
    assert 7 <= counts[0] / counts[-1] <= 14


def test_variable_length_length_is_informative_per_class():
    X, y = make_variable_length_sequences(400, n_classes=6, min_length=20, max_length=800,
                                          length_spread=0.2, random_state=3)
    log_len = np.log([len(x) for x in X])
    medians = np.array([np.median(log_len[y == c]) for c in range(6)])
    # class medians spread over the log-range: the between-class spread dominates
    assert np.ptp(medians) > 5 * 0.2
    within = np.mean([log_len[y == c].std() for c in range(6)])
    assert log_len.std() > 2 * within


def test_variable_length_reproducible():
    a = make_variable_length_sequences(50, n_classes=4, min_length=10, max_length=60,
                                       random_state=7)
    b = make_variable_length_sequences(50, n_classes=4, min_length=10, max_length=60,
                                       random_state=7)
    c = make_variable_length_sequences(50, n_classes=4, min_length=10, max_length=60,
                                       random_state=8)
    np.testing.assert_array_equal(a[1], b[1])
    for xa, xb in zip(a[0], b[0], strict=True):
        np.testing.assert_array_equal(xa, xb)
    assert not all(len(xa) == len(xc) and np.array_equal(xa, xc)
                   for xa, xc in zip(a[0], c[0], strict=True))


def test_variable_length_class_waveform_and_amplitude():
    X, y = make_variable_length_sequences(300, n_classes=3, min_length=200, max_length=200,
                                          amplitude_ratio=100.0, class_sep=1.0, noise=0.1,
                                          random_state=0)
    # every class shares the base period (20 steps: bin 10 of 200) ...
    spectra = [np.mean([np.abs(np.fft.rfft(x[:, 0])) for x, yi in zip(X, y, strict=True)
                        if yi == c], axis=0) for c in range(3)]
    assert all(int(np.argmax(spec[1:])) + 1 == 10 or spec[10] > 0.2 * spec.max()
               for spec in spectra)
    # ... while the class amplitudes span the requested ratio (log-normal factor aside)
    scale = [np.median([x.std() for x, yi in zip(X, y, strict=True) if yi == c])
             for c in range(3)]
    assert 30 < max(scale) / min(scale) < 300


@pytest.mark.parametrize(("kwargs", "name"), [
    (dict(n_classes=1), "n_classes"),
    (dict(n_samples=5, n_classes=6), "n_samples"),
    (dict(n_features=0), "n_features"),
    (dict(min_length=0), "min_length"),
    (dict(min_length=50, max_length=40), "max_length"),
    (dict(imbalance=0.5), "imbalance"),
    (dict(imbalance=float("inf")), "imbalance"),
    (dict(length_spread=-1.0), "length_spread"),
    (dict(amplitude_ratio=0.5), "amplitude_ratio"),
    (dict(class_sep=-1.0), "class_sep"),
    (dict(noise=0.0), "noise"),
    (dict(n_classes=2.5), "n_classes"),
])
def test_variable_length_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        make_variable_length_sequences(**{"n_samples": 50, **kwargs})
