"""Memory of loading NAS-Bench-101: write a synthetic tfrecord of N cells x 3 repeats with the project's own writer,
load it with `svge.data.load_nb101`, and report the resident memory it took, per cell and extrapolated to the
real file's 423,624 cells (the loader streams records, so memory grows with the cells kept, not the file size).

    python benchmarks/nb101_memory.py --cells 20000
"""
from __future__ import annotations
import argparse, gc, json, random, resource, tempfile, time
from pathlib import Path

from tqdm.auto import tqdm

from svge.data import load_nb101
from svge.files import atomic_write, nb101_record, write_tfrecord
from svge.graphs import ArchGraph, NB101Space

REAL_CELLS = 423_624


def rss_mib() -> float:
    with open('/proc/self/statm') as f: return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def distinct_cells(space: NB101Space, n: int, seed: int = 0) -> list:
    "`n` valid 7-node cells with distinct isomorphism hashes (random ops, a chain plus up to 3 random skips)."
    rng, cells, seen = random.Random(seed), [], set()
    ops = space.type_names[2:]
    with tqdm(total=n, desc='cells') as bar:
        while len(cells) < n:
            edges = [(i, i + 1) for i in range(6)] + [tuple(sorted(rng.sample(range(7), 2))) for _ in range(3)]
            g = ArchGraph((1,) + tuple(space.type_names.index(rng.choice(ops)) for _ in range(5)) + (0,), edges)
            if not space.is_valid(g) or (key := space.hash(g)) in seen: continue
            seen.add(key); cells.append(g); bar.update()
    return cells


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--cells', type=int, default=20_000, help='distinct synthetic cells to write')
    parser.add_argument('--json', default='benchmarks/nb101_memory.json')
    args = parser.parse_args(argv)
    space = NB101Space()
    cells = distinct_cells(space, args.cells)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / 'synthetic.tfrecord'
        def records():
            for i, g in enumerate(tqdm(cells, desc='writing')):
                matrix, ops = space.to_native(g)
                record = nb101_record(matrix, ops, 0.9, 0.89, 1000.0 + i, 1_000_000)
                for _ in range(3): yield record                      # three training repeats per cell
        write_tfrecord(path, records())
        size = path.stat().st_size
        gc.collect(); before = rss_mib(); start = time.perf_counter()
        dataset = load_nb101(path)
        seconds = time.perf_counter() - start
        gc.collect(); after = rss_mib()
    per_cell_kib = (after - before) * 1024 / len(dataset)
    result = dict(cells=len(dataset), file_mib=size / 2**20, load_seconds=seconds, rss_before_mib=before, rss_after_mib=after,
                  kib_per_cell=per_cell_kib, extrapolated_real_file_mib=before + per_cell_kib * REAL_CELLS / 1024,
                  peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    for k, v in result.items(): print(f'{k:>28}: {v:.1f}' if isinstance(v, float) else f'{k:>28}: {v}')
    with atomic_write(args.json) as f: f.write(json.dumps(result, indent=1).encode())


if __name__ == '__main__':
    main()
