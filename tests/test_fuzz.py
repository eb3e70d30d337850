"""Every loader fuzzed: small valid files of each format (ENAS text, NAS-Bench-201 CSV and `.pth`, NAS-Bench-101
tfrecord, a run's config.json and checkpoint) truncated at random points, with random bytes garbled, with values of
the wrong type, and empty. Each case must either load (a truncated file can still be a valid, shorter one) or fail
with the package's own error, naming the file, the error the command line turns into one line: never a traceback
from inside a parser. Reading writes nothing: the folder holds the same files before and after, and the damaged files
raise the process's peak memory by less than a gibibyte (one changed length once made torch.load allocate 21 GB)."""
import json, random, resource, sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from svge.data import load_enas, load_nb101, load_nb201, load_nb201_csv, local_table
from svge.files import DataFileError, nb101_record, write_tfrecord
from svge.graphs import EnasSpace
from svge.run import CheckpointError, RunConfigError, load_checkpoint, read_config, save_checkpoint
from svge.train import TrainConfig
from svge.vae import SVGe, SVGeConfig

CASES_PER_KIND = 40           # truncations and garblings per format (with a fixed seed)
NB201_ARCH = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'


def _enas(path):
    cells = EnasSpace(6).sample(6, seed=0)
    path.write_text(''.join(f'{EnasSpace(6).to_native(g)!r}, {0.7 + i / 100}\n' for i, g in enumerate(cells)))

def _nb201_csv(path):
    pd.read_csv(local_table('nb201')).head(12).to_csv(path, index=False)

def _nb201_pth(path):
    run = lambda base: {'epochs': 200, 'train_acc1es': {e: base for e in range(200)},
                        'eval_acc1es': {f'ori-test@{e}': base for e in range(200)}}
    info = lambda i: {'full': {'all_results': {('cifar10', 777): run(90 + i)}}, 'less': {'all_results': {}}}
    torch.save({'meta_archs': [NB201_ARCH, NB201_ARCH.replace('skip_connect~2', 'none~2')], 'total_archs': 2,
                'evaluated_indexes': [0, 1], 'arch2infos': {i: info(i) for i in range(2)}}, path)

def _nb101(path):
    matrix = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    write_tfrecord(path, [nb101_record(matrix, ['input', 'conv3x3-bn-relu', 'output'], val_acc=0.9, test_acc=0.8,
                                       train_time=100.0, params=1000) for _ in range(3)])

def _config(path):
    path.write_text(json.dumps(dict(model=SVGeConfig.from_space('nb201').to_dict(), train=TrainConfig().to_dict(),
                                    data='enumerated nb201', max_train=None, val_size=0, target=None, stop_at=None,
                                    evaluation=dict(decodings=10, prior_points=1000, prior_decodings=10))))

def _checkpoint(path):
    model = SVGe(SVGeConfig.from_space('nb201', node_dim=8, latent_dim=4))
    optimiser = torch.optim.Adam(model.parameters())
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimiser)
    save_checkpoint(path, model, optimiser, scheduler, 1, TrainConfig(), torch.Generator())

# format: (file name, writer, reader, the package's error)
FORMATS = {
    'enas': ('enas.txt', _enas, lambda p: load_enas(p, skip=0), DataFileError),
    'nb201_csv': ('nb201.csv', _nb201_csv, load_nb201_csv, DataFileError),
    'nb201_pth': ('nb201.pth', _nb201_pth, load_nb201, DataFileError),
    'nb101': ('nb101.tfrecord', _nb101, lambda p: load_nb101(p, progress=False), DataFileError),
    'config': ('config.json', _config, read_config, RunConfigError),
    'checkpoint': ('checkpoint.pt', _checkpoint, load_checkpoint, CheckpointError),
}
WRONG_TYPES = {   # valid syntax, wrong content
    'enas': ['[1, 2], 0.5\n', '"a string", 0.5\n', '([[0]], [[1, 1]]), "x"\n'],
    'nb201_csv': ['ArchitectureString,CIFAR10TestAccuracy200Epochs\n12,abc\n', 'x,y\n1,2\n'],
    'nb201_pth': [[1, 2, 3], {'meta_archs': 'abc'}, {'meta_archs': [NB201_ARCH], 'arch2infos': {0: 'x'}}],
    'nb101': [b'\x00' * 16],
    'config': ['[]', '{"model": 3, "train": {}, "data": "x"}', '{"model": {"space": 5}, "train": {"recipe": "fast"}, "data": "x"}'],
    'checkpoint': [{'format': 'svge-checkpoint-1'}, [1, 2]],
}


def _cases(kind: str, raw: bytes, folder: Path):
    "(name, bytes) of every damaged version of `raw`."
    rng = random.Random(kind)
    yield 'empty', b''
    for _ in range(CASES_PER_KIND):
        yield f'truncated at {(cut := rng.randrange(1, len(raw)))}', raw[:cut]
    for i in range(CASES_PER_KIND):
        garbled = bytearray(raw)
        for _ in range(rng.randint(1, 8)): garbled[rng.randrange(len(raw))] = rng.randrange(256)
        yield f'garbled {i}', bytes(garbled)
    for i, content in enumerate(WRONG_TYPES[kind]):
        if isinstance(content, str): yield f'wrong type {i}', content.encode()
        elif isinstance(content, bytes): yield f'wrong type {i}', content
        else:
            torch.save(content, folder / 'pickled'); yield f'wrong type {i}', (folder / 'pickled').read_bytes()


@pytest.mark.parametrize('kind', FORMATS)
def test_damaged_files_fail_with_the_package_error(kind, tmp_path):
    name, write, read, error = FORMATS[kind]
    good = tmp_path / name
    write(good)
    read(good)                                                # the undamaged file loads
    raw = good.read_bytes()
    folder = tmp_path / 'cases'; folder.mkdir()
    tried, failures = 0, []
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for case, content in _cases(kind, raw, folder):
        path = folder / name
        path.write_bytes(content)
        before = sorted(p.name for p in folder.iterdir())
        try: read(path)
        except error as e:
            if str(path) not in str(e) and path.name not in str(e): failures.append(f'{case}: message names no file: {e}')
        except Exception as e: failures.append(f'{case}: {type(e).__name__}: {str(e)[:200]}')
        assert sorted(p.name for p in folder.iterdir()) == before, f'{case}: reading wrote a file'
        tried += 1
    assert tried >= 2 * CASES_PER_KIND + 2
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / (2**20 if sys.platform == 'linux' else 2**30)
    assert grown < 1, f'{kind}: reading the damaged files raised the peak memory by {grown:.1f} GiB'
    assert not failures, f'{kind}: {len(failures)} of {tried} cases escaped the package error:\n' + '\n'.join(failures)
