import numpy as np
import pytest

from skimbal.datasets import make_imbalanced_sequences


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


@pytest.mark.parametrize("weights", [(1.0,), (0.5, -0.5), (0.5, float("nan"))])
def test_bad_weights(weights):
    with pytest.raises(ValueError, match="weights"):
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
