"""Time to quality: train with a recipe and measure validation reconstruction against training wall-clock time.

    python benchmarks/time_to_quality.py --space enas            # the fast recipe
    python benchmarks/time_to_quality.py --space enas --recipe paper --minutes 30
    python benchmarks/time_to_quality.py --space nb201 --lr 1e-3 --batch-size 128                 # a variant
    python benchmarks/time_to_quality.py --space enas --edge-loss mean   # the original loss
    python benchmarks/time_to_quality.py --space enas --throughput-only
    python benchmarks/time_to_quality.py --space nb101 --segments 8     # validate 8 times per (long) epoch
    python benchmarks/time_to_quality.py --space nb101 --epochs 1 --segments 12 --beta 0.00125   # another KL weight

The validation graphs are carved from the training split (never the test split), so settings chosen with
this script do not peek at the test graphs. After every `--eval-every` epochs the model decodes each
validation graph `--decodings` times; both merges of the two decoding passes are scored on the same draws.
With `--segments K` an epoch's graphs are cut into K random parts, trained one after the other with a
validation after each (every graph still once per epoch, in a random order): for NAS-Bench-101, whose epoch is
381,262 graphs. Training time excludes the validation time. Prints the minutes to 50/90/99 % validation reconstruction and
writes everything (settings, curve, milestones, training graphs/s per batch size) as JSON. Nothing here is a
test; the numbers depend on the machine.
"""
from __future__ import annotations
import argparse, json, platform, time
from pathlib import Path

import torch

from svge.data import local_table
from svge.files import atomic_write
from svge.decoder import EDGE_LOSSES, MERGES
from svge.graphs import get_space
from svge.run import Trainer, carve_validation, load_dataset, minutes_to, validation_scores
from svge.fast_decoder import keep_freed_memory
from svge.train import model_recipe, recipe
from svge.vae import SVGe, SVGeConfig, paper_batch_size

def training_throughput(model_config: SVGeConfig, graphs, batch_sizes=(32, 64, 128, 256), steps: int = 12,
                        warmup: int = 3, seed: int = 0) -> dict:
    "Training graphs/s (forward, backward, Adam) per batch size on random batches of `graphs`."
    keep_freed_memory()
    result = {}
    for bs in batch_sizes:
        torch.manual_seed(seed)
        model = SVGe(model_config)
        optimiser = torch.optim.Adam(model.parameters(), lr=1e-4, fused=True)
        for step in range(warmup + steps):
            if step == warmup: start = time.perf_counter()
            loss = model(graphs[torch.randint(len(graphs), (bs,))])['loss']
            optimiser.zero_grad(); loss.backward(); optimiser.step()
        result[bs] = round(steps * bs / (time.perf_counter() - start), 1)
        print(f'batch {bs:>4}: {result[bs]:8.1f} training graphs/s', flush=True)
    return result


def fit_in_segments(trainer: Trainer, graphs, segments: int, validate, stop):
    """`Trainer.fit` with a validation `segments` times per epoch: the graphs are cut into that many random parts of
    equal size (a remainder of fewer than `segments` graphs is left out), and each pass over a part is a row."""
    parts = torch.randperm(len(graphs), generator=torch.Generator().manual_seed(trainer.train_config.seed))
    parts = parts[:len(parts) - len(parts) % segments].view(segments, -1)
    total = trainer.train_config.epochs * segments
    trainer._build_schedule(trainer.world.steps(parts.shape[1], trainer.batch_size), total)
    while trainer.epoch < total:
        row = trainer.train_epoch(graphs[parts[trainer.epoch % segments]])
        trainer.epoch += 1
        row['graphs_seen'] = trainer.epoch * parts.shape[1]
        row['train_seconds'] = round(sum(r['seconds'] for r in trainer.history) + row['seconds'], 3)
        start = time.perf_counter()
        row.update(validate(trainer.model))
        row['validate_seconds'] = round(time.perf_counter() - start, 3)
        trainer.history.append(row)
        if stop(row): break


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--space', default='nb201', help='enas, enas12, nb101 or nb201')
    p.add_argument('--data', default=None, help="benchmark file (default: the space's table that ships with svge, else the enumerated NAS-Bench-201 space)")
    p.add_argument('--recipe', default='fast', choices=['fast', 'paper'])
    p.add_argument('--epochs', type=int, default=None, help="epochs (default: the recipe's)")
    p.add_argument('--minutes', type=float, default=None, help='stop once this much training time has passed')
    p.add_argument('--stop-at', type=float, default=None, help="stop once the default merge's validation reconstruction reaches this")
    p.add_argument('--lr', type=float, default=None); p.add_argument('--batch-size', type=int, default=None)
    p.add_argument('--schedule', default=None, choices=['plateau', 'onecycle']); p.add_argument('--warmup', type=float, default=None)
    p.add_argument('--clip', type=float, default=None, help='gradient-norm clipping (0: none)')
    p.add_argument('--kl-warmup', type=float, default=None); p.add_argument('--weight-decay', type=float, default=None)
    p.add_argument('--edge-loss', default=None, choices=EDGE_LOSSES, help="a decoder step's edge terms: averaged (original code) or summed (log-likelihood)")
    p.add_argument('--node-dim', type=int, default=None, help="node state size D (default: the recipe's)")
    p.add_argument('--beta', type=float, default=None, help="the original code's beta: KL weight per graph = beta x the paper's batch size (default: the recipe's)")
    p.add_argument('--precision', default='auto', choices=['auto', 'float32', 'bfloat16'])
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--device', default='auto', help='auto (CUDA when there is a GPU), cpu or cuda')
    p.add_argument('--val-size', type=int, default=1000, help='validation graphs carved from the training split')
    p.add_argument('--max-train', type=int, default=None, help='train on only the first N training graphs (toy runs)')
    p.add_argument('--decodings', type=int, default=10, help='decodings per validation graph')
    p.add_argument('--eval-every', type=int, default=1, help='epochs between validations')
    p.add_argument('--segments', type=int, default=1, help='validations per epoch: the epoch is trained in this many random parts')
    p.add_argument('--throughput-only', action='store_true', help='only measure training graphs/s per batch size')
    p.add_argument('--batch-sizes', type=int, nargs='+', default=[32, 64, 128, 256], help='batch sizes for the graphs/s measurement')
    p.add_argument('--no-throughput', action='store_true', help='skip the graphs/s per batch size measurement')
    p.add_argument('--out', default=None, help='run directory for checkpoints (resumable); default: none')
    p.add_argument('--json', default='benchmarks/time_to_quality.json')
    args = p.parse_args(argv)

    space = get_space(args.space)
    dataset = load_dataset(space, args.data or local_table(space.name))      # the table that ships with svge by default
    train, _test = dataset.split(0.1, seed=args.seed)          # the test split is never looked at here
    train, val = carve_validation(train, args.val_size, seed=args.seed)
    if args.max_train: train = train.subset(range(min(args.max_train, len(train))))
    model_config = model_recipe(args.recipe, dataset.space, precision=args.precision,
                                **{k: v for k, v in dict(node_dim=args.node_dim, kl_weight=None if args.beta is None else args.beta * paper_batch_size(space)).items() if v is not None})
    report = dict(space=dataset.space.name, model_config=model_config.to_dict(),
                  machine=dict(platform=platform.platform(), threads=torch.get_num_threads()),
                  train_graphs=len(train), val_graphs=len(val), decodings=args.decodings)
    train_dense, val_dense = train.dense(), val.dense()
    if not args.no_throughput:
        report['train_graphs_per_s'] = training_throughput(model_config, train_dense, args.batch_sizes)
    if args.throughput_only:
        with atomic_write(args.json) as f: f.write(json.dumps(report, indent=1).encode())
        return report

    overrides = {k: v for k, v in dict(epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, schedule=args.schedule,
                                       warmup=args.warmup, kl_warmup=args.kl_warmup, weight_decay=args.weight_decay,
                                       edge_loss=args.edge_loss).items()
                 if v is not None}
    if args.clip is not None: overrides['clip'] = args.clip or None
    train_config = recipe(args.recipe, dataset.space, seed=args.seed, device=args.device, **overrides)
    report['train_config'] = train_config.to_dict()
    print(train_config, flush=True)
    trainer = Trainer(model_config, train_config, args.out, progress=False)
    if args.out and (Path(args.out) / 'checkpoint.pt').exists(): trainer.resume()

    def validate(model):
        if trainer.epoch % args.eval_every and trainer.epoch != train_config.epochs * args.segments: return {}
        return validation_scores(model, val_dense, args.decodings)

    def stop(row):
        line = ', '.join(f'{k} {row[k]:.4f}' for k in ('loss', 'recon', 'kl', *[f'val_{m}' for m in MERGES]) if k in row)
        print(f"epoch {row['epoch']:>3}  {row['train_seconds'] / 60:6.2f} min  lr {row['lr']:.2e}  {line}", flush=True)
        with atomic_write(args.json) as f: f.write(json.dumps({**report, 'curve': trainer.history}, indent=1).encode())
        if args.minutes is not None and row['train_seconds'] >= 60 * args.minutes: return True
        return args.stop_at is not None and row.get(f'val_{model_config.merge}', 0) >= args.stop_at

    if args.segments == 1: trainer.fit(train_dense, validate=validate, stop=stop)
    else: fit_in_segments(trainer, train_dense, args.segments, validate, stop)
    report['curve'] = trainer.history
    report['minutes_to'] = {m: minutes_to(trainer.history, f'val_{m}') for m in MERGES}
    with atomic_write(args.json) as f: f.write(json.dumps(report, indent=1).encode())
    for m in MERGES: print(f'minutes of training to 50/90/99 % validation reconstruction ({m} merge):', report['minutes_to'][m])
    return report


if __name__ == '__main__':
    main()
