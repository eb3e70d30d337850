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
