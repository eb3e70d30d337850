"""Search benchmark: the time of one BO round and the whole closed-loop comparison on NAS-Bench-201.

    python benchmarks/search.py --run runs/nb201 --out results \
        --targets cifar10_200ep_test_acc:300,cifar100_200ep_test_acc:150,ImageNet16-120_200ep_test_acc:150
    python benchmarks/search.py --run runs/nb201 --rounds-only
    python benchmarks/search.py --run runs/nb201-w250 --methods ls,bananas,random,rea --keep-others --skip-rounds \
        --targets cifar10_200ep_test_acc:300,cifar100_200ep_test_acc:300,ImageNet16-120_200ep_test_acc:300
    python benchmarks/search.py --run runs/nb201 --out results/search_ablation --methods bo,bo_mutation,bo_mutation_onehot \
        --skip-rounds --targets cifar10_200ep_test_acc:100,cifar100_200ep_test_acc:100,ImageNet16-120_200ep_test_acc:100

First it times BO rounds in isolation (GP fit, decoding the candidate codes, acquisition) after 10 and after
100 evaluated cells, with 10 and with 50 points a round (50 is the papers' batch). Then it runs every method
(BO, predictor-guided, random search, REA, local search, BANANAS, and the two BO variants that score mutations
instead of decoded codes; `--methods` picks) for `--seeds` seeds and `--budget` queries for each target column,
and writes `search_runs.csv.gz` (one row per query, with the seconds since the run started), `search_summary.csv`
(mean ± std of the best value and of its rank at each budget), `search_optimum.csv` (how many seeds found the best
cell, after how many queries), `search_anytime.png` and `search_timing.json`
(the round times, and the seconds the 20-seed comparison took up to 150 queries). The numbers depend on the
machine; nothing here is a test.
"""
from __future__ import annotations
import argparse, gzip, json, platform, time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from svge.files import atomic_write
from svge.run import open_run
from svge.search import (BUDGETS, METHODS, LookupObjective, SearchTrace, SVGeCodec, _initial, bo_round, compare,
                         latent_bounds, plot_search_comparison, queries_to_optimum, summary_table)

def time_round(objective, codec, bounds, evaluated: int, batch: int, candidates: int = 1000, screen: int = 100,
               seed: int = 0) -> dict:
    "Seconds of each part of one BO round (`svge.search.bo_round`) after `evaluated` random cells."
    trace = SearchTrace('bo', seed, objective)
    _initial(trace, evaluated, np.random.default_rng(seed))
    seconds = {}
    bo_round(trace, codec, bounds, batch, candidates, screen, torch.Generator().manual_seed(seed), seconds)
    return dict(evaluated=evaluated, batch=batch, candidates=candidates,
                **{k: round(v, 3) for k, v in seconds.items()}, total=round(sum(seconds.values()), 3))

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--run', default='runs/nb201', help='a trained NAS-Bench-201 run directory (svge train)')
    p.add_argument('--table', default=None, help='the NAS-Bench-201 accuracy table (default: the one that ships with svge)')
    p.add_argument('--targets', default='cifar10_200ep_test_acc',
                   help='comma-separated columns to maximise, one comparison each; NAME:BUDGET overrides --budget for one')
    p.add_argument('--methods', default=','.join(METHODS))
    p.add_argument('--budget', type=int, default=300)
    p.add_argument('--seeds', type=int, default=20)
    p.add_argument('--out', default='results')
    p.add_argument('--rounds-only', action='store_true', help='time BO rounds only, no comparison')
    p.add_argument('--keep-others', action='store_true',
                   help="keep the other methods' rows of --out's search_runs.csv.gz (the same seeds, so the same first cells) and add these")
    p.add_argument('--skip-rounds', action='store_true', help='do not time BO rounds (keep those in search_timing.json)')
    args = p.parse_args()
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    run = open_run(args.run)
    codec = SVGeCodec(run.model, run.dataset.space)
    budgets = {t.split(':')[0]: int(t.split(':')[1]) if ':' in t else args.budget for t in args.targets.split(',')}
    targets = list(budgets)
    objectives = {t: LookupObjective.from_table(args.table, t) for t in targets}
    for objective in objectives.values(): objective.check_space(run.dataset.space)
    first = objectives[targets[0]]
    start = time.perf_counter()
    bounds = latent_bounds(codec, list(first.values))
    timing = dict(machine=platform.processor() or platform.machine(), threads=torch.get_num_threads(),
                  encode_space_seconds=round(time.perf_counter() - start, 2), rounds=[])
    if args.skip_rounds and (out / 'search_timing.json').exists():
        timing = json.loads((out / 'search_timing.json').read_text())
    else:
        for evaluated in (10, 100):
            for batch in (10, 50):
                timing['rounds'].append(time_round(first, codec, bounds, evaluated, batch))
                print(timing['rounds'][-1])
    if not args.rounds_only:
        frames = []
        for target in targets:
            runs = compare(objectives[target], codec, args.methods.split(','), budgets[target], range(args.seeds))
            frames.append(runs.assign(target=target))
        runs = pd.concat(frames, ignore_index=True)
        if args.keep_others and (out / 'search_runs.csv.gz').exists():
            earlier = pd.read_csv(out / 'search_runs.csv.gz')
            redone = earlier.set_index(['target', 'method']).index.isin(runs.set_index(['target', 'method']).index)
            runs = pd.concat([earlier[~redone], runs], ignore_index=True)
            targets = list(dict.fromkeys(runs['target']))
            budgets = {t: int(runs.loc[runs.target == t, 'query'].max()) for t in targets}
            objectives = {t: objectives.get(t) or LookupObjective.from_table(args.table, t) for t in targets}
        with atomic_write(out / 'search_runs.csv.gz') as f:     # first: whatever fails below, the searches are kept
            f.write(gzip.compress(runs.round(dict(value=4, best=4, seconds=2)).to_csv(index=False).encode(), mtime=0))
        summary = pd.concat([summary_table(r, [b for b in BUDGETS if b <= budgets[t]]).assign(target=t)
                             for t, r in runs.groupby('target', sort=False)])
        optimum = pd.concat([queries_to_optimum(r).assign(target=t) for t, r in runs.groupby('target', sort=False)])
        at150 = runs[runs['query'] == 150].groupby(['target', 'method']).seconds.sum()     # none where budgets stop short of 150
        timing['comparison_seconds_to_150_queries'] = {t: round(float(at150[t].sum()), 1) for t in targets if t in at150.index}
        timing['method_seconds_to_150_queries'] = {f'{t}/{m}': round(float(s), 1) for (t, m), s in at150.items()}
        with atomic_write(out / 'search_summary.csv') as f: f.write(summary.to_csv(index=False).encode())
        with atomic_write(out / 'search_optimum.csv') as f: f.write(optimum.to_csv(index=False).encode())
        plot_search_comparison(runs, {t: objectives[t].best for t in targets}, path=out / 'search_anytime.png')
        print(summary.round(3).to_string(index=False)); print(optimum.round(1).to_string(index=False))
    with atomic_write(out / 'search_timing.json') as f: f.write(json.dumps(timing, indent=1).encode())
    print(json.dumps({k: v for k, v in timing.items() if k != 'rounds'}, indent=1))

if __name__ == '__main__':
    main()
