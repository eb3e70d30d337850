"""Data-parallel training throughput: the same training spread over 1..N processes started by torchrun, on CPU
cores (gloo) or GPUs (NCCL), and the memory the data set takes.

    python benchmarks/scaling.py --space nb101 --runs 1x2 2x1                    # 2 CPU cores: 1 process × 2 threads, 2 × 1
    python benchmarks/scaling.py --space nb101 --device cuda --runs 1x1 2x1 4x1 8x1   # 1 to 8 GPUs on one machine

Each run `PxT` is one `torchrun --nproc-per-node P` launch of this script in worker mode with `OMP_NUM_THREADS=T`.
The processes train one model on the space's training split (NAS-Bench-101: the 423,624 enumerated cells, from the
cache) with the global batch `--batch-size` (shared among them, as `svge train` under torchrun does): a warm-up of
`--warmup` steps, then `--steps` timed optimiser steps. Rank 0 reports training graphs/s of all processes together,
the seconds a whole training epoch would take at that rate, and each process's memory (resident set after loading
the data and at the end; on CUDA also the GPU's peak). Prints a table and writes JSON. Nothing here is a test: the
numbers depend on the machine, so the JSON names it.
"""
from __future__ import annotations
import argparse, json, os, platform, subprocess, sys, tempfile, time
from pathlib import Path

import torch

from nb101_memory import rss_mib          # the sibling script's measure (this folder is on sys.path when run)


def worker(args):
    "One process of a run: load, train warm-up and timed steps, report (rank 0 writes the JSON line)."
    from svge.data import local_table
    from svge.distributed import start_world, stop_world, total
    from svge.graphs import get_space
    from svge.run import Trainer, load_dataset
    from svge.train import TrainConfig, recipe, resolve_device
    from svge.vae import SVGeConfig
    device = resolve_device(args.device)
    world = start_world(device)
    start_rss = rss_mib()
    space = get_space(args.space)
    dataset = load_dataset(space, args.data or local_table(space.name))
    train, _ = dataset.split(0.1, seed=1)
    loaded_rss = rss_mib()
    graphs = train.dense()
    dense_rss = rss_mib()
    fast = recipe('fast', space)
    config = TrainConfig(recipe='fast', epochs=1, lr=fast.lr, batch_size=args.batch_size, schedule='plateau', clip=fast.clip,
                         edge_loss=fast.edge_loss, device=str(device))
    model_config = SVGeConfig.from_space(space, precision=args.precision, **({'node_dim': args.node_dim} if args.node_dim else {}))
    trainer = Trainer(model_config, config, progress=False, world=world)
    pick = torch.randperm(len(graphs), generator=torch.Generator().manual_seed(0))
    trainer.train_epoch(graphs[pick[:args.warmup * args.batch_size]])                 # warm-up: allocator, kernels
    if device.type == 'cuda': torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
    timed = graphs[pick[args.warmup * args.batch_size:(args.warmup + args.steps) * args.batch_size]]
    row = trainer.train_epoch(timed)
    if device.type == 'cuda': torch.cuda.synchronize()
    seconds = total(world, [row['seconds']])[0] / world.size                         # the processes' mean
    gpu_peak = torch.cuda.max_memory_allocated() / 2**20 if device.type == 'cuda' else 0.0
    memory = total(world, [rss_mib(), gpu_peak])
    if world.is_main:
        rate = len(timed) / seconds
        report = dict(processes=world.size, threads=torch.get_num_threads(), node_dim=model_config.node_dim, device=device.type, batch_size=args.batch_size,
                      precision=args.precision, steps=args.steps, graphs_per_s=round(rate, 1),
                      epoch_minutes=round(len(train) / rate / 60, 2), train_graphs=len(train),
                      data_mib=dict(graphs_loaded=round(loaded_rss - start_rss), dense_tensors=round(dense_rss - loaded_rss)),
                      rss_mib_all_processes=round(memory[0]), gpu_peak_mib_all_processes=round(memory[1]))
        Path(args.report).write_text(json.dumps(report))
    del trainer                                   # its DDP wrapper holds the process group: release it before leaving
    stop_world()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--space', default='nb101', help='enas, enas12, nb101 or nb201')
    p.add_argument('--data', default=None, help="benchmark file (default: the shipped table, else the cells enumerated in code)")
    p.add_argument('--runs', nargs='+', default=['1x2', '2x1'], help='PxT: P processes of T threads each')
    p.add_argument('--device', default='cpu', help='cpu or cuda (one GPU per process)')
    p.add_argument('--precision', default='auto', choices=['auto', 'float32', 'bfloat16'])
    p.add_argument('--node-dim', type=int, default=None, help="node state size (default: the paper's, SVGeConfig.from_space)")
    p.add_argument('--batch-size', type=int, default=128, help='global batch, shared by the processes (NAS-Bench-101 recipe: 128)')
    p.add_argument('--steps', type=int, default=150, help='timed optimiser steps')
    p.add_argument('--warmup', type=int, default=10, help='untimed steps first')
    p.add_argument('--json', default='benchmarks/scaling.json', help='where to write the results')
    p.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    p.add_argument('--report', default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker: return worker(args)

    rows = []
    for run in args.runs:
        processes, threads = (int(x) for x in run.split('x'))
        with tempfile.TemporaryDirectory() as tmp:
            report = Path(tmp) / 'report.json'
            command = [sys.executable, '-m', 'torch.distributed.run', '--nproc-per-node', str(processes), __file__, '--worker',
                       '--report', str(report), *[a for a in (argv if argv is not None else sys.argv[1:]) if a != '--worker']]
            env = {**os.environ, 'OMP_NUM_THREADS': str(threads)}
            start = time.perf_counter()
            done = subprocess.run(command, env=env)
            if done.returncode != 0: raise SystemExit(f'run {run} failed (exit code {done.returncode})')
            rows.append({**json.loads(report.read_text()), 'launch_seconds': round(time.perf_counter() - start, 1)})
        r = rows[-1]
        print(f"{run:>5}: {r['graphs_per_s']:8.1f} graphs/s, an epoch of {r['train_graphs']:,} graphs in {r['epoch_minutes']:.1f} min, "
              f"{r['rss_mib_all_processes']:,} MiB resident in all", flush=True)
    cpu = next((line.split(':', 1)[1].strip() for line in Path('/proc/cpuinfo').read_text().splitlines() if line.startswith('model name')), '')
    result = dict(machine=dict(platform=platform.platform(), cpu=cpu, cores=os.cpu_count(), capability=torch.backends.cpu.get_cpu_capability(),
                               gpus=torch.cuda.device_count(), gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
                               torch=torch.__version__), space=args.space, runs=rows)
    Path(args.json).write_text(json.dumps(result, indent=1))
    return result


if __name__ == '__main__':
    main()
