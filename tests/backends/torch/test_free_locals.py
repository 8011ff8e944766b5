"""The generated forward frees each intermediate after its last use (backends/torch/free_locals.py):
a chain of layers holds a few activations at a time, as a hand-written module does."""

import weakref

import pytest

from nnspec.backends.torch.free_locals import free_dead_locals

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")


def test_del_after_last_read_not_of_arguments_outputs_or_comprehension_names():
    lines = [
        "a = f(x)",
        "b = g(a)",
        "c, _ = tuple(t + b for t in h(a))",
        "d = k(c)",
        "return d",
    ]
    assert free_dead_locals(lines, {"x"}) == [
        "a = f(x)",
        "b = g(a)",
        "c, _ = tuple(t + b for t in h(a))",
        "del a, b",
        "d = k(c)",
        "return d",
    ]


def test_a_chain_holds_a_few_activations_at_a_time():
    import nnspec

    layers = [keras.Input((16, 16, 3))]
    for _ in range(6):
        layers += [keras.layers.Conv2D(4, 3, padding="same"), keras.layers.ReLU()]
    module = nnspec.to_torch(nnspec.from_keras(keras.Sequential(layers))).eval()

    alive: list[weakref.ref] = []
    most = 0

    def hook(mod, args, out):
        nonlocal most
        alive.append(weakref.ref(out))
        most = max(most, sum(r() is not None for r in alive))

    for sub in module.modules():
        if isinstance(sub, torch.nn.Conv2d):
            sub.register_forward_hook(hook)
    with torch.no_grad():
        module(torch.randn(2, 16, 16, 3))
    assert len(alive) == 6
    assert most <= 2, f"{most} conv outputs alive at once: intermediates are not freed"


def test_rebinding_frees_without_del_and_a_value_dying_elsewhere_is_deleted():
    lines = [
        "x = f(image)",
        "x = g(x)",  # the old x dies here, rebound: no del
        "held = h(x)",  # x dies here, not rebound: del
        "x = k(held)",
        "x = held + x",  # held dies here: del; x rebound
        "y = m(x)",
        "return y",
    ]
    assert free_dead_locals(lines, {"image"}) == [
        "x = f(image)",
        "x = g(x)",
        "held = h(x)",
        "del x",
        "x = k(held)",
        "x = held + x",
        "del held",
        "y = m(x)",
        "return y",
    ]


def test_the_generator_s_own_lines_give_the_same_dels():
    """The generator tells ``free_dead_locals_mapped`` what its own lines read and bind (from
    the expressions it wrote; a converter's statements are parsed whole): the result is the
    one parsing every line gives."""
    import nnspec
    from nnspec.backends.torch import codegen
    from nnspec.backends.torch.codegen import read_names
    from nnspec.backends.torch.free_locals import free_dead_locals_mapped

    assert read_names("F.relu(self.conv(x), inplace=True)") == {"F", "self", "x"}
    assert read_names("torch.einsum('bij,x->y', a, b_1) * 1e-3 == c") == {"torch", "a", "b_1", "c"}
    seen = []

    def both(lines, keep, known=None):
        seen.append(known)
        parsed = free_dead_locals_mapped(lines, keep)
        assert free_dead_locals_mapped(lines, keep, known) == parsed
        return parsed

    golden = __import__("pathlib").Path(__file__).parents[2] / "golden" / "specs"
    original = codegen.free_dead_locals_mapped
    codegen.free_dead_locals_mapped = both
    try:
        for name in ("resnet_block", "masked_gru", "transformer_block", "multi_input"):
            codegen.generate(nnspec.load(golden / f"{name}.yaml", weights=False))
    finally:
        codegen.free_dead_locals_mapped = original
    assert len(seen) == 4 and all(seen)
