"""Hand-written PyTorch models made of tensor ops between layers (the issue's list):
minGPT-style attention, a ViT with learned position embeddings and a class token, VGG's
AdaptiveAvgPool2d((7, 7)), a UNet with align_corners=True and PixelShuffle super-resolution.
PyTorch -> spec -> Keras with parity on two different inputs and equal parameter counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import assert_close, run_keras, run_torch, torch_param_count

import nnspec

torch = pytest.importorskip("torch")
pytest.importorskip("keras")
nn = torch.nn
F = torch.nn.functional


class CausalSelfAttention(nn.Module):
    """minGPT's attention: one qkv projection, heads by view/transpose, a tril buffer mask."""

    def __init__(self, d=16, heads=4, block=8):
        super().__init__()
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.attn_dropout = nn.Dropout(0.1)
        self.n_head = heads
        self.register_buffer("bias", torch.tril(torch.ones(block, block)).view(1, 1, block, block))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        att = self.attn_dropout(F.softmax(att, dim=-1))
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class GPTBlock(nn.Module):
    def __init__(self, d=16, block=8):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = CausalSelfAttention(d, block=block)
        self.ln_2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class ViT(nn.Module):
    """Patch embedding, a class token, learned position embeddings, SDPA attention."""

    def __init__(self, image=16, patch=4, d=24, heads=3, classes=5):
        super().__init__()
        n = (image // patch) ** 2
        self.patch_embed = nn.Conv2d(3, d, patch, stride=patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, d) * 0.1)
        self.pos_embed = nn.Parameter(torch.randn(1, n + 1, d) * 0.1)
        self.norm1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.norm2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, 2 * d)
        self.fc2 = nn.Linear(2 * d, d)
        self.gamma = nn.Parameter(torch.full((d,), 0.5))  # layer scale
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, classes)
        self.heads = heads

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        B, N, C = x.shape
        x = torch.cat([self.cls_token.expand(B, -1, -1), x], dim=1)
        x = x + self.pos_embed
        qkv = self.qkv(self.norm1(x)).reshape(B, N + 1, 3, self.heads, C // self.heads)
        qkv = qkv.permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        a = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(B, N + 1, C)
        x = x + self.gamma * self.proj(a)
        x = x + self.fc2(F.gelu(self.fc1(self.norm2(x))))
        return self.head(self.norm(x)[:, 0])


class VGGHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Linear(8 * 7 * 7, 6)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


class TinyUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(3, 8, 3, padding=1)
        self.mid = nn.Conv2d(8, 8, 3, padding=1)
        self.up = nn.Conv2d(16, 4, 3, padding=1)

    def forward(self, x):
        d = F.relu(self.down(x))
        m = F.relu(self.mid(F.max_pool2d(d, 2)))
        u = F.interpolate(m, scale_factor=2, mode="bilinear", align_corners=True)
        return self.up(torch.cat([d, u], dim=1))


class ESPCN(nn.Module):
    """Sub-pixel super-resolution (PyTorch's example)."""

    def __init__(self, r=3):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 5, padding=2)
        self.conv2 = nn.Conv2d(16, 8, 3, padding=1)
        self.conv3 = nn.Conv2d(8, r * r, 3, padding=1)
        self.pixel_shuffle = nn.PixelShuffle(r)

    def forward(self, x):
        x = torch.tanh(self.conv2(torch.tanh(self.conv1(x))))
        return self.pixel_shuffle(self.conv3(x))


MODELS = {
    "mingpt_block": (GPTBlock, (2, 8, 16)),
    "mingpt_mask_sliced": (lambda: GPTBlock(block=12), (2, 7, 16)),  # mask[:, :, :T, :T]
    "vit": (ViT, (2, 3, 16, 16)),
    "vgg_adaptive_7x7": (VGGHead, (2, 3, 20, 18)),
    "unet_align_corners": (TinyUNet, (2, 3, 8, 10)),
    "espcn_pixel_shuffle": (ESPCN, (2, 1, 7, 6)),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_model_to_keras(name):
    make, shape = MODELS[name]
    torch.manual_seed(0)
    module = make().eval()
    rng = np.random.default_rng(7)
    first = rng.normal(size=shape).astype(np.float32)
    second = (rng.normal(size=shape) * 1.5 + 0.3).astype(np.float32)
    spec = nnspec.from_torch(module, torch.from_numpy(first))
    kmodel = nnspec.to_keras(spec)
    for x in (first, second):
        assert_close(run_torch(module, [x]), run_keras(kmodel, [x]))
    # a buffer sliced by a shape in forward (self.bias[:, :, :T, :T]) is held as the slice
    held = {"mingpt_mask_sliced": 7 * 7 - 12 * 12}.get(name, 0)
    assert kmodel.count_params() == torch_param_count(module) + held
