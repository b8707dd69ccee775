"""Re-weighting methods: effective-number class weights
(``beta``), deferred re-weighting (``class_weight_start``) and the focal loss
(``focal_gamma``), for every kind of target."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from skimbal import WeightedSequenceClassifier, load
from skimbal._training import deferred_start_epoch, training_callbacks
from skimbal.losses import SparseCategoricalFocalCrossentropy, WeightedBinaryCrossentropy
from skimbal.weights import resolve_class_weight, resolve_label_weights

# A learning rate this small leaves the network as initialised, so every epoch's
# training loss is the loss of the same network: the loss of an epoch then shows
# which weights and which loss function that epoch trained with.
FROZEN = dict(units=3, epochs=4, batch_size=64, random_state=0, learning_rate=1e-9,
              architecture="rnn", validation_fraction=0.0, early_stopping=False,
              lr_schedule=None)

RNG = np.random.default_rng(0)
N, T, F = 24, 5, 2
X = RNG.normal(size=(N, T, F)).astype(np.float32)
Y = {
    "binary": np.r_[np.zeros(18, int), np.ones(6, int)],
    "multiclass": np.r_[np.zeros(14, int), np.ones(7, int), np.full(3, 2)],
    "strings": np.array(["normal"] * 16 + ["fraud"] * 8),
    "onehot": np.eye(3, dtype=int)[np.r_[np.zeros(14, int), np.ones(7, int), np.full(3, 2)]],
    "multilabel": (RNG.random((N, 3)) < [0.5, 0.25, 0.15]).astype(int),
    "per_timestep_multiclass": RNG.choice(3, size=(N, T), p=[0.7, 0.2, 0.1]),
    "per_timestep_multilabel": (RNG.random((N, T, 2)) < [0.4, 0.15]).astype(int),
}
Y["multilabel"][0] = [1, 1, 1]  # every label has positives
KINDS = list(Y)


def fit(kind, **params):
    return WeightedSequenceClassifier(**(FROZEN | params)).fit(X, Y[kind])


# ------------------------------------------------------------ effective number
def test_effective_class_weight_of_the_estimator():
    y = Y["multiclass"]
    clf = fit("multiclass", epochs=1, class_weight="effective", beta=0.9,
              normalize_weights=False)
    expected = resolve_class_weight("effective", np.arange(3), np.bincount(y), beta=0.9)
    assert clf.class_weight_ == pytest.approx(dict(enumerate(expected)))
    # hand: E(8) / E(3) for the smallest class, E(m) = (1 - 0.9**m) / 0.1
    assert clf.class_weight_[2] == pytest.approx((1 - 0.9**8) / (1 - 0.9**3))
    # normalised (default): the mean weight over the training targets is 1
    norm = fit("multiclass", epochs=1, class_weight="effective", beta=0.9)
    w = np.array([norm.class_weight_[c] for c in range(3)])
    assert w[y].mean() == pytest.approx(1.0)
    np.testing.assert_allclose(w / w[0], expected / expected[0])


@pytest.mark.parametrize("kind", ["multilabel", "per_timestep_multilabel",
                                  "per_timestep_multiclass", "strings", "onehot"])
def test_effective_for_every_kind(kind):
    clf = fit(kind, epochs=1, class_weight="effective", beta=0.95, normalize_weights=False)
    y = Y[kind]
    if kind == "multilabel":
        pos, neg = resolve_label_weights("effective", np.arange(3), y, beta=0.95)
        assert clf.class_weight_["positive"] == pytest.approx(dict(enumerate(pos)))
        assert clf.class_weight_["negative"] == pytest.approx(dict(enumerate(neg)))
        assert clf.model_.loss.positive_weights == pytest.approx(pos)
    elif kind == "per_timestep_multilabel":
        pos, neg = resolve_label_weights("effective", np.arange(2), y.reshape(-1, 2),
                                         beta=0.95)
        for j in range(2):
            assert clf.class_weight_[j] == pytest.approx({0: neg[j], 1: pos[j]})
    else:
        labels = y.argmax(1) if kind == "onehot" else y.ravel()
        classes, counts = np.unique(labels, return_counts=True)
        w = resolve_class_weight("effective", classes, counts, beta=0.95)
        assert clf.class_weight_ == pytest.approx(dict(zip(classes.tolist(), w, strict=True)))


def test_beta_is_ignored_unless_effective():
    a = fit("binary", epochs=1, class_weight="balanced", beta=0.5)
    b = fit("binary", epochs=1, class_weight="balanced")
    assert a.class_weight_ == b.class_weight_


@pytest.mark.parametrize("beta", [1.0, -0.5, 2])
def test_bad_beta(no_keras, beta):
    with pytest.raises(ValueError, match="'beta' parameter"):
        fit("binary", class_weight="effective", beta=beta)


def test_bool_beta(no_keras):
    with pytest.raises(TypeError, match="beta must be a number"):
        fit("binary", class_weight="effective", beta=True)


# ------------------------------------------------------- deferred re-weighting
def test_deferred_start_epoch():
    assert deferred_start_epoch(0.8, 10) == 8
    assert deferred_start_epoch(0.75, 10) == 8  # ceil
    assert deferred_start_epoch(0.95, 10) == 9  # the last epoch is always weighted
    assert deferred_start_epoch(0.0, 10) == 0
    assert deferred_start_epoch(0.5, 1) == 0


def test_early_stopping_waits_for_the_switch():
    cbs = training_callbacks(has_validation=True, early_stopping="auto", patience=3,
                             lr_schedule=None, total_steps=10, start_from_epoch=8)
    (stop,) = [c for c in cbs if isinstance(c, keras.callbacks.EarlyStopping)]
    assert stop.start_from_epoch == 8


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel",
                                  "per_timestep_multiclass", "per_timestep_multilabel"])
def test_deferred_epochs_train_unweighted_then_weighted(kind):
    extra = {"time_weight": "linear"} if kind.startswith("per_timestep") else {}
    sw = np.linspace(0.5, 1.5, N)
    weighted = dict(class_weight="balanced", **extra)
    drw = WeightedSequenceClassifier(**FROZEN, **weighted, class_weight_start=0.5)
    drw.fit(X, Y[kind], sample_weight=sw)
    plain = WeightedSequenceClassifier(**FROZEN, **extra).fit(X, Y[kind], sample_weight=sw)
    full = WeightedSequenceClassifier(**FROZEN, **weighted).fit(X, Y[kind], sample_weight=sw)
    # epochs 0, 1: no class weights (the user's and time weights still on); 2, 3: weighted
    assert drw.history_["loss"][:2] == plain.history_["loss"][:2]
    np.testing.assert_allclose(drw.history_["loss"][2:], full.history_["loss"][2:], rtol=1e-5)
    assert abs(plain.history_["loss"][0] - full.history_["loss"][0]) > 1e-3
    assert drw.class_weight_ == full.class_weight_
    if kind.endswith("multilabel"):
        # the fitted loss is the plain weighted loss (no deferral switch left)
        assert drw.model_.loss.weights_on is None
        assert drw.model_.loss.get_config() == full.model_.loss.get_config()


def test_deferred_switch_also_weights_validation_loss():
    params = dict(FROZEN, validation_fraction=0.25, class_weight="balanced")
    drw = fit("binary", **params, class_weight_start=0.5)
    plain = fit("binary", **(params | {"class_weight": None}))
    full = fit("binary", **params)
    assert drw.history_["val_loss"][:2] == plain.history_["val_loss"][:2]
    np.testing.assert_allclose(drw.history_["val_loss"][2:], full.history_["val_loss"][2:],
                               rtol=1e-5)


def test_deferred_fit_is_repeatable_and_zero_start_is_the_default():
    params = dict(FROZEN, learning_rate=0.05, class_weight="balanced")
    a = fit("multiclass", **params, class_weight_start=0.5)
    b = fit("multiclass", **params, class_weight_start=0.5)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = fit("multiclass", **params, class_weight_start=0.0)
    d = fit("multiclass", **params)
    np.testing.assert_array_equal(c.predict_proba(X), d.predict_proba(X))
    assert not np.array_equal(a.predict_proba(X), d.predict_proba(X))


def test_deferral_needs_class_weight(no_keras):
    with pytest.raises(ValueError, match="class_weight_start=0.5 defers.*class_weight=None"):
        fit("binary", class_weight_start=0.5)


@pytest.mark.parametrize("start", [1.0, -0.1])
def test_bad_class_weight_start(no_keras, start):
    with pytest.raises(ValueError, match="'class_weight_start' parameter"):
        fit("binary", class_weight="balanced", class_weight_start=start)


# ------------------------------------------------------------------ focal loss
def _focal(p_t, gamma):
    return (1 - p_t) ** gamma * -np.log(p_t)


@pytest.mark.parametrize("kind", ["binary", "strings", "multiclass", "onehot"])
def test_focal_loss_with_class_weights_hand_computed(kind):
    # one batch and a frozen network: the first epoch's loss is
    # mean_i(class_weight[y_i] * (1 - p_t)**gamma * -log(p_t)) of predict_proba
    clf = fit(kind, epochs=1, class_weight="balanced", focal_gamma=2.0)
    y = Y[kind].argmax(1) if kind == "onehot" else Y[kind]
    proba = clf.predict_proba(X)
    codes = np.searchsorted(clf.classes_, y)
    p_t = proba[np.arange(N), codes]
    w = np.array([clf.class_weight_[c] for c in clf.classes_.tolist()])[codes]
    assert clf.history_["loss"][0] == pytest.approx(np.mean(w * _focal(p_t, 2.0)), rel=1e-4)
    expected_loss = (keras.losses.BinaryFocalCrossentropy if kind in ("binary", "strings")
                     else SparseCategoricalFocalCrossentropy)
    assert isinstance(clf.model_.loss, expected_loss) and clf.model_.loss.gamma == 2.0


@pytest.mark.parametrize("kind", ["multilabel", "per_timestep_multiclass",
                                  "per_timestep_multilabel"])
def test_focal_loss_hand_computed_other_kinds(kind):
    clf = fit(kind, epochs=1, class_weight="balanced", focal_gamma=1.5)
    proba = clf.predict_proba(X)
    y = Y[kind]
    cw = clf.class_weight_
    if kind == "per_timestep_multiclass":
        p_t = np.take_along_axis(proba, y[..., None], axis=-1)[..., 0]
        w = np.array([cw[c] for c in range(3)])[y]
        # Keras averages the (batch, T) loss over all its elements
        expected = np.mean(w * _focal(p_t, 1.5))
    else:
        p_t = np.where(y == 1, proba, 1 - proba)
        n_labels = y.shape[-1]
        if kind == "multilabel":
            pos = np.array([cw["positive"][j] for j in range(n_labels)])
            neg = np.array([cw["negative"][j] for j in range(n_labels)])
        else:
            pos = np.array([cw[j][1] for j in range(n_labels)])
            neg = np.array([cw[j][0] for j in range(n_labels)])
        w = np.where(y == 1, pos, neg)
        expected = np.mean(np.mean(w * _focal(p_t, 1.5), axis=-1))
    assert clf.history_["loss"][0] == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("kind", KINDS)
def test_zero_focal_gamma_is_the_cross_entropy(kind):
    clf = fit(kind, epochs=1, class_weight="balanced")
    loss = clf.model_.loss
    if kind.endswith("multilabel"):
        assert isinstance(loss, WeightedBinaryCrossentropy) and loss.gamma == 0.0
    else:
        assert loss in ("binary_crossentropy", "sparse_categorical_crossentropy")
    # and a tiny gamma is the focal loss, close to it
    near = fit(kind, epochs=1, class_weight="balanced", focal_gamma=1e-6)
    assert near.history_["loss"][0] == pytest.approx(clf.history_["loss"][0], rel=1e-4)


def test_focal_drw_model_saves_and_loads_in_safe_mode(tmp_path):
    for kind in ("multiclass", "multilabel"):
        clf = fit(kind, epochs=2, learning_rate=0.05, class_weight="effective", beta=0.9,
                  class_weight_start=0.5, focal_gamma=2.0)
        back = load(clf.save(tmp_path / f"{kind}.skimbal"))  # keras safe_mode=True
        np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
        params = back.get_params()
        assert (params["beta"], params["class_weight_start"], params["focal_gamma"]) == (
            0.9, 0.5, 2.0)
        assert back.model_.loss.get_config() == clf.model_.loss.get_config()
        if kind == "multilabel":  # the saved loss holds the final (switched-on) weights
            assert back.model_.loss.positive_weights == pytest.approx(
                list(clf.class_weight_["positive"].values()))


def test_focal_gamma_with_a_loss(no_keras):
    with pytest.raises(ValueError, match="focal_gamma=2.0 .* loss='binary_crossentropy'"):
        fit("binary", focal_gamma=2.0, loss="binary_crossentropy")


def test_focal_gamma_with_a_compiled_model():
    def compiled(meta):
        inp = keras.Input((None, meta["n_features_in_"]))
        model = keras.Model(inp, keras.layers.Dense(1, activation="sigmoid")(
            keras.layers.SimpleRNN(2)(inp)))
        model.compile(optimizer="adam", loss="binary_crossentropy")
        return model

    with pytest.raises(ValueError, match="focal_gamma=2.0 applies to the loss skimbal"):
        fit("binary", model=compiled, focal_gamma=2.0)


def test_bad_focal_gamma(no_keras):
    with pytest.raises(ValueError, match="'focal_gamma' parameter"):
        fit("binary", focal_gamma=-1.0)


@pytest.mark.parametrize("loss", [
    "categorical_focal_crossentropy", "CategoricalFocalCrossentropy",
    "categorical_crossentropy", keras.losses.CategoricalFocalCrossentropy(),
    keras.losses.CategoricalFocalCrossentropy,
])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "onehot"])
def test_one_hot_losses_point_to_focal_gamma(no_keras, loss, kind):
    with pytest.raises(ValueError, match="wants one-hot targets.*focal_gamma"):
        fit(kind, loss=loss)


def test_deferred_training_prior_is_that_of_the_weights_switched_on(binary_data):
    X, y = binary_data
    kw = dict(units=2, epochs=2, batch_size=16, class_weight="balanced", random_state=0)
    weighted = WeightedSequenceClassifier(**kw).fit(X, y)
    deferred = WeightedSequenceClassifier(**kw, class_weight_start=0.5).fit(X, y)
    np.testing.assert_allclose(deferred.training_prior_, weighted.training_prior_)
    np.testing.assert_allclose(deferred.training_prior_, [0.5, 0.5])
