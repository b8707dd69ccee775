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
