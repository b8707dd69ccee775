"""The architecture rules, without Keras: names, parameter checks, front-end resolution.

What :mod:`skimbal.architectures` needs to know about a network before building
it, as plain functions of numbers and tuples, so that planning a fit
(:mod:`skimbal._fit_plan`) and the command line decide everything without
importing Keras. :mod:`skimbal.architectures` re-exports every public name.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

__all__ = [
    "ARCHITECTURES",
    "AUTO_CONV_POOL_ABOVE",
    "AUTO_CONV_STEPS",
    "AUTO_FRONTEND_STEPS",
    "CELL_NAMES",
    "LITE_KERNEL_SIZE",
    "POOLINGS",
    "check_architecture_params",
    "check_frontend_strides",
    "describe_network",
    "frontend_output_length",
    "lite_kernel_sizes",
    "resolve_conv_norm",
    "resolve_conv_pool",
    "resolve_frontend_strides",
    "resolve_lite_kernel_size",
]

#: the recurrent cells (``cell``); :data:`skimbal.architectures.CELLS` maps them to layers
CELL_NAMES = ("lstm", "gru", "rnn")
ARCHITECTURES = ("rnn", "fcn-rnn", "lite-rnn", "lite")
#: architectures with a recurrent branch / a convolutional branch of each kind
_RECURRENT = ("rnn", "fcn-rnn", "lite-rnn")
_LITE = ("lite-rnn", "lite")
#: LITE's longest kernel and the shortest it is cut to for short series
LITE_KERNEL_SIZE = 40
_LITE_MIN_KERNEL = 4
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
    n_members: int = 1,
    lite_filters: int = 32,
    lite_kernel_size: int = LITE_KERNEL_SIZE,
) -> None:
    """The one check of the architecture parameters (classifier ``fit`` and the builder).

    Builds nothing and imports nothing new, so it is cheap enough to run before
    any Keras work.

    Parameters
    ----------
    architecture, units, dense_units, pooling, conv_filters, conv_kernel_sizes, \
frontend_strides, return_sequences, n_members, lite_filters, lite_kernel_size
        As for :func:`build_sequence_model`.

    Raises
    ------
    ValueError
        Unknown ``architecture`` / ``pooling``; ``units`` not a positive int or a
        non-empty tuple of them; ``dense_units`` / ``conv_filters`` /
        ``conv_kernel_sizes`` / ``frontend_strides`` not tuples of positive ints;
        for ``"fcn-rnn"`` empty or unequal ``conv_filters`` and
        ``conv_kernel_sizes``; ``return_sequences`` with a strided front-end;
        ``n_members`` / ``lite_filters`` / ``lite_kernel_size`` not positive
        ints (bools are refused).
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
    for name, value in (("n_members", n_members), ("lite_filters", lite_filters),
                        ("lite_kernel_size", lite_kernel_size)):
        if not _is_positive_int(value):
            raise ValueError(f"{name} must be a positive int; got {value!r}.")
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


def resolve_conv_norm(conv_norm: str, variable_length: bool) -> str:
    """The normalisation of the convolutional branch: ``"batch"`` or ``"layer"``.

    ``"auto"`` is ``"layer"`` for variable-length input and ``"batch"``
    otherwise. Variable-length input is trained in length buckets; when the
    classes differ in length, a bucket's batches hold few classes and batch
    normalisation's batch statistics tell the network something about the
    class that re-batched data and prediction (moving statistics) do not
    have (issue 28, ``benchmarks/long_multiclass.py``). Equal-length input
    keeps batch normalisation (the real-data suite's default).
    """
    if conv_norm == "auto":
        return "layer" if variable_length else "batch"
    return conv_norm


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


def resolve_lite_kernel_size(kernel_size: int, max_timesteps: int | None) -> int:
    """LITE's longest kernel for series of at most ``max_timesteps`` steps.

    ``min(kernel_size, max(max_timesteps, 4))``: the longest kernel of the
    LITE branch never spans more steps than the longest training sequence
    (with ``"same"`` padding a longer kernel would only read zero padding),
    but stays at least 4 so that its halves (:func:`lite_kernel_sizes`) are
    distinct. ``None`` (length unknown): ``kernel_size`` unchanged.

    Parameters
    ----------
    kernel_size : int
        The requested longest kernel (``lite_kernel_size``, LITE's 40).
    max_timesteps : int or None
        Longest training sequence (the LITE branch reads the input at full
        resolution; the strided front-end feeds the recurrent branch only).

    Returns
    -------
    int
    """
    if max_timesteps is None:
        return int(kernel_size)
    return min(int(kernel_size), max(int(max_timesteps), _LITE_MIN_KERNEL))


def lite_kernel_sizes(kernel_size: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Kernel lengths of the LITE branch for a longest kernel ``kernel_size``.

    As in LITE (Ismail-Fawaz et al., 2023): the first layer runs parallel
    convolutions of ``k``, ``k // 2`` and ``k // 4`` steps; the two
    depthwise-separable layers after it use ``k // 2`` (dilation 2) and
    ``k // 4`` (dilation 4). Every length is at least 1.

    Parameters
    ----------
    kernel_size : int
        Longest kernel ``k`` (see :func:`resolve_lite_kernel_size`).

    Returns
    -------
    first : tuple of int
        The three kernel lengths of the first layer.
    separable : tuple of int
        The kernel lengths of the two separable layers (dilations 2 and 4).

    Examples
    --------
    >>> lite_kernel_sizes(40)
    ((40, 20, 10), (20, 10))
    """
    k = int(kernel_size)
    first = tuple(max(1, k // 2**i) for i in range(3))
    return first, (first[1], first[2])


#: how :func:`describe_network` names each cell
_CELL_LAYERS = {"lstm": "LSTM", "gru": "GRU", "rnn": "SimpleRNN"}


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
    n_members: int = 1,
    lite_filters: int = 32,
    lite_kernel_size: int = LITE_KERNEL_SIZE,
    conv_norm: str = "batch",
    **_: object,
) -> str:
    """One line naming the network that :func:`build_sequence_model` builds.

    Takes the architecture parameters by keyword (extra keywords, such as the
    rest of a classifier's ``get_params()``, are ignored), e.g.
    ``"Conv1D(64, 128, 64; kernels 8, 5, 3) beside GRU(32), last step"``.

    Parameters
    ----------
    architecture, cell, units, bidirectional, pooling, conv_filters, \
conv_kernel_sizes, frontend_strides, dense_units, conv_pool, n_members, \
lite_filters, lite_kernel_size, conv_norm
        As in :func:`build_sequence_model`; ``frontend_strides`` may be
        ``"auto"`` (see :func:`resolve_frontend_strides` and
        :func:`resolve_conv_pool`), ``conv_norm`` may be ``"auto"`` (see
        :func:`resolve_conv_norm`).

    Returns
    -------
    str
    """
    recurrent = ", ".join(str(int(u)) for u in _as_tuple(units))
    name = _CELL_LAYERS.get(cell, str(cell))
    rnn = f"{'bidirectional ' if bidirectional else ''}{name}({recurrent})"
    rnn += {"last": ", last step", "mean": ", mean over steps",
            "attention": ", attention pooling"}.get(pooling, f", {pooling} pooling")
    if isinstance(frontend_strides, str):
        rnn = (f"{rnn} (after a strided Conv1D front-end on series longer than "
               f"{AUTO_FRONTEND_STEPS} steps)")
    elif tuple(frontend_strides):
        rnn = f"{rnn} (after Conv1D front-end, strides {tuple(int(s) for s in frontend_strides)})"
    text = rnn
    conv = None
    if architecture == "fcn-rnn":
        filters = ", ".join(str(int(f)) for f in conv_filters)
        kernels = ", ".join(str(int(k)) for k in conv_kernel_sizes)
        conv = f"Conv1D({filters}; kernels {kernels})"
    elif architecture in _LITE:
        first, separable = lite_kernel_sizes(lite_kernel_size)
        conv = (f"LITE({int(lite_filters)} filters; kernels "
                f"{', '.join(str(k) for k in first)}, then separable "
                f"{separable[0]} (dilation 2), {separable[1]} (dilation 4))")
    if conv is not None:
        conv += {"layer": ", layer-normalised",
                 "auto": ", layer-normalised on variable-length input"}.get(conv_norm, "")
        if isinstance(frontend_strides, str):
            conv += (f" (max-pooled to at most {AUTO_CONV_STEPS} steps after the first "
                     f"block on series longer than {AUTO_CONV_POOL_ABOVE} steps)")
        elif int(conv_pool) > 1:
            conv += f" (max-pooled over {int(conv_pool)} steps after the first block)"
        text = conv if architecture == "lite" else f"{conv} beside {rnn}"
    if tuple(dense_units):
        text += f", Dense({', '.join(str(int(u)) for u in dense_units)})"
    if int(n_members) > 1:
        text = f"mean probability of {int(n_members)} networks: {text}"
    return text
