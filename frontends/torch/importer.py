"""nn.Module -> spec + weights, the driver: trace (:mod:`.tracing`), run once on the example
inputs (:mod:`.example_run`), rewire in-place ops (:mod:`.mutation`), refuse what has no
converter, then convert each graph node in order (:mod:`.context`, :mod:`.spec_builder`),
tracking the layout of every tensor. Converters never import this module.
"""

from __future__ import annotations

import operator

import torch
from torch import fx

from nnspec.frontends._errors import unsupported_parts
from nnspec.spec.errors import ConversionError
from nnspec.spec.model import InputSpec, Model
from nnspec.spec.ops.dropout import Identity
from nnspec.spec.passes.dead_nodes import dead_nodes
from nnspec.spec.passes.fuse_activation import fuse_activation

from .boundary import batch_dims, batch_perm, check_no_merged, layout_note, stack_output
from .constants import constant_value
from .context import Ctx
from .example_run import DTYPES, Recorder, TensorMeta, has_tensor, module_of
from .mutation import MutationLog, functionalize
from .node_names import describe, op_name
from .registry import REFUSED, function_converter, is_torch_class, module_converter, namesake_reason
from .shape_values import shape_value
from .spec_builder import SpecBuilder
from .tracing import FxTraceError, simplify, trace, wrap_leaf_root
from .values import Const, Stack, Tensor, Zeros, channels_last, identity

LAYOUTS = ("channels_first", "channels_last")


def _unsupported(gm: fx.GraphModule) -> list[str]:
    """Every graph node nnspec cannot convert, with the reason."""
    found = []
    modules = dict(gm.named_modules())
    for n in gm.graph.nodes:
        if n.op == "call_module":
            m = modules[n.target]
            cls = type(m).__name__
            if module_converter(m) is not None:
                continue
            if namesake_reason(m) is not None:
                why = namesake_reason(m)
            elif is_torch_class(type(m)):
                why = REFUSED.get(cls, "no converter")
            else:
                why = "no converter (a custom leaf module)"
            found.append(f"{describe(n, m)}: {why}")
        elif n.op in ("call_function", "call_method"):
            if "nnspec_value" in n.meta and (
                "nnspec_shapes" not in n.meta or function_converter(op_name(n)) is None
            ):
                continue  # computed from parameters, constants and shapes only: a constant
            if not has_tensor(n.meta.get("nnspec")):
                continue  # a value computed from shapes: taken from the example run
            if n.op == "call_function" and n.target is operator.getitem:
                continue  # indexing: handled by the importer and the getitem converter
            if function_converter(op_name(n)) is None:
                found.append(f"{describe(n)}: no converter")
    return found


def _example_list(example_inputs) -> list:
    """One entry per forward argument: a tensor, or a tuple of tensors (``(h0, c0)``)."""
    if isinstance(example_inputs, torch.Tensor):
        return [example_inputs]

    def ok(x) -> bool:
        return isinstance(x, torch.Tensor) or (
            isinstance(x, tuple) and len(x) > 0 and all(isinstance(t, torch.Tensor) for t in x)
        )

    if isinstance(example_inputs, (tuple, list)) and all(ok(x) for x in example_inputs):
        return list(example_inputs)
    raise ConversionError(
        "example_inputs must be a tensor or a tuple of tensors, one per forward argument "
        f"(a tuple of tensors for a tuple argument); got {type(example_inputs).__name__}"
    )


def _clone(x):
    return tuple(t.clone() for t in x) if isinstance(x, tuple) else x.clone()


def from_torch(
    module,
    example_inputs,
    *,
    input_layout: str = "channels_first",
    output_layout: str | None = None,
    name: str | None = None,
    batch_dim: int | tuple[int, ...] = 0,
) -> Model:
    """See :func:`nnspec.frontends.torch.from_torch`. The module is traced and run once in
    eval mode, without gradients; its training flags are restored afterwards."""
    if not isinstance(module, torch.nn.Module):
        raise ConversionError(f"from_torch expects a torch.nn.Module, got {type(module).__name__}")
    for key, value in (("input_layout", input_layout), ("output_layout", output_layout)):
        if value is not None and value not in LAYOUTS:
            raise ConversionError(f"{key} must be one of {LAYOUTS}, got {value!r}", attr=key)
    output_layout = output_layout or input_layout
    examples = _example_list(example_inputs)
    batches = batch_dims(batch_dim, examples)
    if input_layout == "channels_last" and any(batches):
        raise ConversionError(
            "input_layout='channels_last' with a batch_dim other than 0 is not supported",
            attr="batch_dim",
        )
    root = type(module).__name__

    training = {m: m.training for m in module.modules()}
    module.eval()  # trace and run as at inference (``if self.training:`` branches)
    try:
        try:
            gm = trace(wrap_leaf_root(module, len(examples)), len(examples), simplify=False)
        except FxTraceError as e:
            gm = _export(module, examples, batches, e)
            examples, batches = _flat_examples(examples, batches)
        _check_placeholders(gm, examples, root)
        log = MutationLog(gm)
        with torch.no_grad():  # on copies: an in-place op must not change the caller's inputs
            Recorder(gm, log).run(*[_clone(x) for x in examples])
        functionalize(gm, log, lambda n: describe(n, module_of(gm, n)))
        del log  # the example run's tensors
        simplify(gm)
    finally:
        for m, flag in training.items():
            m.training = flag

    bad = _unsupported(gm)
    if bad:
        raise unsupported_parts(
            root,
            "operation",
            bad,
            hint="see the README's support table for what converts from PyTorch",
        )

    imp = SpecBuilder(root)
    imp.modules = modules = dict(gm.named_modules())
    inputs: dict[str, InputSpec] = {}
    outputs: list[str] = []
    placeholders: list[fx.Node] = []
    for n in gm.graph.nodes:
        if n.op == "placeholder" and n.args:  # a parameter fixed to its default
            imp.env[n] = n.args[0]
        elif n.op == "placeholder":
            k = len(placeholders)
            placeholders.append(n)
            imp.env[n] = _input(imp, str(n.target), examples[k], batches[k], input_layout, inputs)
        elif n.op == "output":
            outputs = _outputs(imp, n, output_layout, inputs)
        else:
            imp.env[n] = _convert(imp, n, modules)

    spec = Model(
        name=name or root,
        inputs=inputs,
        nodes=imp.nodes,
        outputs=outputs,
        metadata={
            "source": "torch",
            "torch_version": torch.__version__.split("+")[0],
            "input_layout": input_layout,
            **({"torch_layout": imp.torch_layout} if imp.torch_layout else {}),
        },
    )
    spec.params = imp.params
    spec.check()
    _check_shapes(spec, imp)
    # conv -> relu as conv(activation=relu), as Keras writes it (and the backends emit it);
    # padding merged into a 'same' convolution leaves its zero_padding node unused.
    return dead_nodes(fuse_activation(spec)).check()


def _export(
    module, examples: list, batches: list[int], fx_error: ConversionError
) -> fx.GraphModule:
    """The module through torch.export, where fx failed; both reasons when export fails."""
    from .export_trace import export_graph

    try:
        return export_graph(module, examples, batches)
    except ConversionError as e:
        issue = fx_error.issues[0]
        raise ConversionError(
            f"{issue.message}; {e.message}", node=issue.node, hint=issue.hint
        ) from None


def _flat_examples(examples: list, batches: list[int]) -> tuple[list, list[int]]:
    """One example per input tensor (the exported graph takes a tuple's tensors apart)."""
    flat, flat_batches = [], []
    for x, b in zip(examples, batches):
        for t in x if isinstance(x, tuple) else (x,):
            flat.append(t)
            flat_batches.append(b)
    return flat, flat_batches


def _check_placeholders(gm: fx.GraphModule, examples: list[torch.Tensor], root: str) -> None:
    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder" and not n.args]
    if len(placeholders) != len(examples):
        names = ", ".join(repr(p.target) for p in placeholders)
        raise ConversionError(
            f"{root}.forward takes {len(placeholders)} input(s) ({names}), "
            f"example_inputs has {len(examples)}"
        )
    for p, example in zip(placeholders, examples):
        for x in example if isinstance(example, tuple) else (example,):
            _check_example(p, x)


def _check_example(p: fx.Node, x: torch.Tensor) -> None:
    if x.dtype not in DTYPES:
        raise ConversionError(
            f"input {p.target!r} has dtype {x.dtype}; nnspec inputs are float32, int32 or int64",
            hint="pass example inputs as .float() or .long()",
        )
    if x.dim() < 1:
        raise ConversionError(f"input {p.target!r} is a scalar; inputs need a batch axis")


def _input(imp: SpecBuilder, name: str, example, batch: int, layout: str, inputs: dict):
    """The value of a forward argument: one spec input per tensor (``hidden_0``,
    ``hidden_1`` for a tuple ``hidden``), batch first."""
    if isinstance(example, tuple):
        return tuple(
            _input(imp, f"{name}_{i}", x, batch, layout, inputs) for i, x in enumerate(example)
        )
    rank = example.dim()
    if batch:
        perm = batch_perm(name, rank, batch)
    elif layout == "channels_last" and example.is_floating_point():
        perm = channels_last(rank)
    else:
        perm = identity(rank)
    ref = imp.unique(name)
    t = Tensor(ref, tuple(example.shape), DTYPES[example.dtype], perm)
    inputs[ref] = InputSpec(shape=["batch", *t.spec_shape[1:]], dtype=t.dtype)
    if imp.first_input is None:
        imp.first_input, imp.example_batch = t, t.shape[perm[0]]
    if perm[0] != 0:
        imp.torch_layout[ref] = layout_note(t.shape, perm)
    return t


def _convert(imp: SpecBuilder, n: fx.Node, modules: dict[str, torch.nn.Module]):
    meta = n.meta.get("nnspec")
    if not has_tensor(meta) and n.op != "get_attr":
        return meta  # computed from shapes and constants: the example run's value
    if "nnspec_shapes" in n.meta:  # made from shapes (and constants) in forward
        made = _shape_made(imp, n)
        if made is not None:
            return made
    elif "nnspec_value" in n.meta:  # a parameter, a buffer, or computed from them only
        return constant_value(imp, n)
    if n.op == "get_attr":
        shape = tuple(meta.shape) if isinstance(meta, TensorMeta) else ()
        return Const(f"self.{n.target}", shape)
    if n.op == "call_function" and n.target is operator.getitem:
        container = imp.value(n.args[0])
        if isinstance(container, (tuple, list)):
            return container[n.args[1]]
    module = modules[n.target] if n.op == "call_module" else None
    ctx = Ctx(imp, n, module)
    kind = type(module).__name__ if module is not None else op_name(n)
    if kind not in _MERGED_OK:
        check_no_merged(ctx.what, _flat_values((ctx.args, ctx.kwargs)))
    if module is not None:
        fn = module_converter(module)
        out = fn(module, ctx)
    else:
        fn = function_converter(op_name(n))
        out = fn(ctx)
    return out


# Ops that read a merged view (boundary.py) correctly: over its kept trailing dims.
_MERGED_OK = {"softmax", "log_softmax", "Softmax", "LogSoftmax"}


def _flat_values(v) -> list:
    if isinstance(v, (tuple, list)):
        return [x for item in v for x in _flat_values(item)]
    if isinstance(v, dict):
        return _flat_values(list(v.values()))
    return [v]


def _shape_made(imp: SpecBuilder, n: fx.Node):
    """A tensor made from shapes: its value (see shape_values.py), the converter's
    (``torch.zeros(L, B, H)``, an initial state), or None to convert it as any node."""
    c = shape_value(Ctx(imp, n), n, n.meta["nnspec_shapes"], imp.example_batch)
    name = op_name(n)
    if c is not None and c.batch and name in ("zeros", "new_zeros"):
        return Zeros(c.what, c.shape, value=c.value, batch=True)  # also an initial state
    if c is not None:
        return c
    if function_converter(name) is not None:
        return None
    raise ConversionError(
        f"{describe(n)} makes a tensor of shape {n.meta['nnspec_value'].shape} from the batch "
        "size whose values differ along the batch, or whose batch is not dim 0 (or a dim "
        "of another size); the spec cannot make it",
        node=n.name,
        hint="make it from the inputs (torch.zeros_like(x)), or use a batch size unlike "
        "the model's other dims in example_inputs",
    )


def _outputs(imp: SpecBuilder, n: fx.Node, layout: str, inputs) -> list[str]:
    value = fx.node.map_arg(n.args[0], imp.value)
    flat: list = []

    def collect(v):
        if isinstance(v, (tuple, list)):
            for x in v:
                collect(x)
        else:
            flat.append(v)

    collect(value)
    refs = []
    moved_batch = bool(imp.torch_layout)  # batch_dim was given: outputs may move theirs too
    for k, v in enumerate(flat):
        what = f"output {k} of {imp.root_name}.forward"
        if moved_batch and isinstance(v, Stack):
            ref, perm = stack_output(imp, v, what)
            refs.append(ref)
            imp.torch_layout[f"output {k}"] = layout_note(v.shape, perm)
            continue
        if isinstance(v, Tensor) and v.merged is not None:
            shape, perm = v.merged
            refs.append(v.ref)
            note = layout_note(shape, perm)
            imp.torch_layout[f"output {k}"] = {**note, "then_view": list(v.shape)}
            continue
        if moved_batch and isinstance(v, Tensor) and v.perm[0] != 0 and v.flat is None:
            refs.append(v.ref)
            imp.torch_layout[f"output {k}"] = layout_note(v.shape, v.perm)
            continue
        if isinstance(v, Const) and v.batch and v.value is not None:
            v = Ctx(imp, n).tensor(v, what)  # made from the batch size, returned
        if not isinstance(v, Tensor):
            kind = v.what if isinstance(v, (Const, Stack)) else f"{type(v).__name__} {v!r}"
            raise ConversionError(
                f"{what} is {kind}; the spec's outputs are tensors computed from the inputs",
                hint="return tensors only (index h_n first: h_n[-1])",
            )
        if v.perm[0] != 0:
            raise ConversionError(
                f"{what} holds the batch on dim {v.perm[0]} (shape {v.shape}); the spec's "
                "outputs keep the batch first",
                hint="transpose it to batch-first before returning",
            )
        perm = channels_last(v.rank) if layout == "channels_last" else identity(v.rank)
        ref = imp.as_perm(v, perm, what)
        if ref in inputs or ref in refs:
            ref = imp.emit(Identity, f"output_{k}", [ref], what=what)
        refs.append(ref)
    return refs


def _check_shapes(spec: Model, imp: SpecBuilder) -> None:
    """Every spec tensor has the shape the layout bookkeeping predicted (an internal check
    that turns a converter bug into a clear error instead of wrong numbers)."""
    from nnspec.spec.checked import infer_types

    types = infer_types(spec)
    for ref, want in imp.expected.items():
        got = types.get(ref)
        if got is not None and tuple(got.shape[1:]) != tuple(want[1:]):
            raise ConversionError(
                f"internal error: spec tensor {ref!r} has shape {got}, expected "
                f"(batch, {', '.join(map(str, want[1:]))}); please report this model",
                node=ref.split(":")[0],
            )
