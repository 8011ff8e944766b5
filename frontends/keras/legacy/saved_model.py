"""tf.keras 2.x ``model.save(dir)`` SavedModels: the layer configs from ``keras_metadata.pb``
and the variables from the checkpoint in ``variables/``, read with TensorFlow's checkpoint
reader. The saved graph's functions are never loaded or run.

``keras_metadata.pb`` is a ``SavedMetadata`` protobuf (tf.keras' own schema, not shipped
with TensorFlow): repeated ``nodes = 1``, each with ``node_id = 2``, ``node_path = 3``,
``identifier = 4`` and the JSON ``metadata = 5``; it is decoded here field by field. Its node
ids index the checkpoint's object graph, whose ``variables`` children list each layer's
variables in Keras' order.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from nnspec.frontends._errors import refusal
from nnspec.spec.errors import ConversionError

from .build import Weights

_MODEL_IDS = ("_tf_keras_network", "_tf_keras_sequential", "_tf_keras_model")
_LAYER_IDS = ("_tf_keras_layer", "_tf_keras_rnn_layer", *_MODEL_IDS)
# Children of a Keras layer's object that are not its own variables' names.
_NOT_NAMES = {
    "variables",
    "trainable_variables",
    "non_trainable_variables",
    "regularization_losses",
    "keras_api",
    "__call__",
    "call_and_return_all_conditional_losses",
    "call_and_return_conditional_losses",
}


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if i >= len(data):
            raise ValueError("truncated varint")
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def _fields(data: bytes):
    """(field number, value) of a protobuf message; length-delimited values as bytes."""
    i = 0
    value: int | bytes
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            size, i = _varint(data, i)
            value, i = data[i : i + size], i + size
            if i > len(data):
                raise ValueError("truncated field")
        elif wire == 5:
            value, i = data[i : i + 4], i + 4
        elif wire == 1:
            value, i = data[i : i + 8], i + 8
        else:
            raise ValueError(f"unknown wire type {wire}")
        yield number, value


def read_metadata(path: Path) -> list[dict]:
    """The nodes of ``keras_metadata.pb``: node_id, node_path, identifier, metadata (dict)."""
    nodes = []
    for number, raw in _fields(path.read_bytes()):
        if number != 1:
            continue
        node = {"node_id": 0, "node_path": "", "identifier": "", "metadata": {}}
        for n, v in _fields(raw):
            if n == 2:
                node["node_id"] = v
            elif n == 3:
                node["node_path"] = v.decode("utf-8")
            elif n == 4:
                node["identifier"] = v.decode("utf-8")
            elif n == 5:
                node["metadata"] = json.loads(v.decode("utf-8") or "{}")
        nodes.append(node)
    return nodes


def read_saved_model(path) -> tuple[dict, Weights, dict]:
    """(root model config, weights by layer, {"keras_version"}) of a tf.keras SavedModel."""
    root_dir, file = Path(path), str(path)
    meta_file = root_dir / "keras_metadata.pb"
    if not meta_file.is_file():
        raise ConversionError(
            "this SavedModel has no keras_metadata.pb, so it holds only a TensorFlow graph "
            "and no Keras layer configs (it was written by tf.saved_model.save or Keras 3's "
            "export, not tf.keras model.save); nnspec does not run saved graphs",
            file=file,
        )
    try:
        nodes = read_metadata(meta_file)
    except (ValueError, UnicodeDecodeError) as e:
        raise ConversionError(f"keras_metadata.pb is damaged ({e})", file=file) from None
    root = next((n for n in nodes if n["node_path"] == "root"), None)
    if root is None or "config" not in root["metadata"]:
        raise ConversionError("keras_metadata.pb has no model config at its root", file=file)
    reader, graph = _checkpoint(root_dir, file)
    weights: Weights = {}
    for node in _children(nodes, "root"):
        name = node["metadata"].get("name", node["node_path"])
        weights[name] = _layer_weights(node, nodes, reader, graph, file)
    md = root["metadata"]
    config = {"class_name": md.get("class_name"), "config": _untuple(md["config"])}
    version = md.get("keras_version")
    return config, weights, {"keras_version": version} if version else {}


def _untuple(value):
    """SavedModel metadata writes tuples as {"class_name": "__tuple__", "items": [...]}."""
    if isinstance(value, dict):
        if value.get("class_name") == "__tuple__" and "items" in value:
            return [_untuple(v) for v in value["items"]]
        return {k: _untuple(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untuple(v) for v in value]
    return value


def _checkpoint(root_dir: Path, file: str):
    prefix = root_dir / "variables" / "variables"
    if not Path(f"{prefix}.index").is_file():
        raise ConversionError(
            "the SavedModel has no variables (variables/variables.index is missing), so its "
            "weights are not in it",
            file=file,
        )
    import tensorflow as tf
    from tensorflow.core.protobuf import trackable_object_graph_pb2

    try:
        reader = tf.train.load_checkpoint(str(prefix))
        graph = trackable_object_graph_pb2.TrackableObjectGraph()
        graph.ParseFromString(reader.get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
    except Exception as e:  # noqa: BLE001 (TensorFlow raises many types)
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ConversionError(
            f"the SavedModel's variables cannot be read ({reason})", file=file
        ) from None
    return reader, graph


def _children(nodes: list[dict], path: str) -> list[dict]:
    """Layer nodes one level below ``path`` (input layers included; they have no weights)."""
    depth = path.count(".") + 1
    return [
        n
        for n in nodes
        if n["node_path"].startswith(path + ".")
        and n["node_path"].count(".") == depth
        and n["identifier"] in (*_LAYER_IDS, "_tf_keras_input_layer")
    ]


def _layer_weights(node, nodes, reader, graph, file) -> list[tuple[str, np.ndarray]]:
    name = node["metadata"].get("name", node["node_path"])
    if node["identifier"] in _MODEL_IDS:  # a nested model: its layers' weights, by name
        found = []
        for inner in _children(nodes, node["node_path"]):
            inner_name = inner["metadata"].get("name", inner["node_path"])
            found += [
                (f"{inner_name}/{n}", v)
                for n, v in _layer_weights(inner, nodes, reader, graph, file)
            ]
        return found
    obj = graph.nodes[node["node_id"]]
    listed = next((c.node_id for c in obj.children if c.local_name == "variables"), None)
    names = _variable_names(graph, node["node_id"])
    if listed is None or not graph.nodes[listed].children:
        # no tracked variable list (Normalization's statistics, a save_traces=False save):
        # the layer's own variable attributes, matched by name in assign_weights
        ids = list(names)
    else:
        ids = [child.node_id for child in graph.nodes[listed].children]
    return [_named_value(graph, reader, i, names, name, file) for i in ids]


def _named_value(
    graph, reader, node_id: int, names: dict[int, str], layer: str, file: str
) -> tuple[str, np.ndarray]:
    key = next(
        (a.checkpoint_key for a in graph.nodes[node_id].attributes if a.name == "VARIABLE_VALUE"),
        None,
    )
    name = names.get(node_id, str(node_id))
    if key is None or not reader.has_tensor(key):
        raise refusal(
            f"layer {layer!r}",
            f"variable {name!r} is missing from the SavedModel's variables",
            file=file,
            node=layer,
        )
    return name, np.asarray(reader.get_tensor(key))


def _variable_names(graph, start: int) -> dict[int, str]:
    """node id -> path of attribute names below a layer (``cell/kernel``, ``forward_layer/
    cell/bias``), found breadth first so the shortest path names a variable."""
    names: dict[int, str] = {}
    queue, seen = [(start, "")], {start}
    while queue:
        node_id, prefix = queue.pop(0)
        for child in graph.nodes[node_id].children:
            local = child.local_name
            if local in _NOT_NAMES or local.isdigit() or child.node_id in seen:
                continue
            seen.add(child.node_id)
            path = f"{prefix}/{local}" if prefix else local
            if any(a.name == "VARIABLE_VALUE" for a in graph.nodes[child.node_id].attributes):
                names[child.node_id] = path
            else:
                queue.append((child.node_id, path))
    return names
