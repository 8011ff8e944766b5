"""A converter context for a submodule converted inside its parent's converter (the layers of
nn.TransformerEncoder): the parent's graph node, the submodule, given inputs and output shape.
"""

from __future__ import annotations

from types import SimpleNamespace

import torch

from .context import Ctx


class SubCtx(Ctx):
    def __init__(self, parent: Ctx, module: torch.nn.Module, name: str, args, shape):
        self._imp = parent._imp
        self.fx = parent.fx
        self.module = module
        self.name = f"{parent.name}_{name}"
        self.args = tuple(args)
        self.kwargs = {}
        self.meta = SimpleNamespace(shape=tuple(shape), dtype=torch.float32)
        self._what = f"{parent.what} > {name} (nn.{type(module).__name__})"

    @property
    def what(self) -> str:
        return self._what


def sub_ctx(parent: Ctx, module: torch.nn.Module, name: str, args, shape) -> SubCtx:
    return SubCtx(parent, module, name, args, shape)
