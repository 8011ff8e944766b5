"""The tracer for modules torch.fx cannot trace: ``torch.export``.

fx traces symbolically, so Python control flow on shapes (``if x.shape[-1] % 2:``, ``for t in
range(x.size(1))``, ``assert x.dim() == 4``) stops it. ``torch.export.export`` runs the module
on the example inputs and specialises such code to their shapes, with the batch dim of every
input kept symbolic (``Dim("batch")``): a module whose code depends on the batch size fails
to export instead of being baked to one batch size, and ``torch.zeros(x.size(0), H)`` stays
a function of the batch.

The exported graph holds ATen ops. They are rewritten into the calls the fx path produces, so
that the same converters (and the same example run, layouts and refusals) apply:

- a ``linear``/``convNd``/``batch_norm``/``layer_norm``/``embedding``/``group_norm`` op made by a
  stock module of the matching class, on that module's own parameters, becomes a call of the
  module itself (its name stays the module path: ``encoder``, ``blocks.0.fc1``);
- ``slice``/``select`` become indexing, ``sym_size`` becomes ``x.size(d)``, aliases pass through,
  upsampling becomes ``F.interpolate``;
- any other ATen op becomes ``torch.<name>``, ``F.<name>`` or the tensor method of that name
  when one of them has a converter, and stays an ATen op (refused by name) otherwise.

The rewritten graph is checked against the exported program on the example inputs. Other
nodes are named after the module that made them (``blocks_0_relu``).
"""

from __future__ import annotations

import contextlib
import io
import logging
import operator
import re
from collections.abc import Iterator

import torch
from torch import fx

from nnspec.spec.errors import ConversionError

from .registry import function_converter, is_stock_class

_INT_MAX = 2**63 - 1
# ATen op -> (stock module classes that make it, name of its weight argument position)
_MODULE_OPS = {
    "linear": (("Linear",), 1),
    "conv1d": (("Conv1d",), 1),
    "conv2d": (("Conv2d",), 1),
    "conv3d": (("Conv3d",), 1),
    "conv_transpose1d": (("ConvTranspose1d",), 1),
    "conv_transpose2d": (("ConvTranspose2d",), 1),
    "batch_norm": (("BatchNorm1d", "BatchNorm2d", "BatchNorm3d"), 1),
    "layer_norm": (("LayerNorm",), 2),
    "group_norm": (("GroupNorm",), 2),
    "embedding": (("Embedding",), 0),
}
_PASSTHROUGH = {"alias", "clone", "contiguous", "detach", "lift_fresh_copy"}
# ATen ops whose torch namesake takes other positional arguments
_OTHER_SIGNATURE = {"elu", "native_dropout", "upsample_bilinear2d", "upsample_nearest2d"}


def export_graph(module: torch.nn.Module, examples: list, batches: list[int]) -> fx.GraphModule:
    """``module`` exported on ``examples`` (their batch dims symbolic) and rewritten into
    fx-style calls; a ConversionError saying why when torch.export fails too."""
    from torch.export import Dim

    batch = Dim("batch", min=2)

    def dynamic(x, b):
        if isinstance(x, tuple):
            return tuple(dynamic(t, b) for t in x)
        return {b % x.dim(): batch}

    shapes = tuple(dynamic(x, b) for x, b in zip(examples, batches))
    try:
        with _quiet():
            ep = torch.export.export(module, tuple(examples), dynamic_shapes=shapes, strict=False)
    except Exception as e:  # noqa: BLE001 (user code: any failure becomes a ConversionError)
        reason = " ".join(str(e).split("\n")[0].split())[:300] or type(e).__name__
        raise ConversionError(f"torch.export failed too: {type(e).__name__}: {reason}") from None
    exported = ep.module()
    gm = _flat_module(exported)
    _rewrite(gm, module)
    _check_same(gm, exported, examples)
    return gm


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """torch.export logs the graph and its guards when it fails; our message says why."""
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        logging.disable(previous)


def describe_aten(n: fx.Node) -> str:
    """An ATen op left in the graph, named by the module that made it."""
    where = _innermost(n)
    op = f"ATen op {n.target} (from torch.export, node {n.name!r})"
    if where is None or not where[0]:
        return op
    cls = where[1].rsplit(".", 1)[-1]
    return f"{op} in module {where[0]!r} ({cls})"


def _flat_module(exported: torch.nn.Module) -> fx.GraphModule:
    """The exported graph without its pytree input/output handling and guard node: one
    placeholder per input tensor, a tuple of output tensors."""
    graph = fx.Graph()
    env: dict[fx.Node, fx.Node] = {}
    for n in exported.graph.nodes:
        if n.op == "call_module" and n.target == "_guards_fn":
            continue
        if n.op == "output":
            graph.output(fx.node.map_arg(n.args[0], env.__getitem__))
            continue
        env[n] = graph.node_copy(n, env.__getitem__)
    return fx.GraphModule(exported, graph)


def _innermost(n: fx.Node) -> tuple[str, str] | None:
    stack = n.meta.get("nn_module_stack") or {}
    return list(stack.values())[-1] if stack else None


def _flat_name(path: str) -> str:
    return re.sub(r"\W", "_", path) or "module"


def _module_call(gm: fx.GraphModule, root: torch.nn.Module, n: fx.Node, name: str) -> bool:
    """Replace ``n`` by a call of the stock module that made it, when it did (on its own
    weights); returns whether it was replaced."""
    classes, w = _MODULE_OPS[name]
    where = _innermost(n)
    if where is None or len(n.args) <= w:
        return False
    path = where[0]
    try:
        m = root.get_submodule(path)
    except AttributeError:
        return False
    if type(m).__name__ not in classes or not is_stock_class(type(m)):
        return False
    weight = n.args[w]
    if not (isinstance(weight, fx.Node) and weight.op == "get_attr"):
        return False
    if weight.target != (f"{path}.weight" if path else "weight"):
        return False
    x = n.args[1] if name == "embedding" else n.args[0]
    target = f"nnspec_{_flat_name(path)}"
    if not hasattr(gm, target):
        gm.add_submodule(target, m)
    with gm.graph.inserting_before(n):
        call = gm.graph.call_module(target, (x,))
    call.meta.update(n.meta)
    n.replace_all_uses_with(call)
    gm.graph.erase_node(n)
    call._rename(_flat_name(path))
    return True


def _index(dim: int, item) -> tuple:
    return (*(slice(None),) * dim, item)


def _rewrite_node(gm: fx.GraphModule, root: torch.nn.Module, n: fx.Node) -> None:
    name = n.target._opname.lstrip("_")
    args, kwargs = n.args, dict(n.kwargs)
    graph = gm.graph
    if name in _MODULE_OPS and _module_call(gm, root, n, name):
        return
    if name in _PASSTHROUGH and isinstance(args[0], fx.Node):
        n.replace_all_uses_with(args[0])
        graph.erase_node(n)
        return
    if name == "sym_size":
        new = ("call_method", "size", args, {})
    elif name == "slice":
        x, dim, start, end, step = (*args, *(None,) * (5 - len(args)))
        end = None if end is not None and end >= _INT_MAX else end
        new = (
            "call_function",
            operator.getitem,
            (x, _index(dim or 0, slice(start, end, step))),
            {},
        )
    elif name == "select":
        new = ("call_function", operator.getitem, (args[0], _index(args[1], args[2])), {})
    elif name in ("upsample_bilinear2d", "upsample_nearest2d") and len(args) >= 2:
        mode = "bilinear" if name == "upsample_bilinear2d" else "nearest"
        extra = {"align_corners": args[2]} if mode == "bilinear" else {}
        new = (
            "call_function",
            torch.nn.functional.interpolate,
            (args[0],),
            {"size": args[1], "mode": mode, **extra},
        )
    elif name in ("to", "to_copy"):
        new = ("call_method", "to", (args[0],), {k: v for k, v in kwargs.items() if k == "dtype"})
    elif name in _OTHER_SIGNATURE or function_converter(name) is None:
        return  # stays an ATen op: converted as a constant, or refused by name
    elif callable(getattr(torch, name, None)):
        new = ("call_function", getattr(torch, name), args, kwargs)
    elif callable(getattr(torch.nn.functional, name, None)):
        new = ("call_function", getattr(torch.nn.functional, name), args, kwargs)
    else:
        new = ("call_method", name, args, kwargs)
    with graph.inserting_before(n):
        call = graph.create_node(*new)
    call.meta.update(n.meta)
    n.replace_all_uses_with(call)
    graph.erase_node(n)
    call._rename(n.name)


def _rewrite(gm: fx.GraphModule, root: torch.nn.Module) -> None:
    for n in list(gm.graph.nodes):
        if n.op == "call_function" and isinstance(n.target, torch._ops.OpOverload):
            _rewrite_node(gm, root, n)
    for n in gm.graph.nodes:  # name function nodes after the module that made them
        where = _innermost(n)
        if n.op == "call_function" and where is not None and where[0]:
            prefix = _flat_name(where[0])
            if not n.name.startswith(prefix):
                n._rename(f"{prefix}_{n.name}")
    gm.graph.eliminate_dead_code()
    gm.graph.lint()
    gm.recompile()


def _flat(v) -> list:
    if isinstance(v, (tuple, list)):
        return [x for item in v for x in _flat(item)]
    return [v]


def _copy(examples: list) -> list:
    return [tuple(t.clone() for t in x) if isinstance(x, tuple) else x.clone() for x in examples]


def _check_same(gm: fx.GraphModule, exported: torch.nn.Module, examples: list) -> None:
    with torch.no_grad():
        want = _flat(exported(*_copy(examples)))
        got = _flat(gm(*_flat(_copy(examples))))
    same = len(want) == len(got) and all(
        isinstance(a, torch.Tensor)
        and isinstance(b, torch.Tensor)
        and a.shape == b.shape
        and torch.allclose(a.double(), b.double(), rtol=1e-5, atol=1e-6, equal_nan=True)
        for a, b in zip(want, got)
    )
    if not same:
        raise ConversionError(
            "internal error: the torch.export graph rewritten for conversion computes other "
            "numbers than the exported program; please report this model"
        )
