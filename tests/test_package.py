"Tests of the installed package from the outside: the console script and the package layout."
import subprocess

import svge
from svge.graphs import NB201Space, get_space


def test_version():
    assert svge.__version__.count('.') >= 2


def test_console_script_summarises_nb201():
    result = subprocess.run(['svge', 'space', 'nb201'], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert 'cells: 15625' in result.stdout and 'valid: 15625' in result.stdout and 'distinct: 15625' in result.stdout


def test_console_script_rejects_unknown_space():
    result = subprocess.run(['svge', 'space', 'darts'], capture_output=True, text=True)
    assert result.returncode == 2
    assert 'Unknown search space' in result.stderr and result.stdout == ''


def test_spaces_are_independent_objects():
    assert get_space('nb201') is not get_space('nb201')
    assert isinstance(get_space('nb201'), NB201Space)


def test_console_script_trains_and_evaluates(tmp_path):
    "`svge train` end to end at toy size: the files of a run, results in range, and resume refuses a clash."
    import json
    out = tmp_path / 'run'
    toy = ['svge', 'train', '--out', str(out), '--epochs', '1', '--max-train', '64', '--lr', '1e-3',
           '--decodings', '1', '--prior-points', '20', '--prior-decodings', '2']
    result = subprocess.run(toy, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    results = json.loads((out / 'results.json').read_text())
    assert results['epochs'] == 1 and results['decodings'] == 1563      # the NB201 test split, one decoding each
    for key in ('reconstruction', 'validity', 'uniqueness', 'novelty'):
        assert 0 <= results[key] <= 1
    for name in ('checkpoint.pt', 'metrics.jsonl', 'losses.png', 'latent.png', 'samples.png', 'interpolation.png'):
        assert (out / name).exists(), name
    clash = subprocess.run(toy[:-8] + ['--lr', '1e-2'], capture_output=True, text=True, timeout=600)
    assert clash.returncode == 2 and 'another run' in clash.stderr
