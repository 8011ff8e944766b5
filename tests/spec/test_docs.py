"""The committed op reference is what the op classes generate, like schemas/."""

from __future__ import annotations

from nnspec.spec.gen_docs import DOCS_PATH, converters_by_class, main, render
from nnspec.spec.ops import catalog


def test_committed_op_reference_is_up_to_date():
    assert DOCS_PATH.read_text(encoding="utf-8") == render(), (
        "docs/ops.md is stale: run python -m nnspec.spec.gen_docs"
    )


def test_every_op_has_a_section_with_its_attributes():
    text = render()
    for tag, cls in catalog().items():
        section = text.split(f"## `{tag}`\n", 1)[1].split("\n## ", 1)[0]
        for attr in cls.model_fields:
            if attr not in ("name", "op", "inputs", "shares"):
                assert f"| `{attr}` |" in section, (tag, attr)


def test_converters_are_read_from_the_source():
    maps = converters_by_class()
    assert maps["Dense"]["PyTorch backend"] == ["yes"]
    assert maps["Dense"]["Keras backend"] == ["yes"]
    assert "Dense" in maps["Dense"]["from Keras"]
    assert "Linear" in maps["Dense"]["from PyTorch"]
    # A table-driven frontend maps each framework class to its own op only.
    assert maps["GlobalAvgPool2D"]["from Keras"] == ["GlobalAveragePooling2D"]


def test_check_mode_reports_a_stale_file(tmp_path, capsys):
    stale = tmp_path / "ops.md"
    stale.write_text("old\n", encoding="utf-8")
    assert main(["--check", "--output", str(stale)]) == 1
    assert main(["--output", str(stale)]) == 0
    assert main(["--check", "--output", str(stale)]) == 0


def test_op_properties_are_stated():
    text = render()
    dense = text.split("## `dense`\n", 1)[1].split("\n## ", 1)[0]
    dropout = text.split("## `dropout`\n", 1)[1].split("\n## ", 1)[0]
    assert "(`fuses_activation`)" in dense and "(`inference_identity`)" not in dense
    assert "(`inference_identity`)" in dropout
