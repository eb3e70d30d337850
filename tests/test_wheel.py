"""The wheel and the sdist, as `pip install svge` from an index would get them: built from the repository, they hold
the package, the two label tables with their licences and checksums, the trained models with their cards, and the
licence; `twine check` passes; and the wheel, installed on its own and run from a folder outside the repository, encodes
and decodes cells with a shipped model, trains on NAS-Bench-201 (with labels) and on ENAS and searches, as `svge` does
in the repository."""
import hashlib, json, os, subprocess, sys, tarfile, zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TABLES = ('final_structures6.txt', 'nb201_test_acc_200ep.csv.gz', 'LICENSES.md', 'SHA256SUMS')
MODELS = sorted(p.stem for p in (ROOT / 'svge' / 'models').glob('*.json'))
WHEEL_LIMIT = 24e6      # bytes: the models (at most 16 MB together) and the tables, compressed


@pytest.fixture(scope='module')
def dist(tmp_path_factory):
    "The sdist and the wheel, built with the setuptools of this environment (no download)."
    out = tmp_path_factory.mktemp('dist')
    result = subprocess.run([sys.executable, '-m', 'build', '--no-isolation', '--outdir', str(out), str(ROOT)],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (wheel,), (sdist,) = out.glob('*.whl'), out.glob('*.tar.gz')
    return wheel, sdist


def test_wheel_and_sdist_hold_the_tables_and_the_licences(dist):
    wheel, sdist = dist
    names = zipfile.ZipFile(wheel).namelist()
    for table in TABLES: assert f'svge/tables/{table}' in names, table
    assert MODELS, 'no shipped models in svge/models'
    for model in MODELS:
        for suffix in ('.pt', '.json', '.md'): assert f'svge/models/{model}{suffix}' in names, model + suffix
    assert wheel.stat().st_size < WHEEL_LIMIT, f'the wheel takes {wheel.stat().st_size / 1e6:.1f} MB'
    assert any(n.endswith('.dist-info/licenses/LICENSE') for n in names), 'LICENSE missing from the wheel'
    assert {'svge/fast_encoder.py', 'svge/fast_decoder.py', 'svge/__main__.py', 'svge/cli.py'} <= set(names)
    assert not any(n.startswith(('nbs/', 'tests/', 'course/', 'runs/')) for n in names)
    with zipfile.ZipFile(wheel) as z:                        # the shipped tables are the ones their checksums name
        sums = dict(line.split()[::-1] for line in z.read('svge/tables/SHA256SUMS').decode().splitlines())
        for name, digest in sums.items(): assert hashlib.sha256(z.read(f'svge/tables/{name}')).hexdigest() == digest, name
    members = tarfile.open(sdist).getnames()
    top = members[0].split('/')[0]
    for path in ['LICENSE', 'README.md', 'pyproject.toml'] + [f'svge/tables/{t}' for t in TABLES]:
        assert f'{top}/{path}' in members, path


def test_twine_check_passes(dist):
    result = subprocess.run([sys.executable, '-m', 'twine', 'check', '--strict', *map(str, dist)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_installed_wheel_works_outside_the_repository(dist, tmp_path):
    "The wheel alone (its dependencies are this environment's) in a folder of its own, run from another folder."
    wheel, _ = dist
    site = tmp_path / 'site'
    install = subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps', '--target', str(site), str(wheel)],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    work = tmp_path / 'elsewhere'
    work.mkdir()
    env = {**os.environ, 'PYTHONPATH': str(site)}
    env.pop('SVGE_DATA', None)
    def svge(*argv):
        return subprocess.run([sys.executable, '-m', 'svge', *argv], cwd=work, env=env, capture_output=True, text=True, timeout=900)
    where = subprocess.run([sys.executable, '-c', 'import svge; print(svge.__file__)'], cwd=work, env=env, capture_output=True, text=True)
    assert where.stdout.strip().startswith(str(site)), where.stdout + where.stderr      # the wheel's copy, not the repository's
    cells = ['|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|',
             '|avg_pool_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|']
    (work / 'cells.txt').write_text('\n'.join(cells) + '\n')
    encoded = svge('encode', 'cells.txt', '--out', 'codes.csv')           # the shipped NAS-Bench-201 model, no training
    assert encoded.returncode == 0, encoded.stderr[-3000:]
    decoded = subprocess.run([sys.executable, '-m', 'svge', 'decode'], input=(work / 'codes.csv').read_text(), cwd=work, env=env,
                             capture_output=True, text=True, timeout=300)
    assert decoded.returncode == 0 and decoded.stdout.splitlines() == cells, decoded.stdout + decoded.stderr
    tiny = ['--epochs', '1', '--max-train', '64', '--decodings', '1', '--prior-points', '5', '--prior-decodings', '1']
    nb201 = svge('train', '--out', 'nb201', *tiny)
    assert nb201.returncode == 0, nb201.stderr[-3000:]
    results = json.loads((work / 'nb201' / 'results.json').read_text())
    assert results['target'] == 'cifar10_200ep_test_acc' and 'gp_rmse' in results     # the shipped table gave labels
    enas = svge('train', '--space', 'enas', '--out', 'enas', *tiny)
    assert enas.returncode == 0, enas.stderr[-3000:]
    assert json.loads((work / 'enas' / 'results.json').read_text())['target'] == 'val_acc'
    search = svge('search', '--run', 'nb201', '--methods', 'random,rea', '--budget', '12', '--seeds', '1')
    assert search.returncode == 0, search.stderr[-3000:]
    assert (work / 'nb201' / 'search_summary.csv').exists()
