"""skimbal.load checks a network against the allow-list of what skimbal builds (issue 30)."""

from __future__ import annotations

import io
import itertools
import json
import zipfile

import keras
import numpy as np
import pytest
from conftest import FAST

import skimbal
from skimbal import WeightedSequenceClassifier
from skimbal._fit_plan import check_compile_names
from skimbal._model_check import (
    LAYERS,
    SKIMBAL_LOSSES,
    check_compile_config,
    check_model_config,
)
from skimbal._seeding import seed_model
from skimbal.architectures import ARCHITECTURES, CELLS, POOLINGS, build_sequence_model

pytestmark = pytest.mark.floors  # Keras' configs change between versions: check the floor


# ------------------------------------------------ the table covers every build
def _combinations():
    """Every architecture / cell / direction, with every option on (poolings in turn)."""
    for i, (arch, cell, bidirectional) in enumerate(
        itertools.product(ARCHITECTURES, CELLS, (False, True))
    ):
        softmax = i % 2 == 1
        base = dict(n_features=3, n_outputs=3 if softmax else 1,
                    output_activation="softmax" if softmax else "sigmoid", architecture=arch,
                    cell=cell, bidirectional=bidirectional, conv_filters=(4, 4),
                    conv_kernel_sizes=(3, 3))
        yield base, True
        yield dict(base, units=(4, 3), dropout=0.2, dense_units=(3,),
                   pooling=POOLINGS[i % len(POOLINGS)], mask_padding=True,
                   input_mean=[0.0] * 3, input_scale=[1.0] * 3, frontend_strides=(2,),
                   conv_pool=2, n_timesteps=16), False
        yield dict(base, pooling="attention", mask_value=0.0, frontend_strides=(2, 2)), False
        yield dict(base, return_sequences=True, mask_padding=True, dropout=0.1,
                   dense_units=(2,), input_mean=[0.0] * 3, input_scale=[1.0] * 3), False
        yield dict(base, return_sequences=True, mask_value=0.0), False
        yield dict(base, n_members=2, mask_padding=True, lite_kernel_size=8), i % 3 == 0
        yield dict(base, mask_padding=True, conv_norm="layer"), False


def _config(model):
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["auc", "accuracy"])
    return json.loads(json.dumps(keras.saving.serialize_keras_object(model)))


def test_every_network_skimbal_builds_passes_the_allow_list():
    """A new layer (or config key) in the builders fails here: add it to _model_check.LAYERS."""
    seen = set()
    for kwargs, seeded in _combinations():
        model = build_sequence_model(**kwargs)
        for candidate in (model, seed_model(model, 0)) if seeded else (model,):
            config = _config(candidate)
            seen |= {layer["class_name"] for layer in config["config"]["layers"]}
            try:
                check_model_config(config)
                check_compile_config(config["compile_config"], check_compile_names)
            except ValueError as exc:
                pytest.fail(f"build_sequence_model({kwargs}) makes a network that "
                            f"skimbal.load refuses: {exc}\nAdd the layer class / config key "
                            "to skimbal/_model_check.py LAYERS.")
    # every entry of the table is used by some build (apart from wrappable spares)
    assert set(LAYERS) - seen <= {"Cast", "Less", "Any", "MaxPool", "ExpandDims", "Squeeze",
                                  "Subtract", "Greater", "NotEqual", "Pad"}


def test_skimbal_losses_table_matches_the_registered_losses():
    import skimbal.losses  # noqa: F401  (registers them)

    for registered, classes in SKIMBAL_LOSSES.items():
        obj = keras.saving.get_registered_object(registered)
        assert obj is not None and obj.__name__ in classes, registered


# ---------------------------------------------------------- tampered files
@pytest.fixture(scope="module")
def saved(binary_data, tmp_path_factory):
    X, y = binary_data
    clf = WeightedSequenceClassifier(**{**FAST, "epochs": 1}).fit(X, y)
    path = tmp_path_factory.mktemp("check") / "clf.skimbal"
    clf.save(path)
    return path, clf, X


def _rewrite(src, dst, *, meta=None, config=None):
    """Copy the skimbal file ``src`` to ``dst``, editing skimbal.json and/or config.json."""
    def keras_member(data):
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
            for item in zin.infolist():
                member = zin.read(item)
                if item.filename == "config.json" and config is not None:
                    cfg = json.loads(member)
                    config(cfg)
                    member = json.dumps(cfg).encode()
                zout.writestr(item.filename, member)
        return out.getvalue()

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "model.keras":
                data = keras_member(data)
            elif item.filename == "skimbal.json" and meta is not None:
                m = json.loads(data)
                meta(m)
                data = json.dumps(m).encode()
            zout.writestr(item.filename, data)
    return dst


@pytest.fixture
def no_keras_load(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("keras.saving.load_model ran on a network skimbal should refuse")

    monkeypatch.setattr(keras.saving, "load_model", boom)


def _lookup(cls, vocabulary):
    return {
        "module": "keras.layers", "class_name": cls, "registered_name": None,
        "name": "lookup", "inbound_nodes": [],
        "config": {"name": "lookup", "trainable": True, "dtype": "int64",
                   "vocabulary": vocabulary, "max_tokens": None, "num_oov_indices": 1},
    }


def _layer(config, name):
    return next(la for la in config["config"]["layers"] if la["name"] == name)


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda c: c["config"]["layers"].append(_lookup("StringLookup", "/etc/passwd")),
         r"layer \d+ 'lookup' \(StringLookup\) is of class 'StringLookup', which is not one"),
        (lambda c: c["config"]["layers"].insert(1, _lookup("IntegerLookup", "/tmp/v.txt")),
         r"'lookup' \(IntegerLookup\) is of class 'IntegerLookup'"),
        (lambda c: _layer(c, "output")["config"].update(vocabulary="/etc/passwd"),
         r"'output' \(Dense\) has config key 'vocabulary', which skimbal's builders do not"),
        (lambda c: _layer(c, "lstm_0")["config"].update(units=4.5),
         r"'lstm_0' \(FusedLSTM\) config key 'units' must be an int; got 4.5"),
        (lambda c: _layer(c, "lstm_0")["config"].update(activation="os.system"),
         r"'lstm_0' \(FusedLSTM\) config key 'activation' must be one of"),
        (lambda c: _layer(c, "lstm_0")["config"].update(kernel_initializer={
            "module": "keras.initializers", "class_name": "Constant",
            "config": {"value": 1.0}, "registered_name": None}),
         r"'lstm_0' \(FusedLSTM\) config key 'kernel_initializer'"),
        (lambda c: _layer(c, "lstm_0").update(module="keras.layers"),
         r"'lstm_0' \(FusedLSTM\) names module 'keras.layers'"),
        (lambda c: _layer(c, "output")["inbound_nodes"][0]["kwargs"].update(
            mask="/etc/passwd"),
         r"'output' \(Dense\) inbound node kwargs config key 'mask'"),
        (lambda c: c.update(class_name="Sequential"), "is a 'Sequential'"),
        (lambda c: c["compile_config"].update(metrics=["os.system"]),
         r"compile_config metrics\[0\]: metrics\[0\]='os.system' is not a known Keras metric"),
        (lambda c: c["compile_config"].update(loss="os.system"),
         r"compile_config 'loss': loss='os.system' is not a known Keras loss"),
        (lambda c: c["compile_config"]["optimizer"].update(
            module="keras.optimizers", class_name="system", registered_name=None),
         "optimizer='system' is not a known Keras optimizer"),
        (lambda c: c["compile_config"]["optimizer"].update(class_name="system"),
         "compile_config 'optimizer' is skimbal.fused.system .registered as "
         "'skimbal>FusedAdam'.; skimbal compiles its networks only with"),
        (lambda c: c["compile_config"]["optimizer"].update(
            registered_name="skimbal>FusedLSTM"),
         "compile_config 'optimizer' is skimbal.fused.FusedAdam .registered as "
         "'skimbal>FusedLSTM'.; skimbal compiles its networks only with"),
        (lambda c: c["compile_config"]["optimizer"].update(
            module="mine", registered_name="skimbal>FusedLSTM"),
         "compile_config 'optimizer' is mine.FusedAdam .registered as 'skimbal>FusedLSTM'.; "),
        (lambda c: c["compile_config"]["optimizer"]["config"].update(learning_rate={
            "module": "keras.optimizers.schedules", "class_name": "ExponentialDecay",
            "config": {}, "registered_name": None}), "holds a config that is not plain data"),
    ],
    ids=["string-lookup-path", "integer-lookup", "unknown-key", "wrong-type", "activation",
         "initializer-class", "module", "node-kwarg", "sequential", "metric-name",
         "loss-name", "optimizer-class", "optimizer-fused-class", "optimizer-registered",
         "optimizer-skimbal-layer", "optimizer-schedule"],
)
def test_tampered_network_refused_before_keras(saved, tmp_path, no_keras_load, edit, match):
    path, _, _ = saved
    bad = _rewrite(path, tmp_path / "bad.skimbal", config=edit)
    with pytest.raises(ValueError, match=match) as info:
        skimbal.load(bad)
    assert str(bad) in str(info.value) and "model.keras/config.json" in str(info.value)


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda m: m["params"].update(metrics=[{"module": "os", "class_name": "system"}]),
         r"parameter metrics\[0\] is os.system"),
        (lambda m: m["params"].update(metrics=[{"module": "keras.metrics",
                                                "class_name": "os.system", "config": {},
                                                "registered_name": None}]),
         r"metrics\[0\]='os.system' is not a known Keras metric"),
        (lambda m: m["params"].update(metrics=["auc", {
            "module": "keras.metrics", "class_name": "AUC", "registered_name": None,
            "config": {"name": {"module": "os", "class_name": "system"}}}]),
         r"parameter metrics\[1\] \(AUC\) holds a config that is not plain data"),
    ],
    ids=["metric-module", "metric-name", "metric-config"],
)
def test_tampered_compile_parameters_refused_at_load(saved, tmp_path, no_keras_load, edit,
                                                     match):
    """Before issue 30 these loaded, and only Keras refused them at the next fit."""
    path, _, _ = saved
    bad = _rewrite(path, tmp_path / "bad.skimbal", meta=edit)
    with pytest.raises(ValueError, match=match) as info:
        skimbal.load(bad)
    assert str(bad) in str(info.value)


def test_untampered_file_and_keras_objects_in_parameters_load(saved, tmp_path):
    path, clf, X = saved
    np.testing.assert_array_equal(skimbal.load(path).predict_proba(X), clf.predict_proba(X))
    auc = {"module": "keras.metrics", "class_name": "AUC", "config": {"name": "auc"},
           "registered_name": None}
    ok = _rewrite(path, tmp_path / "ok.skimbal", meta=lambda m: m["params"].update(
        metrics=["accuracy", auc]))
    assert skimbal.load(ok).metrics[1] == auc


@pytest.fixture(scope="module")
def user_model_file(binary_data, tmp_path_factory):
    X, y = binary_data

    def build(meta):
        return keras.Sequential([keras.Input((None, meta["n_features_in_"])),
                                 keras.layers.GRU(3),
                                 keras.layers.Dense(1, activation="sigmoid")])

    clf = WeightedSequenceClassifier(build, **{**FAST, "epochs": 1}).fit(X, y)
    path = tmp_path_factory.mktemp("user") / "user.skimbal"
    return clf.save(path, strict=False), clf, X


def test_user_model_function_file_needs_opt_in(user_model_file, monkeypatch):
    path, clf, X = user_model_file
    with monkeypatch.context() as m:
        m.setattr(keras.saving, "load_model", lambda *a, **k: pytest.fail("Keras ran"))
        with pytest.warns(UserWarning), pytest.raises(
            ValueError, match=r"built by a user model function .*"
            r"load it with skimbal.load\(path, allow_user_model=True\)"
        ):
            skimbal.load(path)
    with pytest.warns(UserWarning, match="model were not saved"):
        back = skimbal.load(path, allow_user_model=True)
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))


def test_user_model_opt_in_still_checks_compile_names(user_model_file, tmp_path):
    path, _, _ = user_model_file
    bad = _rewrite(path, tmp_path / "bad.skimbal",
                   config=lambda c: c["compile_config"].update(metrics=["os.system"]))
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="not a known Keras metric"):
        skimbal.load(bad, allow_user_model=True)


def test_pipeline_networks_are_checked(saved, tmp_path, no_keras_load):
    from imblearn.pipeline import make_pipeline

    from skimbal.preprocessing import SequenceScaler

    _, clf, X = saved
    pipe = make_pipeline(SequenceScaler().fit(X), clf)
    path = skimbal.save(pipe, tmp_path / "pipe.skimbal")

    def tamper(name, data):
        if name != "model-0.keras":
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
            for item in zin.infolist():
                member = zin.read(item)
                if item.filename == "config.json":
                    cfg = json.loads(member)
                    cfg["config"]["layers"].append(_lookup("StringLookup", "/etc/passwd"))
                    member = json.dumps(cfg).encode()
                zout.writestr(item.filename, member)
        return out.getvalue()

    bad = tmp_path / "bad.skimbal"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, tamper(item.filename, zin.read(item)))
    with pytest.raises(ValueError, match=r"model-0.keras/config.json.*StringLookup"):
        skimbal.load(bad)


@keras.saving.register_keras_serializable(package="skimbal_tests")
class CountingMSE(keras.metrics.MeanSquaredError):
    """A user's own registered metric: fit accepts it, so load does too."""


def test_registered_user_metric_on_a_skimbal_network_loads(binary_data, tmp_path):
    X, y = binary_data
    clf = WeightedSequenceClassifier(metrics=[CountingMSE(name="cm")],
                                     **{**FAST, "epochs": 1}).fit(X, y)
    back = skimbal.load(clf.save(tmp_path / "m.skimbal", strict=False))
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
