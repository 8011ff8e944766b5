"""Which parameters of a generated module hold which spec weights.

The one place that knows how a module relates to its spec. Node -> parameters comes from the
module's ``NODE_IDS`` (attribute -> node, written by the code generator into the generated
file); the first dotted part of a parameter's name is its attribute. Spec weight -> parameters
goes by value: the backend only transposes, permutes or splits a weight, so the parameter(s)
holding spec weight ``node/param`` are the ones of that node whose values are the same
multiset. That holds for a module as built from the spec, before training; ties (equal
values, e.g. two freshly initialised biases) go by declaration order, which both sides share.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch

from nnspec.spec.errors import ConversionError
from nnspec.spec.model import Model


def node_ids(module: torch.nn.Module) -> dict[str, str]:
    """The generated module's attribute -> spec node mapping. ``NODE_IDS`` lists only the
    attributes not named exactly as their node (none at all when every name is its node's)."""
    ids = getattr(module, "NODE_IDS", None)
    if ids is None:
        ids = getattr(type(module).forward, "__globals__", {}).get("NODE_IDS", {})
    return {attr: ids.get(attr, attr) for attr, _ in module.named_children()} | {
        name: node for name, node in ids.items()
    }


def node_parameters(module: torch.nn.Module) -> dict[str, dict[str, torch.nn.Parameter]]:
    """Spec node -> {parameter name in the module: parameter}, in module order."""
    ids = node_ids(module)
    out: dict[str, dict[str, torch.nn.Parameter]] = {}
    for name, p in module.named_parameters():
        attr = name.split(".")[0]
        node = ids.get(name, ids.get(attr, attr))
        if node is None:
            raise ConversionError(f"parameter {name!r} of the module belongs to no spec node")
        out.setdefault(node, {})[name] = p
    return out


def node_submodules(module: torch.nn.Module, node: str) -> list[torch.nn.Module]:
    """The submodules that the code generator declared for ``node``."""
    return [
        getattr(module, attr)
        for attr, n in node_ids(module).items()
        if n == node and isinstance(getattr(module, attr, None), torch.nn.Module)
    ]


def weight_parameters(
    spec: Model,
    node: str,
    params: dict[str, torch.nn.Parameter],
    wanted: set[str],
) -> dict[str, list[torch.nn.Parameter]]:
    """Spec weight name -> the parameter(s) of ``node`` holding it (matched by value); every
    name in ``wanted`` must be found (moving statistics are buffers, not parameters)."""
    from nnspec.backends.codegen_common import checked_analysis, model_params

    values = spec.params or model_params(spec, checked_analysis(spec))
    free = list(params.items())
    out = {}
    for wname in spec_weight_names(spec, node):
        target = np.sort(np.asarray(values[f"{node}/{wname}"], dtype=np.float32).ravel())
        match = _match(target, free)
        if match is None and wname not in wanted:
            continue
        if match is None:
            raise ConversionError(
                f"no parameter of the module holds the spec weight {node}/{wname}: "
                "pass the module as built from this spec, before training",
                node=node,
            )
        out[wname] = [p for _, p in match]
        free = [f for f in free if all(f[1] is not p for _, p in match)]
    return out


def spec_weight_names(spec: Model, node: str) -> list[str]:
    from nnspec.spec.checked import weight_decls

    return list(weight_decls(spec)[spec.node(node).shares or node])


def _same(target: np.ndarray, tensors) -> bool:
    flat = np.sort(np.concatenate([t.detach().cpu().numpy().ravel() for t in tensors]))
    if flat.size != target.size:
        return False
    return bool(np.allclose(flat, target, rtol=1e-6, atol=1e-7))


def _match(target, free):
    for k in (1, 2):  # one parameter, or a weight split in two (GRU's input/recurrent bias)
        for combo in itertools.combinations(free, k):
            if _same(target, [p for _, p in combo]):
                return combo
    return None
