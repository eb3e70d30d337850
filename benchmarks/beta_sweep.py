"""The KL weight β against reconstruction, KL and the predictor's ranking, on NAS-Bench-201 with the main job's earlier recipe.

    python benchmarks/beta_sweep.py --betas 0.001 0.005 0.02 --seeds 1 2 --csv results/nb201_beta.csv

For each β (the original code's KL weight per graph and batch; λ = β · 32 on the per-graph KL) and seed: train the
fast recipe as `svge train` ran it when the sweep was made (4 epochs at batch 32, the paper's node width 250, no KL
warm-up) on the training split, measure the reconstruction of the 500
validation graphs carved from it (10 decodings, forward merge) and the last epoch's reconstruction and KL terms, then
fine-tune the predictor on 1,000 labelled training cells (the paper's protocol, `finetune`) and rank the other
training cells (12,562) by it: Spearman ρ and Kendall τ against their CIFAR-10 accuracy. Only training cells are
used: the test split is not looked at, so a β chosen here does not peek at it. Rows are appended to `--csv` as each
run ends (a stopped sweep keeps its finished runs; finished runs are skipped when it is started again).
"""
from __future__ import annotations
import argparse, copy, time
from pathlib import Path

import pandas as pd
import torch

from svge.data import local_table
from svge.files import atomic_write
from svge.graphs import NB201Space
from svge.predictor import finetune, predict, regression_metrics
from svge.run import Trainer, carve_validation, default_target, load_dataset, validation_scores
from svge.train import recipe
from svge.vae import SVGeConfig, paper_batch_size


def one_run(beta: float, seed: int, precision: str, train, val, labelled, rest, target: str) -> dict:
    space = NB201Space()
    trainer = Trainer(SVGeConfig.from_space(space, kl_weight=beta * paper_batch_size(space), precision=precision), recipe('fast', space, seed=seed, kl_warmup=0.0), progress=False)
    start = time.perf_counter()
    history = trainer.fit(train.dense())
    train_seconds = time.perf_counter() - start
    scores = validation_scores(trainer.model, val.dense())
    model = copy.deepcopy(trainer.model)
    finetune(model, labelled.dense(), labelled.target(target), target, epochs=100, lr=1e-3, seed=seed, progress=False,
             edge_loss=trainer.train_config.edge_loss)
    ranking = regression_metrics(predict(model, rest.dense()), rest.target(target))
    return dict(beta=beta, kl_weight=trainer.model.config.kl_weight, seed=seed, precision=precision,
                val_forward=scores['val_forward'], val_union=scores['val_union'],
                recon=history[-1]['recon'], kl=history[-1]['kl'], spearman=ranking['spearman'], kendall=ranking['kendall'],
                pearson=ranking['pearson'], ranked_cells=len(rest), train_minutes=round(train_seconds / 60, 2))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--betas', type=float, nargs='+', default=[0.001, 0.005, 0.02])
    p.add_argument('--seeds', type=int, nargs='+', default=[1])
    p.add_argument('--precision', default='auto', choices=['auto', 'float32', 'bfloat16'])
    p.add_argument('--csv', default='benchmarks/beta_sweep.csv')
    args = p.parse_args(argv)

    space = NB201Space()
    dataset = load_dataset(space, local_table(space.name))
    target = default_target(dataset)
    train, _test = dataset.split(0.1, seed=1)                     # the test split is never looked at here
    train, val = carve_validation(train, 500, seed=1)
    chosen = torch.randperm(len(train), generator=torch.Generator().manual_seed(1))[:1000]
    rest_mask = torch.ones(len(train), dtype=torch.bool); rest_mask[chosen] = False
    labelled, rest = train.subset(chosen.tolist()), train.subset(torch.nonzero(rest_mask).flatten().tolist())
    csv = Path(args.csv)
    done = pd.read_csv(csv) if csv.exists() else pd.DataFrame(columns=['beta', 'seed'])
    for seed in args.seeds:
        for beta in args.betas:
            if ((done['beta'] == beta) & (done['seed'] == seed)).any(): continue
            row = one_run(beta, seed, args.precision, train, val, labelled, rest, target)
            print(', '.join(f'{k} {v:.4g}' if isinstance(v, float) else f'{k} {v}' for k, v in row.items()), flush=True)
            done = pd.concat([done, pd.DataFrame([row])], ignore_index=True)
            with atomic_write(csv) as f: f.write(done.to_csv(index=False).encode())
    return done


if __name__ == '__main__':
    main()
