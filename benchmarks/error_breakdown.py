"""Where a trained model's reconstructions miss, and how: write results/error_breakdown.csv.

    python benchmarks/error_breakdown.py                                  # the shipped NAS-Bench-101 model, all its test cells
    python benchmarks/error_breakdown.py --model "node types weighted 3, 11 epochs=runs/nb101-tw3" --cells 5000

The test cells of each model (the split it was trained on, rebuilt from its card) are decoded as the paper's metric
decodes them (stochastic decodings of mu, the model's merge; 10 each by default) and every decoding that misses its
cell is sorted by the first thing that differs (`svge.evaluate.error_kinds`: size, a node type, or only an edge). The
rows split the decodings by the cell's depth, the edges on its longest path from input to output (of two cells with as
many nodes, the shallower has more operations beside that path, on parallel branches). Beside the counts: how many of the type misses
exchange the types of exactly two nodes and leave the rest of the cell right (`swaps`), and how many of those are
still the same architecture (`swaps_isomorphic`: the two nodes play the same part, so the exchange changes nothing).
A model is a shipped name or a run directory, given as LABEL=MODEL. Rows of the same label are replaced, others kept.
Nothing here is a test.
"""
from __future__ import annotations
import argparse, time
from pathlib import Path

import pandas as pd
import torch

from svge.evaluate import error_kinds
from svge.graphs import DenseGraphs
from svge.pretrained import model_data

from labelled_rows import labelled_models, replace_rows

OUT = Path(__file__).resolve().parent.parent / 'results' / 'error_breakdown.csv'
SHIPPED = 'shipped model'


def depths(graphs: DenseGraphs) -> torch.Tensor:
    "(B,) edges on the longest path from the first node to the last (node order is topological)."
    adj, count = graphs.adj.bool(), graphs.num_nodes
    longest = torch.full(adj.shape[:2], -1, dtype=torch.long)          # -1: not reached from the input
    longest[:, 0] = 0
    for j in range(1, adj.shape[1]):                                   # every cell at once, node by node
        reach = torch.where(adj[:, :j, j] & (longest[:, :j] >= 0), longest[:, :j] + 1, -1)
        longest[:, j] = reach.max(1).values
    return longest[torch.arange(len(count)), count - 1]


def swap_kinds(decoded: DenseGraphs, expected: DenseGraphs, space) -> tuple[torch.Tensor, torch.Tensor]:
    "(B,) masks: the decoding exchanges exactly two nodes' types and is otherwise right; and that, isomorphic to its cell."
    wrong = decoded.types != expected.types
    two = wrong.sum(1) == 2
    swapped = torch.zeros(len(wrong), dtype=torch.bool)
    for i in torch.nonzero(two & (decoded.adj == expected.adj).flatten(1).all(1)).flatten().tolist():
        a, b = torch.nonzero(wrong[i]).flatten().tolist()
        swapped[i] = bool(decoded.types[i, a] == expected.types[i, b] and decoded.types[i, b] == expected.types[i, a])
    same = torch.zeros_like(swapped)
    rows = torch.nonzero(swapped).flatten()
    if len(rows):                                                      # only the swaps become graphs (the costly part)
        cells, originals = decoded[rows].to_graphs(), expected[rows].to_graphs()
        same[rows] = torch.tensor([space.canonical(a) == space.canonical(b) for a, b in zip(cells, originals)])
    return swapped, same


def measure(label: str, model, cells: int | None, decodings: int, seed: int, chunk: int = 256) -> list[dict]:
    _, _, test = model_data(model)
    graphs = test.dense()
    if cells: graphs = graphs[torch.arange(min(cells, len(graphs)))]
    space, start = test.space, time.perf_counter()
    rng = torch.Generator().manual_seed(seed)
    parts = []
    with torch.no_grad():
        for begin in range(0, len(graphs), chunk):
            part = graphs[torch.arange(begin, min(begin + chunk, len(graphs)))]
            mu, _ = model.encode(part)
            decoded = model.decode(mu, samples=decodings, rng=rng)
            expected = part.repeat_each(decodings)
            kinds = error_kinds(decoded, expected)
            swapped, same = swap_kinds(decoded, expected, space)
            parts.append(pd.DataFrame(dict(depth=depths(part).repeat_interleave(decodings).numpy(),
                                           size=kinds['size'].numpy(), types=kinds['types'].numpy(), edges=kinds['edges'].numpy(),
                                           swaps=(kinds['types'] & swapped).numpy(), swaps_isomorphic=(kinds['types'] & same).numpy())))
    frame = pd.concat(parts)
    seconds = round(time.perf_counter() - start, 1)
    rows = []
    for depth, group in [*frame.groupby('depth'), ('all', frame)]:
        rows.append(dict(space=space.name, model=label, depth=depth, cells=len(group) // decodings, decodings=len(group),
                         missed_size=group['size'].mean(), missed_types=group['types'].mean(), missed_edges=group['edges'].mean(),
                         type_misses=int(group['types'].sum()), swaps=int(group['swaps'].sum()),
                         swaps_isomorphic=int(group['swaps_isomorphic'].sum()), seed=seed, seconds=seconds))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--model', action='append', default=None,
                   help=f'LABEL=MODEL: a shipped name (nb101, nb201, enas) or a run directory (default: "{SHIPPED}=nb101", the label 11_results reads)')
    p.add_argument('--cells', type=int, default=None, help='test cells to decode (default: all)')
    p.add_argument('--decodings', type=int, default=10, help='stochastic decodings per cell (the evaluation default: 10)')
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args(argv)
    rows = []
    for label, model in labelled_models(args.model or [f'{SHIPPED}=nb101']):
        found = measure(label, model, args.cells, args.decodings, args.seed)
        overall = found[-1]
        print(f"{label}: {overall['decodings']:,} decodings, types missed {overall['missed_types']:.2%}, edges "
              f"{overall['missed_edges']:.2%}; {overall['swaps']:,} of {overall['type_misses']:,} type misses swap two nodes "
              f"({overall['seconds']} s)")
        rows += found
    replace_rows(OUT, rows)

if __name__ == '__main__':
    main()
