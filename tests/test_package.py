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
    assert results['recipe'] == 'fast' and 0 <= results['reconstruction_union'] <= 1
    log = [json.loads(line) for line in (out / 'metrics.jsonl').read_text().splitlines()]
    assert 0 <= log[0]['val_forward'] <= 1 and log[0]['train_seconds'] > 0     # validation on 6 held-out graphs
    for key in ('reconstruction', 'validity', 'uniqueness', 'novelty'):
        assert 0 <= results[key] <= 1
    for name in ('checkpoint.pt', 'metrics.jsonl', 'losses.png', 'latent.png', 'samples.png', 'interpolation.png'):
        assert (out / name).exists(), name
    clash = subprocess.run(toy[:-8] + ['--lr', '1e-2'], capture_output=True, text=True, timeout=600)
    assert clash.returncode == 2 and 'another run' in clash.stderr
    again = subprocess.run(['svge', 'evaluate', '--out', str(out), '--decodings', '2', '--prior-points', '10',
                            '--prior-decodings', '1'], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert json.loads((out / 'results.json').read_text())['decodings'] == 2 * 1563
    # benchmarks/gp_settings.py on this run: every GP setting fitted on the training split, scored on the 6 validation cells
    import sys
    from pathlib import Path
    import pandas as pd
    script, table = Path(__file__).parents[1] / 'benchmarks' / 'gp_settings.py', tmp_path / 'gp.csv'
    gp = subprocess.run([sys.executable, str(script), str(out), '--csv', str(table)], capture_output=True, text=True, timeout=600)
    assert gp.returncode == 0, gp.stderr
    rows = pd.read_csv(table)
    assert len(rows) == 10 and set(rows['dtype']) == {'float64', 'float32'} and (rows['val'] == 6).all()
    assert (rows['seconds'] > 0).all() and (rows['gp_rmse'] >= 0).all() and rows['gp_pearson'].between(-1, 1).all()


def test_console_scripts_finetune_and_predict(tmp_path):
    "`svge train` on a labelled CSV, `svge finetune` on the run, `svge predict` on a file of architecture strings."
    import json
    import pandas as pd
    space = NB201Space()
    cells = space.sample(240, seed=0)
    # a made-up accuracy that depends on the cell: more 3x3 convolutions, higher accuracy
    accuracy = [50 + 5 * space.to_native(g).count('nor_conv_3x3') for g in cells]
    csv = tmp_path / 'labels.csv'
    pd.DataFrame({'ArchitectureString': [space.to_native(g) for g in cells],
                  'CIFAR10TestAccuracy200Epochs': accuracy}).to_csv(csv, index=False)
    run = tmp_path / 'run'
    train = ['svge', 'train', '--data', str(csv), '--out', str(run), '--epochs', '1', '--lr', '1e-3',
             '--decodings', '1', '--prior-points', '10', '--prior-decodings', '1']
    result = subprocess.run(train, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert json.loads((run / 'results.json').read_text())['target'] == 'cifar10_200ep_test_acc'
    finetune = ['svge', 'finetune', '--run', str(run), '--target', 'cifar10_200ep_test_acc', '--train-size', '100',
                '--epochs', '2']
    result = subprocess.run(finetune, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    results = json.loads((run / 'predictor_results.json').read_text())
    assert results['train_size'] == 100 and results['test_size'] == 24 and results['rmse'] > 0
    rest = subprocess.run(finetune + ['--rank-rest', '--out', str(tmp_path / 'rest')], capture_output=True, text=True, timeout=600)
    assert rest.returncode == 0, rest.stderr
    ranked_rest = json.loads((tmp_path / 'rest' / 'predictor_results.json').read_text())
    assert ranked_rest['test_size'] == 240 - 100 and 1 <= ranked_rest['top_predicted_true_rank'] <= 140
    archs = tmp_path / 'archs.txt'
    archs.write_text('\n'.join(space.to_native(g) for g in space.sample(30, seed=9)) + '\n')
    result = subprocess.run(['svge', 'predict', '--model', str(run), '--archs', str(archs), '--top', '5'],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    ranked = [line for line in result.stdout.splitlines() if line.strip().startswith(('1 ', '2 ', '3 ', '4 ', '5 '))]
    assert len(ranked) == 5 and '|' in ranked[0]
    scores = [float(line.split()[1]) for line in ranked]
    assert scores == sorted(scores, reverse=True)


def test_benchmark_script_writes_its_table(tmp_path):
    "benchmarks/throughput.py at toy size: every job measured, figures positive, the profile's share a fraction."
    import json, sys
    from pathlib import Path
    script = Path(__file__).parents[1] / 'benchmarks' / 'throughput.py'
    out = tmp_path / 'throughput.json'
    result = subprocess.run([sys.executable, str(script), '--batch-size', '4', '--decode-batch', '16', '--repeats', '1',
                             '--profile', '--json', str(out)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    table = json.loads(out.read_text())
    jobs = [row['job'] for row in table['rows']]
    assert len(jobs) == 4 and jobs[0].startswith('train step') and jobs[-1].startswith('encode'), jobs
    assert all(row['graphs_per_s'] > 0 and row['mflop_per_graph'] > 0 for row in table['rows'])
    assert 0 < table['profile']['products_share'] < 1 and table['profile']['top_other']
    assert 'graphs/s' in result.stdout and 'matrix products' in result.stdout


def test_main_job_script_adds_a_row(tmp_path):
    "benchmarks/main_job.py at toy size, laptop-like: the job runs, a row is added to the table with the CPU it saw, a used --out is refused."
    import csv, sys
    from pathlib import Path
    script = Path(__file__).parents[1] / 'benchmarks' / 'main_job.py'
    table, out = tmp_path / 'main_job.csv', tmp_path / 'run'
    toy = ['--max-train', '64', '--epochs', '1', '--validate', '0', '--decodings', '1', '--prior-points', '5', '--prior-decodings', '1']
    for label in ('first', 'second'):
        run = out.with_name(label)
        result = subprocess.run([sys.executable, str(script), '--out', str(run), '--laptop', '--label', label, '--csv', str(table),
                                 '--', *toy], capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(table.open()))
    assert [r['recipe'] for r in rows] == ['first', 'second']
    assert all(r['cpu'].endswith('kernels restricted to AVX2') and r['precision'] == 'float32' for r in rows)
    assert all(float(r['wall_seconds']) >= float(r['train_seconds']) > 0 and 0 <= float(r['reconstruction_forward']) <= 1 for r in rows)
    again = subprocess.run([sys.executable, str(script), '--out', str(tmp_path / 'first'), '--csv', str(table)],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 2 and 'already holds a run' in again.stderr and len(list(csv.DictReader(table.open()))) == 2


def test_time_to_quality_script_writes_its_curve(tmp_path):
    "benchmarks/time_to_quality.py at toy size: validation curve (both merges), milestones, graphs/s, the model config."
    import json, sys
    from pathlib import Path
    script = Path(__file__).parents[1] / 'benchmarks' / 'time_to_quality.py'
    out = tmp_path / 'ttq.json'
    result = subprocess.run([sys.executable, str(script), '--space', 'nb201', '--epochs', '2', '--max-train', '96',
                             '--val-size', '32', '--decodings', '2', '--batch-sizes', '4', '8', '--beta', '0.001', '--json', str(out)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report['train_graphs'] == 96 and report['val_graphs'] == 32 and report['train_config']['recipe'] == 'fast'
    assert abs(report['model_config']['kl_weight'] - 0.001 * 32) < 1e-12 and report['model_config']['node_dim'] == 128   # --beta, the recipe's width
    assert set(report['train_graphs_per_s']) == {'4', '8'} and min(report['train_graphs_per_s'].values()) > 0
    assert [r['epoch'] for r in report['curve']] == [1, 2]
    for row in report['curve']: assert 0 <= row['val_forward'] <= 1 and 0 <= row['val_union'] <= 1
    assert set(report['minutes_to']) == {'forward', 'union'} and set(report['minutes_to']['forward']) == {'50%', '90%', '99%'}


# Input checked before anything is written: bad numbers, refused starts, resuming with the stored settings, broken runs.

def _svge(capsys, *argv) -> tuple[int, str]:
    "`svge argv` in this process (fast: torch is imported once): exit code (argparse's included) and stderr."
    from svge.cli import main
    capsys.readouterr()
    try: code = main([str(a) for a in argv])
    except SystemExit as e: code = e.code
    return code, capsys.readouterr().err


def _labelled_csv(path, cells: int = 240):
    "A small NB201 table with a made-up accuracy, so a toy run evaluates on 24 test graphs."
    import pandas as pd
    space = NB201Space()
    sample = space.sample(cells, seed=0)
    pd.DataFrame({'ArchitectureString': [space.to_native(g) for g in sample],
                  'CIFAR10TestAccuracy200Epochs': [50 + 5 * space.to_native(g).count('nor_conv_3x3') for g in sample]}).to_csv(path, index=False)
    return path


def _files(folder) -> dict:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_bad_numbers_are_refused_by_argparse(tmp_path, capsys):
    "Every numeric flag is checked against its minimum by argparse: its one-line error, exit code 2, nothing on disk."
    out = tmp_path / 'run'
    result = subprocess.run(['svge', 'train', '--epochs', '0', '--out', str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and 'Traceback' not in result.stderr
    assert result.stderr.splitlines()[-1] == "svge train: error: argument --epochs: must be a whole number from 1 to 10,000, got '0' (see svge train --help)"
    assert not out.exists()
    cases = [('train', '--epochs', '-2'), ('train', '--batch-size', '0'), ('train', '--lr', '0'), ('train', '--lr', 'nan'),
             ('train', '--validate', '-1'), ('train', '--stop-at', '1.5'), ('train', '--seed', '-1'), ('train', '--decodings', '0'),
             ('train', '--prior-points', '0'), ('train', '--prior-decodings', '0'), ('train', '--max-train', '0'),
             ('train', '--epochs', '2.5'), ('train', '--node-dim', '0'), ('train', '--node-dim', '65'), ('train', '--kl-warmup', '-0.5'),
             ('evaluate', '--decodings', '0'), ('evaluate', '--prior-points', '0'),
             ('evaluate', '--prior-decodings', '0'), ('finetune', '--train-size', '0'), ('finetune', '--epochs', '0'),
             ('finetune', '--lr', '-0.1'), ('predict', '--top', '0'), ('search', '--budget', '0'), ('search', '--seeds', '0'),
             ('search', '--initial', '0'), ('search', '--batch', '0'), ('space', '--samples', '0')]
    required = {'train': ['--out', out], 'evaluate': ['--out', out], 'finetune': ['--run', out, '--target', 'val_acc'],
                'predict': ['--model', out, '--archs', tmp_path / 'archs.txt'], 'search': ['--run', out, '--out', out], 'space': []}
    for command, name, value in cases:
        code, err = _svge(capsys, command, *required[command], name, value)
        assert code == 2, (command, name, value)
        assert err.splitlines()[-1].startswith(f'svge {command}: error: argument {name}: must be ') and f"got '{value}'" in err, err
    assert list(tmp_path.iterdir()) == []


def test_refused_start_writes_nothing_and_the_corrected_start_works(tmp_path, capsys):
    "A start refused for its flags, its data or a bad combination leaves no run directory; the corrected start in the same --out trains."
    import json
    out, csv = tmp_path / 'run', _labelled_csv(tmp_path / 'labels.csv')
    toy = ['train', '--data', csv, '--out', out, '--epochs', '1', '--max-train', '64', '--lr', '1e-3', '--decodings', '1',
           '--prior-points', '10', '--prior-decodings', '1']
    for extra, says in ((['--epochs', '0'], 'argument --epochs'),
                        (['--validate', '64'], '--validate 64 needs more than 64 training graphs'),
                        (['--recipe', 'paper', '--stop-at', '0.5'], 'holds out no graphs'),
                        (['--target', 'no_such_column'], "No label 'no_such_column'"),
                        (['--data', tmp_path / 'missing.csv'], 'does not exist'),
                        (['--device', 'gpu'], "--device 'gpu' is not a device")):
        code, err = _svge(capsys, *toy, *extra)
        assert code == 2 and says in err.splitlines()[-1] and 'Traceback' not in err, (extra, err)
        assert not out.exists(), extra
    code, err = _svge(capsys, *toy)
    assert code == 0, err
    results = json.loads((out / 'results.json').read_text())
    assert results['epochs'] == 1 and results['decodings'] == 24 and results['target'] == 'cifar10_200ep_test_acc'


def test_resume_continues_with_the_stored_settings(tmp_path, capsys):
    """`--resume --out R` alone continues R with its stored training and evaluation settings; a flag that contradicts them
    is refused, naming each setting and its stored value; a corrupt checkpoint is named. Refusals write nothing."""
    import json
    out, csv = tmp_path / 'run', _labelled_csv(tmp_path / 'labels.csv')
    code, err = _svge(capsys, 'train', '--data', csv, '--out', out, '--recipe', 'paper', '--epochs', '1', '--max-train', '64',
                      '--lr', '1e-3', '--decodings', '2', '--prior-points', '10', '--prior-decodings', '3')
    assert code == 0, err
    config = json.loads((out / 'config.json').read_text())
    assert config['evaluation'] == {'decodings': 2, 'prior_points': 10, 'prior_decodings': 3} and config['max_train'] == 64
    code, err = _svge(capsys, 'train', '--resume', '--out', out, '--epochs', '2')       # the paper recipe may train further
    assert code == 0, err
    results = json.loads((out / 'results.json').read_text())
    assert results['epochs'] == 2 and results['decodings'] == 2 * 24 and results['samples'] == 10 * 3
    assert len((out / 'metrics.jsonl').read_text().splitlines()) == 2
    config = json.loads((out / 'config.json').read_text())
    assert config['train']['epochs'] == 2 and config['train']['lr'] == 1e-3 and config['max_train'] == 64
    assert config['data'] == str(csv) and config['evaluation']['decodings'] == 2
    before = _files(out)
    code, err = _svge(capsys, 'train', '--resume', '--out', out, '--lr', '1e-2', '--max-train', '100', '--prior-points', '10')
    assert code == 2 and err.count('\n') == 1, err
    assert '--lr 0.01 (stored: 0.001)' in err and '--max-train 100 (stored: 64)' in err and '--prior-points' not in err
    code, err = _svge(capsys, 'train', '--resume', '--out', out, '--decodings', '100')
    assert code == 2 and '--decodings 100 (stored: 2)' in err and 'svge evaluate' in err
    assert _files(out) == before
    (out / 'checkpoint.pt').write_bytes(b'not a checkpoint')
    for argv in (['train', '--resume', '--out', out], ['evaluate', '--out', out, '--decodings', '1']):
        code, err = _svge(capsys, *argv)
        assert code == 2 and err.count('\n') == 1 and f'{out / "checkpoint.pt"}: unreadable checkpoint' in err, err
    assert _files(out) == {**before, 'checkpoint.pt': b'not a checkpoint'}


def test_broken_config_json_is_named(tmp_path, capsys):
    "A config.json that is not JSON, lacks keys or has values of the wrong type: one line naming the file and what to do."
    import json
    out = tmp_path / 'run'
    out.mkdir()
    config = out / 'config.json'
    config.write_text('{"model": {"space": "nb201"}, "train": }')
    result = subprocess.run(['svge', 'train', '--resume', '--out', str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and 'Traceback' not in result.stderr
    assert result.stderr == (f'svge train: error: {config} is not valid JSON (line 1 column 40: Expecting value): '
                             'fix it, or start the run in a new --out.\n')
    for text, says in (('{"model": {"space": "nb201"}, "train": ', 'is not valid JSON (line 1 column'),
                       ('{}', 'lacks model, train, data'),
                       (json.dumps({'model': {'space': 'nb201'}, 'train': {'recipe': 'fast', 'epochs': 'ten', 'lr': 1e-3,
                                                                           'seed': 1, 'schedule': 'onecycle'}, 'data': 'x.csv'}),
                        'has train.epochs = "ten", expected int')):
        config.write_text(text)
        for argv in (['train', '--out', out], ['train', '--resume', '--out', out], ['evaluate', '--out', out],
                     ['finetune', '--run', out, '--target', 'val_acc']):
            code, err = _svge(capsys, *argv)
            assert code == 2 and err.count('\n') == 1 and f'{config} {says}' in err and 'fix it' in err, (argv, err)
        assert _files(out) == {'config.json': text.encode()}
