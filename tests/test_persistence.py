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
from sklearn.preprocessing import StandardScaler

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


@pytest.mark.parametrize("params", [
    {"logit_adjustment": "post-hoc", "tau": 0.5, "class_weight": "balanced",
     "prior_correction": True, "balanced_batches": True},
    {"logit_adjustment": "loss", "tau": 2.0, "prior_correction": True},
], ids=["post-hoc", "loss"])
def test_imbalance_method_params_and_priors_round_trip(multiclass_data, tmp_path, params):
    X, y = multiclass_data
    clf = WeightedSequenceClassifier(**FAST, **params).fit(X, string_labels(y))
    back = skimbal.load(clf.save(tmp_path / "m.skimbal"))
    assert back.get_params() == clf.get_params()
    for attr in ("class_prior_", "training_prior_"):
        np.testing.assert_array_equal(getattr(back, attr), getattr(clf, attr))
    # corrected probabilities and (post-hoc) adjusted decisions come back alike
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    assert type(back.model_.loss) is type(clf.model_.loss)  # the adjusted loss reloads
    if params["logit_adjustment"] == "loss":
        assert back.model_.loss.logit_offsets == pytest.approx(clf.model_.loss.logit_offsets)


def test_prior_correction_file_without_priors_refused(multiclass_data, tmp_path, no_keras_load):
    X, y = multiclass_data
    clf = WeightedSequenceClassifier(**{**FAST, "epochs": 1}, prior_correction=True).fit(X, y)
    path = clf.save(tmp_path / "m.skimbal")
    bad = tmp_path / "bad.skimbal"
    _rewrite_meta(path, bad, lambda m: m["fitted"].pop("training_prior_"))
    with pytest.raises(ValueError, match="lacks 'class_prior_' / 'training_prior_'"):
        skimbal.load(bad)


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
    # a network from a user model function is not on skimbal's allow-list: opt in
    with pytest.warns(UserWarning), pytest.raises(
        ValueError, match=r"user model function.*skimbal.load\(path, allow_user_model=True\)"
    ):
        skimbal.load(path)
    with pytest.warns(UserWarning, match="model were not saved"):
        back = skimbal.load(path, allow_user_model=True)
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
                                     time_weight="linear", random_state=0,
                                     target_type="multilabel" if kind == "multilabel" else "auto",
                                     ).fit(X_list, y_list)
    back = skimbal.load(clf.save(tmp_path / "ts.zip"))
    for a, b in zip(back.predict_proba(X_list), clf.predict_proba(X_list), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(back.time_weight_, clf.time_weight_)
    assert back.target_type_ == clf.target_type_ and back.variable_length_
    assert back.target_type_ == f"per_timestep_{'multilabel' if kind == 'multilabel' else 'binary'}"


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


# ------------------------------------------------- load trusts nothing (issue 19)
def _rewrite_member(src, dst, name, edit):
    """Copy the archive ``src`` to ``dst`` with member ``name``'s bytes passed through ``edit``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            zout.writestr(item.filename, edit(data) if item.filename == name else data)


def _rewrite_model_config(src, dst, edit):
    import io

    def new_keras(data):
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
            for item in zin.infolist():
                member = zin.read(item)
                if item.filename == "config.json":
                    config = json.loads(member)
                    edit(config)
                    member = json.dumps(config).encode()
                zout.writestr(item.filename, member)
        return out.getvalue()

    _rewrite_member(src, dst, "model.keras", new_keras)


@pytest.fixture
def no_keras_load(monkeypatch):
    """Fail if Keras gets to read the network (the metadata must be refused first)."""

    def boom(*args, **kwargs):
        raise AssertionError("keras.saving.load_model ran before the metadata was checked")

    monkeypatch.setattr(keras.saving, "load_model", boom)


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda m: m["params"].update(predict_proba="x"), "unknown parameter 'predict_proba'"),
        (lambda m: m["params"].update(__class__="x"), "unknown parameter '__class__'"),
        (lambda m: m.pop("params"), "key 'params' is missing"),
        (lambda m: m.update(fitted={}), "lacks the fitted attribute.*classes_"),
        (lambda m: m["fitted"].update(classes_="abc"), "'classes_'"),
        (lambda m: m["fitted"].update(n_classes_=3), "'n_classes_'"),
        (lambda m: m["fitted"].update(target_type_="multiclass"), "'target_type_'"),
        (lambda m: m["fitted"].update(n_features_in_=True), "'n_features_in_'"),
        (lambda m: m["fitted"].update(timestep_targets_=True), "'timestep_targets_'"),
        (lambda m: m["fitted"].update(threshold_=[0.5]), "'threshold_'"),
        (lambda m: m["fitted"].update(history_={"loss": "x"}), "'history_'"),
        (lambda m: m["fitted"]["target_encoder_"]["state"].update(__class__="x"),
         "unknown TargetEncoder state"),
        (lambda m: m["fitted"]["target_encoder_"].update({"class": "os"}),
         "unknown target encoder 'os'"),
        (lambda m: m["fitted"].update(classes_={"__ndarray__": [1], "dtype": "<i8",
                                                "shape": [5]}), "'classes_' is malformed"),
        (lambda m: m["params"].update(optimizer="os.system"),
         "optimizer='os.system' is not a known Keras optimizer"),
        (lambda m: m["params"].update(loss="os.system"), "loss='os.system'"),
        (lambda m: m["params"].update(metrics=["os.system"]), r"metrics\[0\]='os.system'"),
        (lambda m: m["params"].update(units="many"), "units"),
        (lambda m: m["params"].update(model="os.system"), "parameter 'model' must be null"),
        (lambda m: m.update(extra=1), "unknown key.*extra"),
        (lambda m: m["fitted"].update(class_prior_={"__ndarray__": [0.5, 0.2, 0.3],
                                                    "dtype": "<f8", "shape": [3]}),
         "'class_prior_': must be 2 probabilities"),
        (lambda m: m["fitted"].update(training_prior_={"__ndarray__": [0.5, 0.2],
                                                       "dtype": "<f8", "shape": [2]}),
         "'training_prior_': must sum to 1"),
        (lambda m: m["params"].update(logit_adjustment="both"), "logit_adjustment"),
        (lambda m: m["params"].update(tau=-1.0), "tau"),
    ],
    ids=["method-name-param", "dunder-param", "no-params", "fitted-empty", "classes-string",
         "n-classes", "target-type", "n-features-bool", "timestep-flag", "threshold-binary",
         "history", "encoder-state", "encoder-class", "array-shape", "optimizer", "loss",
         "metrics", "units-type", "model-param", "top-level-key", "class-prior-length",
         "training-prior-sum", "logit-adjustment", "tau"],
)
def test_tampered_metadata_refused_before_keras(saved, tmp_path, no_keras_load, edit, match):
    bad = tmp_path / "bad.skimbal"
    _rewrite_meta(saved, bad, edit)
    with pytest.raises(ValueError, match=match) as info:
        skimbal.load(bad)
    assert str(bad) in str(info.value)


def test_n_features_disagreeing_with_network_refused(saved, tmp_path, no_keras_load):
    bad = tmp_path / "bad.skimbal"
    _rewrite_meta(saved, bad, lambda m: m["fitted"].update(n_features_in_=7))
    with pytest.raises(ValueError, match="'n_features_in_' is 7 but the network.*3 features"):
        skimbal.load(bad)


def test_classes_disagreeing_with_network_refused(saved, tmp_path):
    """3 classes in the metadata (consistently) but a 1-unit sigmoid network."""

    def three(m):
        enc = m["fitted"]["target_encoder_"]["state"]
        arr = {"__ndarray__": ["fraud", "normal", "x"], "dtype": "<U6", "shape": [3]}
        enc.update(classes_=arr, kind="multiclass")
        m["fitted"].update(classes_=arr, n_classes_=3, target_type_="multiclass", n_outputs_=3,
                           class_weight_={"fraud": 1.0})
        prior = {"__ndarray__": [0.2, 0.3, 0.5], "dtype": "<f8", "shape": [3]}
        m["fitted"].update(class_prior_=prior, training_prior_=prior)

    bad = tmp_path / "bad.skimbal"
    _rewrite_meta(saved, bad, three)
    with pytest.raises(ValueError, match="does not fit the fitted 'classes_'.*1 units"):
        skimbal.load(bad)


def test_tampered_optimizer_in_network_config_refused(saved, tmp_path, no_keras_load):
    def tamper(config):
        config["compile_config"]["optimizer"] = {"module": "os", "class_name": "system",
                                                 "config": {}, "registered_name": None}

    bad = tmp_path / "bad.skimbal"
    _rewrite_model_config(saved, bad, tamper)
    with pytest.raises(ValueError, match=r"model.keras/config.json of this .* refers to os.system"):
        skimbal.load(bad)


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda data: b"garbage" * 100, "member model.keras .*not a Keras archive"),
        (lambda data: data[: len(data) // 2], "member model.keras .*truncated"),
        (lambda data: data[:-300], "member model.keras"),
    ],
    ids=["garbage", "truncated-half", "truncated-tail"],
)
def test_corrupt_network_member_names_file_and_member(saved, tmp_path, edit, match):
    bad = tmp_path / "bad.skimbal"
    _rewrite_member(saved, bad, "model.keras", edit)
    with pytest.raises(ValueError, match=match) as info:
        skimbal.load(bad)
    assert str(bad) in str(info.value) and "File not found" not in str(info.value)


def test_byte_flips_give_one_clear_error(saved, tmp_path):
    """Flipped bytes anywhere: the file loads (harmless byte) or one ValueError naming it."""
    data = saved.read_bytes()
    errors = 0
    for pos in np.linspace(0, len(data) - 1, 19).astype(int):
        flipped = bytearray(data)
        flipped[pos] ^= 0xFF
        bad = tmp_path / f"flip{pos}.skimbal"
        bad.write_bytes(bytes(flipped))
        try:
            skimbal.load(bad)
        except ValueError as exc:
            errors += 1
            assert str(bad) in str(exc)
    assert errors >= 10


def test_member_size_limit(saved, tmp_path, monkeypatch):
    import skimbal.persistence as persistence

    monkeypatch.setattr(persistence, "MAX_MEMBER_BYTES", 1000)
    with pytest.raises(ValueError, match="member model.keras .*declares .* bytes.*refused"):
        skimbal.load(saved)


def test_zip_bomb_member_refused_unread(saved, tmp_path, no_keras_load):
    """A member whose declared size is huge but compresses to little is never inflated."""
    bomb = tmp_path / "bomb.skimbal"
    with zipfile.ZipFile(saved) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("skimbal.json", zin.read("skimbal.json") + b" " * (17 * 2**20))
        z.writestr("model.keras", zin.read("model.keras"))
    assert bomb.stat().st_size < 2**20
    with pytest.raises(ValueError, match="member skimbal.json .*declares"):
        skimbal.load(bomb)


def test_unexpected_member_refused(saved, tmp_path):
    bad = tmp_path / "bad.skimbal"
    with zipfile.ZipFile(saved) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item))
        zout.writestr("payload.py", "import os")
    with pytest.raises(ValueError, match=r"unexpected member.*payload.py"):
        skimbal.load(bad)


def test_directory_and_missing_path(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a directory"):
        skimbal.load(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        skimbal.load(tmp_path / "missing.skimbal")


def test_per_step_onehot_round_trip(tmp_path):
    Y = np.eye(3, dtype=int)[np.random.RandomState(0).randint(0, 3, (30, 5))]
    X = np.random.RandomState(1).normal(size=(30, 5, 2))
    clf = WeightedSequenceClassifier(units=3, epochs=1, random_state=0).fit(X, Y)
    back = skimbal.load(clf.save(tmp_path / "onehot.skimbal"))
    assert back.target_type_ == "per_timestep_multiclass"
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))


# ------------------------------------------------------ pipelines (skimbal.save)
@pytest.fixture(scope="module")
def fitted_pipeline(binary_data):
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.pipeline import Pipeline

    from skimbal import SequenceSampler, SequenceScaler

    X, y = binary_data
    pipe = Pipeline([
        ("scale", SequenceScaler()),
        ("sampler", SequenceSampler(RandomOverSampler(random_state=0))),
        ("clf", WeightedSequenceClassifier(**FAST)),
    ])
    return pipe.fit(X, string_labels(y)), X


@pytest.fixture(scope="module")
def saved_pipeline(fitted_pipeline, tmp_path_factory):
    pipe, _ = fitted_pipeline
    return skimbal.save(pipe, tmp_path_factory.mktemp("pipes") / "pipe.skimbal")


def test_imblearn_pipeline_round_trip(fitted_pipeline, saved_pipeline):
    from imblearn.pipeline import Pipeline

    pipe, X = fitted_pipeline
    with zipfile.ZipFile(saved_pipeline) as zf:
        assert sorted(zf.namelist()) == ["model-0.keras", "skimbal.json"]
        meta = json.loads(zf.read("skimbal.json"))
    assert meta["schema_version"] == 2 and "pickle" not in json.dumps(meta)
    back = skimbal.load(saved_pipeline)
    assert type(back) is Pipeline and [n for n, _ in back.steps] == ["scale", "sampler", "clf"]
    np.testing.assert_array_equal(back.predict_proba(X), pipe.predict_proba(X))
    np.testing.assert_array_equal(back.predict(X), pipe.predict(X))  # string labels
    np.testing.assert_array_equal(back["scale"].scale_, pipe["scale"].scale_)
    # the sampler is stored by its parameters (it only works during fit)
    assert back["sampler"].sampler.get_params() == pipe["sampler"].sampler.get_params()
    assert not hasattr(back["sampler"], "sampler_")
    assert repr(back) == repr(pipe)
    assert back["clf"].get_params() == pipe["clf"].get_params()


def test_sklearn_pipeline_and_plain_scaler_round_trip(binary_data, tmp_path):
    from sklearn.pipeline import make_pipeline

    from skimbal import SequenceScaler

    X, y = binary_data
    pipe = make_pipeline(SequenceScaler(with_mean=False), WeightedSequenceClassifier(**FAST))
    back = skimbal.load(skimbal.save(pipe.fit(X, y), tmp_path / "pipe.skimbal"))
    assert back.steps[0][1].with_mean is False
    np.testing.assert_array_equal(back.predict_proba(X), pipe.predict_proba(X))
    flat = X.reshape(len(X), -1)
    scaler = StandardScaler().fit(flat)
    back = skimbal.load(skimbal.save(scaler, tmp_path / "scaler.skimbal"))
    assert type(back) is StandardScaler and back.n_samples_seen_ == len(X)
    np.testing.assert_array_equal(back.transform(flat), scaler.transform(flat))


def test_skimbal_save_of_a_classifier_is_the_classifier_format(fitted_string, tmp_path):
    clf, X = fitted_string
    path = skimbal.save(clf, tmp_path / "clf.skimbal")
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["model.keras", "skimbal.json"]
        assert json.loads(zf.read("skimbal.json"))["schema_version"] == SCHEMA_VERSION
    np.testing.assert_array_equal(skimbal.load(path).predict_proba(X), clf.predict_proba(X))


class _Custom(StandardScaler):
    """A subclass defined outside scikit-learn: not allow-listed."""


def test_unsupported_steps_raise_naming_the_step(binary_data, tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y = binary_data
    flat = np.abs(X.reshape(len(X), -1))
    code = make_pipeline(FunctionTransformer(np.log1p), StandardScaler()).fit(flat)
    with pytest.raises(TypeError, match="step 'functiontransformer'.*parameter 'func' is "
                       "code"):
        skimbal.save(code, tmp_path / "x.skimbal")
    custom = make_pipeline(_Custom()).fit(flat)
    with pytest.raises(TypeError, match=r"step '_custom'.*test_persistence\._Custom is not a "
                       "scikit-learn, imbalanced-learn or skimbal class"):
        skimbal.save(custom, tmp_path / "x.skimbal")
    with pytest.raises(NotFittedError):
        skimbal.save(make_pipeline(StandardScaler()), tmp_path / "x.skimbal")
    cached = make_pipeline(StandardScaler(), memory=str(tmp_path / "cache")).fit(flat)
    with pytest.raises(TypeError, match="memory=.*is not stored"):
        skimbal.save(cached, tmp_path / "x.skimbal")
    assert not (tmp_path / "x.skimbal").exists()


def _edit_step(index, edit):
    return lambda m: edit(m["object"]["steps"][index][1])


@pytest.mark.parametrize(
    "edit, match",
    [
        (_edit_step(0, lambda s: s.update({"class": "os.system"})),
         "class 'os.system' is refused"),
        (_edit_step(0, lambda s: s.update({"class": "builtins.eval"})),
         "'builtins.eval' is refused"),
        (_edit_step(0, lambda s: s.update(
            {"class": "sklearn.preprocessing._data.StandardScaler"})), "is refused"),
        (_edit_step(0, lambda s: s.update({"class": "sklearn.utils.Bunch"})), "is refused"),
        (_edit_step(1, lambda s: s["params"]["sampler"]["__estimator__"].update(
            {"class": "subprocess.Popen"})), "'subprocess.Popen' is refused"),
        (_edit_step(0, lambda s: s["fitted"].update(transform=1)),
         "attribute 'transform' is refused"),
        (_edit_step(0, lambda s: s["fitted"].update(__class__=1)),
         "attribute '__class__' is refused"),
        (_edit_step(0, lambda s: s["params"].update(copy=True)), r"unknown parameter.*'copy'"),
        (_edit_step(0, lambda s: s["params"].update(with_mean="yes")), "invalid parameter"),
        (_edit_step(1, lambda s: s["fitted"].update(sampler_=1)), "holds no fitted state"),
        (_edit_step(2, lambda s: s["params"].update(optimizer="os.system")),
         r"\[object > step 'clf'\].*optimizer='os.system'"),
        (_edit_step(2, lambda s: s.update(model="model.keras")), "not a network member"),
        (lambda m: m["object"]["steps"].append(m["object"]["steps"][0]), "distinct names"),
        (lambda m: m["object"]["params"].update(memory="/tmp/cache"), "'memory' must be null"),
        (lambda m: m.update(extra=1), "unknown key.*extra"),
    ],
    ids=["os-system", "eval", "private-module", "not-an-estimator", "nested-class",
         "shadow-method", "dunder-attribute", "unknown-param", "invalid-param",
         "sampler-state", "classifier-param", "model-member", "duplicate-step", "memory",
         "top-level-key"],
)
def test_tampered_pipeline_file_refused_before_keras(saved_pipeline, tmp_path, no_keras_load,
                                                     edit, match):
    bad = tmp_path / "bad.skimbal"
    _rewrite_meta(saved_pipeline, bad, edit)
    with pytest.raises(ValueError, match=match) as info:
        skimbal.load(bad)
    assert str(bad) in str(info.value)


# ------------------------- member / schema mismatches name the kind of file (issue 30)
def _rename_member(src, dst, old, new):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            zout.writestr(new if item.filename == old else item.filename, zin.read(item))


def test_classifier_file_without_its_network_says_classifier(saved, tmp_path):
    bad = tmp_path / "bad.skimbal"
    _rename_member(saved, bad, "model.keras", "model-0.keras")
    with pytest.raises(ValueError, match=r"skimbal.json declares schema_version 1: a "
                       r"classifier file, which holds only skimbal.json and model.keras, but "
                       r"it has no member model.keras \(members: \['model-0.keras', "
                       r"'skimbal.json'\]\)"):
        skimbal.load(bad)


def test_pipeline_file_with_a_classifier_member_says_pipeline(saved_pipeline, saved, tmp_path):
    bad = tmp_path / "bad.skimbal"
    _rename_member(saved_pipeline, bad, "model-0.keras", "model.keras")
    expected = (r"unexpected member\(s\) \['model.keras'\]: skimbal.json declares "
                r"schema_version 2: a pipeline \(object\) file, which holds only skimbal.json "
                r"and model-<i>.keras networks")
    with pytest.raises(ValueError, match=expected):
        skimbal.load(bad)
    relabelled = tmp_path / "relabelled.skimbal"  # a classifier file claiming schema 2
    _rewrite_meta(saved, relabelled, lambda m: m.update(schema_version=2))
    with pytest.raises(ValueError, match=expected):
        skimbal.load(relabelled)
