"""benchmarks/node_order.py on cells worked out by hand: the parents-first and types-first numberings of a cell and of all its
renumberings, which decisions another order of a cell would take otherwise, and per-decision probabilities that
multiply to the likelihood the training loss uses."""
import itertools
import sys
from pathlib import Path

import numpy as np
import torch

from svge.graphs import ArchGraph, DenseGraphs, NB101Space
from svge.vae import SVGe, SVGeConfig

sys.path.insert(0, str(Path(__file__).parents[1] / 'benchmarks'))
from node_order import decision_probabilities, order_alternatives, parents_first, renumber, topological_orders   # noqa: E402

IN, OUT, C1, C3, MP = 1, 0, 2, 3, 4                   # NAS-Bench-101's type ids: input, output, 1x1, 3x3, max-pool
# two branches leave node 2: a chain 3 -> 5 and a node 4 fed by the input as well; numbered chain first
CHAIN_FIRST = ArchGraph((IN, C3, C3, C3, C3, C3, OUT), ((0, 1), (1, 2), (2, 3), (2, 4), (0, 4), (3, 5), (5, 6), (4, 6)))


def test_parents_first_by_hand():
    # after 0, 1, 2 both branch nodes are ready; old node 4 has parents at (0, 2), old node 3 at (2,): 4 comes first
    expected = ArchGraph(CHAIN_FIRST.types, ((0, 1), (1, 2), (2, 3), (0, 3), (2, 4), (4, 5), (5, 6), (3, 6)))
    assert parents_first(CHAIN_FIRST) == expected
    assert parents_first(expected) == expected                                   # already in that order: unchanged


def test_parents_first_ignores_the_numbering():
    types, adj = np.array(CHAIN_FIRST.types), CHAIN_FIRST.adjacency()
    orders = topological_orders(types, adj)
    assert len(orders) == 3                       # the branch node 4 before, between or after the chain's two nodes
    assert {parents_first(ArchGraph.from_adjacency(t, a)) for t, a in orders} == {parents_first(CHAIN_FIRST)}
    assert all(NB101Space().hash(ArchGraph.from_adjacency(t, a)) == NB101Space().hash(CHAIN_FIRST) for t, a in orders)


def test_parents_first_breaks_ties_the_same_way():
    # two 3x3 nodes fed by the input alone tie on (parents, type); one feeds a max-pool, the other the output
    twins = ArchGraph((IN, C3, C3, MP, OUT), ((0, 1), (0, 2), (1, 3), (2, 4), (3, 4)))
    orders = topological_orders(np.array(twins.types), twins.adjacency())
    assert len(orders) == 3
    assert len({parents_first(ArchGraph.from_adjacency(t, a)) for t, a in orders}) == 1
    # the tie goes to the numbering whose later keys are smallest: the max-pool right after its parent, at (1,)
    assert parents_first(twins) == ArchGraph(twins.types, ((0, 1), (0, 2), (1, 3), (2, 4), (3, 4)))


def test_types_first_by_hand_and_whatever_the_numbering():
    # the input feeds a max-pool and a 3x3, the 3x3 a 1x1; both orders take the 3x3 first (parents tie; types: 3x3 < max-pool),
    # then types first takes the 1x1 (the smallest type ready), parents first the max-pool (fed at 0, the 1x1 at 1)
    cell = ArchGraph((IN, MP, C3, C1, OUT), ((0, 1), (0, 2), (2, 3), (1, 4), (3, 4)))
    assert renumber(cell, 'types') == ArchGraph((IN, C3, C1, MP, OUT), ((0, 1), (0, 3), (1, 2), (2, 4), (3, 4)))
    assert parents_first(cell) == ArchGraph((IN, C3, MP, C1, OUT), ((0, 1), (0, 2), (1, 3), (2, 4), (3, 4)))
    orders = topological_orders(np.array(cell.types), cell.adjacency())
    assert len(orders) == 3 and len({renumber(ArchGraph.from_adjacency(t, a), 'types') for t, a in orders}) == 1
    types, adj = np.array(CHAIN_FIRST.types), CHAIN_FIRST.adjacency()
    assert len({renumber(ArchGraph.from_adjacency(t, a), 'types') for t, a in topological_orders(types, adj)}) == 1


def test_order_alternatives():
    twins = ArchGraph((IN, C1, C3, OUT), ((0, 1), (0, 2), (1, 3), (2, 3)))      # two branches from input to output
    chain = ArchGraph((IN, C1, C3, OUT), ((0, 1), (1, 2), (2, 3)))              # one order only
    # two 1x1 nodes, one fed by the input, one by the 3x3: node 1 may be either 3x3 or 1x1; after the 3x3, node 2 is a 1x1
    # either way, and its parent is not
    same_type = ArchGraph((IN, C3, C1, C1, OUT), ((0, 1), (0, 2), (1, 3), (2, 4), (3, 4)))
    # node 2 could be the 3x3 or the max-pool; given the 3x3, its edges are fixed (the other order's differ, but not its type)
    given_type = ArchGraph((IN, C1, C3, MP, OUT), ((0, 1), (0, 2), (1, 2), (1, 3), (2, 4), (3, 4)))
    type_alt, edge_alt, several = order_alternatives(DenseGraphs.from_graphs([twins, chain, same_type, given_type], 7), 5)
    assert type_alt[0, 1].nonzero().flatten().tolist() == [C3] and not type_alt[0, 2:].any()   # which branch first; then fixed
    assert not edge_alt[0].any()                                     # both orders have the same edges
    assert not type_alt[1].any() and not edge_alt[1].any()
    assert type_alt[2, 1].nonzero().flatten().tolist() == [C1] and not type_alt[2, 2:].any()
    assert edge_alt[2, :, 2].tolist()[:2] == [True, True] and not edge_alt[2, :, 3:].any()
    assert type_alt[3, 2].nonzero().flatten().tolist() == [MP] and not edge_alt[3].any()
    assert several.tolist() == [True, False, True, True]


def test_decision_probabilities_multiply_to_the_likelihood():
    torch.manual_seed(0)
    model = SVGe(SVGeConfig.from_space('nb101', node_dim=16, latent_dim=8)).eval()
    cells = NB101Space().sample(6, seed=3) + [CHAIN_FIRST]
    graphs = DenseGraphs.from_graphs(cells, 7)
    type_probs, edge_p = decision_probabilities(model, graphs)
    decided = ~type_probs[..., 0].isnan()
    torch.testing.assert_close(type_probs[decided].sum(-1), torch.ones(int(decided.sum())))   # distributions
    type_p = type_probs.gather(2, graphs.types.clamp(min=0)[..., None])[..., 0]
    log_likelihood = torch.nansum(type_p.log(), 1) + torch.nansum(edge_p.log(), (1, 2))
    with torch.no_grad():
        mu, _ = model.encode(graphs)
        nll = model.generator.teacher_forcing(graphs, mu, 'sum', 1.0)      # the forward pass's -log p(G | mu)
    torch.testing.assert_close(-log_likelihood, nll, rtol=1e-4, atol=1e-4)
    counts = [int(decided[b].sum()) for b in range(len(cells))]
    assert counts == [c.num_nodes - 1 for c in cells]                        # one type decision per node after the first
