"""The course (course/): the committed student versions are what nbgrader generates from the sources, and nbgrader's
autograder gives every source version full marks, every student version zero, a deliberately wrong solution exactly
the points of the tests that check what it got wrong, and a correct solution written differently full marks. One
grading run covers all four."""
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

# One correct solution per exercise written differently from the source's (loops instead of tensors, another
# formula, a library function): it must score full marks, so the tests check behaviour, not one way of writing it.
ALTERNATIVES = {
    'adjacency': """
    n = max_nodes or graph.num_nodes
    adj = torch.zeros(n, n, dtype=torch.bool)
    for u, v in graph.edges: adj[u, v] = True
    return adj""",
    'forward_messages': """
    B, N, d = h.shape
    summed = [[h.new_zeros(2 * d) for _ in range(N)] for _ in range(B)]
    for b, u, v in adj.nonzero().tolist():                  # one message per edge u -> v
        summed[b][v] = summed[b][v] + layer.msg(torch.cat([h[b, u], h[b, v]]))
    incoming = torch.stack([torch.stack(row) for row in summed])
    return layer.gru(incoming.reshape(B * N, 2 * d), h.reshape(B * N, d)).reshape(B, N, d)""",
    'two_sided': """
    half = h.shape[-1] // 2
    along, against = h[..., :half], h[..., half:]
    for f, b in zip(gnn.forward_layers, gnn.backward_layers):
        along, against = forward_messages(f, along, adj), forward_messages(b, against, adj.transpose(1, 2))
    return torch.cat([along, against], dim=-1)""",
    'decoder_step': """
    states, h_graph, h_init = gen.summarise(states, adj)
    logits = gen.type_head(torch.cat([h_graph, z], dim=1))
    loss = -torch.log_softmax(logits, -1).gather(1, next_type[:, None])[:, 0]
    new_state = gen.node_init(torch.cat([gen.embedding(next_type), h_init, z], dim=1))
    t = states.shape[1]
    if t > 1:                                                 # every pair [h_u; h_new; h_G; z] through the edge MLP
        pairs = torch.cat([states, new_state[:, None].expand(-1, t, -1), h_graph[:, None].expand(-1, t, -1),
                           z[:, None].expand(-1, t, -1)], -1)
        p = torch.sigmoid(gen.edge_head(pairs)[..., 0])
        loss = loss - (next_edges * torch.log(p) + (1 - next_edges) * torch.log1p(-p)).mean(1)
    return loss, torch.cat([states, new_state.unsqueeze(1)], dim=1)""",
    'teacher_forcing_loss': """
    adj = graphs.adj.to(z.dtype)
    states = gen.start_init(torch.cat([gen.embedding(graphs.types[:, 0]), z], 1)).unsqueeze(1)
    steps = []
    for t in range(1, graphs.types.shape[1]):
        step, states = decoder_step(gen, states, adj[:, :t, :t], z, graphs.types[:, t], adj[:, :t, t])
        steps.append(step)
    return torch.stack(steps, 1).sum(1)""",
    'reparameterise': """
    sigma = torch.sqrt(torch.exp(logvar))
    return mu + sigma * eps * noise_scale""",
    'kl_divergence': """
    variance = torch.exp(logvar)
    return torch.sum(0.5 * (variance + mu * mu - 1.0 - logvar), dim=1)""",
    'elbo_loss': """
    mu, logvar = model.encode(graphs)
    z = reparameterise(mu, logvar, eps, noise_scale=model.config.noise_scale)
    if beta is None: beta = model.config.kl_weight
    return model.recon_loss(graphs, z).mean() + beta * kl_divergence(mu, logvar).mean()""",
    'spearman': """
    from scipy.stats import rankdata                          # average ranks for ties
    ra, rb = rankdata(a), rankdata(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    return float((ra * rb).sum() / np.sqrt((ra ** 2).sum() * (rb ** 2).sum()))""",
    'fit_predictor': """
    torch.manual_seed(seed)
    centre, scale = x.mean(dim=0, keepdim=True), x.std(dim=0, keepdim=True) + 1e-8
    target = (y - y.mean()) / y.std()
    model = Predictor(x.shape[1])
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(steps):
        optimiser.zero_grad()
        ((model((x - centre) / scale) - target) ** 2).mean().backward()
        optimiser.step()
    return lambda codes: model((codes - centre) / scale).detach() * y.std() + y.mean()""",
    'rank_cells': """
    scores = predict(codes).tolist()
    order = sorted(range(len(cells)), key=lambda i: scores[i], reverse=True)[:top]
    return [(scores[i], cells[i]) for i in order]""",
    'best_so_far': """
    best, running = -np.inf, []
    for v in values:
        if v is not None and v > best: best = v
        running.append(best)
    return np.array(running, dtype=float)""",
    'mutate': """
    types = list(cell.types)
    position = int(rng.integers(1, 7))
    others = [t for t in op_types if t != types[position]]
    types[position] = others[int(rng.integers(len(others)))]
    return ArchGraph(tuple(types), cell.edges)""",
    'propose': """
    copies = -(-pool // len(parents))
    z = torch.cat([parents] * copies)[:pool]
    z = z + spread * torch.randn(z.shape, generator=rng, dtype=z.dtype)
    candidates, kept = [], set()
    for c in codec.decode(z):
        if c is None or c in evaluated or c in kept: continue
        kept.add(c); candidates.append(c)
    if not candidates: return []
    scores = predict(codec.encode(candidates)).tolist()
    best = sorted(range(len(candidates)), key=lambda i: scores[i], reverse=True)[:batch]
    return [candidates[i] for i in best]""",
}

def _solution_cells(notebook: dict):
    return [c for c in notebook['cells'] if c['metadata'].get('nbgrader', {}).get('solution')]

# The first alternative of each assignment also warns (as a deprecated call in a student's code would): a warning on
# stderr must not cost points, which nbgrader alone would take (course/nbgrader_config.py drops stderr before scoring).
WARNS = "\n    import warnings; warnings.warn('a warning from a correct solution must not cost points')"

def _alternative(source: dict) -> dict:
    "The source notebook with every solution replaced by its alternative (the first of them also warning)."
    notebook = json.loads(json.dumps(source))
    for k, cell in enumerate(_solution_cells(notebook)):
        text = ''.join(cell['source'])
        head, rest = text.split('### BEGIN SOLUTION')
        _, tail = rest.split('### END SOLUTION')
        body = (WARNS if k == 0 else '') + ALTERNATIVES[cell['metadata']['nbgrader']['grade_id']]
        cell['source'] = (head + '### BEGIN SOLUTION' + body + '\n    ### END SOLUTION' + tail).splitlines(keepends=True)
    return notebook

def _notebook(root: Path, name: str) -> Path: return root / name / f'{name}.ipynb'

@pytest.fixture(scope='module')
def graded(tmp_path_factory):
    "Grade, for every assignment, the source version, the student version, the wrong and the alternative solutions, in one nbgrader run."
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
        other = _notebook(submitted / 'alternative', name)
        other.parent.mkdir(parents=True)
        other.write_text(json.dumps(_alternative(json.loads(right_text)), indent=1))
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

def test_every_exercise_has_an_alternative():
    ids = [c['metadata']['nbgrader']['grade_id'] for name in manage.assignments()
           for c in _solution_cells(json.loads(_notebook(COURSE / 'source', name).read_text()))]
    assert sorted(ids) == sorted(ALTERNATIVES)

def test_alternative_solutions_score_full_marks(graded):
    rows, _ = graded
    for name in manage.assignments():
        row = rows['alternative', name]
        assert row['score'] == rows['reference', name]['max_score'], (name, row['cells'])

def test_a_warning_costs_no_points():
    "nbgrader alone scores a graded cell with stderr output zero; the course's DropStderr removes it, an error stays."
    import nbformat, runpy
    from nbgrader.utils import determine_grade
    settings = runpy.run_path(str(COURSE / 'nbgrader_config.py'), init_globals={'get_config': lambda: __import__('traitlets.config', fromlist=['Config']).Config()})
    drop = settings['DropStderr']()
    def graded_cell(*outputs):
        return nbformat.v4.new_code_cell('check()', outputs=list(outputs), metadata=dict(nbgrader=dict(
            grade=True, solution=False, locked=True, grade_id='t', points=2, schema_version=3)))
    warned = graded_cell(nbformat.v4.new_output('stream', name='stderr', text='UserWarning: deprecated\n'))
    assert determine_grade(warned)[0] == 0                                       # what nbgrader does on its own
    assert determine_grade(drop.preprocess_cell(warned, {}, 0)[0])[0] == 2        # with the course's settings
    failed = graded_cell(nbformat.v4.new_output('error', ename='AssertionError', evalue='', traceback=[]),
                         nbformat.v4.new_output('stream', name='stderr', text='warning\n'))
    assert determine_grade(drop.preprocess_cell(failed, {}, 0)[0])[0] == 0        # an error still scores zero
    assert settings['DropStderr'] in settings['c'].Autograde.autograde_preprocessors


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
