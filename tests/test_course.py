"""The course (course/): the committed student versions are what nbgrader generates from the sources, and nbgrader's
autograder gives every source version full marks, every student version zero, and a deliberately wrong solution
exactly the points of the tests that check what it got wrong. One grading run covers all three."""
import json, shutil, sys
from pathlib import Path

import pytest

COURSE = Path(__file__).resolve().parents[1] / 'course'
sys.path.insert(0, str(COURSE))
import manage  # noqa: E402  (course/manage.py)

# One wrong solution per assignment: (text in the source version, its wrong replacement, graded cells it must fail).
MISTAKES = {
    '01_message_passing': (  # messages only along the edges, on both sides
        "forward_messages(layer, against, adj.transpose(1, 2))", "forward_messages(layer, against, adj)",
        {'test_two_sided_values', 'test_reachability'}),
    '02_decoder_step': (  # the edge term summed over the candidate edges instead of averaged
        "loss = loss + edges.mean(1)", "loss = loss + edges.sum(1)",
        {'test_later_steps', 'test_teacher_forcing_values', 'test_teacher_forcing_gradients', 'test_teacher_forcing_batches'}),
    '03_elbo': (  # the KL term with the wrong sign
        "return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)", "return -0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)",
        {'test_kl_values', 'test_kl_gradients', 'test_elbo_matches_reference', 'test_beta_effect'}),
    '04_predictor': (  # the lowest predictions ranked first
        "best = scores.argsort(descending=True)[:top].tolist()", "best = scores.argsort()[:top].tolist()",
        {'test_rank_cells', 'test_extrapolation'}),
    '05_search': (  # proposing cells that were already evaluated
        "if c is not None and c not in evaluated))", "if c is not None))",
        {'test_propose', 'test_closed_loop'}),
}

def _notebook(root: Path, name: str) -> Path: return root / name / f'{name}.ipynb'

@pytest.fixture(scope='module')
def graded(tmp_path_factory):
    "Grade, for every assignment, the source version, the student version and the wrong solution, in one nbgrader run."
    tmp = tmp_path_factory.mktemp('course')
    submitted = tmp / 'submitted'
    for name in manage.assignments():
        for student, origin in (('reference', COURSE / 'source'), ('blank', COURSE / 'release')):
            (submitted / student / name).mkdir(parents=True)
            shutil.copy(_notebook(origin, name), _notebook(submitted / student, name))
        wrong, right_text = _notebook(submitted / 'mistake', name), _notebook(COURSE / 'source', name).read_text()
        old, new, _ = MISTAKES[name]
        assert json.dumps(old)[1:-1] in right_text, f'the mistake of {name} no longer matches its source'
        wrong.parent.mkdir(parents=True)
        wrong.write_text(right_text.replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1]))
    rows = manage.grade(submitted, keep=tmp / 'autograded')
    return {(r['student'], r['assignment']): r for r in rows}, tmp / 'autograded'

def test_every_assignment_has_a_mistake():
    assert sorted(MISTAKES) == manage.assignments()

def test_release_matches_generator():
    assert manage.check() == [], 'run: python course/manage.py release'

def test_source_versions_score_full_marks(graded):
    rows, _ = graded
    for name in manage.assignments():
        row = rows['reference', name]
        assert row['max_score'] > 0 and row['score'] == row['max_score'], (name, row['cells'])

def test_student_versions_score_zero_and_run_up_to_the_exercises(graded):
    rows, autograded = graded
    for name in manage.assignments():
        assert rows['blank', name]['score'] == 0, (name, rows['blank', name]['cells'])
        cells = json.loads(_notebook(autograded / 'blank', name).read_text())['cells']
        first_exercise = next(i for i, c in enumerate(cells) if c['metadata'].get('nbgrader', {}).get('solution'))
        for cell in cells[:first_exercise]:
            errors = [o for o in cell.get('outputs', []) if o['output_type'] == 'error']
            assert not errors, f'{name}: a cell before the first exercise fails: {errors[0]["ename"]}'
            if cell['cell_type'] == 'code': assert cell['execution_count'], f'{name}: a cell before the exercises did not run'

def test_a_wrong_solution_loses_exactly_the_points_that_test_it(graded):
    rows, _ = graded
    for name, (_, _, failing) in MISTAKES.items():
        full, wrong = rows['reference', name]['cells'], rows['mistake', name]['cells']
        lost = {cell for cell, points in wrong.items() if points < full[cell]}
        assert lost == failing, f'{name}: lost {sorted(lost)}, expected {sorted(failing)}'
        assert all(wrong[c] == 0 for c in failing)

def test_each_assignment_grades_in_five_minutes(graded):
    rows, _ = graded
    slow = {k: r['seconds'] for k, r in rows.items() if r['seconds'] > 300}
    assert not slow, f'over 5 minutes on this machine: {slow}'
