from nnspec.spec.ops.embedding import Embedding

from ...contexts import KerasLayerContext
from ..registry import from_layer


@from_layer("Embedding")
def embedding(layer, ctx: KerasLayerContext):
    cfg = ctx.config
    if cfg.get("lora_rank"):
        raise ctx.refuse(
            "lora_rank", "merge the LoRA weights first (layer.enable_lora is for training)"
        )
    if cfg.get("quantization_config") or getattr(layer, "quantization_mode", None):
        raise ctx.refuse("quantization_config", "quantized embeddings")
    return ctx.node(
        Embedding,
        input_dim=int(cfg["input_dim"]),
        output_dim=int(cfg["output_dim"]),
        mask_zero=bool(cfg["mask_zero"]),
        params={"embeddings": ctx.weights()["embeddings"]},
    )
