"""Why a compiled module fed NHWC images can trail one fed NCHW: EfficientNet's stem alone.

The stem of EfficientNetB0 (per-channel ``Normalization``, asymmetric "same" padding, a
stride-2 convolution) through ``torch.compile``, fed a 3-channel batch either as the NHWC
tensor's permuted view (what the default generated module and ``handwritten_nhwc`` in
``native.py`` see) or as a contiguous NCHW copy. Inductor on CPU runs convolutions
channels-last and fuses normalization and padding into one loop nest with the 3 channels
innermost; with per-channel constants that loop is masked vector code. A ``.contiguous()``
inside the graph changes nothing (Inductor picks the layouts of intermediates itself); a
scalar normalization (Rescaling, as in MobileNetV2) shows the difference is the per-channel
constants. Medians of interleaved rounds in shuffled order, one thread.

``page faults per call``: in some runs glibc hands the freed buffers back to the kernel and a
route then pays for fresh pages on every call (about 900 per call doubles the NCHW stem's
time); read the ratios of a run where that column is low.

    python bench/compiled_stem.py [--batch 8] [--side 96] [--rounds 30]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time

from _common import table

CALLS = 10  # per timed sample


def stems(per_channel: bool):
    """name -> (function of the input, whether it takes NHWC)."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    torch.manual_seed(0)
    conv = nn.Conv2d(3, 32, 3, stride=2, bias=False).eval()
    shape = (3,) if per_channel else ()
    mean, std = torch.rand(shape), torch.rand(shape) + 0.5
    mean_cf, std_cf = (mean.view(3, 1, 1), std.view(3, 1, 1)) if per_channel else (mean, std)

    def nhwc_view(x):  # the default module: normalize in NHWC, then a permuted view
        x = ((x * (1 / 255) - mean) / std).permute(0, 3, 1, 2)
        return conv(F.pad(x, (0, 1, 0, 1)))

    def nhwc_contiguous(x):
        x = ((x * (1 / 255) - mean) / std).permute(0, 3, 1, 2).contiguous()
        return conv(F.pad(x, (0, 1, 0, 1)))

    def nchw(x):
        x = (x * (1 / 255) - mean_cf) / std_cf
        return conv(F.pad(x, (0, 1, 0, 1)))

    return {
        "nhwc view": (nhwc_view, True),
        "nhwc .contiguous()": (nhwc_contiguous, True),
        "nchw": (nchw, False),
    }


def minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--side", type=int, default=96)
    p.add_argument("--rounds", type=int, default=30)
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    x = torch.rand(args.batch, args.side, args.side, 3) * 255
    x_cf = x.permute(0, 3, 1, 2).contiguous()
    runners = {}
    for per_channel in (True, False):
        kind = "per-channel" if per_channel else "scalar"
        for name, (fn, nhwc) in stems(per_channel).items():
            compiled, inp = torch.compile(fn), (x if nhwc else x_cf)
            runners[(kind, name)] = lambda f=compiled, i=inp: f(i)
    times: dict = {k: [] for k in runners}
    faults = dict.fromkeys(runners, 0)  # minor page faults: fresh memory the kernel hands out
    with torch.inference_mode():
        for (kind, name), run in runners.items():  # compilation, outside the timed rounds
            run()
            if not torch.allclose(run(), runners[(kind, "nchw")](), rtol=1e-4, atol=1e-4):
                raise SystemExit(f"{kind} {name}: computes another stem than the NCHW one")
        order, rng = list(runners), random.Random(0)
        for _ in range(args.rounds):
            rng.shuffle(order)
            for k in order:
                f, t = minor_faults(), time.perf_counter()
                for _ in range(CALLS):
                    runners[k]()
                times[k].append((time.perf_counter() - t) / CALLS)
                faults[k] += minor_faults() - f
    median = {k: statistics.median(v) * 1e3 for k, v in times.items()}
    rows = [
        {
            "normalization": kind,
            "input": name,
            "median ms": median[(kind, name)],
            "vs nchw": median[(kind, name)] / median[(kind, "nchw")],
            "page faults per call": faults[(kind, name)] / (CALLS * args.rounds),
        }
        for kind, name in runners
    ]
    print(f"EfficientNetB0 stem, torch.compile, batch {args.batch}, {args.side}x{args.side}x3\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
