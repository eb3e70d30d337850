"""Throughput and memory of SVGe at the ENAS defaults: training steps, decoding, and one full training epoch.

    python benchmarks/throughput.py                      # 2 threads, real ENAS file if found, else random cells
    python benchmarks/throughput.py --epoch              # also a full epoch over the 17,118 training graphs
    python benchmarks/throughput.py --json benchmarks/throughput.json
    python benchmarks/throughput.py --profile            # also: where a training step's time goes (products vs the rest)
    python benchmarks/throughput.py --pretrained enas --batch-size 64 --label "fast, bfloat16" --table results/throughput.csv
    python benchmarks/throughput.py --pretrained enas --batch-size 64 --readable --precision float32 --label "readable, float32" ...

`--pretrained NAME` times the shipped model's settings (the fast recipe) and decodes with its trained weights;
`--readable` uses the classes 02_encoder and 03_decoder teach instead of the fast ones (14, 15): the same function,
computed step by step with plain modules. `--table` keeps each labelled setting's rows in one CSV (11_results reads it).

Prints a table (graphs/s, MFLOP per graph from torch.utils.flop_counter, achieved GFLOP/s, peak RSS) and
writes it as JSON. Timings are medians over repeats after a warm-up; nothing here is a test.
"""
from __future__ import annotations
import argparse, json, platform, resource, statistics, time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode
from tqdm.auto import tqdm

from svge.data import find_data_file, load_enas
from svge.files import atomic_write
from svge.fast_encoder import matmul_dtype_for
from svge.graphs import DenseGraphs, EnasSpace
from svge.fast_decoder import keep_freed_memory
from svge.pretrained import pretrained
from svge.vae import SVGe, SVGeConfig
from labelled_rows import replace_rows
from nb101_memory import rss_mib as current_rss_mib   # the sibling script's measure (this folder is on sys.path when run)


def rss_mib() -> float:
    "Peak resident memory of this process so far (Linux reports KiB)."
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def flops_of(fn) -> int:
    counter = FlopCounterMode(display=False)
    with counter: fn()
    return counter.get_total_flops()


def timed(fn, repeats: int, warmup: int = 3) -> float:
    "Median seconds of `fn()` over `repeats` runs after `warmup` runs."
    for _ in range(warmup): fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter(); fn(); times.append(time.perf_counter() - start)
    return statistics.median(times)


PRODUCTS = {'aten::mm', 'aten::bmm', 'aten::addmm', 'aten::baddbmm', 'aten::addmv', 'aten::addmv_', 'aten::mv'}

def step_profile(step, steps: int = 5, top: int = 10) -> dict:
    "Self CPU time per operator over `steps` calls of `step`: the products' share and the costliest other operators."
    from torch.profiler import ProfilerActivity, profile
    step()                                    # warm
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps): step()
    ops = [e for e in prof.key_averages() if e.key.startswith('aten::')]
    total = sum(e.self_cpu_time_total for e in prof.key_averages()) / steps / 1e3     # ms, operators and Python Functions
    products = sum(e.self_cpu_time_total for e in ops if e.key in PRODUCTS) / steps / 1e3
    others = sorted((e for e in prof.key_averages() if e.key not in PRODUCTS), key=lambda e: -e.self_cpu_time_total)
    return dict(ms_per_step=total, products_ms=products, products_share=products / total,
                calls_per_step=sum(e.count for e in ops) // steps,
                top_other=[dict(op=e.key, ms=e.self_cpu_time_total / steps / 1e3, calls=e.count // steps) for e in others[:top]])


def training_graphs(n: int, data: str | None) -> tuple[DenseGraphs, str]:
    path = Path(data) if data else find_data_file('final_structures6.txt', 'enas')
    if path and path.exists():
        train, _ = load_enas(path).split()
        return train.dense(), f'real ENAS file {path.name} ({len(train)} training graphs)'
    return DenseGraphs.from_graphs(EnasSpace(6).sample(n, seed=0)), f'{n} random valid ENAS cells'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--threads', type=int, default=2, help='torch threads (the target machine has 2 cores)')
    parser.add_argument('--batch-size', type=int, default=32, help='training batch (paper: 32 on ENAS)')
    parser.add_argument('--decode-batch', type=int, default=256, help='latent points decoded at once')
    parser.add_argument('--repeats', type=int, default=20, help='timed repeats per measurement')
    parser.add_argument('--data', default=None, help='ENAS file (default: found in $SVGE_DATA or data/)')
    parser.add_argument('--epoch', action='store_true', help='also time one full training epoch and its memory')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--precision', default='auto', choices=['auto', 'float32', 'bfloat16'],
                        help='dtype of the large matrix products (SVGeConfig.precision; auto: bfloat16 where native)')
    parser.add_argument('--checkpoint', default=None,
                        help='decode with a trained model (a run\'s checkpoint.pt): untrained models stop early, trained ones do not')
    parser.add_argument('--profile', action='store_true',
                        help='also profile 5 training steps: the share of matrix products and the costliest other operations')
    parser.add_argument('--pretrained', default=None, help="a shipped ENAS model (e.g. enas): its settings are timed, its weights decode")
    parser.add_argument('--readable', action='store_true', help='the readable classes of 02_encoder/03_decoder instead of the fast ones')
    parser.add_argument('--json', default='benchmarks/throughput.json', help='where to write the results')
    parser.add_argument('--table', default=None, help='also write the rows into this CSV, replacing the rows of the same --label')
    parser.add_argument('--label', default=None, help='name of this setting in --table (default: the precision)')
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    device = torch.device(args.device)
    keep_freed_memory()                       # as the svge command does
    products = 'bfloat16' if matmul_dtype_for(args.precision, device) == torch.bfloat16 else 'float32'
    graphs, source = training_graphs(4096, args.data)
    graphs = graphs.to(device)
    if args.pretrained and args.checkpoint: parser.error('give --pretrained or --checkpoint, not both')
    trained = None
    if args.pretrained:
        shipped = pretrained(args.pretrained)
        if shipped.config.space != 'enas6':
            parser.error(f"--pretrained {args.pretrained} is a {shipped.config.space} model; the benchmark decodes ENAS-6 graphs")
        config = SVGeConfig.from_dict({**shipped.config.to_dict(), 'precision': args.precision})
        trained = SVGe(config, readable=args.readable).to(device)
        trained.load_state_dict(shipped.state_dict())
    else: config = SVGeConfig.from_space('enas', precision=args.precision)
    model = SVGe(config, readable=args.readable).to(device)
    if args.checkpoint:
        from svge.run import load_checkpoint
        state = load_checkpoint(args.checkpoint)
        if state['model_config']['space'] != 'enas6':
            parser.error(f"--checkpoint holds a {state['model_config']['space']} model; the benchmark decodes ENAS-6 graphs")
        trained = SVGe(SVGeConfig.from_dict({**state['model_config'], 'precision': args.precision}), readable=args.readable).to(device)
        trained.load_state_dict(state['model'])
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-4, fused=True)   # as the Trainer does
    rows = []

    batch = graphs[torch.arange(args.batch_size)]
    def train_step(batch=batch):
        terms = model(batch)
        optimiser.zero_grad(); terms['loss'].backward(); optimiser.step()
    model.train()
    seconds = timed(train_step, args.repeats)
    flops = flops_of(lambda: model(batch)['loss'].backward())
    rows.append(dict(job='train step (fwd+bwd+Adam)', batch=args.batch_size, graphs_per_s=args.batch_size / seconds,
                     mflop_per_graph=flops / args.batch_size / 1e6, gflop_per_s=flops / seconds / 1e9))

    profile = step_profile(train_step) if args.profile else None

    decoder = (trained or model).eval()
    if trained is not None:                   # latent points where the trained model puts real graphs
        z = decoder.encode(graphs[torch.arange(args.decode_batch)])[0]
    else: z = torch.randn(args.decode_batch, model.config.latent_dim, device=device)
    rng = torch.Generator(device=device).manual_seed(0)
    for samples, label in ((1, 'decode (both passes + merge)'), (100, 'decode x100 per point (eval)')):
        points = args.decode_batch if samples == 1 else max(1, args.decode_batch // 8)
        decode = lambda: decoder.decode(z[:points], samples=samples, rng=rng)
        seconds = timed(decode, max(5, args.repeats // 2))
        flops = flops_of(decode)
        n = points * samples
        rows.append(dict(job=label, batch=n, graphs_per_s=n / seconds, mflop_per_graph=flops / n / 1e6,
                         gflop_per_s=flops / seconds / 1e9, mean_nodes=float(decode().num_nodes.float().mean())))

    encode = lambda: model.encode(graphs[torch.arange(args.decode_batch)])
    with torch.no_grad():
        seconds = timed(encode, args.repeats); flops = flops_of(encode)
    rows.append(dict(job='encode (no grad)', batch=args.decode_batch, graphs_per_s=args.decode_batch / seconds,
                     mflop_per_graph=flops / args.decode_batch / 1e6, gflop_per_s=flops / seconds / 1e9))

    epoch = None
    if args.epoch:
        model.train()
        before = current_rss_mib()
        order = torch.randperm(len(graphs))
        start = time.perf_counter()
        for i in tqdm(range(0, len(graphs), args.batch_size), desc='epoch', unit='batch'):
            train_step(graphs[order[i:i + args.batch_size]])
        seconds = time.perf_counter() - start
        epoch = dict(graphs=len(graphs), seconds=seconds, graphs_per_s=len(graphs) / seconds,
                     rss_before_mib=before, rss_after_mib=current_rss_mib())
        rows.append(dict(job=f'full epoch ({len(graphs)} graphs)', batch=args.batch_size, graphs_per_s=len(graphs) / seconds,
                         mflop_per_graph=float('nan'), gflop_per_s=float('nan')))

    print(f'\nSVGe throughput on {device} with {args.threads} threads, {products} products (--precision {args.precision}), data: {source}')
    print(f"{'readable' if args.readable else 'fast'} classes, node width {model.config.node_dim}; decoding with "
          f"{'the trained model ' + (args.pretrained or args.checkpoint) if trained is not None else 'an untrained model'}")
    print(f"{'job':32s} {'batch':>6s} {'graphs/s':>10s} {'MFLOP/graph':>12s} {'GFLOP/s':>8s} {'nodes':>6s}")
    for r in rows:
        print(f"{r['job']:32s} {r['batch']:6d} {r['graphs_per_s']:10.0f} {r['mflop_per_graph']:12.1f} {r['gflop_per_s']:8.1f}"
              f" {r.get('mean_nodes', float('nan')):6.2f}")
    print(f'peak RSS: {rss_mib():.0f} MiB')
    if epoch: print(f"RSS before / after the epoch: {epoch['rss_before_mib']:.0f} / {epoch['rss_after_mib']:.0f} MiB")
    if profile:
        print(f"\nprofile of a training step: {profile['ms_per_step']:.1f} ms of operator time, "
              f"{profile['products_ms']:.1f} ms ({profile['products_share']:.0%}) in matrix products, "
              f"{profile['calls_per_step']} operator calls")
        for row in profile['top_other']: print(f"  {row['ms']:6.2f} ms {row['calls']:5d} calls  {row['op']}")

    result = dict(device=str(device), threads=args.threads, precision=args.precision, products=products, torch=torch.__version__, machine=platform.processor() or platform.machine(),
                  data=source, checkpoint=args.checkpoint, pretrained=args.pretrained, readable=args.readable,
                  node_dim=model.config.node_dim, rows=rows, peak_rss_mib=rss_mib(), epoch=epoch, profile=profile)
    with atomic_write(args.json) as f:
        f.write(json.dumps(result, indent=1).encode())
    print(f'wrote {args.json}')
    if args.table:
        from svge.pretrained import machine_description
        label = args.label or products
        replace_rows(Path(args.table), [dict(label=label, job=r['job'], batch=r['batch'], graphs_per_s=round(r['graphs_per_s'], 1),
                                             mflop_per_graph=round(r['mflop_per_graph'], 2), classes='readable' if args.readable else 'fast',
                                             products=products, node_dim=model.config.node_dim, threads=args.threads,
                                             model=args.pretrained or args.checkpoint or 'untrained', machine=machine_description(),
                                             peak_rss_mib=round(rss_mib())) for r in rows], key='label')


if __name__ == '__main__':
    main()
