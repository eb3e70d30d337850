"""The sparse GP's cost against its fit, on validation cells: inducing points, L-BFGS iterations, float64 or float32.

    python benchmarks/gp_settings.py runs/nb201 --threads 2       # a trained NAS-Bench-201 run that held out validation cells
    ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2 \
        python benchmarks/gp_settings.py runs/nb201 --threads 2    # as on a laptop without AVX-512

The GP is fitted on the run's training split (its latent means and the run's target) and scored on the run's
validation cells, never on its test split, so a setting chosen here does not peek at the test. One untimed fit
first, so that no setting pays for the first call. Prints one line per setting (seconds, RMSE, Pearson,
Spearman) and writes them as a CSV with the CPU's kernel level and the thread count. Nothing here is a test.
"""
from __future__ import annotations
import argparse, time

import pandas as pd

import torch

from svge.files import atomic_write
from svge.evaluate import encode_all, gp_predictive
from svge.run import open_run

SETTINGS = [(torch.float64, 500, 25), (torch.float64, 500, 10), (torch.float64, 250, 25), (torch.float64, 250, 10),
            (torch.float64, 100, 25), (torch.float32, 500, 25), (torch.float32, 500, 10), (torch.float32, 250, 25),
            (torch.float32, 250, 10), (torch.float32, 100, 25)]   # (dtype, inducing points, L-BFGS iterations)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('run', help='a run directory written by svge train, with validation cells and a target')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--csv', default='results/gp_settings.csv', help='where to write the table')
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    run = open_run(args.run)
    target = run.settings.get('target')
    if target is None or run.val is None or len(run.val) == 0:
        p.error(f'{args.run} needs a target and held-out validation cells (svge train with the fast recipe holds out 500).')
    train_mu, val_mu = encode_all(run.model, run.train.dense()), encode_all(run.model, run.val.dense())
    train_y, val_y = run.train.target(target), run.val.target(target)
    gp_predictive(train_mu[:200], train_y[:200], val_mu, val_y, inducing=20, iterations=2, progress=False)   # untimed first call
    rows, cpu = [], torch.backends.cpu.get_cpu_capability()
    for dtype, inducing, iterations in SETTINGS:
        start = time.perf_counter()
        scores = gp_predictive(train_mu, train_y, val_mu, val_y, inducing=inducing, iterations=iterations, progress=False,
                               dtype=dtype)
        rows.append(dict(run=str(args.run), train=len(run.train), val=len(run.val), cpu=cpu, threads=args.threads,
                         dtype=str(dtype).removeprefix('torch.'), inducing=inducing, iterations=iterations,
                         seconds=round(time.perf_counter() - start, 2), **{k: round(v, 4) for k, v in scores.items()}))
        print(rows[-1], flush=True)
    with atomic_write(args.csv) as f: f.write(pd.DataFrame(rows).to_csv(index=False).encode())

if __name__ == '__main__':
    main()
