"""Training spread over processes, started as users start it: by PyTorch's launcher torchrun, gloo on CPU.
Two processes sharing a global batch of 15 (shares of 8 and 7) end with the parameters of one process with that
batch, and do not without the share's loss weight; a two-process run that validates on rank 0 and is killed in the
middle of an epoch resumes to the loss of an uninterrupted one; --stop-at stops both processes; resuming with another
number of processes is refused with the command to use. (`nbs/16_distributed.ipynb` explains the design.)"""
import json, os, signal, subprocess, sys, textwrap, time
from pathlib import Path

import pytest
import torch

from svge.vae import SVGe, SVGeConfig

TORCHRUN = [sys.executable, '-m', 'torch.distributed.run', '--nproc-per-node']   # what the torchrun script runs
# a small run end to end: few training graphs, cheap evaluation
SMALL = ['--max-train', '320', '--batch-size', '16', '--epochs', '3', '--validate', '32', '--decodings', '1',
         '--prior-points', '8', '--prior-decodings', '1', '--precision', 'float32', '--device', 'cpu']

TRAIN_STEPS = textwrap.dedent('''
    import sys, torch
    from svge.distributed import start_world, stop_world, wait
    from svge.graphs import DenseGraphs, NB201Space
    from svge.train import TrainConfig
    from svge.run import Trainer
    from svge.vae import SVGeConfig
    from svge.distributed import World
    if sys.argv[2] == 'unweighted': World.loss_weight = lambda self, share, batch: 1.0     # the negative control
    world = start_world(torch.device('cpu'))
    graphs = DenseGraphs.from_graphs(NB201Space().sample(101, seed=0))     # batches of 15 (8 + 7), the last of 11 (6 + 5)
    config = TrainConfig(recipe='fast', epochs=2, batch_size=15, lr=2e-3, schedule='onecycle', warmup=0.1, clip=5.0,
                         edge_loss='sum', device='cpu')
    trainer = Trainer(SVGeConfig.from_space('nb201', node_dim=32, latent_dim=8), config, progress=False, world=world)
    history = trainer.fit(graphs)
    if world.is_main: torch.save(dict(model=trainer.model.state_dict(), history=history), sys.argv[1])
    del trainer        # its DDP wrapper holds the group: gloo torn down only as Python exits can abort a finished process
    wait(world)        # leave the group together: a process that tore gloo down while its peer still wrote once aborted
    stop_world()
''')


def run(args, cwd, **kwargs):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600, **kwargs)


def test_two_processes_take_the_steps_of_one(tmp_path):
    script = tmp_path / 'train_steps.py'
    script.write_text(TRAIN_STEPS)
    for name, processes, weighting in (('one', 1, 'weighted'), ('two', 2, 'weighted'), ('unweighted', 2, 'unweighted')):
        launch = [sys.executable] if processes == 1 else TORCHRUN + [str(processes)]
        done = run(launch + [str(script), str(tmp_path / f'{name}.pt'), weighting], tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
    one, two, unweighted = (torch.load(tmp_path / f'{n}.pt', weights_only=False) for n in ('one', 'two', 'unweighted'))
    assert len(one['history']) == len(two['history']) == 2
    for name, value in one['model'].items():             # 14 optimiser steps in float32: equal up to the order of additions
        torch.testing.assert_close(two['model'][name], value, rtol=1e-4, atol=1e-5, msg=name)
    # the plain mean of each share weighs the 7 graphs of process 1 like the 8 of process 0: another run
    assert not all(torch.allclose(unweighted['model'][k], v, rtol=1e-4, atol=1e-5) for k, v in one['model'].items())
    for a, b in zip(one['history'], two['history']):      # the epoch's loss terms, added up over the processes
        assert a['loss'] == pytest.approx(b['loss'], rel=1e-5)
    torch.manual_seed(1)                                  # the trainer's seed: the parameters both runs started from
    start = SVGe(SVGeConfig.from_space('nb201', node_dim=32, latent_dim=8)).state_dict()
    assert max((one['model'][k] - start[k]).abs().max().item() for k in start) > 1e-3     # training moved them


def descendants(pid: int) -> list[int]:
    "The processes below `pid` (Linux /proc; torchrun starts its workers in sessions of their own)."
    children = [int(c) for task in Path(f'/proc/{pid}/task').iterdir() for c in (task / 'children').read_text().split()]
    return [d for c in children for d in (c, *descendants(c))]


@pytest.fixture(scope='module')
def killed_and_resumed(tmp_path_factory):
    "A two-process run killed during its second epoch, then resumed with --resume; and the same run uninterrupted."
    tmp = tmp_path_factory.mktemp('torchrun')
    whole = run(TORCHRUN + ['2', '-m', 'svge', 'train', *SMALL, '--out', 'whole'], tmp)
    assert whole.returncode == 0, whole.stderr[-3000:]
    launcher = subprocess.Popen(TORCHRUN + ['2', '-m', 'svge', 'train', *SMALL, '--out', 'cut'], cwd=tmp,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoint, deadline = tmp / 'cut' / 'checkpoint.pt', time.time() + 300
    while not checkpoint.exists() and time.time() < deadline and launcher.poll() is None:   # written after epoch 1's log
        time.sleep(0.05)
    for pid in [*descendants(launcher.pid), launcher.pid]:   # both processes, then the launcher: a crash in epoch 2
        os.kill(pid, signal.SIGKILL)
    launcher.wait()
    time.sleep(0.5)
    state = torch.load(checkpoint, weights_only=False)
    killed_at = state['epoch']
    resumed = run(TORCHRUN + ['2', '-m', 'svge', 'train', '--resume', '--out', 'cut'], tmp)
    return tmp, killed_at, whole, resumed


def test_a_killed_run_resumes_to_the_same_loss(killed_and_resumed):
    tmp, killed_at, whole, resumed = killed_and_resumed
    assert killed_at < 3, 'the run finished before it was killed'
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"resumed after epoch {killed_at}" in resumed.stdout, resumed.stdout[:300]
    a, b = (json.loads((tmp / name / 'results.json').read_text()) for name in ('whole', 'cut'))
    assert a['processes'] == b['processes'] == 2 and a['epochs'] == b['epochs'] == 3
    assert b['final_loss'] == pytest.approx(a['final_loss'], rel=1e-6)
    rows = [json.loads(line) for line in (tmp / 'cut' / 'metrics.jsonl').read_text().splitlines()]
    assert [r['epoch'] for r in rows] == [1, 2, 3]        # one row per epoch: the cut epoch was not logged twice


def test_stop_at_stops_every_process(tmp_path):
    stopped = run(TORCHRUN + ['2', '-m', 'svge', 'train', *SMALL, '--stop-at', '0', '--out', 'stopped'], tmp_path)
    assert stopped.returncode == 0, stopped.stderr[-3000:]          # rank 1 did not wait for an epoch rank 0 never ran
    results = json.loads((tmp_path / 'stopped' / 'results.json').read_text())
    assert results['epochs'] == 1 and results['processes'] == 2


def test_another_world_size_on_resume_is_refused(killed_and_resumed):
    tmp = killed_and_resumed[0]
    before = {p.name: p.stat().st_mtime_ns for p in (tmp / 'cut').iterdir()}
    alone = run([sys.executable, '-m', 'svge', 'train', '--resume', '--out', 'cut'], tmp)
    assert alone.returncode == 2
    assert 'written by 2 processes, resumed by 1' in alone.stderr and 'torchrun --nproc-per-node 2' in alone.stderr
    assert len(alone.stderr.strip().splitlines()) == 1                       # the package's one line, no traceback
    assert {p.name: p.stat().st_mtime_ns for p in (tmp / 'cut').iterdir()} == before   # nothing written
