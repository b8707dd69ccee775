import numpy as np
import pytest

from skimbal.targets import TargetEncoder, TargetSpec, TimestepTargetEncoder, target_spec


@pytest.mark.parametrize(
    "y, kind, classes",
    [
        ([0, 1, 1, 0], "binary", [0, 1]),
        ([True, False, True], "binary", [False, True]),
        (["b", "a", "b"], "binary", ["a", "b"]),
        ([2, 0, 1, 2], "multiclass", [0, 1, 2]),
        (["cat", "dog", "eel", "dog"], "multiclass", ["cat", "dog", "eel"]),
        ([[0, 1, 0], [1, 0, 0], [0, 0, 1]], "onehot", [0, 1, 2]),
        ([[1], [0], [1]], "binary", [0, 1]),
    ],
)
def test_kind_and_classes(y, kind, classes):
    enc = TargetEncoder().fit(y)
    assert enc.kind == kind
    assert enc.classes_.tolist() == classes


def test_round_trip_preserves_form():
    for y in (np.array(["x", "y", "x"]), np.array([True, False, True]),
              np.array([[0, 1], [1, 0], [0, 1]], dtype=np.int8)):
        enc = TargetEncoder().fit(y)
        back = enc.inverse_transform(enc.transform(y))
        np.testing.assert_array_equal(back, y)
        assert back.dtype == y.dtype


def test_codes_follow_sorted_classes():
    enc = TargetEncoder().fit(["b", "c", "a"])
    assert enc.transform(["a", "b", "c"]).tolist() == [0, 1, 2]


@pytest.mark.parametrize(
    "y, match",
    [
        ([1, 1, 1], "single class"),
        ([0.5, 1.0, 2.0], "continuous"),
        ([0.0, np.nan, 1.0], "NaN"),
        ([[1, 2, 0], [0, 1, 0]], "other than 0/1: \\[2\\]"),
        ([[0.5, 1.0], [0.0, 1.0]], "other than 0/1"),
        ([[1, 0], [1, 0]], "single class"),
        (np.zeros((3, 2, 2)), "3-D"),
    ],
)
def test_bad_targets(y, match):
    with pytest.raises(ValueError, match=match):
        TargetEncoder().fit(y)


def test_unknown_label_at_transform():
    enc = TargetEncoder().fit([0, 1])
    with pytest.raises(ValueError, match="not seen in fit: \\[5\\]"):
        enc.transform([0, 5])


def test_none_and_scalar_y():
    with pytest.raises(TypeError, match="y is required"):
        TargetEncoder().fit(None)
    with pytest.raises(TypeError, match="scalar"):
        TargetEncoder().fit(3)


# ----------------------------------------------------------------- multi-label
def test_multilabel_detected_when_a_row_does_not_sum_to_one():
    y = np.array([[1, 1, 0], [0, 1, 0], [0, 0, 0]], dtype=np.int8)
    enc = TargetEncoder().fit(y)
    assert enc.kind == "multilabel"
    assert enc.label_names_.tolist() == [0, 1, 2]
    assert len(enc.classes_) == 3 and all(c.tolist() == [0, 1] for c in enc.classes_)
    Z = enc.transform(y)
    assert Z.dtype == np.float32 and Z.shape == (3, 3)
    back = enc.inverse_transform(Z > 0.5)
    np.testing.assert_array_equal(back, y)
    assert back.dtype == np.int8


def test_all_rows_one_positive_is_onehot_unless_overridden():
    y = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    assert TargetEncoder().fit(y).kind == "onehot"
    assert TargetEncoder("multiclass").fit(y).kind == "onehot"
    assert TargetEncoder("multilabel").fit(y).kind == "multilabel"


def test_multiclass_override_rejects_multilabel_rows():
    with pytest.raises(ValueError, match="one-hot.*target_type='multilabel'"):
        TargetEncoder("multiclass").fit([[1, 1], [0, 1]])


def test_bool_multilabel_and_dataframe_names():
    import pandas as pd
    df = pd.DataFrame({"spike": [True, False, True], "drift": [True, True, False]})
    enc = TargetEncoder().fit(df)
    assert enc.kind == "multilabel"
    assert enc.label_names_.tolist() == ["spike", "drift"]
    assert enc.inverse_transform(np.array([[1, 0]])).dtype == bool
    enc2 = TargetEncoder(label_names=["a", "b"]).fit(df)
    assert enc2.label_names_.tolist() == ["a", "b"]
    mixed = pd.DataFrame({"spike": [True, False, True], "drift": [1, 1, 0]})  # object
    enc3 = TargetEncoder().fit(mixed)
    assert enc3.kind == "multilabel"
    np.testing.assert_array_equal(enc3.transform(mixed), [[1, 1], [0, 1], [1, 0]])


@pytest.mark.parametrize(
    "target_type, y, match",
    [
        ("multilabel", [[1], [0], [1]], r"single label column.*pass 1-D labels"),
        ("multilabel", [1, 0, 1], "needs y of shape"),
        ("multilabel", [[1, 3], [0, 1]], r"other than 0/1: \[3\]"),
        ("multilabel", [["a", "b"], ["b", "a"]], "other than 0/1"),
        ("auto", [[1, -1, 0], [0, 1, 1]], r"other than 0/1: \[-1\]"),
        ("sparse", [[1, 1], [0, 1]], "target_type must be one of"),
    ],
)
def test_bad_multilabel_targets(target_type, y, match):
    with pytest.raises(ValueError, match=match):
        TargetEncoder(target_type).fit(y)


def test_multilabel_transform_checks_width_and_values():
    enc = TargetEncoder().fit([[1, 1, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match=r"shape \(n_samples, 3\)"):
        enc.transform([[1, 0], [0, 1]])
    with pytest.raises(ValueError, match="other than 0/1"):
        enc.transform([[1, 0, 2]])


def test_label_names_length_and_uniqueness():
    with pytest.raises(ValueError, match="label_names has 1 names but y has 2"):
        TargetEncoder(label_names=["a"]).fit([[1, 1], [0, 1]])
    with pytest.raises(ValueError, match="unique"):
        TargetEncoder(label_names=["a", "a"]).fit([[1, 1], [0, 1]])


# ------------------------------------------------------------ TargetSpec
@pytest.mark.parametrize(
    "y, kind, n_outputs, activation",
    [
        (np.array([0, 1, 1, 0]), "binary", 1, "sigmoid"),
        (np.array(["a", "b", "c", "a"]), "multiclass", 3, "softmax"),
        (np.eye(3)[[0, 1, 2, 0]], "onehot", 3, "softmax"),
        (np.array([[1, 0], [1, 1], [0, 0], [0, 1]]), "multilabel", 2, "sigmoid"),
    ],
)
def test_spec_output_layer_per_kind(y, kind, n_outputs, activation):
    spec = target_spec(TargetEncoder().fit(y))
    assert (spec.kind, spec.n_outputs, spec.activation) == (kind, n_outputs, activation)
    assert not spec.per_timestep
    assert spec.output_mode((None, n_outputs)) in ("sigmoid", "softmax", "multilabel")
    with pytest.raises(ValueError, match="output layer has 7 units"):
        spec.output_mode((None, 7))


def test_spec_sigmoid_round_trip_and_two_softmax_units_for_binary():
    spec = target_spec(TargetEncoder().fit(np.array(["no", "yes", "no"])))
    codes = np.array([0, 1, 0])
    assert spec.encode_for_keras(codes, "sigmoid").shape == (3, 1)
    np.testing.assert_array_equal(spec.encode_for_keras(codes, "softmax"), codes)
    proba = spec.proba_from_output(np.array([[0.2], [0.9]]), "sigmoid")
    np.testing.assert_allclose(proba, [[0.8, 0.2], [0.1, 0.9]])
    np.testing.assert_array_equal(spec.codes_from_proba(proba), [0, 1])
    assert spec.output_mode((None, 2)) == "softmax"  # a user model may use 2 softmax units
    assert spec.default_loss("sigmoid", None) == "binary_crossentropy"
    assert spec.default_loss("softmax", None) == "sparse_categorical_crossentropy"


def test_spec_multilabel_threshold_and_weighted_loss():
    from skimbal.losses import WeightedBinaryCrossentropy

    spec = target_spec(TargetEncoder().fit(np.array([[1, 0, 1], [0, 1, 1]])))
    assert spec.thresholded and spec.n_classes_attr() == [2, 2, 2]
    proba = np.array([[0.5, 0.4, 0.7]])
    np.testing.assert_array_equal(spec.codes_from_proba(proba, np.array([0.5, 0.5, 0.8])),
                                  [[1, 0, 0]])
    loss = spec.default_loss("multilabel", (np.array([2.0, 1, 1]), np.array([0.5, 1, 1])))
    assert isinstance(loss, WeightedBinaryCrossentropy)
    assert loss.positive_weights == [2.0, 1.0, 1.0]


def test_spec_per_timestep_kinds():
    enc = TimestepTargetEncoder().fit(np.array([[0, 1, 0], [0, 0, 0]]), None, 2, 3)
    spec = target_spec(enc)
    assert spec.per_timestep and spec.n_outputs == 1 and not spec.thresholded
    with pytest.raises(ValueError, match=r"\(batch, T, units\)"):
        spec.output_mode((None, 1))
    assert spec.output_mode((None, 3, 1)) == "sigmoid"
    proba = spec.proba_from_output(np.array([[[0.3], [0.6]]]), "sigmoid")
    assert proba.shape == (1, 2, 2)
    mask = np.array([[True, True, False], [True, False, False]])
    codes = np.array([[0, 1, 1], [0, 1, 1]])
    np.testing.assert_array_equal(spec.presence(codes, mask), [[True, True], [True, False]])
    ml = TargetSpec("per_timestep_multilabel", 2, np.arange(2))
    assert ml.multilabel and ml.n_outputs == 2 and ml.activation == "sigmoid"
