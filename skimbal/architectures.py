"""Keras model builders for sequence classification.

The default recurrent layers keep Keras' defaults (``tanh``/``sigmoid``
activations, ``recurrent_dropout=0``, ``unroll=False``) so that on a GPU they
stay eligible for the fused cuDNN kernel. ``dropout`` is applied by separate
``Dropout`` layers between blocks, not inside the cells, for the same reason.
The same settings keep LSTM layers and the FCN's batch normalisation on
TensorFlow's fused CPU kernels (:mod:`skimbal.fused`).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import keras

from .fused import FusedBatchNormalization, FusedLSTM
from .layers import AttentionPooling1D, MaskedConv1D, MaskedMaxPooling1D, PaddingMask

__all__ = [
    "ARCHITECTURES",
    "CELLS",
    "AUTO_CONV_POOL_ABOVE",
    "AUTO_CONV_STEPS",
    "AUTO_FRONTEND_STEPS",
    "POOLINGS",
    "build_sequence_model",
    "check_architecture_params",
    "check_frontend_strides",
    "describe_network",
    "frontend_output_length",
    "resolve_conv_pool",
    "resolve_frontend_strides",
]

# LSTM layers are skimbal.fused.FusedLSTM: a keras.layers.LSTM that runs
# TensorFlow's fused BlockLSTM kernel on CPU and Keras' cuDNN path on GPU.
CELLS = {"lstm": FusedLSTM, "gru": keras.layers.GRU, "rnn": keras.layers.SimpleRNN}
ARCHITECTURES = ("rnn", "fcn-rnn")
POOLINGS = ("last", "mean", "attention")
#: ``frontend_strides="auto"`` keeps the recurrent branch at most this many steps
AUTO_FRONTEND_STEPS = 128
#: ... and pools the convolutional branch of series longer than this many steps
AUTO_CONV_POOL_ABOVE = 512
#: ... to at most this many steps (after its first block)
AUTO_CONV_STEPS = 256


def _as_tuple(units: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(units, int):
        return (units,)
    return tuple(int(u) for u in units)


def _is_positive_int(value: object) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool) and value >= 1


def _check_positive_ints(name: str, values: object, *, non_empty: bool = False) -> None:
    """Raise unless ``values`` is a tuple / list of positive ints (non-empty if asked)."""
    ok = isinstance(values, (tuple, list)) and all(_is_positive_int(v) for v in values)
    if not ok or (non_empty and len(values) == 0):
        what = "a non-empty tuple" if non_empty else "a tuple"
        raise ValueError(f"{name} must be {what} of positive ints; got {values!r}.")


def check_architecture_params(
    *,
    architecture: str,
    units: int | Sequence[int],
    dense_units: Sequence[int],
    pooling: str,
    conv_filters: Sequence[int],
    conv_kernel_sizes: Sequence[int],
    frontend_strides: Sequence[int] = (),
    return_sequences: bool = False,
) -> None:
    """The one check of the architecture parameters (classifier ``fit`` and the builder).

    Parameters
    ----------
    architecture, units, dense_units, pooling, conv_filters, conv_kernel_sizes, \
frontend_strides, return_sequences
        As for :func:`build_sequence_model`.

    Raises
    ------
    ValueError
        Unknown ``architecture`` / ``pooling``; ``units`` not a positive int or a
        non-empty tuple of them; ``dense_units`` / ``conv_filters`` /
        ``conv_kernel_sizes`` / ``frontend_strides`` not tuples of positive ints;
        for ``"fcn-rnn"`` empty or unequal ``conv_filters`` and
        ``conv_kernel_sizes``; ``return_sequences`` with a strided front-end.
    """
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {ARCHITECTURES}; got {architecture!r}.")
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}; got {pooling!r}.")
    if not _is_positive_int(units):
        if not isinstance(units, (tuple, list)) or len(units) == 0 or not all(
            _is_positive_int(u) for u in units
        ):
            raise ValueError(
                f"units must be a positive int or a non-empty tuple of positive "
                f"ints; got {units!r}."
            )
    _check_positive_ints("dense_units", dense_units)
    _check_positive_ints("conv_filters", conv_filters)
    _check_positive_ints("conv_kernel_sizes", conv_kernel_sizes)
    _check_positive_ints("frontend_strides", frontend_strides)
    if architecture == "fcn-rnn" and (
        len(conv_filters) == 0 or len(conv_filters) != len(conv_kernel_sizes)
    ):
        raise ValueError(
            "conv_filters and conv_kernel_sizes must be non-empty and of equal length "
            f"for architecture='fcn-rnn'; got {tuple(conv_filters)!r} and "
            f"{tuple(conv_kernel_sizes)!r}."
        )
    if return_sequences and any(s > 1 for s in frontend_strides):
        raise ValueError("return_sequences=True cannot be combined with a strided front-end.")


def frontend_output_length(n_timesteps: int, strides: Sequence[int]) -> int:
    """Timesteps left after the strided convolutional front-end.

    Each front-end layer convolves non-overlapping windows of ``stride``
    steps (``kernel_size == strides``, ``padding="valid"``), so it keeps
    ``n // stride`` steps (a trailing incomplete window is dropped).

    Parameters
    ----------
    n_timesteps : int
        Length of the input sequence.
    strides : sequence of int
        Stride of each front-end layer, in order.

    Returns
    -------
    int
    """
    n = int(n_timesteps)
    for stride in strides:
        n //= int(stride)
    return n


def check_frontend_strides(strides: Sequence[int], min_timesteps: int,
                           *, at_predict: bool = False) -> None:
    """Raise if ``strides`` would reduce the shortest sequence to zero steps.

    Parameters
    ----------
    strides : sequence of int
        The ``frontend_strides`` parameter.
    min_timesteps : int
        Length of the shortest training sequence.
    at_predict : bool, default=False
        Word the error for sequences given to ``predict`` (a fitted network).

    Raises
    ------
    ValueError
        If a stride is not a positive int, or the front-end output of the
        shortest sequence would be empty.
    """
    _check_positive_ints("frontend_strides", tuple(strides))
    if frontend_output_length(min_timesteps, strides) < 1:
        total = 1
        for s in strides:
            total *= s
        if at_predict:
            raise ValueError(
                f"frontend_strides={tuple(strides)!r} downsample by {total}x, which reduces "
                f"the shortest sequence of X ({min_timesteps} timesteps) to zero steps; "
                f"this fitted network needs sequences of at least {total} timesteps."
            )
        raise ValueError(
            f"frontend_strides={tuple(strides)!r} downsample by {total}x, which reduces "
            f"the shortest training sequence ({min_timesteps} timesteps) to zero steps; "
            "use smaller or fewer strides."
        )


def resolve_frontend_strides(
    strides: Sequence[int] | str, max_timesteps: int, min_timesteps: int,
    *, per_timestep: bool = False,
) -> tuple[int, ...]:
    """The front-end strides to build, with ``"auto"`` resolved and checked.

    ``"auto"``: for series longer than ``AUTO_FRONTEND_STEPS`` (128) steps,
    one front-end layer of stride ``ceil(max_timesteps / 128)``, so the
    recurrent branch reads at most 128 steps (2,000 steps -> stride 16, 125
    steps); the convolutional branch is pooled separately
    (:func:`resolve_conv_pool`). The stride
    never exceeds the shortest training sequence, which keeps at least one
    step. No front-end for shorter series or per-timestep targets (which
    need one output per input step). Explicit strides are checked with
    :func:`check_frontend_strides`.

    Parameters
    ----------
    strides : tuple of int or "auto"
        The ``frontend_strides`` parameter.
    max_timesteps, min_timesteps : int
        Longest and shortest training sequence.
    per_timestep : bool, default=False
        Whether the targets are per timestep.

    Returns
    -------
    tuple of int
    """
    if isinstance(strides, str):
        if per_timestep or max_timesteps <= AUTO_FRONTEND_STEPS:
            return ()
        stride = min(-(-int(max_timesteps) // AUTO_FRONTEND_STEPS), int(min_timesteps))
        return (stride,) if stride > 1 else ()
    strides = tuple(strides)
    check_frontend_strides(strides, min_timesteps)
    return strides


def resolve_conv_pool(
    strides: Sequence[int] | str, max_timesteps: int, *, per_timestep: bool = False,
) -> int:
    """The max-pooling factor after the first block of the convolutional branch.

    Part of ``frontend_strides="auto"``: for series longer than
    ``AUTO_CONV_POOL_ABOVE`` (512) steps, the FCN branch's first block
    (``Conv1D -> BatchNorm -> ReLU``) reads every step and is followed by
    :class:`skimbal.layers.MaskedMaxPooling1D` over windows of
    ``ceil(max_timesteps / AUTO_CONV_STEPS)`` steps (1,400 steps -> 6,
    2,000 -> 8), so the later, wider blocks read at most 256 steps. 1 (no
    pooling) for explicit strides, shorter series and per-timestep targets.
    Pooling keeps the last incomplete window, so any sequence of at least
    one step keeps at least one.

    Parameters
    ----------
    strides : tuple of int or "auto"
        The ``frontend_strides`` parameter.
    max_timesteps : int
        Longest training sequence.
    per_timestep : bool, default=False
        Whether the targets are per timestep.

    Returns
    -------
    int
    """
    if not isinstance(strides, str) or per_timestep or max_timesteps <= AUTO_CONV_POOL_ABOVE:
        return 1
    return -(-int(max_timesteps) // AUTO_CONV_STEPS)


_CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "SimpleRNN"}


def describe_network(
    *,
    architecture: str = "fcn-rnn",
    cell: str = "lstm",
    units: int | Sequence[int] = 32,
    bidirectional: bool = False,
    pooling: str = "last",
    conv_filters: Sequence[int] = (64, 128, 64),
    conv_kernel_sizes: Sequence[int] = (8, 5, 3),
    frontend_strides: Sequence[int] | str = (),
    dense_units: Sequence[int] = (),
    conv_pool: int = 1,
    **_: object,
) -> str:
    """One line naming the network that :func:`build_sequence_model` builds.

    Takes the architecture parameters by keyword (extra keywords, such as the
    rest of a classifier's ``get_params()``, are ignored), e.g.
    ``"Conv1D(64, 128, 64; kernels 8, 5, 3) beside GRU(32), last step"``.

    Parameters
    ----------
    architecture, cell, units, bidirectional, pooling, conv_filters, \
conv_kernel_sizes, frontend_strides, dense_units, conv_pool
        As in :func:`build_sequence_model`; ``frontend_strides`` may be
        ``"auto"`` (see :func:`resolve_frontend_strides` and
        :func:`resolve_conv_pool`).

    Returns
    -------
    str
    """
    recurrent = ", ".join(str(int(u)) for u in _as_tuple(units))
    name = _CELL_NAMES.get(cell, str(cell))
    rnn = f"{'bidirectional ' if bidirectional else ''}{name}({recurrent})"
    rnn += {"last": ", last step", "mean": ", mean over steps",
            "attention": ", attention pooling"}.get(pooling, f", {pooling} pooling")
    if isinstance(frontend_strides, str):
        rnn = (f"{rnn} (after a strided Conv1D front-end on series longer than "
               f"{AUTO_FRONTEND_STEPS} steps)")
    elif tuple(frontend_strides):
        rnn = f"{rnn} (after Conv1D front-end, strides {tuple(int(s) for s in frontend_strides)})"
    text = rnn
    if architecture == "fcn-rnn":
        filters = ", ".join(str(int(f)) for f in conv_filters)
        kernels = ", ".join(str(int(k)) for k in conv_kernel_sizes)
        conv = f"Conv1D({filters}; kernels {kernels})"
        if isinstance(frontend_strides, str):
            conv += (f" (max-pooled to at most {AUTO_CONV_STEPS} steps after the first "
                     f"block on series longer than {AUTO_CONV_POOL_ABOVE} steps)")
        elif int(conv_pool) > 1:
            conv += f" (max-pooled over {int(conv_pool)} steps after the first block)"
        text = f"{conv} beside {rnn}"
    if tuple(dense_units):
        text += f", Dense({', '.join(str(int(u)) for u in dense_units)})"
    return text


# -------------------------------------------------------------- full builder
def _recurrent_branch(
    x: keras.KerasTensor,
    *,
    cell: str,
    units: tuple[int, ...],
    bidirectional: bool,
    dropout: float,
    pooling: str,
    return_sequences: bool,
) -> keras.KerasTensor:
    layer_cls = CELLS[cell]
    for i, n_units in enumerate(units):
        last = i == len(units) - 1
        keep_steps = not last or return_sequences or pooling != "last"
        rnn = layer_cls(n_units, return_sequences=keep_steps, name=f"{cell}_{i}")
        if bidirectional:
            rnn = keras.layers.Bidirectional(rnn, name=f"bidirectional_{i}")
        x = rnn(x)
        if dropout > 0:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    if return_sequences or pooling == "last":
        return x
    if pooling == "mean":
        return keras.layers.GlobalAveragePooling1D(name="mean_pooling")(x)
    return AttentionPooling1D(units=max(units[-1], 8), name="attention_pooling")(x)


def _fcn_branch(
    x: keras.KerasTensor,
    *,
    filters: tuple[int, ...],
    kernel_sizes: tuple[int, ...],
    return_sequences: bool,
    pool: int = 1,
) -> keras.KerasTensor:
    for i, (n_filters, kernel) in enumerate(zip(filters, kernel_sizes, strict=True)):
        x = MaskedConv1D(
            int(n_filters), int(kernel), padding="same", name=f"fcn_conv_{i}"
        )(x)
        x = FusedBatchNormalization(name=f"fcn_bn_{i}")(x)
        x = keras.layers.Activation("relu", name=f"fcn_relu_{i}")(x)
        if i == 0 and pool > 1:
            x = MaskedMaxPooling1D(pool, name="fcn_pool")(x)
    if return_sequences:
        # per-step features; the mask still travels with them to the head and loss
        return x
    return keras.layers.GlobalAveragePooling1D(name="fcn_gap")(x)


def build_sequence_model(
    *,
    n_features: int,
    n_outputs: int,
    output_activation: str,
    architecture: str = "rnn",
    cell: str = "lstm",
    units: int | Sequence[int] = 32,
    bidirectional: bool = False,
    dropout: float = 0.0,
    dense_units: Sequence[int] = (),
    pooling: str = "last",
    conv_filters: Sequence[int] = (64, 128, 64),
    conv_kernel_sizes: Sequence[int] = (8, 5, 3),
    frontend_strides: Sequence[int] = (),
    frontend_filters: int = 32,
    conv_pool: int = 1,
    n_timesteps: int | None = None,
    mask_value: float | None = None,
    mask_padding: bool = False,
    return_sequences: bool = False,
    input_mean: Sequence[float] | None = None,
    input_scale: Sequence[float] | None = None,
) -> keras.Model:
    """Build an (uncompiled) recurrent or FCN + recurrent classifier.

    ``architecture="rnn"`` is the stacked recurrent network alone.
    ``architecture="fcn-rnn"`` is LSTM-FCN /
    GRU-FCN (Karim et al., 2018; Elsayed et al., 2018): a fully
    convolutional branch (``Conv1D -> BatchNorm -> ReLU`` blocks, then
    global average pooling over the valid steps) runs beside the recurrent
    branch; both feature vectors are concatenated before the head. Unlike the
    papers' univariate variant, the recurrent branch reads the sequence in
    time order (no "dimension shuffle"), which keeps masking and variable
    lengths meaningful.

    Masks (from ``mask_value`` or attached to the input by an upstream
    ``Masking`` layer) are honoured everywhere: recurrent layers skip masked
    steps, ``"mean"`` / ``"attention"`` pooling and the FCN's global
    average pooling use valid steps only, convolutions see zeros at masked
    steps and the strided front-end downsamples the mask with the sequence.

    Parameters
    ----------
    n_features : int
        Channels per timestep.
    n_outputs : int
        Units of the output layer (1 for a binary sigmoid head).
    output_activation : {"sigmoid", "softmax"}
        Activation of the output layer.
    architecture : {"rnn", "fcn-rnn"}, default="rnn"
        Network family (see above).
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell.
    units : int or tuple of int, default=32
        Units per recurrent layer; a tuple stacks layers.
    bidirectional : bool, default=False
        Wrap each recurrent layer in ``Bidirectional``.
    dropout : float, default=0.0
        Rate of the ``Dropout`` layers after each recurrent and dense layer.
    dense_units : tuple of int, default=()
        Hidden ``Dense`` (ReLU) layers before the output layer.
    pooling : {"last", "mean", "attention"}, default="last"
        How the recurrent branch summarises its steps: the last (valid)
        state, the mean over valid steps, or :class:`AttentionPooling1D`.
    conv_filters : tuple of int, default=(64, 128, 64)
        Filters of the FCN blocks (``"fcn-rnn"`` only). The papers use
        ``(128, 256, 128)``; half of it has about a quarter of the
        convolution weights and multiply-adds, which keeps CPU training quick.
    conv_kernel_sizes : tuple of int, default=(8, 5, 3)
        Kernel sizes of the FCN blocks, one per entry of ``conv_filters``.
    frontend_strides : tuple of int, default=()
        Strided convolutional front-end before the recurrent layers, one
        ``MaskedConv1D(frontend_filters, kernel_size=s, strides=s,
        padding="valid")`` + ReLU layer per stride ``s``: it shortens the
        sequence the recurrent layers read by ``prod(strides)``. Empty: none.
    frontend_filters : int, default=32
        Channels of each front-end layer.
    conv_pool : int, default=1
        Max-pool the FCN branch after its first block over non-overlapping
        windows of this many steps (:class:`skimbal.layers.MaskedMaxPooling1D`),
        so its later blocks read ``conv_pool`` times fewer steps; 1: none.
        Not possible with ``return_sequences``.
    n_timesteps : int or None, default=None
        Fixed sequence length, or ``None`` to accept any length.
    mask_value : float or None, default=None
        When set, a ``Masking(mask_value)`` layer marks padded steps.
    mask_padding : bool, default=False
        Start with :class:`skimbal.layers.PaddingMask`: steps padded with NaN
        at the end (how skimbal pads variable-length lists) are masked and
        zeroed. This is what the classifier uses for list input.
    return_sequences : bool, default=False
        Per-timestep output ``(batch, steps, n_outputs)`` instead of one
        output per sequence (sequence labelling). ``pooling`` is then not
        used; the FCN branch (same-padded convolutions keep the length)
        contributes its per-step features. Not possible with a strided
        front-end.
    input_mean, input_scale : sequence of float or None, default=None
        Per-channel statistics of the training data: when given, the
        network starts by standardising its input, ``(x - input_mean) /
        input_scale``, in a ``keras.layers.Normalization`` layer with fixed
        weights (saved with the model). NaN padding stays NaN for
        :class:`~skimbal.masking.PaddingMask`, which comes after it.

    Returns
    -------
    keras.Model

    Raises
    ------
    ValueError
        Unknown ``architecture`` / ``pooling``, mismatched conv parameters,
        ``return_sequences`` with a strided front-end or ``conv_pool > 1``, or
        ``conv_pool`` not a positive int.
    """
    conv_filters, conv_kernel_sizes = tuple(conv_filters), tuple(conv_kernel_sizes)
    check_architecture_params(
        architecture=architecture, units=units, dense_units=tuple(dense_units),
        pooling=pooling, conv_filters=conv_filters, conv_kernel_sizes=conv_kernel_sizes,
        frontend_strides=tuple(frontend_strides), return_sequences=return_sequences,
    )
    if not _is_positive_int(conv_pool) or (return_sequences and conv_pool > 1):
        raise ValueError("conv_pool must be a positive int (1 with return_sequences=True); "
                         f"got {conv_pool!r}.")

    inputs = keras.Input(shape=(n_timesteps, n_features), name="sequences")
    x = inputs
    if (input_mean is None) != (input_scale is None):
        raise ValueError("input_mean and input_scale must be given together.")
    if input_mean is not None:
        scale = [float(v) for v in input_scale]
        x = keras.layers.Normalization(
            mean=[float(v) for v in input_mean], variance=[v * v for v in scale],
            name="standardize",
        )(x)
    if mask_padding:
        x = PaddingMask(name="padding_mask")(x)
    elif mask_value is not None:
        x = keras.layers.Masking(mask_value=mask_value, name="masking")(x)

    r = x
    for i, stride in enumerate(frontend_strides):
        r = MaskedConv1D(
            int(frontend_filters), int(stride), strides=int(stride), padding="valid",
            activation="relu", name=f"frontend_conv_{i}",
        )(r)
    features = _recurrent_branch(
        r, cell=cell, units=_as_tuple(units), bidirectional=bidirectional,
        dropout=dropout, pooling=pooling, return_sequences=return_sequences,
    )
    if architecture == "fcn-rnn":
        conv = _fcn_branch(
            x, filters=conv_filters, kernel_sizes=conv_kernel_sizes,
            return_sequences=return_sequences, pool=int(conv_pool),
        )
        features = keras.layers.Concatenate(name="concat")([features, conv])

    for j, n_units in enumerate(dense_units):
        features = keras.layers.Dense(int(n_units), activation="relu", name=f"dense_{j}")(
            features
        )
        if dropout > 0:
            features = keras.layers.Dropout(dropout, name=f"dense_dropout_{j}")(features)
    outputs = keras.layers.Dense(n_outputs, activation=output_activation, name="output")(
        features
    )
    return keras.Model(inputs, outputs, name=f"skimbal_{architecture}_{cell}")
