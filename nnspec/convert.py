"""`nnspec convert`: a Keras file or a spec in, PyTorch / Keras / spec files out, then a
parity check of both frameworks on the same random inputs.

Everything is written into a hidden folder beside the output folder first and moved into
place at the end (see ``output.py``), so a failed conversion leaves nothing behind.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from nnspec.backends.codegen_common import file_stem
from nnspec.spec.budget import check_fits, format_bytes
from nnspec.spec.errors import ConversionError, SpecError
from nnspec.spec.io import load, save, save_weights
from nnspec.spec.model import Model
from nnspec.spec.text import printable

from .keras_file_check import check_keras_file
from .output import publish, refuse_overwrite, staging_folder

if TYPE_CHECKING:
    import keras
    import torch

# What a conversion builds or compares against: a keras.Model or a torch.nn.Module.
Built: TypeAlias = "keras.Model | torch.nn.Module"
Outputs = Callable[[Built, list[np.ndarray]], list[np.ndarray]]

TARGETS = ("torch", "keras", "spec")
TOLERANCE = 1e-4
NOTHING_WRITTEN = (
    "nothing written: the parity check failed (run again with --no-check to write the files anyway)"
)


@dataclass
class OutputCheck:
    name: str
    max_abs: float
    max_rel: float  # max abs error over max |reference|
    bound: float
    non_finite: bool = False  # NaN or Inf in either output: no comparison means anything

    @property
    def ok(self) -> bool:
        return not self.non_finite and self.max_abs <= self.bound


@dataclass
class ConvertResult:
    files: list[Path] = field(default_factory=list)
    checks: list[OutputCheck] = field(default_factory=list)
    params: dict[str, int] = field(default_factory=dict)
    written: bool = False
    # Why the parity check cannot pass whatever the numbers (NaN or Inf in the weights).
    problems: list[str] = field(default_factory=list)
    reference: str = ""  # which model the parity check compared against
    node_report: Any = None  # nnspec.report.NodeReport: asked for, or the outputs disagree

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks) and not self.problems

    @property
    def counts_agree(self) -> bool:
        return len(set(self.params.values())) <= 1


class Progress:
    """One line per stage on stderr, with its duration."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled

    def stage(self, text: str) -> _Stage:
        return _Stage(text, self.enabled)


class _Stage:
    def __init__(self, text: str, enabled: bool) -> None:
        self.text, self.enabled = text, enabled

    def __enter__(self) -> None:
        self.t0 = time.perf_counter()
        if self.enabled:
            print(f"  {printable(self.text)} ...", end="", file=sys.stderr, flush=True)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.enabled:
            status = "failed" if exc_type else f"{time.perf_counter() - self.t0:.2f}s"
            print(f" {status}", file=sys.stderr, flush=True)


@dataclass
class UserTorchModule:
    """A user's PyTorch module to convert, named as ``path/to/model.py:ClassName`` (this
    imports user code), with its weights and example input shapes (the generated source of a
    module is backends/torch/codegen.py's ``TorchSource``)."""

    target: str
    weights: Path | None
    input_shapes: list[tuple[int, ...]]
    input_layout: str = "channels_first"
    input_dtypes: list[str] | None = None


def read_torch_source(src: UserTorchModule, progress: Progress) -> tuple[Model, torch.nn.Module]:
    import torch

    from nnspec.frontends.torch import from_torch, load_module

    with progress.stage(f"importing {src.target}"):
        module = load_module(src.target, src.weights)
    with progress.stage("tracing the module"):
        dtypes = src.input_dtypes or ["float32"] * len(src.input_shapes)
        examples = [
            torch.randn(*shape)
            if dtype.startswith("float")
            else torch.randint(0, 2, shape, dtype=getattr(torch, dtype))
            for shape, dtype in zip(src.input_shapes, dtypes)
        ]
        return from_torch(module, examples, input_layout=src.input_layout), module


def read_source(src: Path, progress: Progress) -> tuple[Model, keras.Model | None]:
    """(spec, reference model or None) from a .keras/.h5 file or a spec YAML."""
    if src.suffix.lower() in (".yaml", ".yml"):
        with progress.stage(f"loading {src.name}"):
            spec = load(src)
            spec.check()
        return spec, None
    from nnspec.frontends.keras import from_keras, read_keras_file

    with progress.stage(f"loading {src.name}"):  # any other file: a Keras model, by content
        if src.is_file():
            check_keras_file(src)  # a zip bomb or huge datasets: refused before Keras reads them
        kmodel, read = read_keras_file(src)
    with progress.stage(f"extracting the spec ({len(kmodel.layers)} layers)"):
        spec = from_keras(kmodel)
    spec.metadata["read_from"] = read
    return spec, kmodel


def sample_inputs(spec: Model, batch: int = 2, seed: int = 0) -> list[np.ndarray]:
    """Random inputs of the declared shapes (free dims: batch 2, others 8); integer inputs
    stay below the smallest embedding table they feed."""
    rng = np.random.default_rng(seed)
    arrays = []
    for name, inp in spec.inputs.items():
        shape = [
            d if isinstance(d, int) else (batch if i == 0 else 8) for i, d in enumerate(inp.shape)
        ]
        if inp.dtype.startswith("int"):
            limits = [
                n.input_dim
                for n in spec.nodes
                if name in (n.inputs or ()) and hasattr(n, "input_dim")
            ]
            arrays.append(rng.integers(0, min(limits, default=2), shape).astype(inp.dtype))
        else:
            arrays.append(rng.normal(size=shape).astype(inp.dtype))
    return arrays


def _keras_outputs(kmodel: keras.Model, arrays: list[np.ndarray]) -> list[np.ndarray]:
    out = kmodel(arrays if len(arrays) > 1 else arrays[0], training=False)
    return [np.asarray(o) for o in (out if isinstance(out, list | tuple) else [out])]


def _torch_outputs(module: torch.nn.Module, arrays: list[np.ndarray]) -> list[np.ndarray]:
    import torch

    with torch.no_grad():
        out = module(*[torch.from_numpy(a) for a in arrays])
    return [o.numpy() for o in (out if isinstance(out, tuple) else (out,))]


def _torch_outputs_nchw(module: torch.nn.Module, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Outputs, in the spec's layout, of a module taking and returning images NCHW."""
    nchw = [np.ascontiguousarray(np.moveaxis(a, -1, 1)) if a.ndim >= 4 else a for a in arrays]
    return [np.moveaxis(o, 1, -1) if o.ndim >= 4 else o for o in _torch_outputs(module, nchw)]


def _torch_count(module: torch.nn.Module) -> int:
    """Trainable parameters plus running statistics: what Keras' count_params() counts."""
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    stats = sum(b.numel() for n, b in module.named_buffers() if "num_batches" not in n)
    return trainable + stats


def compare(spec: Model, ref: list[np.ndarray], got: list[np.ndarray]) -> list[OutputCheck]:
    checks = []
    for name, a, b in zip(spec.outputs, ref, got):
        if a.shape != b.shape:
            raise ConversionError(f"output {name!r}: shapes differ, {a.shape} vs {b.shape}")
        finite = bool(np.isfinite(a).all() and np.isfinite(b).all())
        a, b = np.nan_to_num(a.astype(np.float64)), np.nan_to_num(b.astype(np.float64))
        diff = np.abs(a - b)
        scale = float(np.abs(a).max()) if a.size else 0.0
        worst = float(diff.max()) if a.size else 0.0
        rel = worst / scale if scale else worst
        checks.append(OutputCheck(name, worst, rel, TOLERANCE * max(1.0, scale), not finite))
    return checks


def convert(
    src: str | os.PathLike[str] | None,
    outdir: str | os.PathLike[str],
    *,
    to: str = "torch",
    check: bool = True,
    progress: Progress | None = None,
    torch_source: UserTorchModule | None = None,
    force: bool = False,
    report: bool = False,
    channels_first: bool = False,
) -> ConvertResult:
    """Convert ``src`` into ``outdir``; ``torch_source`` describes a ``model.py:Class`` source;
    ``channels_first``: the PyTorch module takes and returns NCHW images.

    Files appear in ``outdir`` only when everything succeeded, the parity check included
    (``result.written`` is False otherwise, and nothing is left behind). Existing files are
    kept unless ``force``; the source itself is never overwritten.
    """
    outdir = Path(outdir)
    progress = progress or Progress(False)
    if to not in TARGETS:
        raise ConversionError(f"--to must be one of {', '.join(TARGETS)}, got {to!r}")
    if outdir.exists() and not outdir.is_dir():
        raise ConversionError("the output is an existing file, not a folder", file=str(outdir))
    reference: Built | None
    if torch_source is not None:
        sources = [Path(torch_source.target.rsplit(":", 1)[0])]
        sources += [torch_source.weights] if torch_source.weights else []
        spec, reference = read_torch_source(torch_source, progress)
    else:
        if src is None:
            raise ConversionError("convert needs a source file (or a torch_source)")
        sources = [Path(src)]
        spec, reference = read_source(Path(src), progress)
        if spec.weights and spec.source_file:
            sources.append(Path(spec.source_file).parent / spec.weights)
    check_fits(spec, what="convert it")
    if check and to != "spec":
        check_inputs_fit(spec)
    read = spec.metadata.get("read_from", "")
    name = file_stem(spec.name)  # never torch.py next to the real torch
    refuse_overwrite([outdir / f for f in planned_files(name, to)], sources, force)
    result = ConvertResult()
    with staging_folder(outdir) as staging:
        layout = {"channels_first": True} if channels_first else {}
        built = _write_target(spec, name, to, staging, progress, result, **layout)
        targets = [outdir / p.name for p in sorted(staging.iterdir())]
        refuse_overwrite(targets, sources, force)
        if check and to != "spec":
            _check(spec, reference, built, to, progress, result, **layout)
            if read and not read.startswith("Keras 3"):
                result.reference = (
                    f"Keras 3 model rebuilt from the config and weights of the {read}"
                )
            elif read:
                result.reference = read
            if report or not result.ok:
                from nnspec.report import build_report

                with progress.stage("comparing every node"):
                    arrays = sample_inputs(spec)
                    result.node_report = build_report(spec, [reference, built], arrays, **layout)
            if not result.ok:
                return result  # nothing is written: the staging folder goes
        publish(staging, outdir, force)
        result.files = targets
        result.written = True
    return result


def planned_files(name: str, to: str) -> list[str]:
    """The files a conversion may write (those of a model without weights are fewer)."""
    spec_files = [f"{name}.yaml", f"{name}.spec.safetensors"]
    if to == "torch":
        return [*spec_files, f"{name}.py", f"{name}.safetensors", f"{name}_train.py"]
    if to == "keras":
        return [*spec_files, f"{name}_keras.py", f"{name}.keras"]
    return [f"{name}.yaml", f"{name}.safetensors"]


def _write_target(
    spec: Model,
    name: str,
    to: str,
    staging: Path,
    progress: Progress,
    result: ConvertResult,
    channels_first: bool = False,
) -> Built | None:
    """Write the target files into ``staging``; returns the built model, if any."""
    spec_copy = spec.model_copy(deep=True)
    spec_copy.params = spec.params
    spec_copy.weights = None
    if to == "spec":
        with progress.stage("writing the spec"):
            save(spec_copy, staging / f"{name}.yaml")
        return None
    weights_file = f"{name}.spec.safetensors"
    spec_copy.weights = weights_file if spec.params else None
    with progress.stage("writing the spec"):
        if spec.params:
            save_weights(spec.params, staging / weights_file)
        save(spec_copy, staging / f"{name}.yaml", weights=False)
    if to == "torch":
        from nnspec.backends.torch.build import instantiate
        from nnspec.backends.torch.codegen import generate

        with progress.stage(f"generating PyTorch source ({len(spec.nodes)} nodes)"):
            src = generate(spec, channels_first=channels_first)
            (staging / f"{name}.py").write_text(src.source, encoding="utf-8")
            save_weights(src.state_dict, staging / f"{name}.safetensors")
        with progress.stage("building the module"):
            module = instantiate(src)
        if spec.training is not None:  # <name>_train.py: the training loop
            from nnspec.backends.torch.training.script import training_script

            script = training_script(spec, name, src.class_name, module, channels_first)
            (staging / f"{name}_train.py").write_text(script, encoding="utf-8")
        return module
    from nnspec.backends.keras.build import instantiate as keras_instantiate
    from nnspec.backends.keras.codegen import generate as keras_generate

    with progress.stage(f"generating Keras source ({len(spec.nodes)} nodes)"):
        ksrc = keras_generate(spec)
        (staging / f"{name}_keras.py").write_text(ksrc.source, encoding="utf-8")
    with progress.stage("building and saving the Keras model"):
        kmodel = keras_instantiate(ksrc)
        kmodel.save(staging / f"{name}.keras")
    return kmodel


# The parity check runs on two different random inputs (seeds): a conversion that agrees on
# one input only (an op that ignores its input, a constant folded from the example) fails.
PARITY_SEEDS = (0, 1)


def _check(
    spec: Model,
    reference: Built | None,
    built: Built,
    to: str,
    progress: Progress,
    result: ConvertResult,
    channels_first: bool = False,
) -> None:
    """Run the converted model and a reference on the same inputs, for each of two inputs;
    each output keeps its worst error."""
    with progress.stage("checking parity on two random inputs"):
        source = "" if reference is None else " (source)"
        if reference is None:
            if to == "torch":
                from nnspec.backends.keras import build_model

                reference = build_model(spec)
            else:
                from nnspec.backends.torch import build_module

                reference = build_module(spec)
        runs = [
            _outputs(reference, built, to, sample_inputs(spec, seed=s), channels_first)
            for s in PARITY_SEEDS
        ]
        checks = [compare(spec, ref, got) for ref, got in runs]
        result.checks = [max(pair, key=lambda c: c.max_abs / c.bound) for pair in zip(*checks)]
        result.params = _counts(reference, built, to, source)
        result.problems = non_finite_weights(spec)


def _outputs(
    reference: Built,
    built: Built,
    to: str,
    arrays: list[np.ndarray],
    channels_first: bool = False,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    run_ref: Outputs = _torch_outputs if _is_torch(reference) else _keras_outputs
    run_got: Outputs = _torch_outputs if to == "torch" else _keras_outputs
    if channels_first and to == "torch":
        run_got = _torch_outputs_nchw
    return run_ref(reference, arrays), run_got(built, arrays)


def _counts(reference: Built, built: Built, to: str, source: str) -> dict[str, int]:
    """Parameter counts of the reference and the converted model, by framework."""
    if _is_torch(reference):
        counts = {f"torch{source}": _torch_count(reference)}
    else:
        counts = {f"keras{source if to != 'torch' else ''}": _keras_count(reference)}
    if to == "torch":
        counts["torch"] = _torch_count(built)
    else:
        counts["keras"] = _keras_count(built)
    return counts


def _keras_count(kmodel: keras.Model) -> int:
    return int(kmodel.count_params())


def non_finite_weights(spec: Model) -> list[str]:
    """``weight 'dense/kernel' holds 2 NaN values`` for each weight that is not finite."""
    from nnspec.spec.validate import non_finite

    return [
        f"weight {key!r} holds {bad}"
        for key, arr in spec.params.items()
        if (bad := non_finite(np.asarray(arr))) is not None
    ]


def check_inputs_fit(spec: Model, batch: int = 2) -> None:
    """The parity check's random inputs must fit in memory (a spec may declare any size)."""
    from nnspec.spec.budget import ITEMSIZE, available_memory

    total = 0
    for inp in spec.inputs.values():
        count = 1
        for i, d in enumerate(inp.shape):
            count *= d if isinstance(d, int) else (batch if i == 0 else 8)
        total += count * ITEMSIZE.get(inp.dtype, 4)
    available = available_memory()
    if available is not None and 4 * total > available:  # inputs, outputs and a copy or two
        raise ConversionError(
            f"the parity check's random inputs need {format_bytes(total)}, too much for the "
            f"{format_bytes(available)} of memory available",
            file=spec.source_file,
            hint="use --no-check, or declare smaller fixed input sizes",
        )


def _is_torch(model: object) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(model, torch.nn.Module)


def format_report(result: ConvertResult) -> str:
    """What was written (or why nothing was) and the parity table; safe for a terminal."""
    if result.written:
        lines = ["wrote " + ", ".join(printable(str(f)) for f in result.files)]
    else:
        lines = [NOTHING_WRITTEN]
    lines += [f"parity check fails: {printable(p)}" for p in result.problems]
    if result.reference:
        lines.append(f"reference: {printable(result.reference)}")
    if result.checks:
        lines.append(f"{'output':<24} {'max abs err':>12} {'max rel err':>12}  status")
        for c in result.checks:
            status = "ok" if c.ok else "NaN/Inf" if c.non_finite else "MISMATCH"
            lines.append(f"{printable(c.name):<24} {c.max_abs:>12.3g} {c.max_rel:>12.3g}  {status}")
        lines.append(
            "parameters: "
            + ", ".join(f"{k} {v:,}" for k, v in result.params.items())
            + ("" if result.counts_agree else "  (differ)")
        )
    if result.node_report is not None:
        from nnspec.report import format_node_report

        lines += ["per-node errors (Keras vs PyTorch):", format_node_report(result.node_report)]
    return "\n".join(lines)


__all__ = ["ConvertResult", "Progress", "SpecError", "convert", "format_report"]
