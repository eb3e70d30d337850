"""The predictor comparison of nbs/19_baselines.ipynb at full size: every method of svge.baselines.PREDICTORS on the same
random labelled cells, ranking all other cells, on NAS-Bench-201 (CIFAR-10, CIFAR-100, ImageNet16-120) and ENAS.

    python benchmarks/predictors.py                                  # everything: 4 targets x 5 sizes x 5 seeds x 7 methods
    python benchmarks/predictors.py --targets cifar10 --sizes 50 100 --seeds 2 --methods onehot_rf path_mlp

Rows are appended to results/predictors_vs_baselines.csv as each (target, size, seed) finishes, so a stopped run
continues where it left off when started again (finished rows are skipped). Several runs may share the file (one per
core, with different --methods or --targets): each appends under a lock to what is on disk, never to a stale copy.
results/predictors_vs_baselines.png is drawn from the table at the end (Spearman rho against labels, one line per method, one panel per target). The SVGe
methods start from the shipped models (svge.pretrained). Nothing here is a test; fit times depend on the machine.
"""
from __future__ import annotations
import argparse, fcntl
from pathlib import Path

import pandas as pd

from svge.baselines import PREDICTION_TARGETS, PREDICTORS, compare_predictors
from svge.data import load_enas, load_nb201_csv, local_table
from svge.files import atomic_write
from svge.pretrained import machine_description, pretrained

TARGETS = {name: (space, column) for name, (space, column, _) in PREDICTION_TARGETS.items()}
OUT = Path('results/predictors_vs_baselines.csv')
TITLES = {name: 'ENAS (CIFAR-10 validation accuracy)' if space == 'enas' else f'NAS-Bench-201, {data}'
          for name, (space, _, data) in PREDICTION_TARGETS.items()}


def append_rows(rows: pd.DataFrame, path: Path = OUT) -> pd.DataFrame:
    "Add `rows` to the table on disk under an exclusive lock (another run may have added its own since); returns the table."
    with open(path.with_suffix('.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        table = pd.concat([pd.read_csv(path), rows], ignore_index=True) if path.exists() else rows
        with atomic_write(path) as f: f.write(table.to_csv(index=False).encode())
    return table


def plot(table: pd.DataFrame, path: Path):
    import matplotlib.pyplot as plt
    import seaborn as sns
    targets = list(dict.fromkeys(table.target))
    fig, axes = plt.subplots(1, len(targets), figsize=(4.2 * len(targets), 3.6), squeeze=False)
    shown = table.replace({'method': PREDICTORS})
    for ax, target in zip(axes[0], targets):
        sns.lineplot(shown[shown.target == target], x='labels', y='spearman', hue='method', marker='o', errorbar='sd', ax=ax,
                     hue_order=[PREDICTORS[m] for m in PREDICTORS if m in set(table.method)], legend=ax is axes[0][-1])   # only those measured
        ax.set(xscale='log', title=TITLES.get(target, target), xlabel='labelled cells', ylabel='Spearman ρ on all other cells')
        sizes = sorted(set(table.labels))
        ax.set_xticks(sizes, [f'{n:,}' for n in sizes]); ax.minorticks_off()
    seeds = table.groupby(['target', 'method', 'labels']).seed.nunique()
    over = f'{seeds.max()} seeds' if seeds.min() == seeds.max() else f'seeds ({seeds.min()} to {seeds.max()})'
    axes[0][-1].legend(title=f'mean ± std over {over}', fontsize=8, title_fontsize=8,
                       loc='upper left', bbox_to_anchor=(1.02, 1), frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120, bbox_inches='tight')


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--targets', nargs='+', default=list(TARGETS), choices=list(TARGETS))
    parser.add_argument('--sizes', nargs='+', type=int, default=[50, 100, 200, 500, 1000])
    parser.add_argument('--seeds', type=int, default=5)
    parser.add_argument('--first-seed', type=int, default=0, help='start at this seed (two runs, one per core, can split the seeds)')
    parser.add_argument('--methods', nargs='+', default=list(PREDICTORS), choices=list(PREDICTORS))
    parser.add_argument('--epochs', type=int, default=100, help='fine-tuning epochs of the SVGe and GNN methods (the paper: 100)')
    args = parser.parse_args()
    done = pd.read_csv(OUT) if OUT.exists() else pd.DataFrame(columns=['target', 'method', 'labels', 'seed'])
    for name in args.targets:
        space, column = TARGETS[name]
        data = load_nb201_csv(local_table('nb201')) if space == 'nb201' else load_enas(local_table('enas6'))
        model = pretrained(space)
        for size in args.sizes:
            for seed in range(args.first_seed, args.seeds):
                todo = [m for m in args.methods if not ((done.target == name) & (done.method == m) & (done.labels == size) & (done.seed == seed)).any()]
                if not todo: continue
                rows = compare_predictors(data, column, model, sizes=(size,), seeds=(seed,), methods=todo, epochs=args.epochs, progress=False)
                rows.insert(0, 'target', name)
                rows['machine'] = machine_description()
                done = append_rows(rows)
                print(rows[['target', 'method', 'labels', 'seed', 'spearman', 'fit_seconds']].round(3).to_string(index=False, header=False), flush=True)
    plot(done, OUT.with_suffix('.png'))
