"""The allow-list that a saved network's ``config.json`` must pass before Keras reads it.

:func:`check_model_config` takes the parsed ``config.json`` of a ``model.keras``
that skimbal's own builder (:func:`skimbal.architectures.build_sequence_model`)
made and refuses, with a ``ValueError`` naming the layer and key, anything that
builder does not produce: a layer class not in :data:`LAYERS`, a config key the
table does not list for that class, or a value of another type. Keras' own
``safe_mode`` is then a second line, not the only one: a ``StringLookup`` whose
``vocabulary`` is a path on this machine, or any other layer that reads files or
runs code when it is built, never reaches Keras.

:func:`check_compile_config` applies the rules ``fit`` applies to ``optimizer`` /
``loss`` / ``metrics`` names (``check_compile_names``, passed in) to the
``compile_config`` entries, and for networks skimbal built also refuses
serialized objects from anywhere but Keras' optimizer / loss / metric modules and
skimbal's registered losses.

This module is pure Python (no Keras, no NumPy): it only reads dicts and lists.

Adding a layer class to skimbal's builders
------------------------------------------
Add one entry to :data:`LAYERS`: the class name, the module(s) Keras writes for
it, its registered name, and its config keys with their kinds (reuse the
:data:`BASE`, :data:`RECURRENT` ... groups). ``tests/test_model_check.py``
builds every architecture / option combination the builder supports and fails,
naming the class and key, until the table knows the new layer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LAYERS", "SKIMBAL_LOSSES", "check_compile_config", "check_compile_params",
           "check_model_config"]


# ------------------------------------------------------------------ value kinds
@dataclass(frozen=True)
class Kind:
    """What a config value may be: a readable ``name`` and a ``test``."""

    name: str
    test: Callable[[Any], bool]

    def __or__(self, other: Kind) -> Kind:
        return Kind(f"{self.name} or {other.name}",
                    lambda v, a=self.test, b=other.test: a(v) or b(v))

    def __call__(self, value: Any) -> bool:
        return bool(self.test(value))


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return (_is_int(v) or isinstance(v, float)) and math.isfinite(v)


def one_of(*values: Any) -> Kind:
    return Kind(f"one of {list(values)}",
                lambda v: isinstance(v, str | bool | int | float | type(None)) and any(
                    v == x and type(v) is type(x) for x in values))


def list_of(kind: Kind, length: int | None = None) -> Kind:
    size = "" if length is None else f"{length} "
    return Kind(f"a list of {size}({kind.name})",
                lambda v: isinstance(v, list) and (length is None or len(v) == length)
                and all(kind(x) for x in v))


NONE = Kind("null", lambda v: v is None)
BOOL = Kind("a bool", lambda v: isinstance(v, bool))
INT = Kind("an int", _is_int)
NUMBER = Kind("a number", _is_number)
#: Layer and tensor names: any short string (Keras uses them as labels only).
NAME = Kind("a string of at most 256 characters", lambda v: isinstance(v, str) and len(v) <= 256)
DTYPE_NAME = one_of("float16", "bfloat16", "float32", "float64", "int32", "int64", "bool",
                    "uint8", "int8")
POLICY_NAME = DTYPE_NAME | one_of("mixed_float16", "mixed_bfloat16")
SHAPE = list_of(INT | NONE)
ACTIVATION = one_of("tanh", "sigmoid", "relu", "softmax", "linear")
DATA_FORMAT = one_of("channels_last", "channels_first")


def serialized(module: str, classes: Mapping[str, Mapping[str, Kind]]) -> Kind:
    """A Keras-serialized object of one of ``classes`` (name -> config keys) from ``module``."""

    def test(v: Any) -> bool:
        if not isinstance(v, dict) or not set(v) <= {
            "module", "class_name", "config", "registered_name", "shared_object_id"
        } or v.get("module") != module or v.get("registered_name") is not None:
            return False
        keys = classes.get(v.get("class_name")) if isinstance(v.get("class_name"), str) else None
        config = v.get("config")
        if keys is None or not isinstance(config, dict):
            return False
        sid = v.get("shared_object_id")
        return (sid is None or _is_int(sid)) and all(
            k in keys and keys[k](x) for k, x in config.items())

    return Kind(f"a serialized {module} object of class {sorted(classes)}", test)


DTYPE_POLICY = serialized("keras", {"DTypePolicy": {"name": POLICY_NAME}}) | POLICY_NAME
_SEEDED = {"seed": INT | NONE}
INITIALIZER = serialized("keras.initializers", {
    "GlorotUniform": {**_SEEDED, "input_axes": NONE, "output_axes": NONE},
    "Orthogonal": {**_SEEDED, "gain": NUMBER},
    "Zeros": {},
    "Ones": {},
})


# ------------------------------------------------------------------- the table
@dataclass(frozen=True)
class LayerRule:
    """One allowed layer class: where Keras finds it and its config keys."""

    modules: tuple[str, ...]
    registered_name: str | None
    config: Mapping[str, Kind] = field(default_factory=dict)


#: Keys of every ``keras.layers.Layer`` config.
BASE = {"name": NAME, "trainable": BOOL, "dtype": DTYPE_POLICY}
#: No regularizers or constraints: skimbal's builders set none.
_UNSET = dict.fromkeys(("kernel_regularizer", "bias_regularizer", "activity_regularizer",
                        "kernel_constraint", "bias_constraint"), NONE)
#: ``keras.layers.LSTM`` / ``GRU`` / ``SimpleRNN`` keys.
RECURRENT = {
    **BASE, **_UNSET,
    "units": INT, "activation": ACTIVATION, "use_bias": BOOL,
    "kernel_initializer": INITIALIZER, "recurrent_initializer": INITIALIZER,
    "bias_initializer": INITIALIZER, "recurrent_regularizer": NONE,
    "recurrent_constraint": NONE, "dropout": NUMBER, "recurrent_dropout": NUMBER,
    "seed": INT | NONE, "return_sequences": BOOL, "return_state": BOOL,
    "go_backwards": BOOL, "stateful": BOOL, "unroll": BOOL, "zero_output_for_mask": BOOL,
}
GATED = {**RECURRENT, "recurrent_activation": ACTIVATION}
CONV1D = {
    **BASE, **_UNSET,
    "filters": INT, "kernel_size": list_of(INT, 1), "strides": list_of(INT, 1),
    "padding": one_of("same", "valid", "causal"), "data_format": DATA_FORMAT,
    "dilation_rate": list_of(INT, 1), "groups": INT, "activation": ACTIVATION,
    "use_bias": BOOL, "kernel_initializer": INITIALIZER, "bias_initializer": INITIALIZER,
}
BATCH_NORM = {
    **BASE, "axis": INT, "momentum": NUMBER, "epsilon": NUMBER, "center": BOOL,
    "scale": BOOL, "beta_initializer": INITIALIZER, "gamma_initializer": INITIALIZER,
    "moving_mean_initializer": INITIALIZER, "moving_variance_initializer": INITIALIZER,
    "beta_regularizer": NONE, "gamma_regularizer": NONE, "beta_constraint": NONE,
    "gamma_constraint": NONE, "synchronized": BOOL, "renorm": BOOL,
    "renorm_clipping": NONE, "renorm_momentum": NUMBER,
}
#: Keras operations that the builders' masking code records in the graph.
_OP = {"name": NAME}
_AXIS = INT | NONE | list_of(INT)


def _keras(config: Mapping[str, Kind]) -> LayerRule:
    return LayerRule(("keras.layers",), None, config)


def _skimbal(name: str, modules: tuple[str, ...], config: Mapping[str, Kind]) -> LayerRule:
    return LayerRule(modules, f"skimbal>{name}", config)


def _op(module: str, name: str, config: Mapping[str, Kind]) -> LayerRule:
    return LayerRule((f"keras.src.ops.{module}",), name, {**_OP, **config})


#: class name -> rule. Bidirectional's wrapped layers are checked with the same table.
LAYERS: dict[str, LayerRule] = {
    "InputLayer": _keras({"batch_shape": SHAPE, "dtype": DTYPE_NAME, "sparse": BOOL,
                          "ragged": BOOL, "name": NAME, "optional": BOOL}),
    "Normalization": _keras({**BASE, "axis": list_of(INT) | INT, "mean": list_of(NUMBER),
                             "variance": list_of(NUMBER), "invert": BOOL}),
    "Masking": _keras({**BASE, "mask_value": NUMBER}),
    "FusedLSTM": _skimbal("FusedLSTM", ("skimbal.fused",),
                          {**GATED, "unit_forget_bias": BOOL}),
    "GRU": _keras({**GATED, "reset_after": BOOL}),
    "SimpleRNN": _keras(RECURRENT),
    "Bidirectional": _keras({**BASE, "merge_mode": one_of("concat", "sum", "mul", "ave"),
                             "layer": Kind("a recurrent layer", lambda v: _wrapped(v)),
                             "backward_layer": Kind("a recurrent layer",
                                                    lambda v: _wrapped(v))}),
    "Dropout": _keras({**BASE, "rate": NUMBER, "noise_shape": NONE, "seed": INT | NONE}),
    "GlobalAveragePooling1D": _keras({**BASE, "data_format": DATA_FORMAT, "keepdims": BOOL}),
    "Concatenate": _keras({**BASE, "axis": INT}),
    "Activation": _keras({**BASE, "activation": ACTIVATION}),
    "Dense": _keras({**BASE, "units": INT, "activation": ACTIVATION, "use_bias": BOOL,
                     "kernel_initializer": INITIALIZER, "bias_initializer": INITIALIZER,
                     "kernel_regularizer": NONE, "bias_regularizer": NONE,
                     "kernel_constraint": NONE, "bias_constraint": NONE,
                     "activity_regularizer": NONE, "quantization_config": NONE,
                     "lora_rank": NONE, "lora_alpha": NONE}),
    "PaddingMask": _skimbal("PaddingMask", ("skimbal.layers", "skimbal.masking"), BASE),
    "MaskedConv1D": _skimbal("MaskedConv1D", ("skimbal.layers",), CONV1D),
    "MaskedSeparableConv1D": _skimbal("MaskedSeparableConv1D", ("skimbal.layers",), {
        **BASE, "filters": INT, "kernel_size": list_of(INT, 1), "strides": list_of(INT, 1),
        "padding": one_of("same", "valid", "causal"), "data_format": DATA_FORMAT,
        "dilation_rate": list_of(INT, 1), "depth_multiplier": INT, "activation": ACTIVATION,
        "use_bias": BOOL, "depthwise_initializer": INITIALIZER,
        "pointwise_initializer": INITIALIZER, "bias_initializer": INITIALIZER,
        **dict.fromkeys(("depthwise_regularizer", "pointwise_regularizer", "bias_regularizer",
                         "activity_regularizer", "depthwise_constraint",
                         "pointwise_constraint", "bias_constraint"), NONE)}),
    "Average": _keras(BASE),  # n_members > 1: the members' probabilities averaged
    "MaskedMaxPooling1D": _skimbal("MaskedMaxPooling1D", ("skimbal.layers",),
                                   {**BASE, "pool_size": INT}),
    "AttentionPooling1D": _skimbal("AttentionPooling1D", ("skimbal.layers",),
                                   {**BASE, "units": INT}),
    "FusedBatchNormalization": _skimbal("FusedBatchNormalization", ("skimbal.fused",),
                                        BATCH_NORM),
    # conv_norm="layer" (variable-length input by default): per-step, batch-independent
    "LayerNormalization": _keras({
        **BASE, "axis": INT | list_of(INT), "epsilon": NUMBER, "center": BOOL, "scale": BOOL,
        "rms_scaling": BOOL, "beta_initializer": INITIALIZER, "gamma_initializer": INITIALIZER,
        "beta_regularizer": NONE, "gamma_regularizer": NONE, "beta_constraint": NONE,
        "gamma_constraint": NONE}),
    "Isnan": _op("numpy", "Isnan", {}),
    "All": _op("numpy", "All", {"axis": _AXIS, "keepdims": BOOL}),
    "Any": _op("numpy", "Any", {"axis": _AXIS, "keepdims": BOOL}),
    "LogicalNot": _op("numpy", "LogicalNot", {}),
    "LogicalOr": _op("numpy", "LogicalOr", {}),
    "ZerosLike": _op("numpy", "ZerosLike", {"dtype": DTYPE_NAME}),
    "Greater": _op("numpy", "Greater", {}),
    "Less": _op("numpy", "Less", {}),
    "NotEqual": _op("numpy", "NotEqual", {}),
    "Subtract": _op("numpy", "Subtract", {}),
    "ExpandDims": _op("numpy", "ExpandDims", {"axis": _AXIS}),
    "Squeeze": _op("numpy", "Squeeze", {"axis": _AXIS}),
    "Pad": _op("numpy", "Pad", {"mode": one_of("constant"),
                                "pad_width": list_of(list_of(INT, 2))}),
    "Cast": _op("core", "Cast", {"dtype": DTYPE_NAME}),
    "MaxPool": _op("nn", "MaxPool", {"pool_size": INT | list_of(INT),
                                     "strides": INT | NONE | list_of(INT),
                                     "padding": one_of("valid", "same"),
                                     "data_format": DATA_FORMAT | NONE}),
}
#: Keras operations whose class name is also a layer's (told apart by their module).
OP_LAYERS: dict[str, LayerRule] = {
    "Concatenate": _op("numpy", "Concatenate", {"axis": INT}),
}
#: Layers that Bidirectional may wrap.
WRAPPABLE = ("FusedLSTM", "GRU", "SimpleRNN")

_LAYER_KEYS = frozenset({"module", "class_name", "config", "registered_name", "build_config",
                         "name", "inbound_nodes"})
_MODEL_KEYS = frozenset({"module", "class_name", "config", "registered_name", "build_config",
                         "compile_config"})
_GRAPH_KEYS = frozenset({"name", "trainable", "layers", "input_layers", "output_layers"})
_HISTORY = list_of(NAME | INT, 3)
TENSOR = Kind("a Keras tensor reference", lambda v: isinstance(v, dict) and set(v) == {
    "class_name", "config"} and v["class_name"] == "__keras_tensor__"
    and isinstance(v["config"], dict) and set(v["config"]) == {"shape", "dtype", "keras_history"}
    and SHAPE(v["config"]["shape"]) and DTYPE_NAME(v["config"]["dtype"])
    and _HISTORY(v["config"]["keras_history"]) and isinstance(v["config"]["keras_history"][0],
                                                               str))
NODE_ARG = TENSOR | list_of(TENSOR) | NUMBER
NODE_KWARGS = {"mask": TENSOR | NONE, "training": BOOL | NONE, "constant_values": NUMBER}
BUILD_CONFIG = {"input_shape": SHAPE | list_of(SHAPE) | NONE}


# -------------------------------------------------------------------- checking
def _fail(where: str, what: str) -> ValueError:
    return ValueError(f"{where} {what}; skimbal's builders make no such network (refused "
                      "before Keras read it).")


def _check_keys(config: Any, kinds: Mapping[str, Kind], where: str) -> None:
    if not isinstance(config, dict):
        raise _fail(where, "is not a JSON object")
    for key, value in config.items():
        if key not in kinds:
            raise _fail(where, f"has config key {key!r}, which skimbal's builders do not set "
                        f"for this layer (allowed: {sorted(kinds)})")
        if not kinds[key](value):
            raise _fail(where, f"config key {key!r} must be {kinds[key].name}; got "
                        f"{_short(value)}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _check_layer(layer: Any, where: str, *, nested: bool = False) -> str:
    """Check one layer entry of the graph (or a layer Bidirectional wraps); return its name."""
    if not isinstance(layer, dict):
        raise _fail(where, "is not a JSON object")
    cls = layer.get("class_name")
    name = layer.get("name", (layer.get("config") or {}).get("name")
                     if isinstance(layer.get("config"), dict) else None)
    label = f"{where} {name!r} ({cls})" if isinstance(name, str) else f"{where} ({cls})"
    rule = LAYERS.get(cls) if isinstance(cls, str) else None
    if cls in OP_LAYERS and layer.get("module") == OP_LAYERS[cls].modules[0]:
        rule = OP_LAYERS[cls]  # a Keras op that shares its class name with a layer
    if rule is None or (nested and cls not in WRAPPABLE):
        raise _fail(label, f"is of class {cls!r}, which is not one of the layers skimbal's "
                    f"builders use ({sorted(WRAPPABLE if nested else LAYERS)})")
    allowed = {"module", "class_name", "config", "registered_name", "build_config"} | (
        set() if nested else _LAYER_KEYS)
    extra = sorted(set(layer) - allowed)
    if extra:
        raise _fail(label, f"has unexpected entries {extra}")
    if layer.get("module") not in rule.modules:
        raise _fail(label, f"names module {layer.get('module')!r}; expected one of "
                    f"{list(rule.modules)}")
    if layer.get("registered_name") != rule.registered_name:
        raise _fail(label, f"has registered_name {layer.get('registered_name')!r}; expected "
                    f"{rule.registered_name!r}")
    _check_keys(layer.get("config"), rule.config, label)
    if "build_config" in layer:
        _check_keys(layer["build_config"], BUILD_CONFIG, f"{label} build_config")
    if not nested:
        if not NAME(name):
            raise _fail(label, "has no name")
        nodes = layer.get("inbound_nodes")
        if not isinstance(nodes, list):
            raise _fail(label, "inbound_nodes must be a list")
        for node in nodes:
            if not isinstance(node, dict) or set(node) != {"args", "kwargs"} or not isinstance(
                node["args"], list
            ) or not all(NODE_ARG(a) for a in node["args"]):
                raise _fail(label, "has an inbound node that is not a call on Keras tensors")
            _check_keys(node["kwargs"], NODE_KWARGS, f"{label} inbound node kwargs")
    return name


def _wrapped(value: Any) -> bool:
    _check_layer(value, "Bidirectional's wrapped layer", nested=True)
    return True


def check_model_config(config: Any) -> None:
    """Refuse a ``model.keras`` config that skimbal's builders would not have produced.

    Parameters
    ----------
    config : dict
        The parsed ``config.json`` of the ``model.keras`` archive.

    Raises
    ------
    ValueError
        The model is not a Keras functional model; a layer's class is not in
        :data:`LAYERS` (for example a ``StringLookup`` or ``IntegerLookup``), or
        comes from another module or registered name; a layer config key the
        table does not list for its class, or a value of another kind; an
        inbound node that passes anything but tensors, numbers and flags. The
        message names the layer and the key.
    """
    where = "the network's"
    if not isinstance(config, dict) or config.get("class_name") != "Functional" or config.get(
        "module"
    ) not in ("keras.src.models.functional", "keras.models", "keras") or config.get(
        "registered_name"
    ) not in ("Functional", ">Functional", None):
        cls = config.get("class_name") if isinstance(config, dict) else None
        raise _fail("the network", f"is a {cls!r}, not the Keras functional model that "
                    "skimbal's builders make")
    extra = sorted(set(config) - _MODEL_KEYS)
    if extra:
        raise _fail("the network", f"has unexpected entries {extra}")
    if "build_config" in config:
        _check_keys(config["build_config"], BUILD_CONFIG, f"{where} build_config")
    graph = config.get("config")
    if not isinstance(graph, dict) or not set(graph) <= _GRAPH_KEYS or not isinstance(
        graph.get("layers"), list
    ):
        raise _fail(f"{where} config", f"must be a graph with keys {sorted(_GRAPH_KEYS)}")
    if not (NAME(graph.get("name")) and BOOL(graph.get("trainable", True))):
        raise _fail(f"{where} config", "has a malformed name or trainable flag")
    endpoint = _HISTORY | list_of(_HISTORY)
    for key in ("input_layers", "output_layers"):
        if not endpoint(graph.get(key)):
            raise _fail(f"{where} config", f"key {key!r} must be [layer name, 0, 0]")
    for i, layer in enumerate(graph["layers"]):
        _check_layer(layer, f"layer {i}")


# ---------------------------------------------------------------- compile entries
#: Losses skimbal registers: registered name -> class names Keras writes for it.
SKIMBAL_LOSSES = {
    "skimbal>WeightedBinaryCrossentropy": ("WeightedBinaryCrossentropy",),
    "skimbal>LogitAdjustedCrossentropy": ("LogitAdjustedCrossentropy",),
    "skimbal>SparseCategoricalFocalCrossentropy": ("SparseCategoricalFocalCrossentropy",),
    "skimbal>TimestepWeightedBinaryCrossentropy": ("TimestepWeightedBinaryCrossentropy",
                                                   "_LegacyTimestepWeightedBinaryCrossentropy"),
}
_SKIMBAL_LOSS_MODULES = ("skimbal.losses", "skimbal.timestep_losses")
#: Optimizers skimbal compiles with: registered name -> (module, class name, the Keras
#: optimizer name it stands for, checked like a name given to ``fit``).
SKIMBAL_OPTIMIZERS = {"skimbal>FusedAdam": ("skimbal.fused", "FusedAdam", "adam")}
_SLOT_MODULE = {"optimizer": "keras.optimizers", "loss": "keras.losses",
                "metrics": "keras.metrics", "weighted_metrics": "keras.metrics"}
#: Values inside a serialized optimizer / loss / metric config.
_PLAIN = NONE | BOOL | NUMBER | NAME | list_of(NUMBER | NONE | NAME) | serialized(
    "keras", {"DTypePolicy": {"name": POLICY_NAME}})
_COMPILE_KEYS = {"optimizer": None, "loss": None, "metrics": None, "weighted_metrics": None,
                 "loss_weights": NONE, "run_eagerly": BOOL,
                 "steps_per_execution": INT, "jit_compile": BOOL | one_of("auto"),
                 "auto_scale_loss": BOOL}


def check_compile_config(compile_config: Any, check_names: Callable[[Any, Any, Any], None],
                         *, strict: bool = True,
                         is_registered: Callable[[str], bool] | None = None) -> None:
    """Check ``compile_config`` entries with the rules ``fit`` uses for names.

    Parameters
    ----------
    compile_config : dict or None
        The ``compile_config`` of the parsed ``config.json`` (absent: nothing to check).
    check_names : callable
        ``check_names(optimizer, loss, metrics)``, the check ``fit`` applies to
        ``optimizer`` / ``loss`` / ``metrics`` given by name
        (``skimbal._fit_plan.check_compile_names``). Every name in the config
        (a string entry, a serialized Keras function, or the class name of a
        serialized Keras object) goes through it.
    strict : bool, default=True
        For networks skimbal built: serialized objects must come from
        ``keras.optimizers`` / ``keras.losses`` / ``keras.metrics`` (for their
        slot) or be one of skimbal's registered losses, with plain data in
        their config, and the other keys must have their types. With
        ``False`` (networks from a user model function) only the names are
        checked.
    is_registered : callable, optional
        ``is_registered(name)``: whether a Keras serializable is registered
        under ``name`` in this process. Such an object (a custom metric or loss
        the user registered, which ``fit`` also accepts) passes with plain data
        in its config; without the callable none does.

    Raises
    ------
    ValueError
        Naming the compile entry.
    """
    if compile_config is None:
        return
    if not isinstance(compile_config, dict):
        raise ValueError("compile_config is not a JSON object (refused before Keras read it).")
    for key, value in compile_config.items():
        if key not in _COMPILE_KEYS:
            if strict:
                raise ValueError(f"compile_config has key {key!r}, which skimbal does not "
                                 "compile with (refused before Keras read it).")
            continue
        kind = _COMPILE_KEYS[key]
        if kind is not None:
            if strict and not kind(value):
                raise ValueError(f"compile_config {key!r} must be {kind.name}; got "
                                 f"{_short(value)} (refused before Keras read it).")
            continue
        if key in ("metrics", "weighted_metrics"):
            if value is None:
                continue
            if not isinstance(value, list):
                raise ValueError(f"compile_config {key!r} must be a list of metrics; got "
                                 f"{_short(value)} (refused before Keras read it).")
            for i, entry in enumerate(value):
                _check_entry(entry, key, f"compile_config {key}[{i}]", check_names, strict,
                             is_registered)
        elif value is not None or key == "optimizer":
            _check_entry(value, key, f"compile_config {key!r}", check_names, strict,
                         is_registered)


def check_compile_params(optimizer: Any, loss: Any, metrics: Any,
                         check_names: Callable[[Any, Any, Any], None],
                         is_registered: Callable[[str], bool] | None = None) -> None:
    """Check the classifier's ``optimizer`` / ``loss`` / ``metrics`` parameters of a file.

    Names go through ``check_names`` (as in ``fit``); a parameter that is not a
    name (JSON data can also hold an object) must be what Keras would accept
    at ``fit`` from a trusted source: a serialized object of ``keras.optimizers``
    / ``keras.losses`` / ``keras.metrics`` with plain data in its config (or
    one of skimbal's registered losses). Anything else, such as ``metrics=[{
    "module": "os", "class_name": "system"}]``, is refused here instead of by
    Keras at the next ``fit``.

    Raises
    ------
    ValueError
        Naming the parameter.
    """
    for slot, value in (("optimizer", optimizer), ("loss", loss)):
        if value is not None:
            _check_entry(value, slot, f"parameter {slot}", check_names, True, is_registered)
    if metrics is not None:
        if not isinstance(metrics, list | tuple):
            raise ValueError(f"parameter metrics must be a list of metric names; got "
                             f"{_short(metrics)}.")
        for i, entry in enumerate(metrics):
            _check_entry(entry, "metrics", f"parameter metrics[{i}]", check_names, True,
                         is_registered)


def _check_entry(entry: Any, slot: str, where: str, check_names: Callable[[Any, Any, Any], None],
                 strict: bool, is_registered: Callable[[str], bool] | None = None) -> None:
    def names(name: str) -> None:
        args = {"optimizer": None, "loss": None, "metrics": None}
        args["metrics" if slot == "weighted_metrics" else slot] = (
            [name] if slot.endswith("metrics") else name)
        try:
            check_names(args["optimizer"], args["loss"], args["metrics"])
        except ValueError as exc:
            raise ValueError(f"{where}: {exc} (refused before Keras read it)") from None

    if isinstance(entry, str):
        names(entry)
        return
    ok = isinstance(entry, dict) and set(entry) <= {"module", "class_name", "config",
                                                    "registered_name", "shared_object_id"}
    cls = entry.get("class_name") if ok else None
    if ok and entry.get("module") == "builtins" and cls == "function" and slot != "optimizer":
        if not isinstance(entry.get("config"), str):
            raise ValueError(f"{where}: a serialized function must name a Keras {slot} "
                             "function (refused before Keras read it).")
        names(entry["config"])
        return
    if not ok or not NAME(cls):
        raise ValueError(f"{where} must be a name or a serialized Keras object; got "
                         f"{_short(entry)} (refused before Keras read it).")
    module, registered = entry.get("module"), entry.get("registered_name")
    skimbal_loss = slot == "loss" and module in _SKIMBAL_LOSS_MODULES and isinstance(
        registered, str) and cls in SKIMBAL_LOSSES.get(registered, ())
    optimizer_rule = (SKIMBAL_OPTIMIZERS.get(registered)
                      if slot == "optimizer" and isinstance(registered, str) else None)
    skimbal_optimizer = optimizer_rule is not None and optimizer_rule[:2] == (module, cls)
    skimbal_object = skimbal_loss or skimbal_optimizer
    user_registered = (isinstance(registered, str) and not registered.startswith("skimbal>")
                       and module not in (_SLOT_MODULE[slot], "builtins")
                       and is_registered is not None and is_registered(registered))
    if strict and not skimbal_object and not user_registered:
        if module != _SLOT_MODULE[slot] or registered is not None:
            raise ValueError(
                f"{where} is {module}.{cls} (registered as {registered!r}); skimbal compiles "
                f"its networks only with objects from {_SLOT_MODULE[slot]}"
                + {"loss": ", skimbal's own losses", "optimizer": ", skimbal's FusedAdam"}.get(
                    slot, "")
                + " and Keras serializables registered in this process (refused before "
                "Keras read it).")
    if strict:
        config = entry.get("config")
        if not isinstance(config, dict) or not all(
            NAME(k) and _PLAIN(v) for k, v in config.items()
        ):
            raise ValueError(f"{where} ({cls}) holds a config that is not plain data "
                             "(refused before Keras read it).")
    if skimbal_optimizer:
        names(optimizer_rule[2])
    elif not skimbal_object and not user_registered and (module or "").split(".")[0] == "keras":
        names(cls)
