"""The converted ResNet50 against a hand-written PyTorch ResNet50 of the same architecture.

    python bench/resnet_handwritten.py [--size 224] [--batches 1,32] [--repeat 10]
                                       [--device cpu|cuda] [--compile] [--bf16]

The hand-written module below is plain, idiomatic PyTorch (NCHW, ``nn.Sequential`` stages,
padding folded into the convolutions, written here, not generated) with exactly the layers
of ``keras.applications.ResNet50`` (v1: stride on the first 1x1 convolution of a stage,
convolutions with biases, batch-norm epsilon 1.001e-5). It takes the Keras model's weights,
so its outputs are checked against the converted module before anything is timed.

All run on the same batch: the converted modules take it channels-last (N, H, W, C) as the
Keras model does; the hand-written one takes the same tensor as (N, C, H, W), both as a
contiguous NCHW copy (the usual PyTorch layout) and as a channels_last view with its weights
in channels_last memory format (what the converted module runs on, see DESIGN.md). Three
converted variants: as converted; after ``nnspec.spec.passes.optimize`` (batch norms folded
into the convolutions, activations fused: what ``nnspec optimize`` writes); and that with
its convolution weights in channels_last memory format too. Each time is divided by both
hand-written times (target: within 5 %). Timings are medians of interleaved runs.
"""

from __future__ import annotations

import argparse
import sys

from _common import median_times, quiet_tf, randomize, table


def build_handwritten():
    from torch import nn

    class Bottleneck(nn.Module):
        def __init__(self, cin: int, filters: int, stride: int, shortcut: bool):
            super().__init__()
            eps = 1.001e-5
            self.conv1 = nn.Conv2d(cin, filters, 1, stride=stride)
            self.bn1 = nn.BatchNorm2d(filters, eps=eps)
            self.conv2 = nn.Conv2d(filters, filters, 3, padding=1)
            self.bn2 = nn.BatchNorm2d(filters, eps=eps)
            self.conv3 = nn.Conv2d(filters, 4 * filters, 1)
            self.bn3 = nn.BatchNorm2d(4 * filters, eps=eps)
            self.relu = nn.ReLU(inplace=True)
            self.shortcut = None
            if shortcut:
                self.shortcut = nn.Sequential(
                    nn.Conv2d(cin, 4 * filters, 1, stride=stride),
                    nn.BatchNorm2d(4 * filters, eps=eps),
                )

        def forward(self, x):
            identity = x if self.shortcut is None else self.shortcut(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            return self.relu(out + identity)

    class ResNet50(nn.Module):
        def __init__(self, classes: int = 1000):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3)
            self.bn1 = nn.BatchNorm2d(64, eps=1.001e-5)
            self.relu = nn.ReLU(inplace=True)
            self.pool = nn.MaxPool2d(3, stride=2, padding=1)  # after ReLU: zero padding
            stages, cin = [], 64
            for filters, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
                layers = [Bottleneck(cin, filters, stride, True)]
                layers += [Bottleneck(4 * filters, filters, 1, False) for _ in range(blocks - 1)]
                stages.append(nn.Sequential(*layers))
                cin = 4 * filters
            self.stages = nn.Sequential(*stages)
            self.fc = nn.Linear(2048, classes)

        def forward(self, x):
            x = self.pool(self.relu(self.bn1(self.conv1(x))))
            x = self.stages(x)
            return self.fc(x.mean((2, 3)))

    return ResNet50()


def load_keras_weights(net, model) -> None:
    """Copy keras.applications.ResNet50's weights into the hand-written module."""
    import numpy as np
    import torch

    def conv(m, name):
        kernel, bias = model.get_layer(name).get_weights()
        m.weight.data = torch.from_numpy(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)))
        m.bias.data = torch.from_numpy(bias)

    def bn(m, name):
        gamma, beta, mean, var = model.get_layer(name).get_weights()
        for t, v in (
            (m.weight, gamma),
            (m.bias, beta),
            (m.running_mean, mean),
            (m.running_var, var),
        ):
            t.data = torch.from_numpy(v)

    conv(net.conv1, "conv1_conv")
    bn(net.bn1, "conv1_bn")
    for s, stage in enumerate(net.stages, start=2):
        for b, block in enumerate(stage, start=1):
            name = f"conv{s}_block{b}"
            for k in (1, 2, 3):
                conv(getattr(block, f"conv{k}"), f"{name}_{k}_conv")
                bn(getattr(block, f"bn{k}"), f"{name}_{k}_bn")
            if block.shortcut is not None:
                conv(block.shortcut[0], f"{name}_0_conv")
                bn(block.shortcut[1], f"{name}_0_bn")
    kernel, bias = model.get_layer("predictions").get_weights()
    net.fc.weight.data = torch.from_numpy(np.ascontiguousarray(kernel.T))
    net.fc.bias.data = torch.from_numpy(bias)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--batches", default="1,32")
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--device", default="cpu")
    p.add_argument("--compile", action="store_true", help="also compare under torch.compile")
    p.add_argument("--bf16", action="store_true", help="also compare under bf16 autocast")
    args = p.parse_args(argv)
    quiet_tf()
    import copy

    import keras
    import numpy as np
    import torch

    import nnspec

    device = torch.device(args.device)
    keras.utils.set_random_seed(0)
    model = keras.applications.ResNet50(
        weights=None, classifier_activation=None, input_shape=(args.size, args.size, 3)
    )
    randomize(
        model,
        np.random.default_rng(99).normal(0, 1, (8, args.size, args.size, 3)).astype("float32"),
    )
    from nnspec.spec.passes import optimize

    spec = nnspec.from_keras(model)
    converted = nnspec.to_torch(spec).to(device)
    optimised = nnspec.to_torch(optimize(spec)).to(device)  # batch norms folded, relu fused
    # DESIGN.md: channels-last activations want channels_last convolution weights too
    optimised_cl = copy.deepcopy(optimised).to(memory_format=torch.channels_last)
    nchw = build_handwritten()
    load_keras_weights(nchw, model)
    nchw = nchw.eval().to(device)
    cl = copy.deepcopy(nchw).to(memory_format=torch.channels_last)

    rng = np.random.default_rng(1)
    x = torch.from_numpy(rng.normal(0, 1, (2, args.size, args.size, 3)).astype("float32"))
    with torch.inference_mode():
        ref = model(x.numpy(), training=False).numpy()
        outs = {
            "converted": converted(x.to(device)),
            "converted + optimize": optimised(x.to(device)),
            "hand-written": nchw(x.permute(0, 3, 1, 2).contiguous().to(device)),
        }
    for name, out in outs.items():
        err = float(np.abs(out.cpu().numpy() - ref).max())
        print(f"{name}: max |out - keras| = {err:.2e}")
        assert err <= 1e-4 * max(1.0, float(np.abs(ref).max())), f"{name} does not match Keras"

    variants = [("eager fp32", False, False)]
    if args.compile:
        variants.append(("compiled fp32", True, False))
    if args.bf16:
        variants.append(("eager bf16", False, True))
        if args.compile:
            variants.append(("compiled bf16", True, True))
    rows = []
    for batch in [int(b) for b in args.batches.split(",")]:
        xb = torch.from_numpy(
            rng.normal(0, 1, (batch, args.size, args.size, 3)).astype("float32")
        ).to(device)
        inputs = {
            "converted": (converted, xb),
            "converted + optimize": (optimised, xb),
            "converted + optimize, weights channels_last": (optimised_cl, xb),
            "hand-written NCHW": (nchw, xb.permute(0, 3, 1, 2).contiguous()),
            "hand-written channels_last": (cl, xb.permute(0, 3, 1, 2)),
        }
        for label, compiled, bf16 in variants:
            fns = {
                name: _runner(torch.compile(module) if compiled else module, inp, device, bf16)
                for name, (module, inp) in inputs.items()
            }
            times = {k: v * 1e3 for k, v in median_times(fns, args.repeat).items()}
            for name, ms in times.items():
                rows.append(
                    {
                        "batch": batch,
                        "mode": label,
                        "module": name,
                        "ms": ms,
                        "/ hand-written NCHW": ms / times["hand-written NCHW"],
                        "/ hand-written channels_last": ms / times["hand-written channels_last"],
                    }
                )
    print(table(rows))
    print(
        f"\ndevice {device}, torch {torch.__version__}, threads {torch.get_num_threads()}, "
        f"input {args.size}x{args.size}, median of {args.repeat} interleaved runs"
    )
    return 0


def _runner(module, x, device, bf16: bool):
    import torch

    def run():
        with torch.inference_mode(), torch.autocast(device.type, torch.bfloat16, enabled=bf16):
            out = module(x)
        if device.type == "cuda":
            torch.cuda.synchronize()
        return out

    return run


if __name__ == "__main__":
    sys.exit(main())
