"""What the benchmarks share: the keras.applications catalog, weight randomisation, timing,
peak memory and table printing. Imported by the scripts in bench/ (not part of nnspec)."""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

# One implementation of the well-conditioned random weights for the zoo test and benches.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import randomize  # noqa: F401  (re-exported to the bench scripts)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "_out"


@dataclass(frozen=True)
class App:
    """A keras.applications architecture: constructor name, default and smallest input side."""

    name: str
    size: int = 224  # the architecture's default input side
    min_size: int = 32  # the smallest side it builds with (weights=None)
    kwargs: dict = field(default_factory=dict)
    preprocessing: bool = False  # the model rescales 0-255 inputs itself

    def build(self, size: int | None = None):
        import keras

        side = max(size or self.size, self.min_size)
        ctor = getattr(keras.applications, self.name)
        kwargs = dict(weights=None, input_shape=(side, side, 3), **self.kwargs)
        try:
            return ctor(classifier_activation=None, **kwargs)
        except TypeError:  # a constructor without classifier_activation
            return ctor(**kwargs)


def _apps() -> list[App]:
    apps = [
        App(n)
        for n in ("ResNet50", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2")
    ]
    apps += [App("VGG16"), App("VGG19")]
    apps += [
        App("InceptionV3", 299, 75),
        App("InceptionResNetV2", 299, 75),
        App("Xception", 299, 71),
    ]
    apps += [
        App("MobileNet"),
        App("MobileNetV2"),
        App("MobileNetV3Small", preprocessing=True),
        App("MobileNetV3Large", preprocessing=True),
    ]
    sizes = {"B0": 224, "B1": 240, "B2": 260, "B3": 300, "B4": 380, "B5": 456, "B6": 528, "B7": 600}
    apps += [App(f"EfficientNet{b}", s, preprocessing=True) for b, s in sizes.items()]
    sizes = {"B0": 224, "B1": 240, "B2": 260, "B3": 300, "S": 384, "M": 480, "L": 480}
    apps += [App(f"EfficientNetV2{b}", s, preprocessing=True) for b, s in sizes.items()]
    apps += [App(f"DenseNet{n}") for n in (121, 169, 201)]
    apps += [App("NASNetMobile", 224), App("NASNetLarge", 331)]
    apps += [
        App(f"ConvNeXt{n}", preprocessing=True)
        for n in ("Tiny", "Small", "Base", "Large", "XLarge")
    ]
    return apps


APPS = {a.name: a for a in _apps()}
# keras.applications in Keras 2 had these; Keras 3 (installed here) has no RegNet.
MISSING = [
    f"RegNet{k}{s}"
    for k in "XY"
    for s in ("002", "004", "006", "008", "016", "032", "040", "064", "080", "120", "160", "320")
]


def select(names: str | None, default: list[str] | None = None) -> list[App]:
    """Apps by comma-separated names (case-insensitive; prefixes such as `EfficientNetV2`
    select a family); unknown names are an error listing the catalog."""
    if not names:
        return [APPS[n] for n in default] if default else list(APPS.values())
    picked = []
    for want in names.split(","):
        want = want.strip().lower()
        hits = [a for n, a in APPS.items() if n.lower() == want]
        hits = hits or [a for n, a in APPS.items() if n.lower().startswith(want)]
        if not hits:
            sys.exit(f"unknown model {want!r}; known: {', '.join(APPS)}")
        picked += [a for a in hits if a not in picked]
    return picked


def sample_input(app: App, model, batch: int, seed: int = 1):
    import numpy as np

    rng = np.random.default_rng(seed)
    shape = (batch, *model.input_shape[1:])
    if app.preprocessing:
        return rng.uniform(0.0, 255.0, shape).astype("float32")
    return rng.normal(0.0, 1.0, shape).astype("float32")


def max_error(ref, got) -> tuple[float, float]:
    """(max |a - b|, the bound max(1, max|ref|) * 1e-4 it must stay under)."""
    import numpy as np

    ref, got = np.asarray(ref, dtype=np.float64), np.asarray(got, dtype=np.float64)
    return float(np.abs(ref - got).max()), 1e-4 * max(1.0, float(np.abs(ref).max()))


def keras_graph_fn(model):
    """The model as a compiled tf.function (the way Keras runs predict), not eager calls."""
    import tensorflow as tf

    spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)
    return tf.function(lambda x: model(x, training=False), input_signature=[spec])


def median_time(fn, repeat: int = 10, warmup: int = 2, budget_s: float = 60.0) -> float:
    """Median wall time of ``fn()`` in seconds (fewer repeats when one run is slow)."""
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        if time.perf_counter() - start > budget_s and len(times) >= 3:
            break
    return statistics.median(times)


def median_times(fns: dict, repeat: int = 10, warmup: int = 2, budget_s: float = 120.0) -> dict:
    """Median wall time (s) of each ``fn()``, measured in interleaved rounds (one run of
    each per round), so that a burst of load on a shared machine hits every variant alike."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in fns}
    start = time.perf_counter()
    for _ in range(repeat):
        for name, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
        if time.perf_counter() - start > budget_s and len(times[name]) >= 3:
            break
    return {name: statistics.median(ts) for name, ts in times.items()}


def torch_runner(module, x):
    import torch

    t = torch.from_numpy(x)

    def run():
        with torch.inference_mode():
            return module(t)

    return run


def keras_runner(fn, x):
    import tensorflow as tf

    t = tf.constant(x)
    return lambda: fn(t).numpy()


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """Current resident set size in MiB (from /proc; psutil is not required)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def table(rows: list[dict], columns: list[str] | None = None) -> str:
    """A plain-text table (also valid Markdown)."""
    if not rows:
        return "(no rows)"
    columns = columns or list(rows[0])
    cells = [[_fmt(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    line = "| " + " | ".join(c.ljust(w) for c, w in zip(columns, widths)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(v.ljust(w) for v, w in zip(row, widths)) + " |" for row in cells]
    return "\n".join([line, rule, *body])


def _fmt(v) -> str:
    if isinstance(v, float):
        if v == 0:
            return "0"
        if abs(v) < 1e-2 or abs(v) >= 1e5:
            return f"{v:.2e}"
        return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def quiet_tf() -> None:
    """Silence TensorFlow's and absl's start-up chatter."""
    import logging

    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)


def first_line(e: BaseException, limit: int = 160) -> str:
    text = f"{type(e).__name__}: {e}".strip().splitlines()[0]
    return text if len(text) <= limit else text[: limit - 3] + "..."
