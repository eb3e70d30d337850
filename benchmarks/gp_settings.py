"""The sparse GP's cost against its fit, on validation cells: inducing points, L-BFGS iterations, float64 or float32.

    python benchmarks/gp_settings.py runs/nb201                   # a trained NAS-Bench-201 run that held out validation cells
    python benchmarks/gp_settings.py runs/nb201 --threads 2 --json benchmarks/gp_settings.json

The GP is fitted on the run's training split (its latent means and the run's target) and scored on the run's
validation cells, never on its test split, so a setting chosen here does not peek at the test. Prints one line
per setting (seconds, RMSE, Pearson, Spearman) and writes them as JSON. Nothing here is a test.
"""
from __future__ import annotations
import argparse, json, time

import torch

from svge.data import atomic_write
from svge.evaluate import encode_all, gp_predictive
from svge.run import open_run

SETTINGS = [(torch.float64, 500, 25), (torch.float64, 500, 10), (torch.float64, 250, 25), (torch.float64, 250, 10),
            (torch.float64, 100, 25), (torch.float32, 500, 25), (torch.float32, 500, 10), (torch.float32, 250, 25),
            (torch.float32, 250, 10), (torch.float32, 100, 25)]   # (dtype, inducing points, L-BFGS iterations)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('run', help='a run directory written by svge train, with validation cells and a target')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--json', default='benchmarks/gp_settings.json')
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    run = open_run(args.run)
    target = run.settings['target']
    if target is None or run.val is None or len(run.val) == 0:
        p.error(f'{args.run} needs a target and held-out validation cells (svge train with the fast recipe holds out 500).')
    train_mu, val_mu = encode_all(run.model, run.train.dense()), encode_all(run.model, run.val.dense())
    rows = []
    for dtype, inducing, iterations in SETTINGS:
        start = time.perf_counter()
        scores = gp_predictive(train_mu, run.train.target(target), val_mu, run.val.target(target), inducing=inducing,
                               iterations=iterations, progress=False, dtype=dtype)
        rows.append(dict(dtype=str(dtype).removeprefix('torch.'), inducing=inducing, iterations=iterations,
                         seconds=round(time.perf_counter() - start, 2), **{k: round(v, 4) for k, v in scores.items()}))
        print(rows[-1], flush=True)
    with atomic_write(args.json) as f:
        f.write(json.dumps(dict(run=str(args.run), train=len(run.train), val=len(run.val), threads=args.threads,
                                cpu=torch.backends.cpu.get_cpu_capability(), rows=rows), indent=1).encode())

if __name__ == '__main__':
    main()
