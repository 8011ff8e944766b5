"""Optimizer passes: structure of the rewritten graph, weights that move with their nodes,
inputs left untouched, and batch-norm folding checked numerically in numpy."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from spec_helpers import EXAMPLES, model_with_params

from nnspec.spec.io import load, loads
from nnspec.spec.passes import (
    DEFAULT_PASSES,
    PASSES,
    dead_nodes,
    fold_batch_norm,
    fuse_activation,
    identities,
    optimize,
    split_activation,
)


def spec(text: str):
    return loads(textwrap.dedent(text))


def ops(model) -> list[tuple[str, str]]:
    return [(n.name, n.op) for n in model.nodes]


def inputs_of(model) -> dict[str, list[str]]:
    return {n.name: list(n.inputs) for n in model.nodes}


def snapshot(model):
    """Everything a pass could change by mistake: the YAML and the weights."""
    return model.to_yaml(), {k: v.copy() for k, v in model.params.items()}


def assert_unchanged(model, before) -> None:
    text, params = before
    assert model.to_yaml() == text
    assert model.params.keys() == params.keys()
    for key, value in params.items():
        np.testing.assert_array_equal(model.params[key], value)


def assert_valid(model) -> None:
    report = model.validate_spec()
    assert report.ok, "\n".join(str(i) for i in report.errors)


# --- every pass -------------------------------------------------------------------------------

BN_MODEL = """
    nnspec: 1
    name: blocks
    inputs: {image: {shape: [batch, 8, 8, 3]}}
    nodes:
      - {op: conv2d, name: conv, filters: 4, kernel_size: 3, use_bias: false}
      - {op: batch_norm, name: bn}
      - {op: activation, name: relu, activation: relu}
      - {op: dropout, name: drop, rate: 0.5}
      - {op: flatten, name: flat}
      - {op: dense, name: logits, units: 3}
      - {op: activation, name: probs, activation: softmax}
      - {op: dense, name: unused, units: 2, inputs: [flat]}
    outputs: [probs]
"""

PASS_NAMES = list(PASSES)


@pytest.mark.parametrize("name", PASS_NAMES)
def test_pass_never_changes_its_input(name):
    model = model_with_params(BN_MODEL)
    before = snapshot(model)
    result = PASSES[name](model)
    assert result is not model
    assert result.params is not model.params
    assert_unchanged(model, before)


@pytest.mark.parametrize("name", PASS_NAMES)
def test_pass_keeps_the_model_valid(name):
    result = PASSES[name](model_with_params(BN_MODEL))
    assert_valid(result)
    assert result.outputs == ["probs"]
    assert list(result.inputs) == ["image"]


@pytest.mark.parametrize("name", PASS_NAMES)
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_pass_keeps_examples_valid(name, path):
    model = load(path)
    assert_valid(PASSES[name](model))


def test_default_pipeline_optimises_a_conv_block():
    model = model_with_params(BN_MODEL)
    result = optimize(model)
    # bn folded, relu fused, dropout gone, softmax fused (the dense takes the output's name).
    assert ops(result) == [("conv", "conv2d"), ("flat", "flatten"), ("probs", "dense")]
    conv = result.node("conv")
    assert (conv.activation, conv.use_bias) == ("relu", True)
    assert result.node("probs").activation == "softmax"
    assert inputs_of(result)["flat"] == ["conv"]
    assert sorted(result.params) == ["conv/bias", "conv/kernel", "probs/bias", "probs/kernel"]
    assert_valid(result)


def test_optimize_runs_named_passes_in_order():
    model = model_with_params(BN_MODEL)
    result = optimize(model, ["identities"])
    assert "drop" not in [n.name for n in result.nodes]
    assert "unused" in [n.name for n in result.nodes]


def test_optimize_rejects_unknown_pass():
    from nnspec.spec.errors import SpecError

    with pytest.raises(SpecError, match="unknown pass 'fold'"):
        optimize(model_with_params(BN_MODEL), ["fold"])


def test_default_order_leaves_split_out():
    assert "split_activation" in PASSES
    assert "split_activation" not in DEFAULT_PASSES


# --- dead_nodes -------------------------------------------------------------------------------


def test_dead_nodes_removes_branches_no_output_needs():
    model = model_with_params(BN_MODEL)
    result = dead_nodes(model)
    assert "unused" not in [n.name for n in result.nodes]
    assert not any(k.startswith("unused/") for k in result.params)
    assert len(result.nodes) == len(model.nodes) - 1


def test_dead_nodes_keeps_unused_model_inputs():
    model = spec("""
        inputs: {x: {shape: [batch, 4]}, spare: {shape: [batch, 2]}}
        nodes: [{op: dense, units: 2}]
    """)
    assert list(dead_nodes(model).inputs) == ["x", "spare"]


def test_dead_nodes_keeps_a_node_whose_weights_a_live_node_shares():
    model = model_with_params("""
        inputs: {a: {shape: [batch, 4]}, b: {shape: [batch, 4]}}
        nodes:
          - {op: dense, name: owner, units: 3, inputs: [a]}
          - {op: dense, name: user, units: 3, inputs: [b], shares: owner}
        outputs: [user]
    """)
    result = dead_nodes(model)
    assert [n.name for n in result.nodes] == ["owner", "user"]
    assert_valid(result)


# --- identities -------------------------------------------------------------------------------


def test_identities_removes_a_chain_and_reconnects_readers():
    model = spec("""
        inputs: {x: {shape: [batch, 4]}}
        nodes:
          - {op: dense, name: d1, units: 4}
          - {op: dropout, name: drop, rate: 0.1}
          - {op: gaussian_noise, name: noise, stddev: 0.1}
          - {op: dense, name: d2, units: 2}
          - {op: add, name: sum, inputs: [d2, d2]}
    """)
    result = identities(model)
    assert ops(result) == [("d1", "dense"), ("d2", "dense"), ("sum", "add")]
    assert inputs_of(result)["d2"] == ["d1"]


@pytest.mark.parametrize(
    "op",
    [
        "dropout",
        "spatial_dropout",
        "gaussian_dropout",
        "alpha_dropout",
        "gaussian_noise",
        "activity_regularization",
        "identity",
    ],
)
def test_identities_removes_every_inference_identity(op):
    attrs = {
        "gaussian_noise": "stddev: 0.1",
        "activity_regularization": "l1: 0.1",
        "identity": "",
    }.get(op, "rate: 0.2")
    model = spec(f"""
        inputs: {{x: {{shape: [batch, 5, 4]}}}}
        nodes:
          - {{op: dense, name: d1, units: 4}}
          - {{op: {op}, name: idt, {attrs}}}
          - {{op: dense, name: d2, units: 2}}
    """)
    assert ops(identities(model)) == [("d1", "dense"), ("d2", "dense")]


def test_identity_output_keeps_its_name_by_renaming_its_source():
    model = model_with_params("""
        inputs: {x: {shape: [batch, 4]}}
        nodes:
          - {op: dense, name: d1, units: 3}
          - {op: dropout, name: out, rate: 0.5}
        outputs: [out]
    """)
    result = identities(model)
    assert ops(result) == [("out", "dense")]
    assert result.outputs == ["out"]
    np.testing.assert_array_equal(result.params["out/kernel"], model.params["d1/kernel"])
    assert_valid(result)


def test_identity_output_reading_another_readers_source():
    model = spec("""
        inputs: {x: {shape: [batch, 4]}}
        nodes:
          - {op: dense, name: d1, units: 3}
          - {op: dropout, name: out, rate: 0.5}
          - {op: dense, name: d2, units: 2, inputs: [d1]}
        outputs: [out, d2]
    """)
    result = identities(model)
    assert ops(result) == [("out", "dense"), ("d2", "dense")]
    assert inputs_of(result)["d2"] == ["out"]
    assert_valid(result)


def test_identity_output_stays_when_its_source_cannot_take_the_name():
    model = spec("""
        inputs: {x: {shape: [batch, 4]}}
        nodes:
          - {op: dropout, name: passthrough, rate: 0.5}
          - {op: dense, name: d1, units: 3, inputs: [x]}
          - {op: dropout, name: copy, rate: 0.5}
        outputs: [passthrough, d1, copy]
    """)
    result = identities(model)
    assert ops(result) == ops(model)  # from a model input, and from a node that is an output
    assert result.outputs == model.outputs


# --- fuse_activation / split_activation -------------------------------------------------------


def test_fuse_activation_folds_into_dense():
    model = model_with_params("""
        inputs: {x: {shape: [batch, 4]}}
        nodes:
          - {op: dense, name: d1, units: 3}
          - {op: activation, name: act, activation: tanh}
          - {op: dense, name: d2, units: 2}
    """)
    result = fuse_activation(model)
    assert ops(result) == [("d1", "dense"), ("d2", "dense")]
    assert result.node("d1").activation == "tanh"
    assert inputs_of(result)["d2"] == ["d1"]
    assert sorted(result.params) == sorted(model.params)


@pytest.mark.parametrize("op", ["conv1d", "conv2d", "conv3d"])
def test_fuse_activation_folds_into_conv(op):
    rank = int(op[4])
    shape = ", ".join(["6"] * rank)
    model = spec(f"""
        inputs: {{x: {{shape: [batch, {shape}, 2]}}}}
        nodes:
          - {{op: {op}, name: conv, filters: 3, kernel_size: 3}}
          - {{op: relu, name: act}}
    """)
    result = fuse_activation(model)
    assert ops(result) == [("act", op)]  # the activation was the output: its name stays
    assert result.node("act").activation == "relu"


@pytest.mark.parametrize(
    "extra, why",
    [
        ("  - {op: dense, name: other, units: 1, inputs: [d1]}", "another reader"),
        ("", "d1 already has an activation"),
    ],
)
def test_fuse_activation_leaves_what_it_cannot_fuse(extra, why):
    activation = "relu" if "already" in why else "linear"
    model = spec(f"""
        inputs: {{x: {{shape: [batch, 4]}}}}
        nodes:
          - {{op: dense, name: d1, units: 3, activation: {activation}}}
          - {{op: activation, name: act, activation: sigmoid}}
        {extra}
        outputs: [act{", other" if extra else ""}]
    """)
    assert ops(fuse_activation(model)) == ops(model), why


def test_fuse_activation_leaves_activations_that_differ_from_the_named_one():
    model = spec("""
        inputs: {x: {shape: [batch, 4]}}
        nodes:
          - {op: dense, name: d1, units: 3}
          - {op: leaky_relu, name: act, negative_slope: 0.3}
    """)
    assert ops(fuse_activation(model)) == ops(model)


def test_fuse_activation_leaves_nodes_that_share_weights():
    model = spec("""
        inputs: {a: {shape: [batch, 4]}, b: {shape: [batch, 4]}}
        nodes:
          - {op: dense, name: owner, units: 3, inputs: [a]}
          - {op: activation, name: act, activation: relu}
          - {op: dense, name: user, units: 3, inputs: [b], shares: owner}
        outputs: [act, user]
    """)
    assert ops(fuse_activation(model)) == ops(model)


def test_split_activation_splits_and_reconnects():
    model = model_with_params("""
        inputs: {x: {shape: [batch, 4]}}
        nodes:
          - {op: dense, name: d1, units: 3, activation: relu}
          - {op: dense, name: d2, units: 2, activation: softmax}
        outputs: [d2]
    """)
    result = split_activation(model)
    assert ops(result) == [
        ("d1", "dense"),
        ("d1_relu", "activation"),
        ("d2_linear", "dense"),
        ("d2", "activation"),
    ]
    assert inputs_of(result) == {
        "d1": ["x"],
        "d1_relu": ["d1"],
        "d2_linear": ["d1_relu"],
        "d2": ["d2_linear"],
    }
    assert sorted(result.params) == ["d1/bias", "d1/kernel", "d2_linear/bias", "d2_linear/kernel"]
    assert all(n.activation == "linear" for n in result.nodes if n.op == "dense")
    assert_valid(result)


def test_split_then_fuse_gives_back_the_model():
    model = model_with_params(BN_MODEL)
    fused = fuse_activation(model)
    assert_unchanged(fuse_activation(split_activation(fused)), snapshot(fused))


def test_split_activation_keeps_shared_weights_consistent():
    model = model_with_params("""
        inputs: {a: {shape: [batch, 4]}, b: {shape: [batch, 4]}}
        nodes:
          - {op: dense, name: owner, units: 3, activation: relu, inputs: [a]}
          - {op: dense, name: user, units: 3, activation: relu, inputs: [b], shares: owner}
        outputs: [owner, user]
    """)
    result = split_activation(model)
    assert result.node("user_linear").shares == "owner_linear"
    assert_valid(result)


# --- fold_batch_norm --------------------------------------------------------------------------


def batch_norm(x, p, prefix, epsilon, center=True, scale=True):
    y = (x - p[f"{prefix}/moving_mean"]) / np.sqrt(p[f"{prefix}/moving_variance"] + epsilon)
    if scale:
        y = y * p[f"{prefix}/gamma"]
    return y + p[f"{prefix}/beta"] if center else y


def dense(x, p, prefix):
    y = x @ p[f"{prefix}/kernel"]
    return y + p[f"{prefix}/bias"] if f"{prefix}/bias" in p else y


def conv2d_valid(x, p, prefix):
    """NHWC input, (kh, kw, in, out) kernel, stride 1, no padding."""
    kernel = p[f"{prefix}/kernel"]
    kh, kw = kernel.shape[:2]
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))
    y = np.einsum("nhwcij,ijco->nhwo", windows, kernel)
    return y + p[f"{prefix}/bias"] if f"{prefix}/bias" in p else y


@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("center, scale", [(True, True), (False, True), (True, False)])
def test_fold_batch_norm_into_dense_gives_the_same_outputs(use_bias, center, scale):
    model = model_with_params(
        f"""
        inputs: {{x: {{shape: [batch, 6]}}}}
        nodes:
          - {{op: dense, name: fc, units: 5, use_bias: {str(use_bias).lower()}}}
          - {{op: batch_norm, name: bn, epsilon: 0.01, center: {str(center).lower()},
              scale: {str(scale).lower()}}}
          - {{op: dense, name: head, units: 2}}
    """,
        seed=3,
    )
    x = np.random.default_rng(7).normal(size=(4, 6)).astype(np.float32)
    p = model.params
    expected = dense(batch_norm(dense(x, p, "fc"), p, "bn", 0.01, center, scale), p, "head")

    result = fold_batch_norm(model)
    assert ops(result) == [("fc", "dense"), ("head", "dense")]
    assert result.node("fc").use_bias is True
    assert sorted(result.params) == ["fc/bias", "fc/kernel", "head/bias", "head/kernel"]
    assert result.params["fc/kernel"].dtype == np.float32
    got = dense(dense(x, result.params, "fc"), result.params, "head")
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert_valid(result)


def test_fold_batch_norm_into_conv2d_gives_the_same_outputs():
    model = model_with_params(
        """
        inputs: {x: {shape: [batch, 7, 6, 3]}}
        nodes:
          - {op: conv2d, name: conv, filters: 4, kernel_size: [3, 2]}
          - {op: batch_norm, name: bn}
        outputs: [bn]
    """,
        seed=5,
    )
    x = np.random.default_rng(1).normal(size=(2, 7, 6, 3)).astype(np.float32)
    expected = batch_norm(conv2d_valid(x, model.params, "conv"), model.params, "bn", 1e-3)

    result = fold_batch_norm(model)
    assert ops(result) == [("bn", "conv2d")]  # the output's name stays
    got = conv2d_valid(x, result.params, "bn")
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    assert_valid(result)


@pytest.mark.parametrize(
    "nodes, why",
    [
        (
            "[{op: dense, name: fc, units: 4, activation: relu}, {op: batch_norm, name: bn}]",
            "an activation sits between",
        ),
        (
            "[{op: dense, name: fc, units: 4}, {op: batch_norm, name: bn, axis: 1}]",
            "not the last axis",
        ),
        (
            "[{op: dense, name: fc, units: 4}, {op: batch_norm, name: bn},"
            + " {op: add, name: sum, inputs: [fc, bn]}]",
            "fc has another reader",
        ),
        ("[{op: flatten, name: fc}, {op: batch_norm, name: bn}]", "not a dense or conv"),
    ],
)
def test_fold_batch_norm_leaves_what_it_cannot_fold(nodes, why):
    model = model_with_params(f"""
        inputs: {{x: {{shape: [batch, 5, 4]}}}}
        nodes: {nodes}
    """)
    assert ops(fold_batch_norm(model)) == ops(model), why


def test_fold_batch_norm_skips_models_without_weights():
    model = spec("""
        inputs: {x: {shape: [batch, 4]}}
        nodes: [{op: dense, units: 3}, {op: batch_norm}]
    """)
    assert ops(fold_batch_norm(model)) == ops(model)
