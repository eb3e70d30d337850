"""benchmarks/error_breakdown.py's two measures on cells worked out by hand: the depth of a chain, of a wide cell and of
a cell with a shortcut; a swap of two nodes' types that changes the architecture, one that does not, and misses that are
not swaps."""
import sys
from pathlib import Path

import torch

from svge.graphs import ArchGraph, DenseGraphs, NB101Space

sys.path.insert(0, str(Path(__file__).parents[1] / 'benchmarks'))
from error_breakdown import depths, swap_kinds       # noqa: E402

IN, OUT, C1, C3, MP = 1, 0, 2, 3, 4                   # NAS-Bench-101's type ids: input, output, 1x1, 3x3, max-pool


def test_depth_is_the_longest_input_output_path():
    chain = ArchGraph((IN, C1, C3, MP, OUT), ((0, 1), (1, 2), (2, 3), (3, 4)))
    wide = ArchGraph((IN, C1, C3, MP, OUT), ((0, 1), (0, 2), (0, 3), (1, 4), (2, 4), (3, 4)))
    shortcut = ArchGraph((IN, C1, C3, OUT), ((0, 1), (1, 2), (2, 3), (0, 3)))     # a direct edge does not shorten it
    assert depths(DenseGraphs.from_graphs([chain, wide, shortcut], 7)).tolist() == [4, 2, 3]


def test_swaps_are_told_from_other_misses():
    # two branches of different length: exchanging the 1x1 (short branch) and the 3x3 (long one) changes the cell
    cell = ArchGraph((IN, C1, C3, MP, OUT), ((0, 1), (0, 2), (2, 3), (1, 4), (3, 4)))
    swapped = ArchGraph((IN, C3, C1, MP, OUT), cell.edges)
    # two nodes in the same place (both from the input to the output): exchanging their types is the same architecture
    twin = ArchGraph((IN, C1, C3, OUT), ((0, 1), (0, 2), (1, 3), (2, 3)))
    twin_swapped = ArchGraph((IN, C3, C1, OUT), twin.edges)
    other = ArchGraph((IN, MP, C3, MP, OUT), cell.edges)                        # one type wrong, not a swap
    moved = ArchGraph(swapped.types, ((0, 1), (0, 2), (2, 3), (1, 4), (2, 4)))  # swapped types and an edge moved
    two_wrong = ArchGraph((IN, MP, MP, MP, OUT), cell.edges)                    # two types wrong, not exchanged
    expected = DenseGraphs.from_graphs([cell, twin, cell, cell, cell], 7)
    decoded = DenseGraphs.from_graphs([swapped, twin_swapped, other, moved, two_wrong], 7)
    swap, same = swap_kinds(decoded, expected, NB101Space())
    assert swap.tolist() == [True, True, False, False, False]
    assert same.tolist() == [False, True, False, False, False]
