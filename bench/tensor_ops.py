"""Converted modules made of tensor ops against their PyTorch source, eager, on CPU.

    python bench/tensor_ops.py [--batches 1,32] [--repeat 30] [--threads 1]

Three blocks written in plain PyTorch: minGPT-style causal attention (view/transpose heads,
``q @ k.transpose(-2, -1)``, a masked softmax), a ViT patch embedding with a class token
and a learned ``pos_embed``, and an MLP-Mixer block (token mixing by transposes). Each is
converted two ways: PyTorch -> spec -> PyTorch, and PyTorch -> spec -> Keras -> spec ->
PyTorch (the Keras frontend reading the keras.ops graph back). Outputs are checked against the
source before timing. Times are medians of interleaved rounds in a shuffled order; the ratio
is converted time over source time (target <= 1.05).
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time

from _common import quiet_tf, table


def build_sources():
    import torch
    from torch import nn

    class Attention(nn.Module):
        def __init__(self, d=256, heads=8, block=64):
            super().__init__()
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)
            self.heads = heads
            self.register_buffer(
                "mask", torch.tril(torch.ones(block, block)).view(1, 1, block, block)
            )

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.qkv(x).split(C, dim=2)
            q = q.view(B, T, self.heads, C // self.heads).transpose(1, 2)
            k = k.view(B, T, self.heads, C // self.heads).transpose(1, 2)
            v = v.view(B, T, self.heads, C // self.heads).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf")).softmax(-1)
            return self.proj((att @ v).transpose(1, 2).contiguous().view(B, T, C))

    class PatchEmbed(nn.Module):
        def __init__(self, image=64, patch=8, d=192):
            super().__init__()
            self.proj = nn.Conv2d(3, d, patch, stride=patch)
            self.cls_token = nn.Parameter(torch.randn(1, 1, d) * 0.02)
            self.pos_embed = nn.Parameter(torch.randn(1, (image // patch) ** 2 + 1, d) * 0.02)

        def forward(self, x):
            x = self.proj(x).flatten(2).transpose(1, 2)
            x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
            return x + self.pos_embed

    class MixerBlock(nn.Module):
        def __init__(self, tokens=64, d=128):
            super().__init__()
            self.norm1 = nn.LayerNorm(d)
            self.token1 = nn.Linear(tokens, 2 * tokens)
            self.token2 = nn.Linear(2 * tokens, tokens)
            self.norm2 = nn.LayerNorm(d)
            self.channel1 = nn.Linear(d, 4 * d)
            self.channel2 = nn.Linear(4 * d, d)

        def forward(self, x):
            y = self.norm1(x).transpose(1, 2)
            x = x + self.token2(torch.nn.functional.gelu(self.token1(y))).transpose(1, 2)
            return x + self.channel2(torch.nn.functional.gelu(self.channel1(self.norm2(x))))

    return {
        "attention": (Attention, (64, 256)),
        "vit_patch_embed": (PatchEmbed, (3, 64, 64)),
        "mixer_block": (MixerBlock, (64, 128)),
    }


def shuffled_medians(fns: dict, repeat: int) -> dict:
    for fn in fns.values():
        fn()
        fn()
    times = {k: [] for k in fns}
    order = list(fns)
    for _ in range(repeat):
        random.shuffle(order)
        for k in order:
            t = time.perf_counter()
            fns[k]()
            times[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batches", default="1,32")
    p.add_argument("--repeat", type=int, default=30)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = p.parse_args(argv)
    quiet_tf()
    import numpy as np
    import torch

    import nnspec

    if args.threads:
        torch.set_num_threads(args.threads)
    random.seed(0)
    rows = []
    for name, (make, shape) in build_sources().items():
        torch.manual_seed(0)
        source = make().eval()
        x0 = torch.randn(2, *shape)
        spec = nnspec.from_torch(source, x0)
        routes = {
            "torch->spec->torch": nnspec.to_torch(spec),
            "torch->keras->torch": nnspec.to_torch(nnspec.from_keras(nnspec.to_keras(spec))),
        }
        for batch in (int(b) for b in args.batches.split(",")):
            x = torch.randn(batch, *shape)
            with torch.inference_mode():
                want = source(x).numpy()
                for route, module in routes.items():
                    err = float(np.abs(module(x).numpy() - want).max())
                    if err > 1e-4 * max(1.0, float(np.abs(want).max())):
                        print(f"{name} {route}: max error {err:.3g}", file=sys.stderr)
                        return 1

            def runner(m, x=x):
                def run():
                    with torch.inference_mode():
                        m(x)

                return run

            fns = {"source": runner(source), **{r: runner(m) for r, m in routes.items()}}
            t = shuffled_medians(fns, args.repeat)
            for route in routes:
                rows.append(
                    {
                        "block": name,
                        "batch": batch,
                        "route": route,
                        "source ms": t["source"] * 1e3,
                        "converted ms": t[route] * 1e3,
                        "ratio": t[route] / t["source"],
                    }
                )
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
