"""How much of what a NAS-Bench-101 model misses is the node order, and a training run with another order.

    python benchmarks/node_order.py ambiguity                             # the shipped model, 10,000 test cells
    python benchmarks/node_order.py ambiguity --model "parents first=runs/nb101-parents" --first parents
    python benchmarks/node_order.py train --out runs/nb101-parents         # `svge train --space nb101`, cells renumbered
    python benchmarks/node_order.py train --first types --epochs 4 --decodings 1 --prior-points 100 --out runs/p4-types
    python benchmarks/node_order.py train --first enumeration --set layers=3 --epochs 4 ... --out runs/p4-L3
    python benchmarks/node_order.py probes "types first=runs/p4-types" "3 layers=runs/p4-L3"   # results/nb101_probes.csv
    python benchmarks/node_order.py train --type-weight 1 --out runs/nb101-parents-tw1

A NAS-Bench-101 cell is stored with its nodes in one topological order, and the decoder must rebuild that order
exactly; most cells have other topological orders too. Teacher forcing each test cell in its stored order gives what
the decoder decides at every step: a distribution over the type of node t, then a probability for each edge u -> t.
The probability it does not put on the stored answer is what the decision contributes to the misses. A decision is
*order-ambiguous* when another topological order of the same cell agrees with the stored one on nodes 0..t-1 (and,
for an edge, on the type of node t, which teacher forcing gives first) and decides it otherwise. The rows give, for
type and edge decisions apart, the share of decisions that are order-ambiguous, the missed probability per cell, and
the share of it that the decoder puts on exactly what another order would choose there: hesitation between two
numberings of the same cell rather than about the cell. `several_orders`: the share of cells with more than one order.
A model is a shipped name or a run directory, given as LABEL=MODEL. Rows of the same label are replaced, others kept.

`train` runs the fast recipe on the same cells, split the same way, each renumbered *parents first* (`parents_first`):
node after node, the next one is the unplaced node whose parents have the smallest positions (then the smallest type).
Which node that is depends (ties aside) on the parents of nodes not built yet, not on any edge out of them, where the
enumeration's order keeps the first of a cell's orders in its listing, which depends on every edge. `--first types`
picks the next node by its type first, then by its parents. `ambiguity --first ...` renumbers the test cells the same way
for a model trained so. `--first enumeration` keeps the enumeration's order, and `--set KEY=VALUE` changes a model
setting of the recipe (layers, node_dim, ...): short probes of one change each, compared on the same short schedule, and
`probes` collects their validation curves and test numbers into one table. Nothing here is a test.
"""
from __future__ import annotations
import argparse, itertools, json, time
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from svge.files import atomic_write
from svge.graphs import ArchGraph, DenseGraphs
from svge.pretrained import model_data
from svge.run import read_metrics

from labelled_rows import labelled_models, replace_rows
from svge.pretrained import machine_description

OUT = Path(__file__).resolve().parent.parent / 'results' / 'order_ambiguity.csv'
PROBES = OUT.with_name('nb101_probes.csv')


def renumber(g: ArchGraph, first: str = 'parents') -> ArchGraph:
    """`g` renumbered node by node: next comes the unplaced node (its parents all placed; the output last) with the smallest
    key: its sorted parent positions, then its type (`first='parents'`), or its type, then its sorted parent positions
    (`first='types'`); where several tie, the one whose whole sequence of such keys, then edge list read from the last pair
    back, is smallest. The same cell in any numbering gives the same result."""
    if first not in ORDERS: raise ValueError(f'first must be one of {ORDERS}, got {first!r}.')
    n, parents = g.num_nodes, [[] for _ in range(g.num_nodes)]
    for i, j in g.edges: parents[j].append(i)
    assert n >= 2 and all(parents[v] for v in range(1, n)), 'a cell with the input first, the output last, every other node fed'
    best = None
    def key(v, position):
        placed = tuple(sorted(position[p] for p in parents[v]))
        return (placed, g.types[v]) if first == 'parents' else (g.types[v], placed)
    def extend(order, position, keys):
        nonlocal best
        if len(order) == n:
            late_first = sorted(((position[j], position[i]) for i, j in g.edges), reverse=True)
            if best is None or (keys, late_first) < best[:2]: best = (keys, late_first, order)
            return
        left = [v for v in range(n) if v not in position]
        ready = [v for v in left if all(p in position for p in parents[v]) and (v != n - 1 or len(left) == 1)]
        scored = [(key(v, position), v) for v in ready]
        lowest = min(k for k, _ in scored)
        for k, v in scored:
            if k == lowest: extend(order + [v], {**position, v: len(order)}, keys + [k])
    extend([0], {0: 0}, [])
    order = best[2]
    position = {v: k for k, v in enumerate(order)}
    return ArchGraph([g.types[v] for v in order], [(position[i], position[j]) for i, j in g.edges])


ORDERS = ('parents', 'types')

def parents_first(g: ArchGraph) -> ArchGraph:
    "`renumber(g, 'parents')`: next the node whose parents sit earliest, then the smallest type."
    return renumber(g, 'parents')


@torch.no_grad()
def decision_probabilities(model, graphs: DenseGraphs) -> tuple[torch.Tensor, torch.Tensor]:
    """What the forward pass decides when teacher-forcing `graphs` from their mu: the distribution over the type of node t
    (B, N, T) and the probability of the right answer for each edge u -> t, there or not (B, N, N); NaN where there is
    no decision (node 0, the given edge 0 -> 1, padding)."""
    model.eval()
    mu, _ = model.encode(graphs)
    forced = model.generator.forced_logits(graphs, mu)
    B, N = graphs.types.shape
    S = forced.type_logits.shape[1]
    type_probs = torch.full((B, N, model.config.num_types), float('nan'))
    type_probs[:, 1:S + 1] = torch.softmax(forced.type_logits.float(), -1).masked_fill(~forced.has_step[..., None], float('nan'))
    u, t = forced.source_node, forced.target_node
    p_edge = torch.sigmoid(forced.edge_logits.float())                          # (B, P)
    right = torch.where(graphs.adj[:, u, t] > 0, p_edge, 1 - p_edge).masked_fill(~forced.has_step[:, t - 1], float('nan'))
    edge_p = torch.full((B, N, N), float('nan'))
    edge_p[:, u, t] = right
    return type_probs, edge_p


def topological_orders(types: np.ndarray, adj: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    "(types, adj) of the cell in each of its topological orders (input first, output last; the stored one among them)."
    n, out = len(types), []
    for middle in itertools.permutations(range(1, n - 1)):
        order = [0, *middle, n - 1]
        moved = adj[np.ix_(order, order)]
        if not np.tril(moved).any(): out.append((types[order], moved))
    return out


def order_alternatives(graphs: DenseGraphs, num_types: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """What other topological orders of each cell would decide otherwise, given the same first t nodes: (B, N, T) the
    types another order puts at node t; (B, N, N) the edges u -> t another order with the same type at t sets otherwise
    (teacher forcing gives the type before the edges); (B,) whether the cell has more than one order."""
    B, N = graphs.types.shape
    type_alt, edge_alt = torch.zeros(B, N, num_types, dtype=torch.bool), torch.zeros(B, N, N, dtype=torch.bool)
    several = torch.zeros(B, dtype=torch.bool)
    for b in range(B):
        n = int(graphs.num_nodes[b])
        types, adj = graphs.types[b, :n].numpy(), graphs.adj[b, :n, :n].numpy().astype(np.int8)
        orders = topological_orders(types, adj)
        several[b] = len(orders) > 1
        for t in range(1, n):
            for ty, a in orders:
                if not ((ty[:t] == types[:t]).all() and (a[:t, :t] == adj[:t, :t]).all()): continue
                if ty[t] != types[t]: type_alt[b, t, ty[t]] = True
                else: edge_alt[b, :t, t] |= torch.from_numpy(a[:t, t] != adj[:t, t])
    return type_alt, edge_alt, several


def measure(label: str, model, cells: int, first: str | None = None, chunk: int = 2048) -> dict:
    """For `cells` test cells of `model` (renumbered `renumber(g, first)` if `first`): per kind of decision (types, edges) the
    share that another order would take otherwise, the missed probability per cell, and the share of it placed on the
    choice another order would make."""
    _, _, test = model_data(model)
    chosen = test.graphs[:cells]
    renumbered = [renumber(g, first) for g in chosen] if first else chosen
    graphs = DenseGraphs.from_graphs(renumbered, test.space.max_nodes)
    start = time.perf_counter()
    row = dict(space=test.space.name, model=label, order=f'{first} first' if first else 'enumeration', cells=len(graphs),
               renumbered=sum(a != b for a, b in zip(chosen, renumbered)) / len(chosen))
    sums = dict.fromkeys(['several', 'type_decisions', 'type_ambiguous', 'type_missed', 'type_missed_other_order',
                          'edge_decisions', 'edge_ambiguous', 'edge_missed', 'edge_missed_other_order'], 0.0)
    for begin in range(0, len(graphs), chunk):
        part = graphs[torch.arange(begin, min(begin + chunk, len(graphs)))]
        type_probs, edge_p = decision_probabilities(model, part)
        type_alt, edge_alt, several = order_alternatives(part, model.config.num_types)
        sums['several'] += int(several.sum())
        decided = ~type_probs[..., 0].isnan()                                     # (B, N)
        right = type_probs.gather(2, part.types.clamp(min=0)[..., None])[..., 0]
        sums['type_decisions'] += int(decided.sum()); sums['type_ambiguous'] += int(type_alt.any(2)[decided].sum())
        sums['type_missed'] += float((1 - right)[decided].sum())
        sums['type_missed_other_order'] += float(torch.nan_to_num(type_probs)[type_alt].sum())   # mass on another order's type
        decided = ~edge_p.isnan()
        sums['edge_decisions'] += int(decided.sum()); sums['edge_ambiguous'] += int((edge_alt & decided).sum())
        sums['edge_missed'] += float((1 - edge_p)[decided].sum())
        sums['edge_missed_other_order'] += float((1 - edge_p)[edge_alt].sum())   # an edge has two answers: the other is the miss
    row['several_orders'] = sums['several'] / len(graphs)
    for kind in ('type', 'edge'):
        row[f'{kind}_decisions'] = int(sums[f'{kind}_decisions'])
        row[f'{kind}_ambiguous_share'] = sums[f'{kind}_ambiguous'] / sums[f'{kind}_decisions']
        row[f'{kind}_missed_per_cell'] = sums[f'{kind}_missed'] / len(graphs)
        row[f'{kind}_missed_other_order'] = sums[f'{kind}_missed_other_order'] / sums[f'{kind}_missed']
    row['seconds'] = round(time.perf_counter() - start, 1)
    return row


def train(out: str, first: str = 'parents', model_settings: dict | None = None, **overrides):
    """The fast recipe's `svge train --space nb101` (settings in `overrides`: epochs, type_weight, ...; model settings of
    the recipe changed by `model_settings`, e.g. layers) with every cell renumbered `renumber(g, first)` as it is loaded
    (`first='enumeration'`: as enumerated); the split and everything else are the recipe's. The order and the changed
    settings are written to `out`/node_order.json for `probes`."""
    import svge.run, svge.train
    from svge.data import ArchDataset
    svge.train.FAST_MODELS['nb101'].update(model_settings or {})
    if first != 'enumeration':
        load = svge.run.load_dataset
        def renumbered(space, data=None):
            dataset = load(space, data)
            return ArchDataset(dataset.space, [renumber(g, first) for g in tqdm(dataset.graphs, desc=f'{first} first')], dataset.labels)
        svge.run.load_dataset = renumbered
    Path(out).mkdir(parents=True, exist_ok=True)
    with atomic_write(Path(out) / 'node_order.json') as f: f.write(json.dumps(dict(first=first, model_settings=model_settings or {})).encode())
    print(svge.run.train_and_evaluate(space='nb101', out=out, **{k: v for k, v in overrides.items() if v is not None}))


def probe_row(label: str, run: Path) -> dict:
    "One row of results/nb101_probes.csv: a run of `train`, its order and settings, validation per epoch, test at the end."
    config, results = json.loads((run / 'config.json').read_text()), json.loads((run / 'results.json').read_text())
    chosen = json.loads((run / 'node_order.json').read_text())
    history = read_metrics(run / 'metrics.jsonl')
    model = config['model']
    return dict(probe=label, order=chosen['first'], changed=' '.join(f'{k}={v}' for k, v in chosen['model_settings'].items()) or 'none',
                node_dim=model['node_dim'], layers=model['layers'], type_weight=model['type_weight'], epochs=len(history),
                train_minutes=round(history[-1]['train_seconds'] / 60, 1),
                val_forward_by_epoch=' '.join(f"{r['val_forward']:.4f}" for r in history),
                test_forward=results['reconstruction_forward'], test_union=results['reconstruction_union'],
                test_iso=results.get('reconstruction_iso'), test_decodings=results['decodings'],
                errors_types=results['errors_types'], errors_edges=results['errors_edges'],
                machine=machine_description())          # `probes` runs where the runs trained: their minutes are this machine's


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='command', required=True)
    a = sub.add_parser('ambiguity', help='teacher-force test cells and write results/order_ambiguity.csv')
    a.add_argument('--model', action='append', default=None,
                   help='LABEL=MODEL: a shipped name (nb101) or a run directory (default: "shipped model=nb101")')
    a.add_argument('--cells', type=int, default=10_000, help='test cells to teacher-force (default: 10,000)')
    a.add_argument('--first', choices=ORDERS, default=None, help='renumber the test cells parents or types first (models trained by `train`)')
    t = sub.add_parser('train', help='train the fast recipe on cells renumbered parents first (or types first, or as enumerated)')
    t.add_argument('--out', default='runs/nb101-parents')
    t.add_argument('--first', choices=('enumeration',) + ORDERS, default='parents',
                   help="the key that picks the next node first, or the enumeration's order (default: parents)")
    t.add_argument('--set', action='append', default=[], metavar='KEY=VALUE',
                   help="change a model setting of the recipe, e.g. --set layers=3 (the value is read as JSON)")
    t.add_argument('--type-weight', type=float, default=None, help="the node-type terms' weight (default: the recipe's)")
    t.add_argument('--epochs', type=int, default=None, help="training epochs, the schedule fitted to them (default: the recipe's)")
    t.add_argument('--decodings', type=int, default=None, help="decodings per test cell at the end (default: the recipe's 10)")
    t.add_argument('--prior-points', type=int, default=None, help="prior points at the end (default: the recipe's)")
    r = sub.add_parser('probes', help='write results/nb101_probes.csv from runs of `train`')
    r.add_argument('runs', nargs='+', metavar='LABEL=RUN', help='a label and the run directory of a `train` run')
    args = p.parse_args(argv)
    if args.command == 'train':
        settings = {k: json.loads(v) for k, _, v in (item.partition('=') for item in args.set)}
        return train(args.out, args.first, settings, type_weight=args.type_weight, epochs=args.epochs, decodings=args.decodings,
                     prior_points=args.prior_points)
    if args.command == 'probes':
        return replace_rows(PROBES, [probe_row(label, Path(run)) for label, _, run in (item.partition('=') for item in args.runs)], key='probe')
    rows = []
    for label, model in labelled_models(args.model or ['shipped model=nb101']):
        row = measure(label, model, args.cells, args.first)
        print(f"{row['model']}: {row['cells']:,} cells; {row['type_ambiguous_share']:.0%} of type decisions are order-ambiguous, "
              f"{row['type_missed_other_order']:.0%} of the missed type probability is on another order's type; edges "
              f"{row['edge_ambiguous_share']:.0%} and {row['edge_missed_other_order']:.0%} ({row['seconds']} s)")
        rows.append(row)
    replace_rows(OUT, rows)


if __name__ == '__main__':
    main()
