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


def test_vae_table_matches_results():
    enas, nb201 = pd.read_csv(RESULTS / 'enas_vae.csv').iloc[0], pd.read_csv(RESULTS / 'nb201_vae.csv').iloc[0]
    forward = cells('reconstruction, forward merge (the original code\'s output)')
    assert forward[0].startswith(pct(enas.reconstruction_forward)) and forward[2].startswith(pct(nb201.reconstruction_forward))
    union = cells('reconstruction, union merge (the paper\'s description)')
    assert union[0] == pct(enas.reconstruction_union) and union[2] == pct(nb201.reconstruction_union)
    gp = cells('sparse GP on μ: RMSE (standardised), Pearson r')
    assert gp[0].startswith(f'{enas.gp_rmse:.2f}, {enas.gp_pearson:.2f}')
    assert gp[2].startswith(f'{nb201.gp_rmse:.2f}, {nb201.gp_pearson:.2f}')


def test_predictor_table_matches_results():
    enas, nb201 = pd.read_csv(RESULTS / 'enas_predictor.csv').iloc[0], pd.read_csv(RESULTS / 'nb201_predictor.csv').iloc[0]
    predictor = cells('predictor, 1,000 labels: Spearman ρ, Kendall τ')
    assert predictor[0].startswith(f'{enas.spearman:.2f}, {enas.kendall:.2f}')
    assert predictor[2].startswith(f'{nb201.spearman:.2f}, {nb201.kendall:.2f}')
    assert f'Spearman ρ {enas.seed_agreement_12_layers:.2f} between them ({enas.seed_agreement_6_layers:.2f} on 6-layer ones)' in README


@pytest.mark.parametrize('dataset,target', [('CIFAR-10', 'cifar10_200ep_test_acc'), ('CIFAR-100', 'cifar100_200ep_test_acc'),
                                            ('ImageNet16-120', 'ImageNet16-120_200ep_test_acc')])
def test_search_table_matches_results(dataset, target):
    summary = pd.read_csv(RESULTS / 'search_summary.csv')
    methods = ['bo', 'predictor', 'rea', 'random']                  # the README's column order
    labels = [line.split('|')[1].strip() for line in README.splitlines() if line.startswith(f'| {dataset}, ')]
    assert labels, f'README quotes no {dataset} search results'
    for label in labels:
        budget = int(re.search(r', (\d+)$', label).group(1))
        at = summary[(summary.target == target) & (summary.budget == budget)].set_index('method')
        quoted = cells(label)[:4]
        assert quoted == [f'{at.best_mean[m]:.2f} ± {at.best_std[m]:.2f}' for m in methods], (label, quoted)


def test_main_job_times_match_results():
    "The README's times of the main job are the ones in results/main_job.csv, with their reconstruction."
    jobs = pd.read_csv(RESULTS / 'main_job.csv')
    def clock(seconds: float) -> str: return f'{int(seconds // 60)} min {round(seconds % 60)} s'
    for _, job in jobs.iterrows():
        assert clock(job.wall_seconds) in README, f'README does not quote {clock(job.wall_seconds)} ({job.recipe}, {job.cpu})'
    for _, job in jobs[jobs.recipe.str.contains('svge train')].iterrows():
        assert pct(job.reconstruction_forward) in README, (job.recipe, job.cpu)


def test_nb101_sentence_matches_results():
    nb101 = pd.read_csv(RESULTS / 'nb101_vae.csv').iloc[0]
    assert f'{nb101.train_minutes:.0f} training minutes' in README
    assert f'{pct(nb101.reconstruction_forward)} of the 42,362 test cells' in README
    assert f'{pct(nb101.reconstruction_union)} with the union merge' in README
    assert f'{100 * nb101.validity:.2f} % valid, {pct(nb101.uniqueness)} unique and' in README
    assert f'{pct(nb101.novelty)} novel' in README


def test_distributed_sentence_matches_results():
    measured = pd.read_csv(RESULTS / 'distributed.csv')
    nb101 = measured[measured.space == 'nb101'].set_index('processes').graphs_per_s
    assert f'{nb101[1]:.0f} against {nb101[2]:.0f} training graphs/s' in README


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
        assert quoted[1:4] == [f"{100 * test['reconstruction_forward']:.2f} %", f"{100 * test['validity']:.2f} %",
                               f"{test['gp_rmse']:.2f}, {test['gp_pearson']:.2f}"], quoted
        if head: assert quoted[4] == f"{head['target']}: Spearman ρ {head['test_spearman']:.2f}", quoted


def test_index_notebook_holds_the_readme():
    "The documentation's home page (nbs/index.ipynb) says what the README says, from the introduction to 'A first look'."
    import json
    index = json.loads((ROOT / 'nbs' / 'index.ipynb').read_text())
    body = README[README.index('`svge` reproduces'):README.index('## A first look')].strip()
    assert ''.join(index['cells'][1]['source']).strip() == body
