"""``WeightedSequenceClassifier``: the scikit-learn face of skimbal.

It orchestrates target encoding (:mod:`skimbal.targets`), weights
(:mod:`skimbal.weights`), model building (:mod:`skimbal.architectures`) and the
stratified validation split (:mod:`skimbal.model_selection`); scikeras supplies
parameter routing (``model__*``, ``optimizer__*``, ``fit__*``), compilation,
seeding and pickling.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import keras
import numpy as np
from scikeras.wrappers import KerasClassifier
from sklearn.metrics import accuracy_score
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._compat import ClassifierTagsMixin, hide_partial_fit
from ._training import training_callbacks, validation_split_or_none
from ._validation import check_sequences, seed_from_random_state
from .architectures import (
    ARCHITECTURES,
    CELLS,
    POOLINGS,
    build_sequence_model,
    check_frontend_strides,
)
from .targets import TargetEncoder, as_label_array
from .weights import (
    check_sample_weight,
    class_sample_weight,
    normalization_factor,
    resolve_class_weight,
)

__all__ = ["WeightedSequenceClassifier"]


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
    conv_filters : tuple of int, default=(64, 128, 64)
        Filters of the FCN blocks (``architecture="fcn-rnn"``); the papers use
        ``(128, 256, 128)``.
    conv_kernel_sizes : tuple of int, default=(8, 5, 3)
        Kernel sizes of the FCN blocks, one per filter entry.
    frontend_strides : tuple of int, default=()
        Strided convolutional front-end before the recurrent layers, for
        long series: one ``Conv1D(frontend_filters, kernel_size=s,
        strides=s)`` + ReLU layer per stride ``s`` over non-overlapping
        windows, so the recurrent layers read ``prod(strides)`` times fewer
        steps (e.g. ``(4, 4)`` turns 2,000 steps into 125). ``()``: none. A
        ``ValueError`` is raised in ``fit`` if the shortest training sequence
        would be reduced to zero steps.
    frontend_filters : int, default=32
        Channels of each front-end layer.
    class_weight : None, "balanced" or dict, default=None
        ``None``: all classes weigh 1. ``"balanced"``: scikit-learn's
        ``n_samples / (n_classes * count)``. A dict maps **original labels**
        (ints or strings, e.g. ``{"fraud": 10.0}``; column indices for one-hot
        ``y``) to positive weights; classes missing from it weigh 1.
    normalize_weights : bool, default=True
        Rescale the class weights so that their mean over the training
        targets is 1 (``sum_i w[y_i] / n == 1``). Raw inverse counts such as
        ``{0: 1/900, 1: 1/100}`` then do not shrink the effective learning
        rate. A user ``sample_weight`` is multiplied in afterwards, unscaled.
    optimizer : str, keras Optimizer class or instance, default="adam"
        Optimizer; further arguments via ``optimizer__*``.
    learning_rate : float or None, default=1e-3
        Learning rate of an optimizer given by name or class (ignored for an
        optimizer instance and when ``optimizer__learning_rate`` is set).
        ``None`` keeps the optimizer's own default.
    loss : str, keras Loss or None, default=None
        ``None`` picks binary / sparse categorical cross-entropy to match the
        output layer.
    metrics : list or None, default=None
        Extra Keras metrics to track in ``history_``.
    epochs : int, default=200
        Maximum training epochs; with the default ``early_stopping=True``
        training normally stops long before.
    batch_size : int, default=32
        Mini-batch size for training and prediction.
    validation_fraction : float in [0, 1), default=0.1
        Share of the training data held out for monitoring, split
        **stratified** by class (Keras' ``validation_split`` takes the tail of
        the arrays, which on sorted data is a single class). The held-out part
        is weighted like the training part. Validation metrics appear in
        ``history_`` as ``val_*``. When a stratified split is impossible
        (a class with fewer than 2 samples, or fewer validation samples than
        classes) a ``UserWarning`` is issued, all samples are used for
        training and the callbacks monitor the training loss. ``0``: no split.
    early_stopping : bool, default=True
        Stop when the monitored loss (``val_loss`` with a validation split,
        else the training ``loss``) has not improved for ``patience`` epochs
        and restore the weights of the best epoch. ``False``: train exactly
        ``epochs`` epochs.
    patience : int, default=20
        Epochs without improvement before early stopping.
    lr_schedule : {"plateau"} or None, default="plateau"
        ``"plateau"``: ``ReduceLROnPlateau`` on the monitored loss, halving
        the learning rate after ``max(1, patience // 3)`` epochs without
        improvement (down to ``1e-5``). ``None``: constant learning rate.
    callbacks : list of keras callbacks or None, default=None
        Extra callbacks for ``Model.fit``.
    verbose : int, default=0
        Keras verbosity.
    random_state : int, RandomState or None, default=None
        Seed for weight initialisation, shuffling, dropout and the validation
        split. The same seed gives identical predictions on refit (TensorFlow
        op determinism is enabled during fit).
    **kwargs
        scikeras-style routed parameters: ``model__*`` (passed to ``model``),
        ``optimizer__*``, ``loss__*``, ``fit__*`` (to ``Model.fit``),
        ``predict__*``, ``compile__*``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (``arange(n_columns)`` for one-hot ``y``).
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        Features (channels) per timestep seen in ``fit``.
    target_type_ : str
        ``"binary"``, ``"multiclass"`` or ``"onehot"``.
    class_weight_ : dict
        Weight used per class label, after normalisation.
    model_ : keras.Model
        The trained network.
    history_ : dict
        Per-epoch training history (``loss``, ``val_loss``, ...).

    See Also
    --------
    sklearn.utils.class_weight.compute_class_weight : the "balanced" formula.

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

    _parameter_constraints: dict = {
        "model": [callable, None],
        "architecture": [StrOptions(set(ARCHITECTURES))],
        "cell": [StrOptions(set(CELLS))],
        "units": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "dense_units": [tuple, list],
        "pooling": [StrOptions(set(POOLINGS))],
        "conv_filters": [tuple, list],
        "conv_kernel_sizes": [tuple, list],
        "frontend_strides": [tuple, list],
        "frontend_filters": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [None, StrOptions({"balanced"}), dict],
        "normalize_weights": ["boolean"],
        "optimizer": [str, type, keras.optimizers.Optimizer],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), None],
        "loss": [str, keras.losses.Loss, callable, None],
        "metrics": [list, None],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "early_stopping": ["boolean"],
        "patience": [Interval(Integral, 0, None, closed="left")],
        "lr_schedule": [StrOptions({"plateau"}), None],
        "callbacks": [list, None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    # scikeras' partial_fit would train without skimbal's weights (see _compat).
    partial_fit = hide_partial_fit()

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
        conv_filters: tuple[int, ...] = (64, 128, 64),
        conv_kernel_sizes: tuple[int, ...] = (8, 5, 3),
        frontend_strides: tuple[int, ...] = (),
        frontend_filters: int = 32,
        class_weight: None | str | dict = None,
        normalize_weights: bool = True,
        optimizer: Any = "adam",
        learning_rate: float | None = 1e-3,
        loss: Any = None,
        metrics: list | None = None,
        epochs: int = 200,
        batch_size: int = 32,
        validation_fraction: float = 0.1,
        early_stopping: bool = True,
        patience: int = 20,
        lr_schedule: str | None = "plateau",
        callbacks: list | None = None,
        verbose: int = 0,
        random_state: Any = None,
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
        self.class_weight = class_weight
        self.normalize_weights = normalize_weights
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
        vars(self).update(**kwargs)
        if kwargs:
            self._user_params = set(kwargs)

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        self._validate_params()
        units = (self.units,) if isinstance(self.units, Integral) else self.units
        if len(units) == 0 or not all(
            isinstance(u, Integral) and not isinstance(u, bool) and u >= 1
            for u in units
        ):
            raise ValueError(
                f"units must be a positive int or a non-empty tuple of positive "
                f"ints; got {self.units!r}."
            )
        if not all(
            isinstance(u, Integral) and not isinstance(u, bool) and u >= 1
            for u in self.dense_units
        ):
            raise ValueError(
                f"dense_units must be a tuple of positive ints; got {self.dense_units!r}."
            )
        for name in ("conv_filters", "conv_kernel_sizes"):
            value = getattr(self, name)
            if not all(
                isinstance(v, Integral) and not isinstance(v, bool) and v >= 1 for v in value
            ):
                raise ValueError(f"{name} must be a tuple of positive ints; got {value!r}.")
        if self.architecture == "fcn-rnn" and (
            len(self.conv_filters) == 0 or len(self.conv_filters) != len(self.conv_kernel_sizes)
        ):
            raise ValueError(
                "conv_filters and conv_kernel_sizes must be non-empty and of equal length "
                f"for architecture='fcn-rnn'; got {self.conv_filters!r} and "
                f"{self.conv_kernel_sizes!r}."
            )
        if isinstance(self.model, keras.Model):
            raise TypeError(
                "model must be a function that builds a Keras model, not a model "
                "instance (an instance would be shared between clones and folds)."
            )

    # ------------------------------------------------------------- model build
    def _check_model_param(self):  # overrides scikeras
        return self._default_model if self.model is None else self.model

    def _default_model(self, meta: dict[str, Any]) -> keras.Model:
        n_outputs = meta["n_outputs_"]
        return build_sequence_model(
            n_features=meta["n_features_in_"],
            n_outputs=n_outputs,
            output_activation="sigmoid" if n_outputs == 1 else "softmax",
            architecture=self.architecture,
            cell=self.cell,
            units=self.units,
            bidirectional=self.bidirectional,
            dropout=self.dropout,
            dense_units=tuple(self.dense_units),
            pooling=self.pooling,
            conv_filters=tuple(self.conv_filters),
            conv_kernel_sizes=tuple(self.conv_kernel_sizes),
            frontend_strides=tuple(self.frontend_strides),
            frontend_filters=self.frontend_filters,
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
        kwargs["optimizer"] = optimizer
        if kwargs["loss"] is None:
            kwargs["loss"] = (
                "binary_crossentropy"
                if self._output_mode() == "sigmoid"
                else "sparse_categorical_crossentropy"
            )
        return kwargs

    def _output_mode(self) -> str:
        n_out = self.model_.outputs[0].shape[-1]
        if n_out == 1 and self.n_classes_ == 2:
            return "sigmoid"
        if n_out == self.n_classes_:
            return "softmax"
        raise ValueError(
            f"The model's output layer has {n_out} units; expected 1 (binary "
            f"sigmoid) or {self.n_classes_} (one per class, softmax)."
        )

    # --------------------------------------------------------------------- fit
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> WeightedSequenceClassifier:
        """Fit the network with class weights computed from this ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features)
            Training sequences (float; converted to float32 once, never
            modified).
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels (ints, bools or strings) or a one-hot array.
        sample_weight : array-like of shape (n_samples,), optional
            Per-sample weights, multiplied with the class weights.

        Returns
        -------
        self
        """
        self._check_params()
        X = check_sequences(X)
        y = as_label_array(y)
        if len(y) != len(X):
            raise ValueError(
                f"X and y have different numbers of samples: len(X)={len(X)}, "
                f"len(y)={len(y)}."
            )
        check_frontend_strides(tuple(self.frontend_strides), X.shape[1])
        encoder = TargetEncoder().fit(y)
        codes = encoder.transform(y)
        user_sw = check_sample_weight(sample_weight, len(X))

        counts = np.bincount(codes, minlength=encoder.n_classes)
        cw = resolve_class_weight(self.class_weight, encoder.classes_, counts)
        if self.normalize_weights:
            cw = cw * normalization_factor(cw, counts)
        sw = class_sample_weight(cw, codes)
        if user_sw is not None:
            sw = sw * user_sw

        seed = seed_from_random_state(self.random_state)
        train_idx, val_idx = validation_split_or_none(codes, self.validation_fraction, seed)

        # fitted metadata (scikeras passes attributes ending in "_" as `meta`)
        for attr in ("history_", "model_"):
            self.__dict__.pop(attr, None)
        self.target_encoder_ = encoder
        self.classes_ = encoder.classes_
        self.n_classes_ = encoder.n_classes
        self.target_type_ = encoder.kind
        self.n_features_in_ = X.shape[2]
        self.n_outputs_ = 1 if encoder.kind == "binary" else encoder.n_classes
        self.class_weight_ = {
            label: float(w) for label, w in zip(encoder.classes_.tolist(), cw, strict=True)
        }
        self._random_state = seed

        # Keras work starts here
        self.model_ = self._build_keras_model()
        self._initialize_callbacks()
        self._ensure_compiled_model()
        self._mode = self._output_mode()
        y_keras = self._encode_for_keras(codes)

        fit_kwargs: dict[str, Any] = {}
        if train_idx is not None:
            fit_kwargs["validation_data"] = (X[val_idx], y_keras[val_idx], sw[val_idx])
            X, y_keras, sw = X[train_idx], y_keras[train_idx], sw[train_idx]
        self._fit_callbacks = [
            *self._fit_callbacks,
            *training_callbacks(
                has_validation=train_idx is not None,
                early_stopping=self.early_stopping,
                patience=self.patience,
                lr_schedule=self.lr_schedule,
            ),
        ]
        self._fit_keras_model(
            X,
            y_keras,
            sample_weight=sw,
            warm_start=False,
            epochs=self.epochs,
            initial_epoch=0,
            **fit_kwargs,
        )
        self.history_ = dict(self.history_)
        return self

    def _encode_for_keras(self, codes: np.ndarray) -> np.ndarray:
        if self._mode == "sigmoid":
            return codes.astype(np.float32).reshape(-1, 1)
        return codes

    # ----------------------------------------------------------------- predict
    def _forward(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(
            self.model_.predict(X, batch_size=self.batch_size, verbose=0)
        )

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "model_")
        X = check_sequences(X, n_features=self.n_features_in_)
        raw = self._forward(X)
        if self._mode == "sigmoid":
            p = raw.reshape(-1)
            return np.column_stack([1.0 - p, p])
        return raw

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels, in the form given to ``fit``.

        Strings stay strings, bools stay bools, one-hot stays one-hot.
        """
        proba = self.predict_proba(X)
        return self.target_encoder_.inverse_transform(np.argmax(proba, axis=1))

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy of ``predict(X)`` against ``y`` (scikit-learn's default).

        For imbalanced data prefer ``scoring="balanced_accuracy"`` in
        model-selection tools.
        """
        return float(accuracy_score(y, self.predict(X), sample_weight=sample_weight))
