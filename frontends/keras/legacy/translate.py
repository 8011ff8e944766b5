"""Keras 1/2 and tf.keras 2.x model configs -> a model description Keras 3 layers can be
built from (pure dictionaries: this module imports no framework).

Each layer config is rewritten into what the Keras 3 class of the same layer takes: keys
Keras 3 removed are dropped where they do not change the numbers (``implementation``,
``fused``, ``input_length``) and refused where they would (``time_major=True``,
``virtual_batch_size``); ``batch_input_shape`` becomes the model's input shape; Keras 2's
``hard_sigmoid`` (``0.2·x + 0.5``, not Keras 3's ``x/6 + 0.5``) keeps its own name. Layers
nnspec does not convert are collected and refused together, by name, with the reason.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from nnspec.frontends._errors import refusal
from nnspec.spec.errors import ConversionError

from .._common import KERAS2_HARD_SIGMOID as KERAS2_HARD_SIGMOID_NAME
from ..registry import REFUSED, supported

MODEL_CLASSES = ("Sequential", "Functional", "Model")
# Keras 2's hard sigmoid, 0.2·x + 0.5 clipped, as a reference to the function build.py registers.
KERAS2_HARD_SIGMOID = {
    "module": "builtins",
    "class_name": "function",
    "config": KERAS2_HARD_SIGMOID_NAME,
    "registered_name": KERAS2_HARD_SIGMOID_NAME,
}
# Keys Keras 3 layers no longer take that only chose an implementation or a shape hint.
_DROP_ALWAYS = ("implementation", "fused", "input_length", "batch_size", "input_dim_hint")
_ANY = object()
# tf.keras config keys Keras 3 no longer takes, per class: dropped when the value is one
# that changes nothing (``_ANY``: build-time shapes and unused inherited settings), else refused.
_DROP_PER_CLASS: dict[str, dict[str, Any]] = {
    **{
        c: {"groups": (1,)}
        for c in (
            "Conv1DTranspose",
            "Conv2DTranspose",
            "DepthwiseConv1D",
            "DepthwiseConv2D",
        )
    },
    **{
        c: {
            "groups": (1,),
            "kernel_initializer": _ANY,  # inherited from Conv, unused by separable convs
            "kernel_regularizer": (None,),
            "kernel_constraint": (None,),
        }
        for c in ("SeparableConv1D", "SeparableConv2D")
    },
    "MultiHeadAttention": {
        "query_shape": _ANY,
        "key_shape": _ANY,
        "value_shape": _ANY,
        "softmax_robust_masking": (False,),
    },
}
_ACTIVATION_KEYS = ("activation", "recurrent_activation")
_RNN_CELLS = ("LSTMCell", "GRUCell", "SimpleRNNCell")  # inside RNN(cell); other cells: refused
_RECURRENT = ("LSTM", "GRU", "SimpleRNN", "RNN", "Bidirectional")
_REASONS = {
    "TFOpLambda": "a TensorFlow function call (tf.* or an operator on a tensor) recorded by "
    "tf.keras; nnspec has no translation of tf.keras op layers",
    "SlicingOpLambda": "tensor slicing recorded by tf.keras; nnspec has no translation of "
    "tf.keras op layers",
    "CuDNNLSTM": "Keras 2's CuDNN-only LSTM keeps two biases; re-save it as an LSTM",
    "CuDNNGRU": "Keras 2's CuDNN-only GRU keeps two biases; re-save it as a GRU",
    "Merge": "the Keras 1 Merge layer; use Add/Concatenate/... layers",
}

Ref = tuple[str, int, int]  # (layer name, node index, tensor index), as Keras 2 writes it


@dataclass
class Call:
    """One call of a layer in a functional graph: positional tensors and keyword arguments."""

    args: list[Any]
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class LayerDef:
    name: str
    class_name: str
    config: dict[str, Any] = field(default_factory=dict)  # Keras 3 config (not for models)
    calls: list[Call] = field(default_factory=list)
    model: ModelDef | None = None  # a nested model


@dataclass
class InputDef:
    name: str
    batch_shape: tuple
    dtype: str


@dataclass
class ModelDef:
    name: str
    sequential: bool
    layers: list[LayerDef]
    inputs: list[InputDef]
    input_refs: list[Ref] = field(default_factory=list)
    output_refs: list[Ref] = field(default_factory=list)


class _Translator:
    def __init__(self, file: str | None):
        self.file = file
        self.refused: list[tuple[str, str, str]] = []  # (layer, class, reason)
        self.known = {k for k in supported() if not k.startswith("ops.")}

    def fail(self, layer: str, cls: str, message: str, attr: str | None = None) -> ConversionError:
        return refusal(f"layer {layer!r} ({cls})", message, file=self.file, node=layer, attr=attr)

    # --- models -----------------------------------------------------------------------
    def model(self, entry: dict, name_hint: str = "model") -> ModelDef:
        cls = _class_name(entry)
        config = entry.get("config", {})
        if cls == "Sequential":
            return self.sequential(config, name_hint)
        if cls in ("Functional", "Model"):
            return self.functional(config, name_hint)
        raise ConversionError(
            f"the model config has class {cls!r}; nnspec reads Sequential and functional "
            "(Model / Functional) models",
            file=self.file,
        )

    def sequential(self, config, name_hint: str) -> ModelDef:
        entries = config if isinstance(config, list) else config.get("layers", [])
        name = (None if isinstance(config, list) else config.get("name")) or name_hint
        layers, inputs = [], []
        for i, entry in enumerate(entries):
            cls, cfg = _class_name(entry), dict(entry.get("config", {}))
            if cls == "InputLayer":
                inputs.append(self.input_def(cfg, cfg.get("name", f"{name}_input")))
                continue
            shape = cfg.get("batch_input_shape")
            if not inputs and i == 0 and shape is not None:
                dtype = _dtype(cfg.get("dtype")) or "float32"
                inputs.append(InputDef(f"{cfg.get('name', 'layer')}_input", tuple(shape), dtype))
            layers.append(self.layer(entry))
        if not inputs:
            raise ConversionError(
                f"Sequential model {name!r} has no input shape (it was saved before it was "
                "built); nnspec needs the shapes the file's weights were trained for",
                file=self.file,
            )
        if layers and layers[0].class_name == "Embedding":
            _integer_ids(inputs[0])
        return ModelDef(name, True, layers, inputs[:1])

    def functional(self, config: dict, name_hint: str) -> ModelDef:
        name = config.get("name") or name_hint
        layers, inputs = [], []
        for entry in config.get("layers", []):
            cls = _class_name(entry)
            if cls == "InputLayer":
                cfg = entry.get("config", {})
                inputs.append(self.input_def(cfg, entry.get("name", cfg.get("name"))))
                continue
            layer = self.layer(entry)
            layer.calls = [self.call(node, layer) for node in entry.get("inbound_nodes", [])]
            layers.append(layer)
        for inp in inputs:
            readers = [
                la.class_name
                for la in layers
                for c in la.calls
                if any(r[0] == inp.name for r in _call_refs(c))
            ]
            if readers and set(readers) == {"Embedding"}:
                _integer_ids(inp)
        return ModelDef(
            name,
            False,
            layers,
            inputs,
            input_refs=[_ref(r) for r in _refs(config.get("input_layers", []))],
            output_refs=[_ref(r) for r in _refs(config.get("output_layers", []))],
        )

    def input_def(self, cfg: dict, name: str) -> InputDef:
        shape = cfg.get("batch_input_shape", cfg.get("batch_shape"))
        if shape is None:
            raise self.fail(name, "InputLayer", "the input has no shape in the config")
        for key in ("sparse", "ragged"):
            if cfg.get(key):
                raise self.fail(name, "InputLayer", f"{key} inputs are not supported", key)
        return InputDef(name, tuple(shape), _dtype(cfg.get("dtype")) or "float32")

    def call(self, node, layer: LayerDef) -> Call:
        if isinstance(node, dict):  # a Keras 3 style node inside a tf.keras 2.13+ file
            raise self.fail(layer.name, layer.class_name, "unexpected Keras 3 node format")
        tensors = [_ref(entry) for entry in node]
        kwargs = {}
        for entry in node[:1]:
            if len(entry) > 3 and entry[3]:
                kwargs = {k: _tensor_refs(v) for k, v in entry[3].items()}
        if layer.class_name in _RECURRENT and len(tensors) > 1:
            # Keras 2 lists initial states after the sequence: layer([x, h, c])
            return Call([tensors[0]], {"initial_state": tensors[1:], **kwargs})
        return Call([tensors[0] if len(tensors) == 1 else tensors], kwargs)

    # --- layers -----------------------------------------------------------------------
    def layer(self, entry: dict) -> LayerDef:
        cls = _class_name(entry)
        cfg = dict(entry.get("config", {}))
        name = entry.get("name") or cfg.get("name", "?")
        if cls in MODEL_CLASSES:
            return LayerDef(name, cls, model=self.model(entry, name))
        return LayerDef(name, cls, self.layer_config(name, cls, cfg))

    def layer_config(self, name: str, cls: str, cfg: dict) -> dict:
        if cls == "Lambda":
            self.refused.append((name, cls, _lambda_reason(cfg)))
            return cfg
        if cls not in _RNN_CELLS and (cls in REFUSED or cls in _REASONS or cls not in self.known):
            why = (
                REFUSED.get(cls)
                or _REASONS.get(cls)
                or ("not a stock Keras layer nnspec converts (a custom or unknown class)")
            )
            self.refused.append((name, cls, why))
            return cfg
        for key in ("batch_input_shape", "input_shape", "input_dim", *_DROP_ALWAYS):
            if not (cls == "Embedding" and key == "input_dim"):
                cfg.pop(key, None)
        cfg.pop("module", None)
        cfg.pop("registered_name", None)
        if "dtype" in cfg:
            cfg["dtype"] = _dtype(cfg["dtype"])
        if cfg.pop("time_major", False):
            raise self.fail(
                name,
                cls,
                "time_major=True is not supported (the spec is batch-major)",
                "time_major",
            )
        for key in ("virtual_batch_size", "adjustment"):
            if cfg.pop(key, None) is not None:
                raise self.fail(name, cls, f"{key} is not supported (no exact equivalent)", key)
        for key, allowed in _DROP_PER_CLASS.get(cls, {}).items():
            if key in cfg:
                value = cfg.pop(key)
                if allowed is not _ANY and value not in allowed:
                    raise self.fail(
                        name,
                        cls,
                        f"{key}={value!r} is not supported (Keras 3 has no such option)",
                        key,
                    )
        if cls == "LeakyReLU" and "alpha" in cfg:  # renamed in Keras 3
            cfg["negative_slope"] = cfg.pop("alpha")
        if cls == "BatchNormalization" and isinstance(cfg.get("axis"), list):
            if len(cfg["axis"]) != 1:
                raise self.fail(name, cls, f"axis={cfg['axis']!r}: one axis only", "axis")
            cfg["axis"] = cfg["axis"][0]
        for key in _ACTIVATION_KEYS:
            if key in cfg:
                cfg[key] = _activation(cfg[key])
        # wrappers (Bidirectional, TimeDistributed) and RNN's cell; SavedModel metadata
        # writes the inner config without the module Keras 3 needs to find the class
        for key in ("layer", "backward_layer", "cell"):
            if isinstance(cfg.get(key), dict):
                inner = cfg[key]
                inner_cls = _class_name(inner)
                inner_cfg = dict(inner.get("config", {}))
                inner_name = inner_cfg.get("name", f"{name}_{key}")
                cfg[key] = {
                    "module": "keras.layers",
                    "class_name": inner_cls,
                    "config": self.layer_config(inner_name, inner_cls, inner_cfg),
                    "registered_name": None,
                }
        return cfg


def translate(config: dict, file: str | None = None, keras_version: str | None = None) -> ModelDef:
    """The Keras 3 description of a Keras 2 or tf.keras 2.x model config."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ConversionError("the model config is not a Keras model config", file=file)
    if str(keras_version or "2").startswith("1."):
        raise ConversionError(
            f"the file was saved by Keras {keras_version}; Keras 1 configs (Convolution2D, "
            "output_dim, border_mode, ...) are not supported: load it in Keras 2 and re-save",
            file=file,
        )
    t = _Translator(file)
    model = t.model(config)
    if t.refused:
        lines = "; ".join(f"{n!r} ({c}): {why}" for n, c, why in t.refused)
        raise ConversionError(
            f"model {model.name!r} has {len(t.refused)} unsupported layer(s): {lines}",
            file=file,
            hint="see the README's support table",
        )
    return model


def _integer_ids(inp: InputDef) -> None:
    """A float input read only by Embedding layers holds token ids (Keras 2 casts them to
    int32 inside the Embedding): declare it int32, as the spec's embedding op reads ids."""
    if inp.dtype.startswith("float"):
        inp.dtype = "int32"


def _call_refs(call: Call) -> list[Ref]:
    found: list[Ref] = []

    def walk(v):
        if isinstance(v, tuple) and len(v) == 3 and isinstance(v[0], str):
            found.append(v)
        elif isinstance(v, list | tuple):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)

    walk((call.args, call.kwargs))
    return found


def _class_name(entry: dict) -> str:
    """``Dense`` from ``Dense``, ``keras.layers.core.Dense`` or ``keras.layers>Dense``."""
    cls = str(entry.get("class_name", "?"))
    return cls.replace(">", ".").rsplit(".", 1)[-1]


def _dtype(value) -> str | None:
    """A dtype name from a string or a (mixed precision) policy dict."""
    if isinstance(value, dict):
        value = value.get("config", {}).get("name")
    return value


def _activation(value):
    if isinstance(value, dict) and isinstance(value.get("config"), str):
        value = value["config"]  # {"class_name": "function", "config": "relu"}
    return dict(KERAS2_HARD_SIGMOID) if value == "hard_sigmoid" else value


def _ref(entry) -> Ref:
    return (str(entry[0]), int(entry[1]), int(entry[2]))


def _refs(value) -> list:
    """input_layers/output_layers: one [name, i, j] or a list of them."""
    if len(value) == 3 and isinstance(value[0], str):
        return [value]
    return list(value)


def _tensor_refs(value):
    """Keyword call arguments: [name, i, j] triples become refs, lists are mapped."""
    if (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], str)
        and all(isinstance(v, int) for v in value[1:])
    ):
        return _ref(value)
    if isinstance(value, list):
        return [_tensor_refs(v) for v in value]
    return value


def _lambda_reason(cfg: dict) -> str:
    """What a Lambda's config shows, without decoding or running its code."""
    fn = cfg.get("function")
    kind = cfg.get("function_type", "lambda")
    code = fn[0] if isinstance(fn, list) and fn else fn
    if isinstance(code, dict):
        code = code.get("config", {}).get("code")
    if isinstance(code, str) and kind == "lambda":
        try:
            size = f"{len(base64.b64decode(code))} bytes"
        except ValueError:
            size = "undecodable"
        shown = f"Python bytecode marshalled into the file ({size})"
    else:
        shown = f"a reference to the Python function {code!r} (function_type {kind!r})"
    return (
        f"its config holds {shown}, which nnspec never runs; replace the Lambda with a stock "
        "layer (for example Rescaling(scale=1/255, offset=-0.5) for x / 255 - 0.5) and the "
        "rest of the model converts"
    )
