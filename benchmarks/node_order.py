"""How much of what a NAS-Bench-101 model misses is the node order, and a training run with another order.

    python benchmarks/node_order.py ambiguity                             # the shipped model, 10,000 test cells
    python benchmarks/node_order.py ambiguity --model "parents first=runs/nb101-parents" --parents-first
    python benchmarks/node_order.py train --out runs/nb101-parents         # `svge train --space nb101`, cells renumbered

A NAS-Bench-101 cell is stored with its nodes in one topological order, and the decoder must rebuild that order
exactly; most cells have other topological orders too. Teacher forcing each test cell in its stored order gives the
probability the decoder puts on every decision it makes (the type of node t; each edge u -> t); one minus it is what
the decision contributes to the misses. A decision is *order-ambiguous* when another topological order of the same
cell agrees with the stored one on nodes 0..t-1 and decides differently at t: a decoder that hesitates there may be
unsure of the cell, or only of which of two possible orders the data uses. The rows give, for type and edge decisions
apart, the share of decisions that are order-ambiguous and the share of the missed probability they carry.
A model is a shipped name or a run directory, given as LABEL=MODEL. Rows of the same label are replaced, others kept.

`train` runs the fast recipe on the same cells, split the same way, each renumbered *parents first* (`parents_first`):
node after node, the next one is the unplaced node whose parents have the smallest positions (then the smallest type),
a rule a decoder that adds one node at a time can check against what it has built. The enumeration's order instead
keeps the first of a cell's orders in its listing, which depends on edges still to come. `ambiguity --parents-first`
renumbers the test cells the same way for a model trained so. Nothing here is a test.
"""
from __future__ import annotations
import argparse, itertools, time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from svge.fast_decoder import PackedSteps
from svge.fast_encoder import incoming_adjacency, two_sided_layers
from svge.files import atomic_write
from svge.graphs import ArchGraph, DenseGraphs
from svge.pretrained import model_data, pretrained

OUT = Path(__file__).resolve().parent.parent / 'results' / 'order_ambiguity.csv'


def parents_first(g: ArchGraph) -> ArchGraph:
    """`g` renumbered node by node: next comes the unplaced node (its parents all placed; the output last) whose sorted parent
    positions, then type, are smallest; where several tie, the one whose whole sequence of such keys, then edge list
    read from the last pair back, is smallest. The same cell in any numbering gives the same result."""
    n, parents = g.num_nodes, [[] for _ in range(g.num_nodes)]
    for i, j in g.edges: parents[j].append(i)
    best = None
    def extend(order, position, keys):
        nonlocal best
        if len(order) == n:
            late_first = sorted(((position[j], position[i]) for i, j in g.edges), reverse=True)
            if best is None or (keys, late_first) < best[:2]: best = (keys, late_first, order)
            return
        left = [v for v in range(n) if v not in position]
        ready = [v for v in left if all(p in position for p in parents[v]) and (v != n - 1 or len(left) == 1)]
        scored = [((tuple(sorted(position[p] for p in parents[v])), g.types[v]), v) for v in ready]
        lowest = min(key for key, _ in scored)
        for key, v in scored:
            if key == lowest: extend(order + [v], {**position, v: len(order)}, keys + [key])
    extend([0], {0: 0}, [])
    order = best[2]
    position = {v: k for k, v in enumerate(order)}
    return ArchGraph([g.types[v] for v in order], [(position[i], position[j]) for i, j in g.edges])


@torch.no_grad()
def decision_probabilities(model, graphs: DenseGraphs) -> tuple[torch.Tensor, torch.Tensor]:
    """The probability the forward pass puts on each decision of teacher forcing `graphs` from their mu: node types
    (B, N) and edges u -> t (B, N, N); NaN where there is no decision (node 0, the given edge 0 -> 1, padding)."""
    model.eval()
    mu, _ = model.encode(graphs)
    types, adj, lengths = graphs.types.clamp(min=0), graphs.adj.to(mu.dtype), graphs.num_nodes
    steps, incoming = PackedSteps(model.generator, mu), incoming_adjacency(adj)
    B, N = types.shape
    type_p, edge_p = torch.full((B, N), float('nan')), torch.full((B, N, N), float('nan'))
    h2 = steps.start(types[:, 0])
    for t in range(1, int(lengths.max())):
        if t >= 2: h2 = two_sided_layers(steps.gnn, h2, incoming[:, :, :t, :t])
        h_graph, h_init, from_u = steps.summaries(h2)
        live = t < lengths
        probs = torch.softmax(steps.type_logits(h_graph).float(), -1)
        type_p[live, t] = probs[live, types[live, t]]
        new_state = steps.new_state(types[:, t], h_init)
        if t >= 2:
            p_edge = torch.sigmoid(steps.edge_logits(from_u, new_state, h_graph).float())
            edge_p[live, :t, t] = torch.where(adj[:, :t, t] > 0, p_edge, 1 - p_edge)[live]
        h2 = torch.cat([h2, steps.halves(new_state)], 2)
    return type_p, edge_p


def topological_orders(types: np.ndarray, adj: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    "(types, adj) of the cell in each of its topological orders (input first, output last; the stored one among them)."
    n, out = len(types), []
    for middle in itertools.permutations(range(1, n - 1)):
        order = [0, *middle, n - 1]
        moved = adj[np.ix_(order, order)]
        if not np.tril(moved).any(): out.append((types[order], moved))
    return out


def order_ambiguous(graphs: DenseGraphs) -> tuple[torch.Tensor, torch.Tensor]:
    "(B, N) and (B, N, N) masks: the type of node t, the edge u -> t, decided otherwise by another order with the same prefix."
    B, N = graphs.types.shape
    type_amb, edge_amb = torch.zeros(B, N, dtype=torch.bool), torch.zeros(B, N, N, dtype=torch.bool)
    for b in range(B):
        n = int(graphs.num_nodes[b])
        types, adj = graphs.types[b, :n].numpy(), graphs.adj[b, :n, :n].numpy().astype(np.int8)
        orders = topological_orders(types, adj)
        for t in range(1, n):
            same_prefix = [(ty, a) for ty, a in orders if (ty[:t] == types[:t]).all() and (a[:t, :t] == adj[:t, :t]).all()]
            type_amb[b, t] = any(ty[t] != types[t] for ty, _ in same_prefix)
            for ty, a in same_prefix: edge_amb[b, :t, t] |= torch.from_numpy(a[:t, t] != adj[:t, t])
    return type_amb, edge_amb


def measure(label: str, model, cells: int, renumber: bool = False, chunk: int = 2048) -> dict:
    _, _, test = model_data(model)
    chosen = test.graphs[:cells]
    renumbered = [parents_first(g) for g in chosen] if renumber else chosen
    graphs = DenseGraphs.from_graphs(renumbered, test.space.max_nodes)
    start = time.perf_counter()
    row = dict(space=test.space.name, model=label, order='parents first' if renumber else 'enumeration', cells=len(graphs),
               renumbered=sum(a != b for a, b in zip(chosen, renumbered)) / len(chosen))
    sums = dict.fromkeys(['type_decisions', 'type_ambiguous', 'type_missed', 'type_missed_ambiguous',
                          'edge_decisions', 'edge_ambiguous', 'edge_missed', 'edge_missed_ambiguous'], 0.0)
    for begin in range(0, len(graphs), chunk):
        part = graphs[torch.arange(begin, min(begin + chunk, len(graphs)))]
        type_p, edge_p = decision_probabilities(model, part)
        type_amb, edge_amb = order_ambiguous(part)
        for kind, p, amb in (('type', type_p, type_amb), ('edge', edge_p, edge_amb)):
            decided = ~torch.isnan(p)
            missed = torch.where(decided, 1 - p, torch.zeros_like(p))
            sums[f'{kind}_decisions'] += int(decided.sum()); sums[f'{kind}_ambiguous'] += int((amb & decided).sum())
            sums[f'{kind}_missed'] += float(missed.sum()); sums[f'{kind}_missed_ambiguous'] += float(missed[amb].sum())
    for kind in ('type', 'edge'):
        row[f'{kind}_decisions'] = int(sums[f'{kind}_decisions'])
        row[f'{kind}_ambiguous_share'] = sums[f'{kind}_ambiguous'] / sums[f'{kind}_decisions']
        row[f'{kind}_missed_per_cell'] = sums[f'{kind}_missed'] / len(graphs)
        row[f'{kind}_missed_on_ambiguous'] = sums[f'{kind}_missed_ambiguous'] / sums[f'{kind}_missed']
    row['seconds'] = round(time.perf_counter() - start, 1)
    return row


def train(out: str):
    "The fast recipe's `svge train --space nb101` with every cell renumbered `parents_first` as it is loaded."
    import svge.run
    from svge.data import ArchDataset
    load = svge.run.load_dataset
    def renumbered(space, data=None):
        dataset = load(space, data)
        return ArchDataset(dataset.space, [parents_first(g) for g in dataset.graphs], dataset.labels)
    svge.run.load_dataset = renumbered
    print(svge.run.train_and_evaluate(space='nb101', out=out))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='command', required=True)
    a = sub.add_parser('ambiguity', help='teacher-force test cells and write results/order_ambiguity.csv')
    a.add_argument('--model', action='append', default=None,
                   help='LABEL=MODEL: a shipped name (nb101) or a run directory (default: "shipped model=nb101")')
    a.add_argument('--cells', type=int, default=10_000, help='test cells to teacher-force (default: 10,000)')
    a.add_argument('--parents-first', action='store_true', help='renumber the test cells parents first (models trained by `train`)')
    t = sub.add_parser('train', help='train the fast recipe on cells renumbered parents first')
    t.add_argument('--out', default='runs/nb101-parents')
    args = p.parse_args(argv)
    if args.command == 'train': return train(args.out)
    rows = []
    for item in args.model or ['shipped model=nb101']:
        label, _, name = item.rpartition('=')
        row = measure(label or name, pretrained(name), args.cells, args.parents_first)
        print(f"{row['model']}: {row['cells']:,} cells; {row['type_ambiguous_share']:.0%} of type decisions are order-ambiguous "
              f"and carry {row['type_missed_on_ambiguous']:.0%} of their missed probability; edges {row['edge_ambiguous_share']:.0%} "
              f"and {row['edge_missed_on_ambiguous']:.0%} ({row['seconds']} s)")
        rows.append(row)
    table = pd.DataFrame(rows)
    if OUT.exists():
        kept = pd.read_csv(OUT)
        table = pd.concat([kept[~kept['model'].isin(table['model'])], table])
    with atomic_write(OUT) as f: f.write(table.to_csv(index=False).encode())
    print(f'wrote {OUT}')


if __name__ == '__main__':
    main()
