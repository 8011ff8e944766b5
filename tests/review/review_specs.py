"""Specs shared by the review tests: a base, and a change of it by a rename, an attribute
change and an inserted node (a module of its own: `conftest` is a name several test folders
use)."""

from __future__ import annotations

from pathlib import Path

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.yaml"))

BASE = """\
nnspec: 1
name: net
inputs:
  image: {shape: [batch, 28, 28, 1], dtype: float32}
nodes:
  - {op: conv2d, name: conv1, filters: 32, kernel_size: 3, activation: relu}
  - {op: max_pool2d, name: pool1, pool_size: 2}
  - {op: conv2d, name: conv2, filters: 64, kernel_size: 3, activation: relu}
  - {op: max_pool2d, name: pool2, pool_size: 2}
  - {op: flatten, name: flatten}
  - {op: dense, name: probs, units: 10, activation: softmax}
outputs: [probs]
"""

# conv1 renamed stem (written differently, same meaning), conv2 64 -> 48 filters,
# a dense `hidden` inserted before probs.
CHANGED = """\
nnspec: 1
name: net
inputs:
  image: {shape: [batch, 28, 28, 1], dtype: float32}
nodes:
  - {op: conv2d, name: stem, filters: 32, kernel_size: [3, 3], activation: relu, padding: valid}
  - {op: max_pool2d, name: pool1, pool_size: 2}
  - {op: conv2d, name: conv2, filters: 48, kernel_size: 3, activation: relu}
  - {op: max_pool2d, name: pool2, pool_size: 2}
  - {op: flatten, name: flatten}
  - {op: dense, name: hidden, units: 64, activation: relu}
  - {op: dense, name: probs, units: 10, activation: softmax}
outputs: [probs]
"""
