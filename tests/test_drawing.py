"Every cell drawing reads as the cell it is: checked geometrically (svge.drawing.drawing_problems) on many cells."
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
import pytest

from svge.drawing import draw_graph, drawing_problems, plot_cells
from svge.extrapolation import nb101_candidates
from svge.graphs import EnasSpace, NB101Space, NB201Space

SPACES = {'enas6': EnasSpace(6), 'enas12': EnasSpace(12), 'nb101': NB101Space(), 'nb201': NB201Space()}


@pytest.mark.parametrize('name', SPACES)
def test_random_cells_draw_cleanly(name):
    "60 random cells of each space, alone and in grids of 3 columns with long titles: no problem found."
    space = SPACES[name]
    cells = space.sample(60, seed=7)
    for start in range(0, 60, 12):
        part = cells[start:start + 12]
        fig = plot_cells(part, space, [f'cell {start + k}: predicted accuracy 93.{k:02d} %' for k in range(len(part))], columns=3)
        assert drawing_problems(fig) == []
        plt.close(fig)
    for g in cells[:6]:
        ax = draw_graph(g, space)
        assert drawing_problems(ax.figure) == [], g
        plt.close(ax.figure)


def test_eight_node_nb101_candidates_draw_cleanly():
    "The 8-node NAS-Bench-101 cells of the extrapolation experiment, which break the benchmark's size limits."
    cells = [g for family in nb101_candidates(random_cells=24).values() for g in family[::16]]
    fig = plot_cells(cells, NB101Space(), [f'candidate {k}' for k in range(len(cells))], columns=4)
    assert drawing_problems(fig) == []
    plt.close(fig)


def test_the_check_fails_on_an_edge_through_a_node():
    "A straight edge drawn through the node between its ends is reported, naming the edge and the node."
    from matplotlib.patches import Circle, FancyArrowPatch
    fig, ax = plt.subplots(figsize=(4, 1.5))
    for x in (0, 1, 2): ax.add_patch(Circle((x, 0), 0.2))
    ax.add_patch(FancyArrowPatch((0.2, 0), (1.8, 0), arrowstyle='-|>', mutation_scale=8))
    ax.set(xlim=(-0.5, 2.5), ylim=(-0.6, 0.6), aspect='equal')
    assert 'panel 0: edge 0->2 passes over node 1' in drawing_problems(fig)
    plt.close(fig)
