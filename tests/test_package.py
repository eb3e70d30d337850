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


def test_time_to_quality_script_writes_its_curve(tmp_path):
    "benchmarks/time_to_quality.py at toy size: a validation curve for both merges, milestones, graphs/s per batch size."
    import json, sys
    from pathlib import Path
    script = Path(__file__).parents[1] / 'benchmarks' / 'time_to_quality.py'
    out = tmp_path / 'ttq.json'
    result = subprocess.run([sys.executable, str(script), '--space', 'nb201', '--epochs', '2', '--max-train', '96',
                             '--val-size', '32', '--decodings', '2', '--batch-sizes', '4', '8', '--json', str(out)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report['train_graphs'] == 96 and report['val_graphs'] == 32 and report['train_config']['recipe'] == 'fast'
    assert set(report['train_graphs_per_s']) == {'4', '8'} and min(report['train_graphs_per_s'].values()) > 0
    assert [r['epoch'] for r in report['curve']] == [1, 2]
    for row in report['curve']: assert 0 <= row['val_forward'] <= 1 and 0 <= row['val_union'] <= 1
    assert set(report['minutes_to']) == {'forward', 'union'} and set(report['minutes_to']['forward']) == {'50%', '90%', '99%'}
