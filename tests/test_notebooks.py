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
