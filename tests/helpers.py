"""Shared test utilities: single-node models from op samples, random weights, comparisons."""

from __future__ import annotations

import numpy as np

from nnspec.spec.checked import weight_decls
from nnspec.spec.model import InputSpec, Model
from nnspec.spec.node import Sample
from nnspec.spec.ops import catalog

TOLERANCE = 1e-4  # max|a - b| <= TOLERANCE * max(1, max|ref|), float32


def model_for_sample(tag: str, sample: Sample) -> Model:
    """A model with one node of op ``tag`` fed by the sample's inputs (batch left symbolic
    in the spec, so the backends handle an unknown batch size)."""
    attrs = {k: v for k, v in sample.attrs.items() if k != "op"}
    names = [f"x{i}" for i in range(len(sample.inputs))]
    dtypes = sample.input_dtypes or [sample.input_dtype] * len(names)
    inputs = {
        n: InputSpec(shape=["batch", *s[1:]], dtype=d)
        for n, s, d in zip(names, sample.inputs, dtypes)
    }
    cls = catalog()[tag]
    reads = names if cls.arity != 0 else []  # a constant: the input only feeds the batch
    node = cls.model_validate({**attrs, "name": "node", "inputs": reads})
    return Model(name=f"{tag}_{sample.name}", inputs=inputs, nodes=[node])


def random_params(model: Model, seed: int = 0) -> dict[str, np.ndarray]:
    """Random weights with non-zero biases; variances positive, so errors show everywhere."""
    rng = np.random.default_rng(seed)
    out = {}
    for node, weights in weight_decls(model).items():
        for param, w in weights.items():
            if "variance" in param:
                value = rng.uniform(0.5, 1.5, w.shape)
            else:
                value = rng.normal(0.0, 0.5, w.shape)
            out[f"{node}/{param}"] = value.astype(w.dtype)
    return out


def random_weights(model, seed: int = 0, std: float = 0.5) -> None:
    """Random values for every float weight of a Keras ``model``, in place: N(0, std), and
    variances in U(0.5, 1.5), so that biases, moving means and PReLU slopes are non-zero and
    every conversion error shows. A Normalization layer keeps its (adapted) statistics.
    (:func:`random_params` does the same for a spec; :func:`randomize` keeps a deep network
    as well conditioned as a trained one.)"""
    rng = np.random.default_rng(seed)
    fixed = {
        id(v)
        for layer in model._flatten_layers(include_self=False)
        if type(layer).__name__ == "Normalization"
        for v in layer.weights
    }
    for v in model.weights:
        if id(v) in fixed or not str(v.dtype).startswith("float"):
            continue
        shape = tuple(v.shape)
        if "variance" in v.path.split("/")[-1]:
            value = rng.uniform(0.5, 1.5, shape)
        else:
            value = rng.normal(0.0, std, shape)
        v.assign(value.astype(str(v.dtype)))


def random_inputs(model: Model, shapes, sample: Sample | None = None, seed: int = 1):
    rng = np.random.default_rng(seed)
    arrays = []
    for (_, spec), shape in zip(model.inputs.items(), shapes):
        if spec.dtype == "bool":
            arrays.append(rng.random(shape) > 0.3)
        elif spec.dtype.startswith("int"):
            lo, hi = sample.input_range if sample and sample.input_range else (0, 10)
            arrays.append(rng.integers(lo, hi, shape).astype(spec.dtype))
        elif sample and sample.input_range:
            lo, hi = sample.input_range
            arrays.append(rng.uniform(lo, hi, shape).astype(spec.dtype))
        else:
            arrays.append(rng.normal(0.0, 1.0, shape).astype(spec.dtype))
    return arrays


# Every parity comparison runs each model on the given inputs and on a second, different
# input derived from them (``second_input``): run_torch / run_keras return the outputs of
# both, so assert_close compares both. RUNS records each run's two inputs, so the conftest
# can check that no converted model was compared on one input only.
RUNS: list[tuple[str, str]] = []


class Outputs(list):
    """Outputs of the given inputs, then of the second input; ``per_input`` of each."""

    per_input: int = 0


def second_input(a: np.ndarray) -> np.ndarray:
    """A different input of the same kind, element by element from the value alone (so a
    transposed copy of ``a`` gets the transposed result): floats scaled by a pseudo-random
    factor in [0.5, 1.5] (sign, zeros and so padding kept); nonzero integers moved to the next
    nonzero value present (padding zeros kept); booleans (masks) kept."""
    a = np.asarray(a)
    if a.dtype == np.bool_ or a.size == 0:
        return a
    if np.issubdtype(a.dtype, np.integer):
        nonzero = a != 0
        if not nonzero.any():
            return a
        values = np.unique(a[nonzero])  # each nonzero value becomes the next one, cyclically
        moved = values[(np.searchsorted(values, a) + 1) % len(values)]
        return np.where(nonzero, moved, 0).astype(a.dtype)
    factor = 1.0 + 0.5 * np.sin(a.astype(np.float64) * 7919.0 + 1.0)
    return (a * factor).astype(a.dtype)


def _fingerprint(arrays) -> str:
    import hashlib

    h = hashlib.sha1()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _twice(run, arrays) -> Outputs:
    """``run`` on the inputs and on their second input: in one call, the two stacked along
    the batch axis (samples are independent at inference, and one call costs what one call
    costs), or in two calls when the model will not take the doubled batch."""
    arrays = [np.asarray(a) for a in arrays]
    second = [second_input(a) for a in arrays]
    if arrays and all(a.dtype == np.bool_ for a in arrays):  # boolean ops: no mask to keep
        second = [~a for a in arrays]
    RUNS.append((_fingerprint(arrays), _fingerprint(second)))
    n = arrays[0].shape[0] if arrays and arrays[0].ndim else 0
    both = None
    if n and all(a.ndim and a.shape[0] == n for a in arrays):
        try:
            both = run([np.concatenate([a, b]) for a, b in zip(arrays, second)])
        except Exception:  # noqa: BLE001 (a fixed batch size): run the two separately
            both = None
    if both is not None and all(o.ndim and o.shape[0] == 2 * n for o in both):
        first, again = [o[:n] for o in both], [o[n:] for o in both]
    else:
        first, again = run(arrays), run(second)
    out = Outputs(first + again)
    out.per_input = len(first)
    return out


def run_torch(module, arrays) -> Outputs:
    import torch

    def run(xs):
        with torch.no_grad():
            out = module(*[torch.from_numpy(np.array(a)) for a in xs])
        outs = out if isinstance(out, tuple) else (out,)
        return [o.detach().numpy() for o in outs]  # a constant output is the parameter itself

    return _twice(run, arrays)


def run_keras(model, arrays) -> Outputs:
    def run(xs):
        out = model(xs if len(xs) > 1 else xs[0], training=False)
        outs = out if isinstance(out, list | tuple) else [out]
        return [np.asarray(o) for o in outs]

    return _twice(run, arrays)


def torch_param_count(module) -> int:
    """Trainable parameters plus running statistics: what Keras' count_params() counts."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad) + sum(
        b.numel() for name, b in module.named_buffers() if not name.endswith("num_batches_tracked")
    )


def keras_count_of(module, spec, model) -> int:
    """What Keras' count_params() counts, from the PyTorch module of a traced model: its
    parameters and statistics, less the constants that are no Keras variable (a causal mask)
    or were computed from one (a position table; the spec's ``folded_variables``), plus
    those variables."""
    buffers = sum(
        spec.params[f"{n.name}/value"].size
        for n in spec.nodes
        if n.op == "constant" and not n.trainable
    )
    paths = set(spec.metadata.get("folded_variables", ()))
    folded = sum(int(np.prod(v.shape)) for v in model.weights if v.path in paths)
    return torch_param_count(module) - buffers + folded


def assert_close(ref: list[np.ndarray], got: list[np.ndarray], atol: float = TOLERANCE):
    assert len(ref) == len(got), f"{len(ref)} reference outputs, {len(got)} converted"
    per = getattr(ref, "per_input", 0) or len(ref)
    for k, (a, b) in enumerate(zip(ref, got)):
        where = f"output {k % per}" + (" (second input)" if k >= per else "")
        assert a.shape == b.shape, f"{where}: shape {a.shape} vs {b.shape}"
        bound = atol * max(1.0, float(np.abs(a).max()) if a.size else 1.0)
        err = float(np.abs(a.astype(np.float64) - b).max()) if a.size else 0.0
        assert err <= bound, f"{where}: max abs error {err:.3g} > {bound:.3g}"


def randomize(model, calibration=None, seed: int = 0) -> None:
    """Random weights under which a deep network stays as well conditioned as a trained one,
    so that float32 round-off stays near 1e-6 and a conversion error cannot hide in it.

    Every vector weight gets a random value (scales, offsets, biases, adapted normalisation
    statistics, batch-norm statistics); kernels keep their random initial draws. With
    ``calibration`` inputs (check parity on some of them), two more steps, without which
    errors of 1e-3 appear in both frameworks alike against a float64 run (ResNet152,
    EfficientNetV2L): batch-norm moving statistics become the batch statistics of those
    inputs (one training-mode pass, momentum 0, dropout off), random per channel yet
    normalising, with variances floored at a tenth of the channel's mean square (a nearly
    constant channel would amplify round-off); and residual branches start small, as in
    trained networks (Fixup, zero-init residuals): a batch norm ending a branch that is
    added to a shortcut gets a scale in U(0.02, 0.1); a convolution or dense layer ending
    one has its weights x0.05.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    layers = list(model._flatten_layers(include_self=False))
    bn = [la for la in layers if type(la).__name__ == "BatchNormalization"]
    for v in model.weights:
        if not str(v.dtype).startswith("float"):
            continue  # Normalization's sample count
        name, shape = v.path.split("/")[-1], tuple(v.shape)
        if "variance" in name or name == "gamma" or name.endswith("scale"):
            value = rng.uniform(0.5, 1.5, shape)
        elif len(shape) <= 1:  # biases, beta, moving_mean, mean, LayerScale's gamma
            value = rng.normal(0.0, 0.2, shape)
        else:
            continue
        v.assign(value.astype(str(v.dtype)))
    for layer in layers:
        if hasattr(layer, "finalize_state"):  # Normalization reads its variables only here
            layer.finalize_state()
    if calibration is None:
        return
    for layer in _residual_branch_ends(model):
        if type(layer).__name__ == "BatchNormalization" and layer.scale:
            layer.gamma.assign(rng.uniform(0.02, 0.1, layer.gamma.shape).astype("float32"))
        elif type(layer).__name__ in ("Conv2D", "Dense", "DepthwiseConv2D", "SeparableConv2D"):
            for v in layer.trainable_weights:
                v.assign(np.asarray(v) * 0.05)
    if not bn:
        return
    saved = [
        (la, attr, getattr(la, attr))
        for la in layers
        for attr in ("rate", "drop_path_rate")
        if hasattr(la, attr)
    ]
    saved += [(la, "momentum", la.momentum) for la in bn]
    for la, attr, _ in saved:
        setattr(la, attr, 0.0)  # dropout off; moving statistics := batch statistics
    try:
        model(calibration, training=True)
    finally:
        for la, attr, value in saved:
            setattr(la, attr, value)
    for la in bn:
        mean, var = np.asarray(la.moving_mean), np.asarray(la.moving_variance)
        la.moving_variance.assign(np.maximum(var, 0.1 * (mean**2 + var)).astype("float32"))


def _residual_branch_ends(model) -> list:
    """For each addition (Add layers and ``+`` on tensors), the layer ending its longest
    input path (the residual branch, not the shortcut), looking through dropout and
    identities."""
    passthrough = ("Dropout", "StochasticDepth")
    level = {}  # id(op) -> longest path from the inputs, in operations
    found = []

    def producer(tensor):
        op = tensor._keras_history.operation
        while type(op).__name__ in passthrough or (
            type(op).__name__ == "Activation" and op.get_config()["activation"] == "linear"
        ):
            op = op._inbound_nodes[0].input_tensors[0]._keras_history.operation
        return op

    for op in model.operations:  # topological order
        ins = [t for node in op._inbound_nodes for t in node.input_tensors]
        level[id(op)] = 1 + max(
            (level.get(id(t._keras_history.operation), 0) for t in ins), default=0
        )
        if type(op).__name__ == "Add" and len(ins) > 1:
            ends = sorted(
                ((level[id(t._keras_history.operation)], i) for i, t in enumerate(ins)),
                reverse=True,
            )
            if ends[0][0] > ends[1][0]:
                found.append(producer(ins[ends[0][1]]))
    return found


# ruff rules every generated source must pass: ruff's defaults, unused names, imports, bugbear.
GENERATED_RULES = "E4,E7,E9,F,W,I,B,UP"


def assert_reloads(spec, folder) -> None:
    """``spec.save`` then ``nnspec.load`` gives a spec that validates, with the same nodes and
    the same weights (shapes and dtypes included: a scalar stays 0-d)."""
    from pathlib import Path

    import nnspec

    copy = spec.model_copy(deep=True)
    copy.params = spec.params
    copy.weights = None
    path = Path(folder) / "reloaded.yaml"
    copy.save(path)
    again = nnspec.load(path).check()
    assert again.to_yaml().split("nodes:")[1] == copy.to_yaml().split("nodes:")[1]
    assert set(again.params) == set(spec.params)
    for key, value in spec.params.items():
        got = again.params[key]
        assert got.shape == value.shape and got.dtype == value.dtype, (key, got, value)
        np.testing.assert_array_equal(got, value, err_msg=key)
