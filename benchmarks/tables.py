"""The README's two tables of numbers, made from the committed tables in results/: the headline metrics, and the
paper's claims against what this package measures, point by point.

Writes results/headline.md, results/claims.md and results/search.md, which README.md and nbs/11_results.ipynb show
(tests/test_readme.py checks that the README holds exactly these tables). Run it after any result table changes:

    python benchmarks/tables.py
"""
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / 'results'


def pct(x: float, digits: int = 1) -> str: return f'{100 * x:.{digits}f} %'


def markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    return '\n'.join(lines + ['| ' + ' | '.join(cell or '—' for cell in row) + ' |' for row in rows]) + '\n'


def headline_table(results: Path = RESULTS) -> str:
    "Test metrics of the fast recipe in each space, beside our runs of the paper's recipe cut to a comparable time."
    read = lambda name: pd.read_csv(results / f'{name}.csv').iloc[0]
    vae = [read(n) for n in ('enas_vae', 'enas_vae_paper_20ep', 'nb201_vae', 'nb201_vae_paper_10ep', 'nb101_vae')]
    predictor = [read(n) for n in ('enas_predictor', 'enas_predictor_paper_20ep', 'nb201_predictor', 'nb201_predictor_paper_10ep')]
    def get(row, key): return row[key] if key in row and pd.notna(row[key]) else None
    def recon(row, key): return pct(get(row, key)) if get(row, key) is not None else ''
    def prior(row):     # validity by the space's rules; where the size limits make a difference, the share without them
        text = f'{pct(row.validity, 2)} / {pct(row.uniqueness)} / {pct(row.novelty)}'
        free, within = get(row, 'validity_without_limits'), get(row, 'validity_constrained')
        if free is not None and free > row.validity + 0.001: text += f' ({pct(free)} valid without the size limits)'
        if within is not None:
            text += (f'; decoded within the edge limit: {pct(within, 2)} / {pct(row.uniqueness_constrained)} / '
                     f'{pct(row.novelty_constrained)}')
        return text
    gp = [f'{r.gp_rmse:.2f}, {r.gp_pearson:.2f}' if get(r, 'gp_rmse') is not None else '' for r in vae]
    ranks = [f'{p.spearman:.2f}, {p.kendall:.2f}' for p in predictor] + ['']
    # the paper's recipe is our run of it, stopped after a training time comparable to the fast recipe's (not the paper's numbers)
    header = ['', *(f'{space}, {recipe}, {r.epochs:.0f} epochs' + (' (our run)' if 'paper' in recipe else '') for space, recipe, r in
                    zip(['ENAS', 'ENAS', 'NAS-Bench-201', 'NAS-Bench-201', 'NAS-Bench-101'],
                        ['fast recipe', "the paper's recipe"] * 2 + ['fast recipe'], vae))]
    rows = [["reconstruction, forward merge (the original code's output)", *(recon(r, 'reconstruction_forward') for r in vae)],
            ["reconstruction, union merge (the paper's description)", *(recon(r, 'reconstruction_union') for r in vae)],
            ['prior samples: validity / uniqueness / novelty', *(prior(r) for r in vae)],
            ['sparse GP on μ: RMSE (standardised), Pearson r', *gp],
            ['predictor, 1,000 labels: Spearman ρ, Kendall τ', *ranks]]
    return markdown(header, rows)


def swaps_text(results: Path = RESULTS) -> str:
    "What BO gains at 100 queries when its decoded proposals become mutations, and when its GP reads one-hot cells (12_search)."
    file = results / 'search_ablation' / 'search_summary.csv'
    if not file.exists(): return ''
    found = pd.read_csv(file).query('budget == 100').pivot_table(index='target', columns='method', values='best_mean')
    span = lambda d: f'{d.min():+.2f} to {d.max():+.2f} pp'
    return (f'. Why (`12_search`, the three data sets): scoring mutations of the best cells instead of decoded codes gains '
            f"{span(found.bo_mutation - found.bo)}; a GP on one-hot cells instead of μ then {span(found.bo_mutation_onehot - found.bo_mutation)}")


def claims_table(results: Path = RESULTS) -> str:
    "The table, from the CSVs in `results`."
    read = lambda name: pd.read_csv(results / f'{name}.csv')
    enas, nb201, nb101 = read('enas_vae').iloc[0], read('nb201_vae').iloc[0], read('nb101_vae').iloc[0]
    enas_p, nb201_p = read('enas_predictor').iloc[0], read('nb201_predictor').iloc[0]
    smooth = read('smoothness').set_index(['model', 'split'])
    line = smooth.loc[('shipped nb201', 'test')]
    search = read('search_summary').query("target == 'cifar10_200ep_test_acc' and budget == 100").set_index('method')
    rows = [
        ('Two-sided decoding reconstructs architectures accurately',
         'SVGe §IV: reconstruction accuracy on ENAS, NAS-Bench-101 and NAS-Bench-201',
         f'test graphs rebuilt exactly (forward merge): ENAS {pct(enas.reconstruction_forward)}, NAS-Bench-201 '
         f'{pct(nb201.reconstruction_forward)}, NAS-Bench-101 {pct(nb101.reconstruction_forward)}; union merge '
         f'{pct(enas.reconstruction_union)}, {pct(nb201.reconstruction_union)}, {pct(nb101.reconstruction_union)}',
         f'the fast recipe ({enas.epochs:.0f}, {nb201.epochs:.0f} and {nb101.epochs:.0f} epochs instead of 300; node width 128; '
         'edge terms summed; on NAS-Bench-101 the node types weighted 3, batch 512, a wider type MLP and node numbers read by the encoder and the generator); 10 decodings per test graph on NAS-Bench-201 and -101 (paper: 100)',
         "the paper's own 300-epoch protocol, run to the end: hours per space on two CPU cores"),
        ('Points drawn from the prior decode to valid, unique and novel architectures',
         'SVGe §IV, the same tables',
         f'validity / uniqueness / novelty: ENAS {pct(enas.validity, 2)} / {pct(enas.uniqueness)} / {pct(enas.novelty)}, '
         f'NAS-Bench-201 {pct(nb201.validity, 2)} / {pct(nb201.uniqueness)} / {pct(nb201.novelty)}, NAS-Bench-101 '
         f'{pct(nb101.validity, 2)} / {pct(nb101.uniqueness)} / {pct(nb101.novelty)}, valid by each benchmark\'s own rules '
         f'(NAS-Bench-101: at most 7 nodes and 9 edges); without those limits {pct(nb101.validity_without_limits)} of the '
         'NAS-Bench-101 samples are valid' + (f'; decoded within the edge limit (an option, not the paper\'s decoder) '
                                             f'{pct(nb101.validity_constrained, 2)}' if 'validity_constrained' in nb101 else ''),
         'the same protocol (1,000 points × 10 decodings, rescaled to the training codes)', ''),
        ('The latent space is smooth: decoding along a line between two codes changes the cell gradually',
         'the title claim, shown in the paper by examples of decoded interpolations',
         f"shipped NAS-Bench-201 model, {line.lines:.0f} lines between test cells: ends right {pct(line.ends_right)}, "
         f"{pct(line.toward)} of the changing steps move toward the target, the path edits {line.detour:.1f} times what "
         "separates the two cells (a straight path: 1.0); "
         + '; '.join(f"{name}: {pct(smooth.loc[(f'shipped {key}', 'test')].toward)} toward, {smooth.loc[(f'shipped {key}', 'test')].detour:.1f} times"
                     for key, name in (('enas', 'ENAS'), ('nb101', 'NAS-Bench-101')) if (f'shipped {key}', 'test') in smooth.index),
         'measured here (`06_evaluate`); the paper shows examples', 'no number in the paper to compare with'),
        ('The embedding predicts performance (sparse GP on μ, the D-VAE protocol)',
         'SVGe §IV: RMSE and Pearson r of a sparse GP on the latent means',
         f'ENAS RMSE {enas.gp_rmse:.2f}, r {enas.gp_pearson:.2f}; NAS-Bench-201 (CIFAR-10) RMSE {nb201.gp_rmse:.2f}, r {nb201.gp_pearson:.2f}',
         'the same protocol (500 inducing points, standardised targets)',
         'NAS-Bench-101: its accuracies are a download, not run here'),
        ('A predictor on μ, trained with 1,000 labels, ranks architectures',
         'SVGe §III-D',
         f'Spearman ρ: ENAS {enas_p.spearman:.2f} ({enas_p.test_size:,.0f} test networks), NAS-Bench-201 '
         f'{nb201_p.spearman:.2f} (the {nb201_p.test_size:,.0f} other cells)',
         'the same fine-tuning (0.1 · VAE loss + 0.9 · MSE, Adam 1e-3, 100 epochs)', 'NAS-Bench-101: as above'),
        ('The predictor extrapolates to larger architectures: ENAS trained on 6 layers ranks 12-layer networks',
         'the paper\'s extrapolation experiments: the best ranked 12-layer network, trained on CIFAR-10',
         f'two predictors fine-tuned with different seeds rank 1,000 random 12-layer networks with Spearman ρ '
         f'{enas_p.seed_agreement_12_layers:.2f} between them ({enas_p.seed_agreement_6_layers:.2f} on 6-layer ones)',
         'agreement between seeds instead of accuracy', 'the chosen network\'s accuracy needs it trained on CIFAR-10 (GPU-days)'),
        ('NAS-Bench-101 cells of 8 nodes: the best extrapolated cell reaches 95.18 % CIFAR-10 test accuracy',
         'the paper\'s extrapolation experiments', 'the 1,384 candidate cells are built and ranked as in the paper (`10_extrapolation`)', '',
         'the cell lies outside the benchmark: its accuracy needs it trained (GPU-days)'),
        ('Search in the latent space finds good architectures with few queries',
         'the paper\'s motivation: search from the learned embedding instead of the discrete space',
         f"NAS-Bench-201, CIFAR-10, 100 queries, 20 seeds: BO {search.best_mean['bo']:.2f} %, REA {search.best_mean['rea']:.2f} %, "
         f"random {search.best_mean['random']:.2f} % (best test accuracy found, mean)"
         + (f"; local search {search.best_mean['ls']:.2f} % and BANANAS {search.best_mean['bananas']:.2f} %: the baselines lead "
            "(the search table above)" if {'ls', 'bananas'} <= set(search.index) else '')
         + swaps_text(results),
         'NAS-Bench-201 instead of ENAS (whose accuracies need training)', 'the paper\'s ENAS search: each query trains a network'),
    ]
    return markdown(['the paper claims', 'where', 'we measure', 'protocol differences', 'not checked here, and why'], rows)


SEARCH_METHODS = {'bo': 'BO', 'predictor': 'predictor-guided', 'rea': 'REA', 'ls': 'local search', 'bananas': 'BANANAS',
                  'random': 'random'}             # the latent-space methods first, then the baselines


def search_table(results: Path = RESULTS) -> str:
    """Mean ± std of the best test accuracy found at 100, 150 and 300 queries (the best of a row in bold; — where a method
    did not run that far), and the queries each method needed to find the best cell."""
    summary, optimum = pd.read_csv(results / 'search_summary.csv'), pd.read_csv(results / 'search_optimum.csv')
    from svge.data import load_nb201_csv, local_table
    from svge.search import TARGET_NAMES                             # 'CIFAR-10 test accuracy': the data set is its first word
    best_cell = load_nb201_csv(local_table('nb201')).labels          # every cell's accuracies, named as the search targets
    methods = [m for m in SEARCH_METHODS if m in set(summary.method)]
    rows = []
    for target, name in ((t, n.split(' ')[0]) for t, n in TARGET_NAMES.items()):
        for budget in (100, 150, 300):
            at = summary[(summary.target == target) & (summary.budget == budget)].set_index('method')
            if at.empty: continue
            top = at.best_mean.max()
            cells = [('**{}**' if at.best_mean[m] == top else '{}').format(f'{at.best_mean[m]:.2f} ± {at.best_std[m]:.2f}')
                     if m in at.index else '' for m in methods]
            rows.append([f'{name}, {budget}', *cells, f'{best_cell[target].max():.2f}' if budget == 100 else ''])
        found = optimum[optimum.target == target].set_index('method')
        rows.append([f'{name}: found the best cell', *(f"{found.found[m]}/{found.seeds[m]} by {found.budget[m]}"
                                                       + (f", median {found.queries_median[m]:.0f}" if found.found[m] else '')
                                                       if m in found.index else '' for m in methods), ''])
    return markdown(['queries', *(SEARCH_METHODS[m] for m in methods), 'best cell'], rows)


TABLES = {'headline': headline_table, 'claims': claims_table, 'search': search_table}

if __name__ == '__main__':
    for name, make in TABLES.items():
        text = make()
        (RESULTS / f'{name}.md').write_text(text)
        print(text)
