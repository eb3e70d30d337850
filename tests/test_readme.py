"The numbers the README quotes are the numbers in results/: a README figure that differs from its CSV fails here."
import re
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / 'README.md').read_text()
RESULTS = ROOT / 'results'


def row(label: str) -> str:
    "The README table row that starts with `| label |`."
    rows = [line for line in README.splitlines() if line.startswith(f'| {label} |')]
    assert len(rows) == 1, f'README has {len(rows)} table rows starting with {label!r}'
    return rows[0]


def cells(label: str) -> list[str]:
    "The cells of that row after the label, without bold marks."
    return [c.strip().replace('**', '') for c in row(label).strip('|').split('|')[1:]]


def pct(x: float) -> str: return f'{100 * x:.1f} %'


def tables():
    "benchmarks/tables.py, which makes the README's tables from results/."
    import importlib.util
    spec = importlib.util.spec_from_file_location('tables', ROOT / 'benchmarks' / 'tables.py')
    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('name', ['headline', 'claims', 'search'])
def test_tables_are_made_from_results(name):
    "The README holds each table exactly as benchmarks/tables.py makes it from today's results/ (and as results/<name>.md keeps it)."
    made = tables().TABLES[name]()
    assert (RESULTS / f'{name}.md').read_text() == made, f'results/{name}.md is stale: run python benchmarks/tables.py'
    assert made in README, f'README.md does not hold results/{name}.md: paste it in again'


def test_tables_say_what_the_csvs_say():
    "Spot checks of the table maker against the CSVs, so a wrong column in tables.py fails too."
    enas, nb101 = pd.read_csv(RESULTS / 'enas_vae.csv').iloc[0], pd.read_csv(RESULTS / 'nb101_vae.csv').iloc[0]
    forward = cells("reconstruction, forward merge (the original code's output)")
    assert forward[0] == pct(enas.reconstruction_forward) and forward[4] == pct(nb101.reconstruction_forward)
    predictor = pd.read_csv(RESULTS / 'enas_predictor.csv').iloc[0]
    assert cells('predictor, 1,000 labels: Spearman ρ, Kendall τ')[0] == f'{predictor.spearman:.2f}, {predictor.kendall:.2f}'
    assert f'Spearman ρ {predictor.seed_agreement_12_layers:.2f} between them' in README


@pytest.mark.parametrize('dataset,target', [('CIFAR-10', 'cifar10_200ep_test_acc'), ('CIFAR-100', 'cifar100_200ep_test_acc'),
                                            ('ImageNet16-120', 'ImageNet16-120_200ep_test_acc')])
def test_search_table_matches_results(dataset, target):
    "Spot checks of the search table against the CSVs: each method's column, and the seeds that found the best cell."
    summary, optimum = pd.read_csv(RESULTS / 'search_summary.csv'), pd.read_csv(RESULTS / 'search_optimum.csv')
    header = [c.strip() for c in next(l for l in README.splitlines() if l.startswith('| queries |')).strip('|').split('|')[1:]]
    names = {name: method for method, name in tables().SEARCH_METHODS.items()}
    labels = [line.split('|')[1].strip() for line in README.splitlines() if re.match(rf'\| {dataset}, \d+ \|', line)]
    assert labels, f'README quotes no {dataset} search results'
    for label in labels:
        budget = int(re.search(r', (\d+)$', label).group(1))
        at = summary[(summary.target == target) & (summary.budget == budget)].set_index('method')
        for name, cell in zip(header, cells(label)):
            if name in names and cell != '—':
                assert cell == f'{at.best_mean[names[name]]:.2f} ± {at.best_std[names[name]]:.2f}', (label, name, cell)
    found = optimum[optimum.target == target].set_index('method')
    for name, cell in zip(header, cells(f'{dataset}: found the best cell')):
        if name in names: assert cell.startswith(f'{found.found[names[name]]}/{found.seeds[names[name]]} by '), (name, cell)


def test_trained_models_table_matches_the_cards():
    "Every row of the README's table of shipped models is the model's card, and every shipped model has a row."
    import json
    models = sorted((ROOT / 'svge' / 'models').glob('*.json'))
    assert models
    for path in models:
        card = json.loads(path.read_text())
        test, head = card['test'], card['predictor']
        quoted = cells(card['name'])
        assert quoted[0] == f"`{card['command']}`: {card['epochs']} epochs, {card['train_minutes']:.1f} min", quoted
        gp = f"{test['gp_rmse']:.2f}, {test['gp_pearson']:.2f}" if test.get('gp_rmse') is not None else '— (no labels)'
        assert quoted[1:4] == [f"{100 * test['reconstruction_forward']:.2f} %", f"{100 * test['validity']:.2f} %", gp], quoted
        assert quoted[4] == (f"{head['target']}: Spearman ρ {head['test_spearman']:.2f}" if head else '— (no labels)'), quoted


def test_index_notebook_holds_the_readme():
    "The documentation's home page (nbs/index.ipynb) says what the README says, from the introduction to 'A first look'."
    import json
    index = json.loads((ROOT / 'nbs' / 'index.ipynb').read_text())
    body = README[README.index('`svge` reproduces'):README.index('## A first look')].strip()
    assert ''.join(index['cells'][1]['source']).strip() == body


def test_deviations_are_one_list():
    "The README's list of deviations is the one in nbs/11_results.ipynb."
    import json
    results = json.loads((ROOT / 'nbs' / '11_results.ipynb').read_text())
    listed = [''.join(c['source']) for c in results['cells'] if ''.join(c['source']).startswith('### Deliberate deviations')]
    assert len(listed) == 1
    def items(text: str) -> str: return text[text.index('- **'):].strip()
    readme = README[README.index('## Deliberate deviations'):README.index('## A first look')]
    assert items(listed[0]) == items(readme)
