"""benchmarks/node_order.py on cells worked out by hand: the parents-first numbering of a cell and of all its
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
from node_order import decision_probabilities, order_ambiguous, parents_first, topological_orders   # noqa: E402

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


def test_order_ambiguous_decisions():
    twins = ArchGraph((IN, C1, C3, OUT), ((0, 1), (0, 2), (1, 3), (2, 3)))      # two branches from input to output
    chain = ArchGraph((IN, C1, C3, OUT), ((0, 1), (1, 2), (2, 3)))              # one order only
    type_amb, edge_amb = order_ambiguous(DenseGraphs.from_graphs([twins, chain], 7))
    assert type_amb[0].tolist()[:4] == [False, True, False, False]   # which branch comes first; then the other is fixed
    assert not edge_amb[0].any()                                     # both orders have the same edges
    assert not type_amb[1].any() and not edge_amb[1].any()


def test_decision_probabilities_multiply_to_the_likelihood():
    torch.manual_seed(0)
    model = SVGe(SVGeConfig.from_space('nb101', node_dim=16, latent_dim=8)).eval()
    cells = NB101Space().sample(6, seed=3) + [CHAIN_FIRST]
    graphs = DenseGraphs.from_graphs(cells, 7)
    type_p, edge_p = decision_probabilities(model, graphs)
    assert ((type_p[:, 1:] > 0) | type_p[:, 1:].isnan()).all()
    log_likelihood = torch.nansum(type_p.log(), 1) + torch.nansum(edge_p.log(), (1, 2))
    with torch.no_grad():
        mu, _ = model.encode(graphs)
        nll = model.generator.teacher_forcing(graphs, mu, 'sum', 1.0)      # the forward pass's -log p(G | mu)
    torch.testing.assert_close(-log_likelihood, nll, rtol=1e-4, atol=1e-4)
    counts = [int((~type_p[b].isnan()).sum()) for b in range(len(cells))]
    assert counts == [c.num_nodes - 1 for c in cells]                        # one type decision per node after the first
