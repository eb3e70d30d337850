"""Time the main job, `svge train`, from start to end (training, evaluation, the sparse GP), and add a row to results/main_job.csv.

    python benchmarks/main_job.py --out /tmp/main-job                     # as a user runs it, on this machine
    python benchmarks/main_job.py --out /tmp/main-job-avx2 --laptop        # kernels restricted to AVX2, float32
    python benchmarks/main_job.py --out /tmp/r --label "8 epochs, batch 64" -- --epochs 8 --batch-size 64

`--laptop` approximates a laptop CPU on a machine with AVX-512: PyTorch, oneDNN and MKL are told to use AVX2 at
most (ATEN_CPU_CAPABILITY, ONEDNN_MAX_CPU_ISA, MKL_ENABLE_INSTRUCTIONS) and the products run in float32, as
`--precision auto` chooses on a CPU without native bfloat16. The job runs in a subprocess, so these settings
hold from its first import; the CPU kind the subprocess saw is written beside the time. Arguments after `--` go
to `svge train`. The run directory must not hold a run (the time would not be a fresh run's). Nothing here is a
test: the numbers depend on the machine.
"""
from __future__ import annotations
import argparse, csv, io, json, os, subprocess, sys, time
from pathlib import Path

import torch

from svge.files import atomic_write
from svge.fast_encoder import matmul_dtype_for

LAPTOP = dict(ATEN_CPU_CAPABILITY='avx2', ONEDNN_MAX_CPU_ISA='AVX2', MKL_ENABLE_INSTRUCTIONS='AVX2')
COLUMNS = ('recipe', 'cpu', 'precision', 'wall_seconds', 'train_seconds', 'gp_seconds', 'reconstruction_forward', 'validity',
           'gp_rmse', 'gp_pearson')
PROBE = ('import torch; from svge.fast_encoder import bfloat16_is_native; '
         'print(torch.backends.cpu.get_cpu_capability(), bfloat16_is_native(), torch.get_num_threads())')


def cpu_kind(env: dict) -> str:
    "How the subprocess's PyTorch sees this CPU under `env`: cores it uses, kernel level, native bfloat16 or not."
    capability, bf16, threads = subprocess.run([sys.executable, '-c', PROBE], env=env, capture_output=True, text=True,
                                               check=True).stdout.split()
    restricted = env.get('ATEN_CPU_CAPABILITY') == 'avx2'
    kernels = 'kernels restricted to AVX2' if restricted else capability.replace('AVX512', 'AVX-512')
    return f"{threads} cores, {kernels}" + ('' if restricted else (' with bfloat16' if bf16 == 'True' else ', no bfloat16'))


def append_row(path: Path, row: dict):
    "Add `row` to the CSV at `path` (written whole and atomically, so an interrupted write leaves the old table)."
    rows = list(csv.DictReader(path.open())) if path.exists() else []
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator='\n')
    writer.writeheader(); writer.writerows(rows + [row])
    with atomic_write(path) as f: f.write(text.getvalue().encode())


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    extra = argv[argv.index('--') + 1:] if '--' in argv else []
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', required=True, help='run directory for svge train (must not hold a run)')
    p.add_argument('--laptop', action='store_true', help='restrict the kernels to AVX2 and train in float32')
    p.add_argument('--label', default='svge train', help='what this row measures (the recipe column)')
    p.add_argument('--csv', default='results/main_job.csv', help='table to add the row to (default: results/main_job.csv)')
    args = p.parse_args(argv[:argv.index('--')] if '--' in argv else argv)
    if (Path(args.out) / 'config.json').exists():
        p.error(f'{args.out} already holds a run; time a fresh one in another --out')
    env = {**os.environ, **(LAPTOP if args.laptop else {})}
    command = [sys.executable, '-m', 'svge', 'train', '--out', args.out, *(['--precision', 'float32'] if args.laptop else []), *extra]
    cpu = cpu_kind(env)
    print(' '.join(command), f'({cpu})', flush=True)
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True)
    wall = time.perf_counter() - start
    results = json.loads((Path(args.out) / 'results.json').read_text())
    model = json.loads((Path(args.out) / 'config.json').read_text())['model']
    products = matmul_dtype_for(model['precision'], 'cpu')                        # what 'auto' chose here
    precision = 'bfloat16' if products == torch.bfloat16 else 'float32'
    row = dict(recipe=args.label, cpu=cpu, precision=precision, wall_seconds=round(wall, 1),
               train_seconds=round(results['train_seconds'], 1), gp_seconds=results.get('gp_s', ''),
               reconstruction_forward=round(results['reconstruction_forward'], 4), validity=round(results['validity'], 4),
               gp_rmse=round(results['gp_rmse'], 4) if 'gp_rmse' in results else '',
               gp_pearson=round(results['gp_pearson'], 4) if 'gp_pearson' in results else '')
    append_row(Path(args.csv), row)
    print(json.dumps(row, indent=1))
    return row


if __name__ == '__main__':
    main()
