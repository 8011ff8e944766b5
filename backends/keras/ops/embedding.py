from nnspec.spec.ops.embedding import Embedding

from ...codegen_common import non_default
from ...contexts import KerasContext
from ..registry import converter


@converter(Embedding)
def embedding(node: Embedding, ctx: KerasContext) -> str:
    kwargs = non_default(
        dict(mask_zero=False, embeddings_initializer="uniform"),
        mask_zero=node.mask_zero,
        embeddings_initializer=node.embeddings_initializer,
    )
    layer = ctx.layer(
        "layers.Embedding",
        node.input_dim,
        node.output_dim,
        weights=[ctx.params["embeddings"]],
        **kwargs,
    )
    return f"{layer}({ctx.x})"
