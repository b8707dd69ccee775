"""``WeightedSequenceClassifier``: the scikit-learn face of skimbal.

It does what :mod:`skimbal._fit_plan` decides: ``fit`` checks the parameters
(:func:`~skimbal._fit_plan.check_params`), plans the fit without Keras
(:func:`~skimbal._fit_plan.plan_fit`: target encoding, weights, priors, split,
batches, front-end), then builds (:mod:`skimbal.architectures`), compiles,
trains (:mod:`skimbal._training`) and commits the fitted state at once.
scikeras supplies parameter routing (``model__*``, ``optimizer__*``,
``fit__*``), compilation, seeding and pickling.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from scikeras.wrappers import KerasClassifier
from sklearn.utils.validation import check_is_fitted

from . import persistence
from ._architecture_rules import resolve_conv_norm
from ._compat import (
    ClassifierTagsMixin,
    hide_initialize,
    hide_partial_fit,
    restore_op_determinism,
)
from ._fit_plan import FITTED_STATE, PARAMETER_RULES, FitPlan, check_params, plan_fit
from ._seeding import seed_model
from ._sequences import unpad
from ._threads import configure_from_environment
from ._thresholds import f1_optimal_thresholds
from ._training import (
    AUTO_LENGTH_BUCKETS,
    ArrayBatches,
    CosineDecay,
    DeferredClassWeights,
    PassHistory,
    build_optimizer,
    predict_in_chunks,
    predict_in_groups,
    resolve_length_buckets,
    training_callbacks,
)
from ._validation import check_sequence_batch
from .architectures import build_sequence_model, check_frontend_strides
from .fused import FusedAdam
from .layers import PaddingMask
from .losses import LogitAdjustedCrossentropy, WeightedBinaryCrossentropy
from .priors import log_prior, shift_proba
from .targets import TargetSpec, target_spec

__all__ = ["WeightedSequenceClassifier"]

# Rows per forward pass in predict / predict_proba (bounds peak memory).
_PREDICT_CHUNK = 4096

# Private attributes that fit sets (besides the public ``*_`` ones): see FITTED_STATE.
_PRIVATE_FITTED = frozenset(name for name in FITTED_STATE if name.startswith("_"))


def _is_logit_adjusted(loss: Any) -> bool:
    """Whether a compiled loss is skimbal's logit-adjusted cross-entropy."""
    return isinstance(loss, LogitAdjustedCrossentropy) or (
        isinstance(loss, WeightedBinaryCrossentropy) and loss.logit_offsets is not None)


def _is_fitted_attribute(name: str) -> bool:
    """Whether an instance attribute is fitted state (not a parameter)."""
    return name in _PRIVATE_FITTED or (name.endswith("_") and not name.startswith("__"))


class WeightedSequenceClassifier(ClassifierTagsMixin, KerasClassifier):
    """Recurrent sequence classifier whose class weights are computed inside ``fit``.

    A scikit-learn classifier over a Keras LSTM / GRU / SimpleRNN network.
    ``class_weight`` is turned into per-sample weights from the ``y`` that
    ``fit`` receives, so in ``Pipeline``, ``GridSearchCV``, cross-validation
    and after imbalanced-learn samplers every training set gets weights from
    its own label counts (no leakage across folds).

    Parameters
    ----------
    model : callable or None, default=None
        Optional Keras model-building function, as in scikeras. It may accept
        ``meta`` (fitted metadata such as ``n_features_in_``, ``n_classes_``,
        ``n_outputs_``), ``compile_kwargs`` and any ``model__*`` parameters.
        Its output layer must have 1 sigmoid unit (binary) or ``n_classes_``
        softmax units. If the model is not compiled, skimbal compiles it with
        ``optimizer``/``loss``. The class weighting applies either way. When
        ``None``, the network is built from the architecture parameters below.
    architecture : {"fcn-rnn", "rnn"}, default="fcn-rnn"
        ``"fcn-rnn"``: LSTM-FCN / GRU-FCN (Karim et al., 2018; Elsayed et
        al., 2018): a fully convolutional branch (``Conv1D -> BatchNorm ->
        ReLU`` blocks, global average pooling over valid steps) beside the
        recurrent branch, concatenated before the head. ``"rnn"``: the
        recurrent stack alone. See :func:`skimbal.architectures.build_sequence_model`.
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell (``"rnn"`` is Keras' ``SimpleRNN``).
    units : int or tuple of int, default=32
        Units of the recurrent layer; a tuple stacks several layers.
    bidirectional : bool, default=False
        Wrap recurrent layers in ``Bidirectional``.
    dropout : float in [0, 1), default=0.0
        Rate of ``Dropout`` layers after each recurrent / dense layer (applied
        outside the cells so that cuDNN stays usable on GPU).
    dense_units : tuple of int, default=()
        Hidden ReLU ``Dense`` layers between the recurrent stack and the output.
    pooling : {"last", "mean", "attention"}, default="last"
        Summary of the recurrent branch: last valid state, mean over valid
        steps, or a learned attention pooling (``AttentionPooling1D``).
    conv_filters : tuple of int, default=(32, 64, 32)
        Filters of the FCN blocks (``architecture="fcn-rnn"``); the papers use
        ``(128, 256, 128)``.
    conv_kernel_sizes : tuple of int, default=(8, 5, 3)
        Kernel sizes of the FCN blocks, one per filter entry.
    frontend_strides : "auto" or tuple of int, default="auto"
        Strided convolutional front-end before the recurrent layers, for
        long series: one ``Conv1D(frontend_filters, kernel_size=s,
        strides=s)`` + ReLU layer per stride ``s`` over non-overlapping
        windows, so the recurrent layers read ``prod(strides)`` times fewer
        steps (e.g. ``(4, 4)`` turns 2,000 steps into 125). ``()``: none. A
        ``ValueError`` is raised in ``fit`` if the shortest training sequence
        would be reduced to zero steps. ``"auto"``: for training sequences
        longer than 128 steps, one layer of stride ``ceil(T_max / 128)`` (at
        most the shortest length), so the recurrent branch reads at most
        128 steps; and for training sequences longer than 512 steps, the
        convolutional branch's first block is followed by a max-pooling over
        windows of ``ceil(T_max / 256)`` steps (``MaskedMaxPooling1D``), so its
        later blocks read at most 256 steps. Neither for per-timestep targets
        (``docs/defaults.md``, ``docs/performance.md``).
    frontend_filters : int, default=32
        Channels of each front-end layer.
    lite_filters : int, default=32
        Filters of each convolution of the LITE branch (``architecture=
        "lite-rnn"`` or ``"lite"``; Ismail-Fawaz et al., 2023; see
        ``docs/architectures.md``).
    lite_kernel_size : int, default=40
        Longest kernel ``k`` of the LITE branch (parallel kernels ``k``,
        ``k // 2``, ``k // 4``; LITE's 40), cut to the longest training
        sequence (at least 4) in ``fit``.
    conv_norm : {"auto", "batch", "layer"}, default="auto"
        Normalisation after each convolution of the FCN / LITE branch.
        ``"batch"``: batch normalisation; ``"layer"``: layer normalisation
        over the channels of each step (independent of the batch, the same
        in training and prediction). ``"auto"``: ``"batch"`` for
        equal-length (3-D array) ``X``, ``"layer"`` for variable-length
        (list) ``X``, which is trained in length buckets: when the classes
        differ in length a bucket's batches hold few classes, and batch
        statistics let the network fit its training batches but not its
        training data (issue 28; ``docs/defaults.md``, where ``"auto"``
        costs JapaneseVowels 0.011 balanced accuracy and fixes a long
        many-class set).
    n_members : int, default=1
        Networks trained together as one ensemble: ``n_members`` copies of
        the network (each its own initial weights and batch normalisation)
        on the shared input, whose output probabilities are averaged, in one
        Keras model (one ``fit``, one pass over each batch; one saved file).
        Class weights, priors, thresholds, ``predict`` and
        ``predict_proba`` apply to the averaged probabilities. Costs about
        ``n_members`` times one network per step. Only for skimbal's own
        networks (``model=None``): a user model function raises a
        ``ValueError``.
    length_buckets : "auto", int or None, default="auto"
        Length-bucketed batches for variable-length (list) ``X``: each
        training batch is drawn from sequences of similar length and padded
        only to its own longest sequence, not to the longest of the whole
        training set, so little recurrent and convolutional work is spent
        on padding. An int: that many buckets of (nearly) equal count, the
        sequences sorted by length (at most the number of training
        sequences, else ``ValueError``); ``"auto"``: ``min(16,
        steps_per_epoch // 2)`` (at least 1), so every bucket spans two
        batches or more. ``predict`` / ``predict_proba`` on list input run
        in the same way (``"auto"``: 16 buckets), one input shape per
        bucket; the outputs equal the unbucketed ones to float tolerance.
        Every sequence is still seen once per epoch, and the same
        ``random_state`` gives the same model. ``None``: pad every batch to
        the longest training sequence (the behaviour before issue 16). No effect
        on equal-length input (a 3-D array, or a list of equal lengths).
        See ``docs/performance.md``.
    class_weight : None, "balanced", "effective", dict or array-like, default=None
        ``None``: all classes weigh 1. ``"balanced"``: scikit-learn's
        ``n_samples / (n_classes * count)``. ``"effective"``: the
        class-balanced weights of Cui et al. (CVPR 2019), inversely
        proportional to the *effective number* of samples ``E(m) = (1 -
        beta**m) / (1 - beta)`` of each class: ``E(n / n_classes) /
        E(count)``, which is ``(1 - beta) / (1 - beta**count)`` up to a
        constant; ``beta=0`` weighs every class 1 and ``beta -> 1`` tends to
        ``"balanced"`` (see ``beta``). A dict maps **original labels**
        (ints or strings, e.g. ``{"fraud": 10.0}``; column indices for one-hot
        ``y``) to positive weights; classes missing from it weigh 1.

        For a **multi-label** ``y`` of shape ``(n_samples, n_labels)`` each
        label ``j`` gets a weight for its positives and one for its negatives,
        applied per element (sample x label) by
        :class:`skimbal.losses.WeightedBinaryCrossentropy`: ``"balanced"``
        gives ``n / (2 * n_pos_j)`` and ``n / (2 * n_neg_j)``, ``"effective"``
        ``E(n / 2) / E(n_pos_j)`` and ``E(n / 2) / E(n_neg_j)``; a dict
        ``{label: positive_weight}`` is keyed by label index, or by label
        name when ``y`` is a DataFrame or ``label_names`` is given; an array
        of shape ``(n_labels,)`` holds the positive weights. Negatives (and
        unlisted labels) weigh 1 for dicts and arrays. A label with no
        positives or no negatives in the training data raises a
        ``UserWarning`` naming it; ``"balanced"`` and ``"effective"`` leave
        it unweighted.

        Counts are over the training targets: samples, or the valid
        timesteps of per-timestep targets. See ``docs/class_weight.md``.
    beta : float in [0, 1), default=0.999
        Of ``class_weight="effective"`` only (ignored otherwise): how fast
        the effective number saturates. 0 gives all weights equal
        (unweighted); close to 1 approaches ``"balanced"``. Cui et al. use
        0.9-0.9999; classes of ``m >> 1 / (1 - beta)`` targets all count
        about ``1 / (1 - beta)``, so the weights temper the inverse counts
        of large classes.
    class_weight_start : float in [0, 1), default=0.0
        Deferred re-weighting (DRW; Cao et al., NeurIPS 2019): the fraction
        of the planned training epochs run with every class weight 1 before
        ``class_weight`` switches on, at epoch ``ceil(class_weight_start *
        epochs)`` (at most the last epoch). Cao et al. switch at 80 %
        (``0.8``): the network first learns features from the natural
        distribution, then re-weighting adjusts the decision boundary. A
        ``sample_weight`` given to ``fit`` and time weights apply
        throughout; only the class weights are deferred. All target kinds
        (for multi-label targets the loss's label weights are switched).
        The validation loss follows the same switch, and early stopping
        starts watching it only from the switch on. ``0.0``: weighted from
        the first epoch. A value > 0 needs a ``class_weight``.
    focal_gamma : float >= 0, default=0.0
        Focusing parameter of the focal loss (Lin et al., ICCV 2017): the
        default loss becomes ``(1 - p_t) ** focal_gamma * CE``, where
        ``p_t`` is the predicted probability of the true class (or label
        value), so well-classified targets count less. Every target kind:
        ``keras.losses.BinaryFocalCrossentropy`` for a single sigmoid unit,
        :class:`skimbal.losses.SparseCategoricalFocalCrossentropy` for
        softmax outputs (integer codes: multiclass, one-hot, per-timestep)
        and :class:`skimbal.losses.WeightedBinaryCrossentropy` with
        ``gamma`` for multi-label targets. Class weights, ``sample_weight``,
        time weights and ``class_weight_start`` multiply in as for the
        cross-entropy. Lin et al. use 2. ``0.0``: the plain cross-entropy
        (today's loss exactly). A value > 0 cannot be combined with a
        ``loss`` or with a ``model`` function that compiles its model
        (``ValueError``).
    standardize : bool, default=True
        Standardise each input channel inside the network with the mean and
        standard deviation of the training data (padding excluded), as
        :class:`~skimbal.preprocessing.SequenceScaler` would: a fixed
        ``Normalization`` layer at the input of the default network, saved
        with it, so raw data (counts, volts, prices) trains as well as
        scaled data. Already-scaled data passes through unchanged (mean 0,
        scale 1). Not applied to a user ``model`` function.
    normalize_weights : bool, default=True
        Rescale the class weights so that their mean over the training
        targets is 1 (``sum_i w[y_i] / n == 1``). Raw inverse counts such as
        ``{0: 1/900, 1: 1/100}`` then do not shrink the effective learning
        rate. For multi-label ``y`` the mean **element** weight (over samples
        x labels) is kept at 1. A user ``sample_weight`` is multiplied in
        afterwards, unscaled.
    target_type : {"auto", "multiclass", "multilabel"}, default="auto"
        How to read a 2-D 0/1 ``y``. ``"auto"``: one-hot (multiclass) when
        every row sums to exactly 1, multi-label otherwise. ``"multiclass"``
        forces one class per sample; ``"multilabel"`` forces a multi-label
        indicator (useful when, by chance, every sample has one positive).
        A single label column with ``"multilabel"`` is an error: pass 1-D
        labels for binary classification. The same rule reads the last axis
        of a per-timestep 3-D ``y`` ``(n, T, k)``: one-hot per step
        (``"per_timestep_multiclass"``) or independent labels per step
        (``"per_timestep_multilabel"``); an explicit value also makes a 2-D
        ``y`` sequence-level (see ``per_timestep``).
    label_names : array-like of shape (n_labels,) or None, default=None
        Names of the labels of a multi-label ``y`` (used as ``class_weight``
        dict keys and in ``class_weight_``); overrides DataFrame columns.
        Only valid for multi-label targets.
    threshold : float, array-like of shape (n_labels,) or "tune", default=0.5
        Multi-label only: ``predict`` sets label ``j`` when
        ``predict_proba(X)[:, j] >= threshold[j]``. A float applies to every
        label; values must lie in (0, 1). ``"tune"`` picks, per label, the
        threshold that maximises F1 on the internal validation split (which
        is stratified by iterative stratification), and needs
        ``validation_fraction > 0``. The thresholds used are in
        ``threshold_``. For binary targets leave it at 0.5 and use
        :class:`sklearn.model_selection.TunedThresholdClassifierCV`.
    optimizer : str, keras Optimizer class or instance, default="adam"
        Optimizer; further arguments via ``optimizer__*``.
    learning_rate : float or None, default=1e-3
        Learning rate of an optimizer given by name or class (ignored for an
        optimizer instance and when ``optimizer__learning_rate`` is set).
        ``None`` keeps the optimizer's own default.
    loss : str, keras Loss or None, default=None
        ``None`` picks binary / sparse categorical cross-entropy to match the
        output layer (their focal form with ``focal_gamma > 0``). Targets
        reach the loss as integer class codes (or 0/1 for a single sigmoid
        unit), so the one-hot losses ``"categorical_crossentropy"`` and
        ``"categorical_focal_crossentropy"`` (names, classes or instances)
        raise a ``ValueError`` for single-label targets: use
        ``"sparse_categorical_crossentropy"``, or ``loss=None`` with
        ``focal_gamma`` for the focal loss. skimbal does not translate them
        to a sparse equivalent, because their routed options
        (``loss__alpha``, ``loss__label_smoothing``, ...) have no exact
        counterpart there, and ``focal_gamma`` composes with the class
        weights.
    metrics : list or None, default=None
        Extra Keras metrics to track in ``history_``.
    epochs : int or "auto", default="auto"
        Training epochs, i.e. passes over the training data (an upper bound
        when early stopping is on); every pass draws a new order of the
        sequences (seeded by ``random_state``). ``"auto"``: enough passes
        for about 750 gradient steps (``ceil(750 / steps_per_epoch)``,
        rounded up to at most 5 % more so that they split into 10-20 equal
        rounds, see Notes), and at least 10: a budget in steps, so that 20
        sequences get as many updates as 2,000.
    batch_size : int or "auto", default="auto"
        Mini-batch size for training. ``"auto"``: ``n_train // 10`` clipped
        to [4, 32] (``n_train``: sequences trained on, after the validation
        split), so that small training sets get several steps per epoch.
    validation_fraction : float in [0, 1) or "auto", default="auto"
        ``"auto"``: 0.1 when ``fit`` gets at least 1,000 sequences (100 or
        more held out: a loss that early stopping can trust), else 0 (every
        sequence is trained on; on small sets a 10 % split holds 2-5
        sequences whose loss is noise). ``threshold="tune"`` needs a split:
        there ``"auto"`` is 0.1. A float: share of the training data held
        out for monitoring, split
        **stratified** by class (Keras' ``validation_split`` takes the tail of
        the arrays, which on sorted data is a single class); for multi-label
        ``y`` by iterative stratification over all labels. The held-out part
        is weighted like the training part. Validation metrics appear in
        ``history_`` as ``val_*``. When a stratified split is impossible
        (a class with fewer than 2 samples, or fewer validation samples than
        classes) a ``UserWarning`` is issued, all samples are used for
        training and the callbacks monitor the training loss. ``0``: no split.
    early_stopping : bool or "auto", default="auto"
        Stop when the monitored loss (``val_loss`` with a validation split,
        else the training ``loss``) has not improved for ``patience`` epochs
        and restore the weights of the best epoch. ``"auto"``: only when
        there is a validation split (without one, train all ``epochs``).
        ``False``: train exactly ``epochs`` epochs.
    patience : int, default=20
        Epochs without improvement before early stopping.
    lr_schedule : {"cosine", "plateau"} or None, default="cosine"
        ``"cosine"``: cosine decay from ``learning_rate`` to 1 % of it over
        the gradient steps of the fit (set before every step; needs no
        monitored signal).
        ``"plateau"``: ``ReduceLROnPlateau`` on the monitored loss, halving
        the learning rate after ``max(1, patience // 3)`` epochs without
        improvement (down to ``1e-5``). ``None``: constant learning rate.
    callbacks : list of keras callbacks or None, default=None
        Extra callbacks for ``Model.fit``. Their ``on_epoch_*`` methods run
        once per Keras epoch, which is one pass over the data whenever
        something acts after every pass (a validation split, early
        stopping, ``lr_schedule="plateau"``) and otherwise a round of
        several passes (see Notes); ``on_train_batch_*`` run every step.
    verbose : int, default=0
        Keras verbosity.
    random_state : int, RandomState or None, default=None
        Seed for weight initialisation, shuffling, dropout and the validation
        split. The same seed gives identical predictions on refit (TensorFlow
        op determinism is enabled during fit).
    per_timestep : "auto" or bool, default="auto"
        Whether ``y`` holds a label per timestep (sequence labelling). ``"auto"``:
        yes for a 3-D ``y`` ``(n, T, n_labels)``, a 2-D ``y`` with ``T`` columns
        (``T`` = timesteps of ``X``, ``T > 1``), or, for list ``X``, a list of
        per-sequence label arrays. Set ``False`` for a one-hot / indicator ``y``
        whose number of columns happens to equal ``T``. See the user guide
        "Temporal targets" (``docs/temporal.md``).
    time_weight : None, "linear", "exponential", array-like or callable, default=None
        Per-timestep targets only (a sequence-level ``y`` raises). Multiplies
        the per-timestep class weights by a weight per position: ``"linear"``
        rises from ``time_weight_range[0]`` at the first step to
        ``time_weight_range[1]`` at the last; ``"exponential"`` is 1 at the last
        step and halves every ``time_weight_half_life`` steps back; an array
        of length ``T`` (the padded training length) or a callable
        ``f(T) -> array`` gives the weights directly (finite, >= 0). For
        variable-length input the profile is **aligned to each sequence's own
        end**: a sequence of length ``L`` uses the last ``L`` entries, so every
        sequence's last valid step gets the last weight. Not normalised.
    time_weight_range : (float, float), default=(1.0, 2.0)
        First and last weight of ``time_weight="linear"``.
    time_weight_half_life : float > 0, default=10.0
        Half-life in timesteps of ``time_weight="exponential"``.
    logit_adjustment : {None, "loss", "post-hoc"}, default=None
        Logit adjustment (Menon et al., ICLR 2021, "Long-tail learning via
        logit adjustment") with the training frequencies ``pi``
        (``class_prior_``, computed in ``fit`` from the ``y`` it receives).
        ``"loss"``: train with the logit-adjusted cross-entropy
        ``CE(softmax(z + tau * log pi))``
        (:class:`skimbal.losses.LogitAdjustedCrossentropy`; sigmoid outputs:
        per label ``logit(p_j) + tau * log(pi_j / (1 - pi_j))`` in
        :class:`skimbal.losses.WeightedBinaryCrossentropy`) and predict with
        the network's own output. Not with a user ``loss`` or a user
        ``model`` function that returns a compiled model (``ValueError``).
        ``"post-hoc"``: train as usual and decide with ``argmax(log p - tau *
        log pi)`` (sigmoid outputs: label on when ``logit(p_j) - tau *
        log(pi_j / (1 - pi_j)) >= logit(threshold_j)``); Menon et al. pair it
        with unweighted training (``class_weight=None``). Every target kind;
        per-timestep targets use the frequencies over valid timesteps.
        ``None``: no adjustment.
    tau : float >= 0, default=1.0
        Strength of the logit adjustment (``tau=1`` is the balanced-error
        optimum of Menon et al.; ``0``: no adjustment).
    balanced_batches : bool, default=False
        Draw every training epoch class-balanced: ``n_train`` row indices,
        each class equally likely and rows uniform within a class, with
        replacement (random over-sampling by index: ``X`` is never copied),
        from the generator seeded by ``random_state``, a new draw every
        epoch; length buckets are then formed within the draw. The
        validation split is not resampled. Binary, multiclass and one-hot
        targets only (multi-label and per-timestep targets raise
        ``ValueError``). Combined with ``class_weight`` the two compound:
        class ``c`` then counts ``w_c`` times as much as under balanced
        batches alone (use one or the other to balance).
    prior_correction : bool, default=False
        Make ``predict_proba`` estimate the class probabilities of the
        training distribution, undoing the prior shift of re-weighted or
        re-sampled training (Saerens et al., 2002; Dal Pozzolo et al., 2015):
        ``p_c * pi_c / q_c``, renormalised over the classes (sigmoid outputs:
        per label, the odds ``p_j / (1 - p_j)`` times ``odds(pi_j) /
        odds(q_j)``), where ``pi = class_prior_`` and ``q = training_prior_``
        is the prior the network was fitted under. Changes ``predict_proba``
        only: ``predict`` keeps the decision of the training method (see the
        table below), so ``predict`` may differ from ``argmax(predict_proba)``.
        Use it for calibrated probabilities (log-loss, Brier score, threshold
        tuning on probabilities); every target kind.
    **kwargs
        scikeras-style routed parameters: ``model__*`` (passed to ``model``),
        ``optimizer__*``, ``loss__*``, ``fit__*`` (to ``Model.fit``),
        ``predict__*``, ``compile__*``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,) or list of ndarray
        Class labels (``arange(n_columns)`` for one-hot ``y``, ``arange(n_labels)``
        for per-timestep multilabel ``y``). For sequence-level multi-label
        ``y``, a list of ``n_labels`` arrays ``[0, 1]`` (scikit-learn's
        multi-output convention, which its scorers rely on).
    n_classes_ : int or list of int
        Number of classes (``[2] * n_labels`` for multi-label ``y``).
    n_features_in_ : int
        Features (channels) per timestep seen in ``fit``.
    target_type_ : str
        ``"binary"``, ``"multiclass"``, ``"onehot"``, ``"multilabel"``, or for
        per-timestep targets ``"per_timestep_binary"``,
        ``"per_timestep_multiclass"``, ``"per_timestep_multilabel"``.
    timestep_targets_ : bool
        Whether ``y`` was per-timestep.
    variable_length_ : bool
        Whether ``X`` was a list of sequences. Only then does the default
        network start with :class:`skimbal.masking.PaddingMask` (masking costs
        CPU time); a model fitted on an array still accepts list input at
        predict time, run in groups of equal length.
    class_weight_ : dict
        The class weights used, after normalisation, computed by
        :func:`skimbal.weights.fit_weights` from the training targets (the valid
        timesteps for per-timestep targets). Layout per ``target_type_``:

        - ``"binary"``, ``"multiclass"``, ``"per_timestep_binary"``,
          ``"per_timestep_multiclass"``: ``{label: weight}`` keyed by the
          original labels (``classes_``).
        - ``"onehot"``: ``{column_index: weight}``.
        - ``"multilabel"``: ``{"positive": {name: w}, "negative": {name: w}}``
          keyed by ``label_names_``.
        - ``"per_timestep_multilabel"``: ``{label_index: {0: negative_weight,
          1: positive_weight}}``.

        Both multi-label layouts hold the same rule set's weights (see
        ``class_weight``), which the loss applies per element.
    label_names_ : ndarray of shape (n_labels,)
        Multi-label only: label names (``label_names``, DataFrame columns or
        ``arange(n_labels)``).
    threshold_ : ndarray of shape (n_labels,)
        Multi-label only: the per-label decision thresholds ``predict`` uses.
    time_weight_ : ndarray of shape (T,) or None
        The time-weight profile used (per-timestep targets with
        ``time_weight``), oldest position first.
    class_prior_ : ndarray of shape (n_classes,) or (n_labels,)
        Training frequencies ``pi`` of the ``y`` given to ``fit`` (valid
        timesteps for per-timestep targets): per class (summing to 1), or
        per label the share of positives (multi-label kinds).
    training_prior_ : ndarray of shape (n_classes,) or (n_labels,)
        The prior ``q`` the network's probabilities were fitted under
        (:func:`skimbal.priors.training_prior`): ``q_c`` proportional to the
        sum of the weights applied to class ``c`` (class, time and sample
        weights; ``pi`` when unweighted); with ``balanced_batches`` to the
        mean weight of class ``c`` (uniform when unweighted); with
        ``logit_adjustment="loss"`` further times ``pi ** -tau``
        (unweighted: ``pi ** (1 - tau)``), renormalised. Per label, in odds,
        for multi-label kinds.
    model_ : keras.Model
        The trained network.
    history_ : dict
        Training history, one entry per pass over the data (``loss``: the
        mean training loss of that pass, ``learning_rate``: the rate of its
        last step, ``val_*`` with a validation split), also when a Keras
        epoch spans several passes.

    Notes
    -----
    Training loop: a Keras epoch has a fixed cost (tens of milliseconds on a
    CPU: iterator, callbacks, logs) that small training sets, trained for
    hundreds of short passes, would pay hundreds of times. Unless something
    must act after every pass (a validation split, early stopping,
    ``lr_schedule="plateau"``), one Keras epoch (a *round*) therefore spans
    several passes: the largest divisor of ``epochs`` that leaves at least
    10 rounds (and puts the ``class_weight_start`` switch on a round
    boundary). Each pass still draws its own order; ``history_`` still has
    one entry per pass. See ``docs/performance.md``.

    What ``predict_proba`` estimates and what ``predict`` decides, per
    training method (``pi``: training frequencies ``class_prior_``; "balanced"
    means a decision as if every class were equally frequent):

    ================================  ==========================  ==================================
    training                          ``predict_proba``           ``predict``
    ================================  ==========================  ==================================
    unweighted (default)              ``P(c | x)`` under ``pi``   argmax: the accuracy decision
    ``class_weight`` /                ``P(c | x)`` under ``q``    argmax of the re-weighted
    ``balanced_batches``              (re-weighted prior)         probabilities (balanced for
                                                                  ``"balanced"``)
    ``logit_adjustment="loss"``       ``P(c | x)`` under          argmax of the output: balanced
                                      ``pi ** (1 - tau)``         for ``tau=1``
    ``logit_adjustment="post-hoc"``   ``P(c | x)`` under ``pi``   ``argmax(log p - tau log pi)``
    any of them with                  ``P(c | x)`` under ``pi``   unchanged (as above)
    ``prior_correction=True``
    ================================  ==========================  ==================================

    With ``prior_correction=True`` or ``logit_adjustment="post-hoc"``,
    ``predict`` may therefore differ from ``argmax(predict_proba)``: the
    probabilities are calibrated to the training frequencies, the decision
    stays the one the training method aims at (e.g. balanced accuracy).
    Multi-label outputs follow the same table per label, with thresholds
    (``threshold_``) in place of the argmax.

    See Also
    --------
    sklearn.utils.class_weight.compute_class_weight : the "balanced" formula.
    skimbal.priors : the prior maths (class / training priors, prior shift).

    Examples
    --------
    >>> from skimbal import WeightedSequenceClassifier
    >>> from skimbal.datasets import make_imbalanced_sequences
    >>> X, y = make_imbalanced_sequences(n_samples=200, weights=(0.9, 0.1),
    ...                                  random_state=0)
    >>> clf = WeightedSequenceClassifier(units=8, epochs=2, class_weight="balanced",
    ...                                  random_state=0).fit(X, y)
    >>> sorted(clf.class_weight_)
    [0, 1]
    """

    # the one table of parameter rules (skimbal._fit_plan), also used by skimbal.load
    _parameter_constraints: dict = PARAMETER_RULES

    # scikeras' partial_fit would train without skimbal's weights, and its
    # initialize would build a model without the fit plan (see _compat).
    partial_fit = hide_partial_fit()
    initialize = hide_initialize()

    def __init__(
        self,
        model: Any = None,
        *,
        architecture: str = "fcn-rnn",
        cell: str = "lstm",
        units: int | tuple[int, ...] = 32,
        bidirectional: bool = False,
        dropout: float = 0.0,
        dense_units: tuple[int, ...] = (),
        pooling: str = "last",
        conv_filters: tuple[int, ...] = (32, 64, 32),
        conv_kernel_sizes: tuple[int, ...] = (8, 5, 3),
        frontend_strides: str | tuple[int, ...] = "auto",
        frontend_filters: int = 32,
        lite_filters: int = 32,
        lite_kernel_size: int = 40,
        conv_norm: str = "auto",
        n_members: int = 1,
        length_buckets: str | int | None = "auto",
        class_weight: None | str | dict | Any = None,
        beta: float = 0.999,
        class_weight_start: float = 0.0,
        focal_gamma: float = 0.0,
        standardize: bool = True,
        normalize_weights: bool = True,
        target_type: str = "auto",
        label_names: Any = None,
        threshold: Any = 0.5,
        optimizer: Any = "adam",
        learning_rate: float | None = 1e-3,
        loss: Any = None,
        metrics: list | None = None,
        epochs: int | str = "auto",
        batch_size: int | str = "auto",
        validation_fraction: float | str = "auto",
        early_stopping: bool | str = "auto",
        patience: int = 20,
        lr_schedule: str | None = "cosine",
        callbacks: list | None = None,
        verbose: int = 0,
        random_state: Any = None,
        per_timestep: str | bool = "auto",
        time_weight: Any = None,
        time_weight_range: tuple[float, float] = (1.0, 2.0),
        time_weight_half_life: float = 10.0,
        logit_adjustment: str | None = None,
        tau: float = 1.0,
        balanced_batches: bool = False,
        prior_correction: bool = False,
        **kwargs: Any,
    ) -> None:
        # scikeras' __init__ is deliberately not called: it would add
        # parameters (validation_split, class_weight semantics, build_fn, ...)
        # that conflict with skimbal's. Parameters are stored unchanged.
        self.model = model
        self.architecture = architecture
        self.cell = cell
        self.units = units
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.dense_units = dense_units
        self.pooling = pooling
        self.conv_filters = conv_filters
        self.conv_kernel_sizes = conv_kernel_sizes
        self.frontend_strides = frontend_strides
        self.frontend_filters = frontend_filters
        self.lite_filters = lite_filters
        self.lite_kernel_size = lite_kernel_size
        self.conv_norm = conv_norm
        self.n_members = n_members
        self.length_buckets = length_buckets
        self.class_weight = class_weight
        self.beta = beta
        self.class_weight_start = class_weight_start
        self.focal_gamma = focal_gamma
        self.standardize = standardize
        self.normalize_weights = normalize_weights
        self.target_type = target_type
        self.label_names = label_names
        self.threshold = threshold
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.loss = loss
        self.metrics = metrics
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.patience = patience
        self.lr_schedule = lr_schedule
        self.callbacks = callbacks
        self.verbose = verbose
        self.random_state = random_state
        self.per_timestep = per_timestep
        self.time_weight = time_weight
        self.time_weight_range = time_weight_range
        self.time_weight_half_life = time_weight_half_life
        self.logit_adjustment = logit_adjustment
        self.tau = tau
        self.balanced_batches = balanced_batches
        self.prior_correction = prior_correction
        vars(self).update(**kwargs)
        if kwargs:
            self._user_params = set(kwargs)

    # ------------------------------------------------------------- model build
    def _check_model_param(self):  # overrides scikeras
        return self._default_model if self.model is None else self.model

    def _build_keras_model(self) -> keras.Model:  # extends scikeras
        with restore_op_determinism():
            model = super()._build_keras_model()
        if self._random_state is not None:
            model = seed_model(model, self._random_state)
        return model

    def _fit_keras_model(self, *args: Any, **kwargs: Any) -> None:  # extends scikeras
        with restore_op_determinism():
            super()._fit_keras_model(*args, **kwargs)

    def _train(self, fit_plan: FitPlan, y_keras: np.ndarray) -> None:
        """Run Keras training as ``fit_plan`` decided it.

        Batches are gathered by index from ``X`` (:class:`ArrayBatches`), so
        neither the split nor Keras' input adapter copies the training data.
        For variable-length ``X`` the batches are length buckets
        (``fit_plan.length_buckets``), each cut to its longest sequence; the
        per-timestep targets and weights are cut with ``X``. With
        ``fit_plan.balance`` (the class code of every row; ``balanced_batches``)
        every training pass is a class-balanced draw; the validation batches
        are not resampled. With deferred re-weighting
        (``fit_plan.class_weight_start_epoch > 0``) the batches start with the
        unweighted sample weights and :class:`DeferredClassWeights` switches
        the class weights on. Passes are grouped into Keras epochs as
        ``fit_plan.training.passes_per_round`` says.
        """
        X, lengths = fit_plan.X, fit_plan.lengths
        train_idx, val_idx = fit_plan.train_idx, fit_plan.val_idx
        per_timestep, balance = fit_plan.spec.per_timestep, fit_plan.balance
        sw = fit_plan.weights.sample_weight
        unweighted_sw = fit_plan.weights.unweighted_sample_weight
        has_validation = train_idx is not None
        plan = fit_plan.training
        start_epoch = fit_plan.class_weight_start_epoch
        deferred = start_epoch > 0 and unweighted_sw is not None
        arrays = (X, y_keras, unweighted_sw if deferred else sw)
        n_buckets = fit_plan.length_buckets
        bucketing: dict[str, Any] = {}
        if n_buckets is not None:
            bucketing = {
                "lengths": lengths, "n_buckets": n_buckets,
                "time_axis": (True, per_timestep, per_timestep and np.ndim(sw) >= 2),
            }
        # a new order every pass, from a generator seeded by random_state
        train = ArrayBatches(
            arrays, train_idx, plan.batch_size,
            shuffle=bool(getattr(self, "fit__shuffle", True)),
            seed=self._random_state, balance=balance, passes=plan.passes_per_round,
            **bucketing,
        )
        # Keras must neither re-batch nor shuffle (with Python's global
        # random module) what ArrayBatches already batches and shuffles
        fit_kwargs: dict[str, Any] = {"batch_size": None, "shuffle": False}
        # both ArrayBatches stay referenced here while Keras iterates their
        # datasets (which hold them only weakly)
        val = None
        if has_validation:
            val = ArrayBatches(arrays, val_idx, plan.batch_size, shuffle=False, **bucketing)
            fit_kwargs["validation_data"] = val.dataset()
        drw = []
        if deferred:
            # class weights in Keras' sample_weight (single-label) or in the loss
            # (multi-label, where both sample-weight arrays are the same)
            in_batches = unweighted_sw is not sw
            loss = self.model_.loss
            drw = [DeferredClassWeights(
                start_epoch // plan.passes_per_round,
                batches=([train] if val is None else [train, val]) if in_batches else (),
                weighted=sw,
                loss=None if in_batches or not isinstance(loss, WeightedBinaryCrossentropy)
                else loss,
            )]
        callbacks = training_callbacks(
            has_validation=has_validation,
            early_stopping=self.early_stopping,
            patience=self.patience,
            lr_schedule=self.lr_schedule,
            total_steps=plan.epochs * len(train),
            start_from_epoch=start_epoch if deferred else 0,
        )
        schedule = next((c for c in callbacks if isinstance(c, CosineDecay)), None)
        self._fit_callbacks = [
            *self._fit_callbacks,
            PassHistory(len(train), plan.passes_per_round, schedule),  # before the schedule
            *drw, *callbacks,
        ]
        self._fit_keras_model(
            train.dataset(), None, sample_weight=None, warm_start=False, epochs=plan.rounds,
            initial_epoch=0, **fit_kwargs,
        )

    def _default_model(self, meta: dict[str, Any]) -> keras.Model:
        spec = self._target_spec
        return build_sequence_model(
            n_features=meta["n_features_in_"],
            n_outputs=spec.n_outputs,
            output_activation=spec.activation,
            architecture=self.architecture,
            cell=self.cell,
            units=self.units,
            bidirectional=self.bidirectional,
            dropout=self.dropout,
            dense_units=tuple(self.dense_units),
            return_sequences=spec.per_timestep,
            mask_padding=bool(meta.get("variable_length_", False)),
            pooling=self.pooling,
            conv_filters=tuple(self.conv_filters),
            conv_kernel_sizes=tuple(self.conv_kernel_sizes),
            frontend_strides=self._frontend_strides,
            frontend_filters=self.frontend_filters,
            conv_pool=self._conv_pool,
            lite_filters=self.lite_filters,
            lite_kernel_size=self._lite_kernel_size,
            n_members=self.n_members,
            conv_norm=resolve_conv_norm(self.conv_norm,
                                        bool(meta.get("variable_length_", False))),
            input_mean=None if self._input_moments is None else self._input_moments[0],
            input_scale=None if self._input_moments is None else self._input_moments[1],
        )

    def _get_compile_kwargs(self) -> dict[str, Any]:  # extends scikeras
        kwargs = super()._get_compile_kwargs()
        optimizer = kwargs["optimizer"]
        if isinstance(self.optimizer, keras.optimizers.Optimizer):
            # a fresh copy: a shared instance would carry state between fits
            optimizer = type(optimizer).from_config(optimizer.get_config())
        elif self.learning_rate is not None and not hasattr(
            self, "optimizer__learning_rate"
        ):
            optimizer.learning_rate = float(self.learning_rate)
        if type(optimizer) is keras.optimizers.Adam:
            # the same optimizer, one fused kernel per variable (skimbal.fused)
            optimizer = FusedAdam.from_config(optimizer.get_config())
        kwargs["optimizer"] = optimizer
        if kwargs["loss"] is None:
            spec = self._target_spec
            offsets = None
            if self.logit_adjustment == "loss":
                offsets = self.tau * log_prior(self.class_prior_, per_label=spec.multilabel)
            kwargs["loss"] = spec.default_loss(self._mode, self._label_weights, offsets,
                                              gamma=float(self.focal_gamma))
        return kwargs

    @property
    def _target_spec(self) -> TargetSpec:
        """What the fitted kind of target means for the network (see :mod:`skimbal.targets`)."""
        return target_spec(self.target_encoder_)

    # --------------------------------------------------------------------- fit
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> WeightedSequenceClassifier:
        """Fit the network with class weights computed from this ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list
            Training sequences (float; converted to float32 once, never
            modified). Variable-length sequences as a list of
            ``(T_i, n_features)`` arrays; they are padded at the end and masked.
        y : array-like of shape (n_samples,), (n_samples, n_classes), \
(n_samples, n_labels), (n_samples, n_timesteps) or \
(n_samples, n_timesteps, n_labels), or list
            Class labels (ints, bools or strings), a one-hot array, a
            multi-label 0/1 (or bool) indicator array / DataFrame (see
            ``target_type``); or a label per timestep (classes, or 0/1
            multilabel indicators), for list ``X`` a list of ``(T_i,)`` /
            ``(T_i, n_labels)`` arrays.
        sample_weight : array-like of shape (n_samples,), optional
            Per-sample (per-sequence) weights, multiplied with the class
            (and time) weights.

        Returns
        -------
        self

        Notes
        -----
        The fit runs on a private working copy of the estimator; its fitted
        state (``model_``, ``classes_``, ``history_``, ...) is committed to
        ``self`` only once training has completed. A fit that fails or is
        interrupted (an exception, ``KeyboardInterrupt``) therefore leaves the
        previous fitted state intact, or the estimator unfitted.
        """
        work = self._working_copy()
        work._fit(X, y, sample_weight)
        # commit: everything at once, nothing before training has succeeded
        vars(self).clear()
        vars(self).update(vars(work))
        return self

    def _working_copy(self) -> WeightedSequenceClassifier:
        """A shallow copy holding this estimator's parameters and no fitted state."""
        work = object.__new__(type(self))
        vars(work).update(
            (k, v) for k, v in vars(self).items() if not _is_fitted_attribute(k)
        )
        return work

    def _fit(self, X: Any, y: Any, sample_weight: Any) -> None:
        """The body of :meth:`fit`, run on the working copy from :meth:`_working_copy`:
        plan (no Keras) -> build -> compile -> train; :meth:`fit` commits."""
        # size TensorFlow's thread pools before its runtime starts: resolving
        # optimizer names in check_params already creates TensorFlow variables
        configure_from_environment()
        params = self.get_params(deep=False)
        check_params(params, caller_name=type(self).__name__)
        plan = plan_fit(params, X, y, sample_weight)
        # fitted metadata (scikeras passes ``*_`` attributes as ``meta``); this is
        # the working copy (see fit), which starts without any fitted state
        vars(self).update(plan.fitted_attributes())
        self._build_and_compile(plan)
        self._train(plan, plan.spec.encode_for_keras(plan.codes, self._mode))
        self.history_ = dict(self.history_)
        if plan.tune_threshold:
            val_idx = plan.val_idx
            self.threshold_ = f1_optimal_thresholds(
                plan.codes[val_idx], self._decision_proba(self._forward(plan.X[val_idx])),
                self.label_names_,
            )

    def _build_and_compile(self, plan: FitPlan) -> None:
        """Build the network, check it against the plan, and compile it."""
        self.model_ = self._build_keras_model()
        self._check_padding_support(plan.lengths)
        self._mode = plan.spec.output_mode(self.model_.outputs[0].shape)
        self._initialize_callbacks()
        if self.focal_gamma > 0 and self.model_.compiled:
            raise ValueError(
                f"focal_gamma={self.focal_gamma!r} applies to the loss skimbal compiles, but "
                "the model function returned a compiled model (with its own loss); do not "
                "compile it in the model function, or use focal_gamma=0."
            )
        self._ensure_compiled_model()
        build_optimizer(self.model_)
        if plan.class_weights_in == "loss" and self.class_weight is not None and not isinstance(
            self.model_.loss, WeightedBinaryCrossentropy
        ):
            raise ValueError(
                "The model was compiled with its own loss, so the per-label class "
                "weights cannot be applied; do not compile it in the model function "
                "(skimbal then compiles it with WeightedBinaryCrossentropy)."
            )
        if self.logit_adjustment == "loss" and not _is_logit_adjusted(self.model_.loss):
            raise ValueError(
                "logit_adjustment='loss' needs skimbal's logit-adjusted loss, but the "
                "model function returned a compiled model with its own loss; do not "
                "compile it in the model function, or use logit_adjustment='post-hoc'."
            )

    def _has_padding_mask(self) -> bool:
        layers = self.model_._flatten_layers(include_self=False, recursive=True)
        return any(isinstance(layer, PaddingMask) for layer in layers)

    def _check_padding_support(self, lengths: np.ndarray | None) -> None:
        """Training on padded input needs a model that starts with PaddingMask."""
        if lengths is None or np.all(lengths == lengths.max()):
            return
        if not self._has_padding_mask():
            raise ValueError(
                "X holds sequences of different lengths, which skimbal pads at the "
                "end with NaN; the model has no skimbal.layers.PaddingMask layer to "
                "mask that padding. Add PaddingMask() right after the Input of your "
                "model function."
            )

    # ----------------------------------------------------------------- predict
    def _forward(self, X: np.ndarray) -> np.ndarray:
        return predict_in_chunks(self.model_, X, _PREDICT_CHUNK)

    def _forward_sequences(self, X: np.ndarray, lengths: np.ndarray | None) -> np.ndarray:
        """Network outputs for a (possibly NaN-padded) batch.

        Padded batches go through the model in length buckets when it masks
        padding (:class:`~skimbal.layers.PaddingMask`; ``length_buckets``,
        ``None``: at once, padded to the longest); otherwise (a model trained on
        equal-length arrays, which has no mask layer and so no masking overhead)
        the sequences are run in groups of equal length, without any padding.
        """
        if lengths is None or np.all(lengths == X.shape[1]):
            return self._forward(X)
        if self._has_padding_mask():
            # one input shape per length bucket, each cut to its longest sequence
            n_buckets = resolve_length_buckets(
                getattr(self, "length_buckets", "auto"), lengths, 2 * AUTO_LENGTH_BUCKETS)
            return predict_in_chunks(self.model_, X, _PREDICT_CHUNK, lengths=lengths,
                                     n_buckets=n_buckets)
        equal_length = [np.flatnonzero(lengths == n) for n in np.unique(lengths)]
        return predict_in_groups(self.model_, X, _PREDICT_CHUNK, lengths, equal_length)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list

        Returns
        -------
        ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
            For multi-label targets, column ``j`` is the probability that
            label ``j`` is on (sigmoid outputs; rows do not sum to 1). For
            per-timestep targets ``(n_samples, n_timesteps, n_classes)``
            (binary: 2 columns) or ``(n_samples, n_timesteps, n_labels)``
            (multilabel: probability of each label), or for list ``X`` a list
            of ``(T_i, ...)`` arrays. With ``prior_correction=True``, shifted
            from the training prior ``training_prior_`` to the training
            frequencies ``class_prior_`` (see the class Notes).
        """
        check_is_fitted(self, "model_")
        proba, lengths = self._proba(X)
        if self.prior_correction:
            spec = self._target_spec
            ratio = (log_prior(self.class_prior_, per_label=spec.multilabel)
                     - log_prior(self.training_prior_, per_label=spec.multilabel))
            proba = shift_proba(proba, ratio, per_label=spec.multilabel)
        return self._unpad(proba, lengths)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels, in the form given to ``fit``.

        Strings stay strings, bools stay bools, one-hot stays one-hot. For
        multi-label targets, an array of shape ``(n_samples, n_labels)`` of 0/1
        in the dtype of the ``y`` given to ``fit`` (an ndarray also when ``y``
        was a DataFrame): label ``j`` is set when its probability is
        ``>= threshold_[j]``. Per-timestep targets give ``(n_samples,
        n_timesteps)`` labels (or ``(n_samples, n_timesteps, n_labels)`` 0/1,
        threshold 0.5), and for list ``X`` a list of per-sequence arrays.

        The decision is that of the training method: the most probable class
        of the network's output (``threshold_`` for multi-label), after the
        post-hoc shift of ``logit_adjustment="post-hoc"``; ``prior_correction``
        does not change it (see the class Notes).
        """
        check_is_fitted(self, "model_")
        proba, lengths = self._proba(X)
        codes = self._target_spec.codes_from_proba(self._decision_proba(proba),
                                                   getattr(self, "threshold_", 0.5))
        return self._unpad(self.target_encoder_.inverse_transform(codes), lengths)

    def _decision_proba(self, proba: np.ndarray) -> np.ndarray:
        """The probabilities ``predict`` decides on: ``logit_adjustment="post-hoc"``
        shifts them by ``pi ** -tau`` (per label in odds), otherwise unchanged."""
        if self.logit_adjustment != "post-hoc":
            return proba
        per_label = self._target_spec.multilabel
        return shift_proba(proba, -self.tau * log_prior(self.class_prior_, per_label=per_label),
                           per_label=per_label)

    def _proba(self, X: Any) -> tuple[np.ndarray, np.ndarray | None]:
        """``predict_proba`` of a (possibly NaN-padded) batch, and the lengths of list ``X``."""
        X, lengths = check_sequence_batch(X, n_features=self.n_features_in_)
        self._check_frontend_length(X.shape[1] if lengths is None else int(lengths.min()))
        raw = self._forward_sequences(X, lengths)
        return self._target_spec.proba_from_output(raw, self._mode), lengths

    def _check_frontend_length(self, min_timesteps: int) -> None:
        """The error ``fit`` gives when the strided front-end would leave zero steps.

        The strides are read from the network (its ``frontend_conv_*`` layers), so
        this also holds for an estimator restored by :func:`skimbal.load`.
        """
        strides = tuple(
            int(layer.strides[0])
            for layer in self.model_._flatten_layers(include_self=False, recursive=True)
            if layer.name.startswith("frontend_conv") and hasattr(layer, "strides")
        )
        if strides:
            check_frontend_strides(strides, min_timesteps, at_predict=True)

    def _unpad(self, out: np.ndarray, lengths: np.ndarray | None) -> Any:
        """Per-timestep outputs for list ``X`` back as a list of ``(T_i, ...)`` arrays."""
        if lengths is None or not self._target_spec.per_timestep:
            return out
        return unpad(out, lengths)


    def save(self, path: Any, *, strict: bool = True) -> Any:
        """Save the fitted estimator without pickle; reload with :func:`skimbal.load`.

        One zip file holding the Keras native ``.keras`` network and JSON
        metadata (parameters, classes, fitted state, library versions); see
        :mod:`skimbal.persistence` for the format and ``strict``.

        Returns
        -------
        pathlib.Path
        """
        return persistence.save(self, path, strict=strict)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy of ``predict(X)`` against ``y`` (scikit-learn's default).

        For imbalanced data prefer ``scoring="balanced_accuracy"`` in
        model-selection tools. For per-timestep targets the score is the
        **balanced accuracy over all valid timesteps** (padding excluded;
        multilabel: averaged over labels), see
        :func:`skimbal.metrics.timestep_score`; use
        :func:`skimbal.metrics.make_timestep_scorer` in ``GridSearchCV``.

        For **multi-label** targets, the macro-averaged F1 over labels
        (``f1_score(y, predict(X), average="macro", zero_division=0)``), not
        scikit-learn's subset accuracy, which on imbalanced labels is
        dominated by the all-negative rows. Model-selection tools also accept
        ``scoring="f1_macro"``, ``"average_precision"`` and ``"roc_auc"``
        (macro over labels, from ``predict_proba``).
        """
        check_is_fitted(self, "model_")
        return self._target_spec.score(y, self.predict(X), sample_weight=sample_weight)
