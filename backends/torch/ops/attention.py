"""multi_head_attention -> nn.Linear projections + F.scaled_dot_product_attention;
attention / additive_attention -> the score formula, softmax and a matmul (SDPA where Keras'
formula is exactly it: unscaled dot scores)."""

from nnspec.spec.ops.attention import AdditiveAttention, Attention, MultiHeadAttention

from ...codegen_common import literal
from ...contexts import TorchContext
from ..describe import Module, Op, Tensor
from ..registry import converter

NEG = -1e9  # Keras' large negative score for masked positions


def _causal(q: str, k: str) -> str:
    """(Tq, Tk) boolean mask, True where query t may attend key s (s <= t), as Keras builds."""
    return f"torch.ones({q}.shape[-2], {k}.shape[-2], dtype=torch.bool, device={q}.device).tril()"


def _softmax_attend(
    ctx: TorchContext, scores: str, v: str, allowed: str | None, statements: list[str]
) -> str:
    if allowed is not None:
        masked = ctx.temp("scores")
        statements.append(f"{masked} = ({scores}).masked_fill(~({allowed}), {literal(NEG)})")
        scores = masked
    return f"({scores}).softmax(dim=-1) @ {v}"


@converter(MultiHeadAttention)
def multi_head_attention(node: MultiHeadAttention, ctx: TorchContext) -> Op:
    h, kd = node.num_heads, node.key_dim
    vd = node.value_dim or kd
    n = len(ctx.inputs) - (1 if node.attention_mask else 0)
    refs = {"query": 0, "value": 1, "key": 2 if n == 3 else 1}
    heads, modules, statements = {}, {}, []
    for name, dim in (("query", kd), ("key", kd), ("value", vd)):
        i = refs[name]
        kernel = ctx.params[f"{name}_kernel"]
        weights = {"weight": kernel.reshape(kernel.shape[0], h * dim).T}
        if node.use_bias:
            weights["bias"] = ctx.params[f"{name}_bias"].reshape(h * dim)
        layer = ctx.attr(name)
        bias = {} if node.use_bias else {"bias": False}
        modules[layer] = Module("nn.Linear", (int(kernel.shape[0]), h * dim), bias, weights)
        heads[name] = ctx.temp(name[0])
        statements.append(
            f"{heads[name]} = {layer}({ctx.inputs[i]}).unflatten(-1, ({h}, {dim}))"
            ".transpose(1, 2)  # (N, heads, T, dim)"
        )
    out_kernel = ctx.params["output_kernel"]
    weights = {"weight": out_kernel.reshape(h * vd, out_kernel.shape[-1]).T}
    if node.use_bias:
        weights["bias"] = ctx.params["output_bias"]
    output = ctx.attr("output")
    bias = {} if node.use_bias else {"bias": False}
    modules[output] = Module("nn.Linear", (h * vd, int(out_kernel.shape[-1])), bias, weights)
    q, k, v = heads["query"], heads["key"], heads["value"]
    context = ctx.temp("context")
    if node.attention_mask:
        allowed = f"{ctx.inputs[-1]}[:, None]"
        if node.causal:
            allowed = f"{allowed} & {_causal(q, k)}"
        scores = f"{q} @ {k}.transpose(-2, -1) / {literal(float(kd) ** 0.5)}"
        statements.append(f"{context} = {_softmax_attend(ctx, scores, v, allowed, statements)}")
    else:
        causal = ", is_causal=True" if node.causal else ""
        statements.append(f"{context} = F.scaled_dot_product_attention({q}, {k}, {v}{causal})")
    call = f"{output}({context}.transpose(1, 2).flatten(2))"
    return Op(call, modules=modules, statements=tuple(statements))


@converter(Attention)
def attention(node: Attention, ctx: TorchContext) -> Op | str:
    q, v = ctx.inputs[0], ctx.inputs[1]
    k = ctx.inputs[2] if len(ctx.inputs) > 2 else v
    if node.score_mode == "dot" and not node.use_scale:  # exactly SDPA with scale 1
        causal = ", is_causal=True" if node.causal else ""
        return f"F.scaled_dot_product_attention({q}, {k}, {v}, scale=1.0{causal})"
    tensors: dict[str, Tensor] = {}
    statements: list[str] = []
    scale = None
    if node.use_scale:
        scale = ctx.attr("scale")
        tensors[scale] = Tensor(ctx.params["scale"])
    if node.score_mode == "dot":
        scores = f"({q} @ {k}.transpose(-2, -1)) * {scale}"
    else:
        total = f"{q}.unsqueeze(-2) + {k}.unsqueeze(-3)"
        total = f"{scale} * ({total})" if scale else total
        weight = ctx.attr("concat_score_weight")
        tensors[weight] = Tensor(ctx.params["concat_score_weight"])
        scores = f"{weight} * torch.tanh({total}).sum(dim=-1)"
    call = _softmax_attend(ctx, scores, v, _causal(q, k) if node.causal else None, statements)
    return Op(call, tensors=tensors, statements=tuple(statements))


@converter(AdditiveAttention)
def additive_attention(node: AdditiveAttention, ctx: TorchContext) -> Op:
    q, v = ctx.inputs[0], ctx.inputs[1]
    k = ctx.inputs[2] if len(ctx.inputs) > 2 else v
    tanh = f"torch.tanh({q}.unsqueeze(-2) + {k}.unsqueeze(-3))"
    tensors: dict[str, Tensor] = {}
    statements: list[str] = []
    if node.use_scale:
        scale = ctx.attr("scale")
        tensors[scale] = Tensor(ctx.params["scale"])
        tanh = f"{scale} * {tanh}"
    scores = f"({tanh}).sum(dim=-1)"
    call = _softmax_attend(ctx, scores, v, _causal(q, k) if node.causal else None, statements)
    return Op(call, tensors=tensors, statements=tuple(statements))
