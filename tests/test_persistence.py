"""save / skimbal.load: a pickle-free round trip, and clear errors for bad files."""

from __future__ import annotations

import json
import pickle
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest
from conftest import FAST, string_labels
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import skimbal
from skimbal import WeightedSequenceClassifier
from skimbal.persistence import FITTED_ATTRIBUTES, SCHEMA_VERSION


@pytest.fixture(scope="module")
def fitted_string(binary_data):
    X, y = binary_data
    clf = WeightedSequenceClassifier(
        class_weight={"fraud": 4.0}, dense_units=(3,), **{**FAST, "units": (4, 3)}
    )
    return clf.fit(X, string_labels(y)), X


@pytest.fixture(scope="module")
def saved(fitted_string, tmp_path_factory):
    clf, _ = fitted_string
    path = tmp_path_factory.mktemp("models") / "clf.skimbal"
    clf.save(path)
    return path


def _rewrite_meta(src, dst, edit):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "skimbal.json":
                meta = json.loads(data)
                edit(meta)
                data = json.dumps(meta).encode()
            zout.writestr(item, data)


def test_round_trip_predicts_identically(fitted_string, saved):
    clf, X = fitted_string
    back = skimbal.load(saved)
    assert back is not clf and back.model_ is not clf.model_
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    assert back.predict(X).dtype == clf.predict(X).dtype  # strings stay strings


def test_round_trip_keeps_fitted_state_and_params(fitted_string, saved):
    clf, _ = fitted_string
    back = skimbal.load(saved)
    np.testing.assert_array_equal(back.classes_, ["fraud", "normal"])
    assert back.classes_.dtype == clf.classes_.dtype
    assert back.class_weight_ == clf.class_weight_
    assert back.n_features_in_ == 3 and back.n_classes_ == 2 and back.target_type_ == "binary"
    assert back.history_ == {k: [float(v) for v in vals] for k, vals in clf.history_.items()}
    assert len(back.history_["loss"]) == FAST["epochs"]
    enc, enc0 = back.target_encoder_, clf.target_encoder_
    assert (enc.kind, enc.dtype_, enc.ndim_) == (enc0.kind, enc0.dtype_, enc0.ndim_)
    np.testing.assert_array_equal(enc.classes_, enc0.classes_)
    # parameters come back with their types: tuples stay tuples, dict keys stay labels
    assert back.get_params() == clf.get_params()
    assert back.units == (4, 3) and back.class_weight == {"fraud": 4.0}


def test_file_is_json_plus_keras_and_loaded_in_safe_mode(saved, monkeypatch):
    with zipfile.ZipFile(saved) as zf:
        assert sorted(zf.namelist()) == ["model.keras", "skimbal.json"]
        meta = json.loads(zf.read("skimbal.json"))
    assert meta["schema_version"] == SCHEMA_VERSION and meta["format"] == "skimbal-model"
    assert set(meta["versions"]) >= {"skimbal", "keras", "tensorflow", "numpy", "scikit-learn"}
    # every known attribute the (binary) estimator has; multi-label-only state is absent
    optional = {"label_names_", "threshold_", "time_weight_"}
    assert set(meta["fitted"]) == set(FITTED_ATTRIBUTES) - optional
    seen = {}
    original = keras.saving.load_model

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(keras.saving, "load_model", spy)
    skimbal.load(saved)
    assert seen["safe_mode"] is True


def test_multiclass_int_labels_and_onehot(multiclass_data, tmp_path):
    X, y = multiclass_data
    clf = WeightedSequenceClassifier(class_weight={2: 5.0}, **FAST).fit(X, y)
    back = skimbal.load(clf.save(tmp_path / "m.skimbal"))
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    assert back.class_weight_ == clf.class_weight_ and 2 in back.class_weight_
    Y = np.eye(3, dtype=int)[y]
    oh = WeightedSequenceClassifier(**FAST).fit(X, Y)
    back = skimbal.load(oh.save(tmp_path / "oh.skimbal"))
    pred = back.predict(X)
    assert pred.shape == (len(X), 3)
    np.testing.assert_array_equal(pred, oh.predict(X))


def test_loaded_estimator_pickles_and_refits(fitted_string, saved):
    clf, X = fitted_string
    back = pickle.loads(pickle.dumps(skimbal.load(saved)))
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    assert clone(back).get_params() == clf.get_params()


def test_save_unfitted_raises(tmp_path):
    with pytest.raises(NotFittedError):
        WeightedSequenceClassifier().save(tmp_path / "x.skimbal")


def test_code_parameters_refused_or_dropped(binary_data, tmp_path):
    X, y = binary_data

    def build(meta):
        return keras.Sequential([
            keras.Input((None, meta["n_features_in_"])),
            keras.layers.GRU(3),
            keras.layers.Dense(1, activation="sigmoid"),
        ])

    clf = WeightedSequenceClassifier(build, **FAST).fit(X, y)
    with pytest.raises(TypeError, match="cannot save parameter.*model"):
        clf.save(tmp_path / "strict.skimbal")
    path = clf.save(tmp_path / "loose.skimbal", strict=False)
    with pytest.warns(UserWarning, match="model were not saved"):
        back = skimbal.load(path)
    assert back.model is None
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))


def test_not_a_skimbal_file(tmp_path, fitted_string):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not a skimbal model file .not a zip"):
        skimbal.load(text)
    plain = tmp_path / "plain.keras"
    fitted_string[0].model_.save(plain)
    with pytest.raises(ValueError, match="not a skimbal model file.*plain Keras file"):
        skimbal.load(plain)
    with pytest.raises(FileNotFoundError):
        skimbal.load(tmp_path / "missing.skimbal")


def test_truncated_file(saved, tmp_path):
    cut = tmp_path / "cut.skimbal"
    data = saved.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated or corrupted"):
        skimbal.load(cut)


def test_other_schema_version(saved, tmp_path):
    other = tmp_path / "v99.skimbal"
    _rewrite_meta(saved, other, lambda m: m.update(schema_version=99))
    with pytest.raises(ValueError, match="schema version 99.*reads schema version 1"):
        skimbal.load(other)


def test_unknown_fitted_state_refused(saved, tmp_path):
    newer = tmp_path / "newer.skimbal"
    _rewrite_meta(saved, newer, lambda m: m["fitted"].update(thresholds_=[0.5]))
    with pytest.raises(ValueError, match="fitted state this skimbal does not know.*thresholds_"):
        skimbal.load(newer)


def test_multilabel_round_trip(tmp_path):
    from skimbal.datasets import make_imbalanced_sequences

    X, Y = make_imbalanced_sequences(120, n_timesteps=8, n_features=3, target="multilabel",
                                     weights=(0.4, 0.2, 0.1), random_state=0)
    clf = WeightedSequenceClassifier(units=3, epochs=1, class_weight="balanced",
                                     threshold=[0.4, 0.5, 0.6], random_state=0).fit(X, Y)
    back = skimbal.load(clf.save(tmp_path / "ml.zip"))
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    np.testing.assert_array_equal(back.threshold_, clf.threshold_)
    assert back.class_weight_ == clf.class_weight_
    assert back.target_type_ == "multilabel"
    assert [c.tolist() for c in back.classes_] == [c.tolist() for c in clf.classes_]


@pytest.mark.parametrize("kind", ["classes", "multilabel"])
def test_per_timestep_variable_length_round_trip(tmp_path, kind):
    from skimbal.datasets import make_imbalanced_sequences

    X, y = make_imbalanced_sequences(60, n_timesteps=12, n_features=2, target="per_timestep",
                                     weights=(0.8, 0.2), random_state=0)
    if kind == "multilabel":
        y = np.stack([y, 1 - y], axis=-1)
    lengths = np.random.RandomState(0).randint(5, 13, size=len(X))
    X_list = [x[:n] for x, n in zip(X, lengths, strict=True)]
    y_list = [t[:n] for t, n in zip(y, lengths, strict=True)]
    clf = WeightedSequenceClassifier(units=3, epochs=1, class_weight="balanced",
                                     time_weight="linear", random_state=0).fit(X_list, y_list)
    back = skimbal.load(clf.save(tmp_path / "ts.zip"))
    for a, b in zip(back.predict_proba(X_list), clf.predict_proba(X_list), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(back.time_weight_, clf.time_weight_)
    assert back.target_type_ == clf.target_type_ and back.variable_length_


LEGACY = Path(__file__).parent / "data" / "legacy_models"


@pytest.mark.parametrize("name", ["binary", "multilabel", "timestep_multilabel"])
def test_models_saved_before_one_fit_path_still_load(name):
    """Files written before issue 18 (tools/make_legacy_fixtures.py) load and predict alike.

    ``timestep_multilabel`` was compiled with the old ``TimestepWeightedBinaryCrossentropy``
    (``skimbal.timestep_losses``), ``multilabel`` with ``WeightedBinaryCrossentropy``.
    """
    back = skimbal.load(LEGACY / f"{name}.skimbal")
    expected = np.load(LEGACY / f"{name}.npz")
    np.testing.assert_allclose(back.predict_proba(expected["X"]), expected["proba"],
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(back.predict(expected["X"]), expected["pred"])
    assert back.model_.loss is not None


def test_variable_length_model_saved_before_one_fit_path_still_loads():
    """Its network starts with PaddingMask, saved from ``skimbal.masking`` (now in layers)."""
    back = skimbal.load(LEGACY / "timestep_variable_length.skimbal")
    expected = np.load(LEGACY / "timestep_variable_length.npz")
    X = [x[:n] for x, n in zip(expected["X"], expected["lengths"], strict=True)]
    proba, pred = back.predict_proba(X), back.predict(X)
    for i, n in enumerate(expected["lengths"]):
        np.testing.assert_allclose(proba[i], expected["proba"][i, :n], rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(pred[i], expected["pred"][i, :n])


def test_legacy_per_timestep_model_saves_again(tmp_path):
    """A model loaded from an old file (old loss name) can be saved and loaded again."""
    from skimbal.losses import WeightedBinaryCrossentropy

    back = skimbal.load(LEGACY / "timestep_multilabel.skimbal")
    assert isinstance(back.model_.loss, WeightedBinaryCrossentropy)
    again = skimbal.load(back.save(tmp_path / "again.skimbal"))
    X = np.load(LEGACY / "timestep_multilabel.npz")["X"]
    np.testing.assert_array_equal(again.predict_proba(X), back.predict_proba(X))
    assert again.model_.loss.get_config()["positive_weights"] == (
        back.model_.loss.get_config()["positive_weights"])
