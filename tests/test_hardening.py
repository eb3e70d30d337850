"""Hostile input to the `svge` command, one test per class: counts past their upper bound, a run that fails before its
first checkpoint, a damaged benchmark copy, file-system trouble, a config.json with values out of range. Each must end in
one line on stderr naming what is wrong and what to do, exit code 2, and a folder exactly as it was before."""
import contextlib, io, json, os
from pathlib import Path

import pytest

from svge.cli import main
from svge.data import local_table

HUGE = ['99999999999999999999999', '1e309', str(2**64), '1000000000000']


def svge(*argv) -> tuple[int, str]:
    "Run the command in this process: (exit code, stderr), argparse's own exit included."
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try: code = main([str(a) for a in argv])
        except SystemExit as e: code = e.code
    return code, err.getvalue()


def snapshot(folder: Path) -> dict:
    "Every file under `folder` with its bytes and permissions: what must not change."
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None, p.stat().st_mode)
            for p in sorted(folder.rglob('*'))}


def refused(folder: Path, *argv, says: str = '') -> str:
    "Assert the command exits with 2, one line on stderr (containing `says`) and `folder` unchanged; returns the line."
    before = snapshot(folder)
    code, err = svge(*argv)
    lines = err.strip().splitlines()
    assert (code, len(lines)) == (2, 1), err
    assert says in lines[0] and 'Traceback' not in err, lines[0]
    assert snapshot(folder) == before
    return lines[0]


COUNTS = [('train', '--epochs'), ('train', '--batch-size'), ('train', '--node-dim'), ('train', '--decodings'),
          ('train', '--prior-points'), ('train', '--prior-decodings'), ('train', '--seed'), ('train', '--validate'),
          ('train', '--max-train'), ('evaluate', '--decodings'), ('evaluate', '--prior-points'), ('evaluate', '--prior-decodings'),
          ('finetune', '--epochs'), ('finetune', '--train-size'), ('finetune', '--seed'), ('search', '--budget'),
          ('search', '--seeds'), ('search', '--initial'), ('search', '--batch'), ('space', '--samples'), ('space', '--seed'),
          ('predict', '--top')]

@pytest.mark.parametrize('command,flag', COUNTS)
@pytest.mark.parametrize('value', HUGE)
def test_huge_counts_are_refused_before_anything_is_written(tmp_path, monkeypatch, command, flag, value):
    monkeypatch.chdir(tmp_path)
    needed = {'evaluate': ['--out', 'run'], 'finetune': ['--run', 'run', '--target', 'val_acc'],
              'predict': ['--model', 'nb201', '--archs', 'a.txt']}.get(command, [])
    line = refused(tmp_path, command, *needed, flag, value, says=f'argument {flag}: must be a')
    assert 'whole number from' in line
    assert line.endswith(f'(see svge {command} --help)')


@pytest.mark.parametrize('argv,says', [
    (['train', '--prior-points', '100000', '--prior-decodings', '1000'], 'decoded cells, more than the 1,000,000'),
    (['evaluate', '--out', 'run', '--prior-points', '5000', '--prior-decodings', '1000'], 'decoded cells'),
    (['search', '--budget', '20', '--initial', '30', '--seeds', '1'], '--initial 30 is more than the --budget 20'),
    (['train', '--device', 'gpu'], "--device 'gpu' is not a device; use auto, cpu, cuda or cuda:N"),
])
def test_settings_that_do_not_fit_together_are_refused(tmp_path, monkeypatch, argv, says):
    monkeypatch.chdir(tmp_path)
    refused(tmp_path, *argv, says=says)


def test_every_count_flag_names_its_bound_in_help():
    from svge.cli import build_parser
    train = build_parser()._subparsers._group_actions[0].choices['train']
    helps = {a.option_strings[0]: a.help for a in train._actions if a.option_strings}
    for flag, bound in [('--epochs', '10,000'), ('--batch-size', '16,384'), ('--node-dim', '2,048'), ('--decodings', '1,000'),
                        ('--prior-points', '100,000'), ('--seed', '4,294,967,295')]:
        assert bound in helps[flag], (flag, helps[flag])


def test_a_run_that_fails_before_its_first_checkpoint_does_not_lock_its_folder(tmp_path, monkeypatch):
    "A diverging learning rate stops with advice that fits (no checkpoint to resume), leaves nothing, and the fixed command runs."
    monkeypatch.chdir(tmp_path)
    small = ['--max-train', '48', '--validate', '0', '--epochs', '1', '--decodings', '1', '--prior-points', '4', '--out', 'run']
    code, err = svge('train', '--lr', '1e30', *small)
    assert code == 2 and err.strip().splitlines()[-1].startswith('svge train: error: The loss is not finite')
    assert 'run it again with a lower --lr' in err and 'resume' not in err.splitlines()[-1]
    assert not (tmp_path / 'run').exists()
    code, err = svge('train', '--lr', '1e-3', *small)
    assert code == 0, err
    assert {'checkpoint.pt', 'config.json', 'results.json'} <= {p.name for p in (tmp_path / 'run').iterdir()}


def test_a_damaged_benchmark_copy_is_refused_by_name(tmp_path, monkeypatch):
    "A cut-off or altered copy of the ENAS file (known size and SHA-256) is never trained on; `svge download` checks a copy it finds."
    monkeypatch.chdir(tmp_path)
    original = local_table('enas6').read_bytes()
    (tmp_path / 'enas').mkdir()
    copy = tmp_path / 'enas' / 'final_structures6.txt'
    copy.write_bytes(original[:len(original) * 2 // 3].rsplit(b'\n', 1)[0][:-2])     # cut mid-line: its last accuracy cut short
    refused(tmp_path, 'train', '--space', 'enas', '--data', copy, says='the copy is incomplete or changed; download it again with `svge download enas`')
    copy.write_bytes(original.replace(b'0.7446', b'0.7447', 1))
    refused(tmp_path, 'train', '--space', 'enas', '--data', copy, says='the copy is damaged')
    refused(tmp_path, 'download', 'enas', '--dir', 'enas', says='the copy is damaged')


def test_file_system_trouble_names_the_path_and_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'afile').write_text('not a folder')
    refused(tmp_path, 'train', '--out', 'afile', says='--out afile: afile is a file, not a folder; choose another --out')
    refused(tmp_path, 'train', '--out', 'afile/run', says='afile is a file, not a folder')
    refused(tmp_path, 'search', '--out', 'afile', '--seeds', '1', '--budget', '20', says='is a file, not a folder')   # before any search
    refused(tmp_path, 'finetune', '--run', 'nb201', '--target', 'val_acc', '--out', 'afile', says='is a file, not a folder')
    if os.geteuid() != 0:                                    # root may write anywhere: nothing to refuse
        (tmp_path / 'locked').mkdir(); (tmp_path / 'locked').chmod(0o500)
        refused(tmp_path, 'train', '--out', 'locked/run', says='cannot be written to (permission denied)')


@pytest.mark.parametrize('section,key,value,says', [
    ('train', 'lr', -1, '--lr must be a number above 0, got -1'),
    ('train', 'epochs', -3, '--epochs must be a whole number from 1 to 10,000, got -3'),
    ('model', 'kl_weight', float('nan'), 'kl_weight is a weight, 0 or more; got nan'),
    ('model', 'node_dim', 0, '--node-dim must be a whole number from 2 to 2,048, got 0'),
    (None, 'evaluation', {'decodings': 10**12, 'prior_points': 1000, 'prior_decodings': 10}, '--decodings must be a whole number from 1 to 1,000'),
])
def test_a_config_with_values_out_of_range_is_named_with_the_flag(tmp_path, monkeypatch, section, key, value, says):
    "Values read from a run's config.json get the flags' checks: the file, the setting and what to do."
    monkeypatch.chdir(tmp_path)
    from svge.graphs import get_space
    from svge.run import ENUMERATED
    from svge.train import recipe
    from svge.vae import SVGeConfig
    settings = dict(model=SVGeConfig(space='nb201').to_dict(), train=recipe('fast', get_space('nb201')).to_dict(), data=ENUMERATED['nb201'],
                    max_train=None, val_size=0, target=None, stop_at=None, evaluation=dict(decodings=10, prior_points=1000, prior_decodings=10))
    (settings[section] if section else settings)[key] = value
    (tmp_path / 'run').mkdir()
    (tmp_path / 'run' / 'config.json').write_text(json.dumps(settings))
    line = refused(tmp_path, 'train', '--out', 'run', '--resume', says=says)
    assert 'run/config.json has' in line and 'start the run in a new --out' in line


def test_written_files_follow_the_umask(tmp_path):
    from svge.files import atomic_write
    old = os.umask(0o027)
    try:
        with atomic_write(tmp_path / 'result.json') as f: f.write(b'{}')
    finally: os.umask(old)
    assert (tmp_path / 'result.json').stat().st_mode & 0o777 == 0o640
