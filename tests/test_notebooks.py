"Run every notebook through nbdev's test runner: one pytest test per notebook (cells flagged `slow` are skipped)."
from pathlib import Path

import pytest
from nbdev.config import get_config
from nbdev import test as nbdev_test_runner  # imported as a module so pytest does not collect test_nb itself

NBS = Path(__file__).resolve().parent.parent / 'nbs'
NOTEBOOKS = sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith('_'))


@pytest.mark.parametrize('notebook', NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook(notebook, monkeypatch):
    monkeypatch.chdir(notebook.parent)  # notebooks run from nbs/, as under nbdev-test
    skip_flags = get_config(NBS).tst_flags.split()
    passed, _ = nbdev_test_runner.test_nb(notebook, skip_flags=skip_flags, basepath=NBS.parent)
    assert passed, f'{notebook.name} failed (its traceback is printed above)'


FIGURE_CALLS = ('plt.', 'sns.', 'plot_', 'draw_graph(', '.plot(', 'imshow(')


def _draws(source: str) -> bool:
    if source.startswith(('#| export', '#| hide', 'show_doc(')): return False   # definitions, set-up and API docs draw nothing
    code = '\n'.join(line for line in source.splitlines() if not line.lstrip().startswith('#'))
    return (any(call in code for call in FIGURE_CALLS) and 'def ' not in code and 'path=' not in code
            and 'plt.close(' not in code)                                  # a cell that closes its figures shows none


@pytest.mark.parametrize('notebook', NOTEBOOKS, ids=lambda p: p.stem)
def test_figures_are_committed(notebook):
    """Notebooks are committed executed, so a reader sees the figures without running anything: every cell that
    draws one has its PNG stored (a `slow` cell only once it has been run; cells that write figures to files or close them
    and cells that define plotting functions draw nothing themselves)."""
    import json
    missing = []
    for cell in json.loads(notebook.read_text())['cells']:
        source = ''.join(cell['source'])
        if cell['cell_type'] != 'code' or not _draws(source): continue
        if '#| slow' in source and not cell['outputs']: continue
        if not any('image/png' in o.get('data', {}) for o in cell['outputs']): missing.append(source.splitlines()[0][:70])
    assert not missing, f'{notebook.name}: figure cells without a stored image (run nbdev-test --save): {missing}'


def test_repository_stays_small():
    "The executed notebooks (with their PNGs) stay small enough to clone quickly: under 12 MB together."
    total = sum(p.stat().st_size for p in NOTEBOOKS)
    assert total < 12e6, f'notebooks take {total / 1e6:.1f} MB; lower the DPI of the largest figures'
