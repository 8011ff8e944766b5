"""A Keras 3 model from a translated legacy description (translate.py), with the file's
weights assigned layer by layer: matched by name where the names are unambiguous, else in the
file's order, and every shape checked against the layer Keras 3 built from the config.

Only stock ``keras.layers`` classes are instantiated (translate.py refused the rest), with
``safe_mode``; nothing from the file is executed.
"""

from __future__ import annotations

import keras
import numpy as np

from nnspec.frontends._errors import refusal
from nnspec.spec.errors import ConversionError

from .translate import KERAS2_HARD_SIGMOID, Call, LayerDef, ModelDef, _call_refs

Weights = dict[str, list[tuple[str, np.ndarray]]]  # top-level layer -> [(weight name, array)]


@keras.saving.register_keras_serializable(package="nnspec", name="hard_sigmoid_keras2")
def hard_sigmoid_keras2(x):
    """Keras 2 / tf.keras 2.x ``hard_sigmoid``: ``clip(0.2·x + 0.5, 0, 1)``."""
    return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)


class _Builder:
    def __init__(self, file: str | None):
        self.file = file

    def fail(self, layer: str, cls: str, message: str, attr: str | None = None) -> ConversionError:
        return refusal(f"layer {layer!r} ({cls})", message, file=self.file, node=layer, attr=attr)

    def layer(self, ld: LayerDef):
        if ld.model is not None:
            return self.model(ld.model)
        entry = {
            "module": "keras.layers",
            "class_name": ld.class_name,
            "config": ld.config,
            "registered_name": None,
        }
        own = {k: hard_sigmoid_keras2 for k, v in ld.config.items() if v == KERAS2_HARD_SIGMOID}
        try:
            if own:  # Keras deserialises a function reference only inside nested configs
                return getattr(keras.layers, ld.class_name).from_config({**ld.config, **own})
            return keras.saving.deserialize_keras_object(entry, safe_mode=True)
        except Exception as e:  # noqa: BLE001 (Keras raises many types; name the layer)
            raise self.fail(
                ld.name, ld.class_name, f"Keras 3 cannot build it: {_first(e)}"
            ) from None

    def model(self, md: ModelDef) -> keras.Model:
        if md.sequential:
            inp = md.inputs[0]
            layers = [keras.Input(batch_shape=inp.batch_shape, dtype=inp.dtype, name=inp.name)]
            layers += [self.layer(ld) for ld in md.layers]
            try:
                return keras.Sequential(layers, name=md.name)
            except Exception as e:  # noqa: BLE001
                raise ConversionError(
                    f"Keras 3 cannot build Sequential {md.name!r}: {_first(e)}", file=self.file
                ) from None
        return self.functional(md)

    def functional(self, md: ModelDef) -> keras.Model:
        tensors: dict[tuple[str, int, int], object] = {}
        for inp in md.inputs:
            x = keras.Input(batch_shape=inp.batch_shape, dtype=inp.dtype, name=inp.name)
            tensors[(inp.name, 0, 0)] = x
        built = [(ld, self.layer(ld)) for ld in md.layers]  # one layer object, shared by calls
        pending = [(ld, layer, k, call) for ld, layer in built for k, call in enumerate(ld.calls)]
        while pending:
            left = []
            for ld, layer, k, call in pending:
                if not _ready(call, tensors):
                    left.append((ld, layer, k, call))
                    continue
                args = _resolve(call.args, tensors)
                kwargs = _resolve(call.kwargs, tensors)
                if "initial_state" in kwargs and kwargs.get("mask") is None:
                    # Keras 2 masks a recurrent layer called with initial states by its
                    # sequence's mask; Keras 3 passes masks only to one-tensor calls.
                    mask = getattr(args[0], "_keras_mask", None)
                    if mask is not None:
                        kwargs["mask"] = mask
                try:
                    out = layer(*args, **kwargs)
                except Exception as e:  # noqa: BLE001
                    raise self.fail(
                        ld.name, ld.class_name, f"Keras 3 cannot call it: {_first(e)}"
                    ) from None
                outs = out if isinstance(out, list | tuple) else [out]
                node = k + (1 if ld.model is not None else 0)  # a Keras 2 model owns node 0
                for t, tensor in enumerate(outs):
                    tensors[(ld.name, node, t)] = tensor
            if len(left) == len(pending):
                missing = sorted(
                    {r[0] for _, _, _, c in left for r in _call_refs(c)} - {k[0] for k in tensors}
                )
                raise ConversionError(
                    f"model {md.name!r}: layer(s) {', '.join(repr(x[0].name) for x in left)} "
                    f"read tensors that no layer produces ({', '.join(missing) or 'a cycle'})",
                    file=self.file,
                )
            pending = left
        try:
            inputs = [tensors[r] for r in md.input_refs]
            outputs = [tensors[r] for r in md.output_refs]
        except KeyError as e:
            raise ConversionError(
                f"model {md.name!r}: its inputs or outputs name a tensor no layer produces: {e}",
                file=self.file,
            ) from None
        return keras.Model(
            inputs if len(inputs) > 1 else inputs[0],
            outputs if len(outputs) > 1 else outputs[0],
            name=md.name,
        )


def _ready(call: Call, tensors) -> bool:
    return all(r in tensors for r in _call_refs(call))


def _resolve(value, tensors):
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[0], str):
        return tensors[value]
    if isinstance(value, list):
        return [_resolve(v, tensors) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, tensors) for k, v in value.items()}
    return value


def _first(e: Exception) -> str:
    text = str(e).strip()
    if "Exception encountered:" in text:  # Keras' wrapper repeats the whole config first
        text = text.split("Exception encountered:")[-1].strip()
    return text.splitlines()[0] if text else type(e).__name__


# --- weights ------------------------------------------------------------------------------


def _key(name: str) -> tuple[str | None, str]:
    """(direction, short name) of a weight: ``bidirectional/forward_lstm/cell/kernel:0`` ->
    ("forward", "kernel")."""
    parts = name.split(":")[0].split("/")
    direction = next((d for p in parts for d in ("forward", "backward") if p.startswith(d)), None)
    return direction, parts[-1]


def _is_model(layer) -> bool:
    return isinstance(layer, keras.Model)


def _own_layers(model) -> list:
    return [la for la in model.layers if type(la).__name__ != "InputLayer"]


def assign_weights(model, weights: Weights, file: str | None = None) -> None:
    """Give every layer of ``model`` its weights from the file, or fail naming the layer."""
    left = dict(weights)
    for layer in _own_layers(model):
        _assign(layer, left.pop(layer.name, []), file)
    extra = [name for name, entries in left.items() if entries]
    if extra:
        raise ConversionError(
            f"the file has weights for layer(s) {', '.join(map(repr, extra))} that the model "
            "config does not have",
            file=file,
        )


def _assign(layer, entries: list[tuple[str, np.ndarray]], file) -> None:
    cls = type(layer).__name__
    if _is_model(layer):
        groups: dict[str, list] = {}
        for name, value in entries:
            parts = name.split("/")
            if parts[0] == layer.name and len(parts) > 2:
                parts = parts[1:]
            groups.setdefault(parts[0], []).append(("/".join(parts[1:]), value))
        assign_weights(layer, groups, file)
        return
    targets = list(layer.weights)
    where = f"layer {layer.name!r} ({cls})"
    if len(entries) != len(targets):
        raise refusal(
            where,
            f"the file has {len(entries)} weight(s) "
            f"({', '.join(n for n, _ in entries) or 'none'}) but the config builds "
            f"{len(targets)} ({', '.join(v.path for v in targets) or 'none'})",
            file=file,
            node=layer.name,
        )
    file_keys = [_key(n) for n, _ in entries]
    keras_keys = [_key(v.path) for v in targets]
    if len(set(file_keys)) == len(file_keys) and set(file_keys) == set(keras_keys):
        by_key = dict(zip(file_keys, entries))
        ordered = [by_key[k] for k in keras_keys]
    else:  # ambiguous or renamed: Keras 2 and Keras 3 keep the same order
        ordered = entries
    for variable, (name, value) in zip(targets, ordered):
        value = np.asarray(value)
        if tuple(value.shape) != tuple(variable.shape):
            raise refusal(
                where,
                f"weight {name!r} has shape {tuple(value.shape)}, but the config implies "
                f"{tuple(variable.shape)} for {variable.path!r}",
                file=file,
                node=layer.name,
            )
        variable.assign(value.astype(variable.dtype))
    # Keras 3 layers with adapted state (Normalization) compute what they use from their
    # variables in finalize_state, which load_own_variables calls and assign() does not.
    finalize = getattr(layer, "finalize_state", None)
    if finalize is not None:
        finalize()


def build_keras_model(md: ModelDef, weights: Weights, file: str | None = None):
    """The Keras 3 model of ``md`` with the file's weights."""
    model = _Builder(file).model(md)
    assign_weights(model, weights, file)
    return model
