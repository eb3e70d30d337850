"""Measure the smoothness of trained models' latent spaces (svge.evaluate.smoothness) and write results/smoothness.csv.

    python benchmarks/smoothness.py                                    # the shipped models and the untrained controls
    python benchmarks/smoothness.py --model "KL weight 0=runs/nb201-kl0" --model "paper recipe, 10 epochs=runs/nb201-paper10"

Each model is measured on 200 lines between random pairs of its validation cells (to choose a recipe on) and of its
test cells (to report), 11 greedy decodings per line. A model is a shipped name (nb201, enas, nb101) or a run
directory of `svge train`, given as LABEL=MODEL; for each shipped model an untrained model of the same shape is the
control. Accuracies along a line: NAS-Bench-201's from its table (every cell is in it), ENAS's predicted by the
shipped ENAS model's predictor head (its table holds only 19,020 of the networks). Rows of the same label and split
are replaced, others kept, so runs measured on other days stay in the table. Nothing here is a test.
"""
from __future__ import annotations
import argparse, math, time
from pathlib import Path

import pandas as pd
import torch

from svge.data import load_nb201_csv, local_table
from svge.files import atomic_write
from svge.evaluate import smoothness
from svge.graphs import DenseGraphs, get_space
from svge.predictor import predict
from svge.pretrained import available, model_data, pretrained
from svge.vae import SVGe, SVGeConfig, paper_batch_size

COLUMNS = ('space', 'model', 'split', 'recipe', 'reconstruction_forward', 'prior_validity', 'gp_rmse', 'gp_pearson', 'lines', 'ends_right', 'toward', 'monotone_lines',
           'detour', 'edits_per_change', 'changes_per_line', 'edits_needed', 'valid', 'accuracy_change_per_change',
           'accuracy_gap_of_ends', 'accuracy_source', 'seconds')


def accuracy_of(space_name: str):
    "A function from decoded graphs to accuracies for `space_name`, and where they come from."
    if space_name == 'nb201':
        return load_nb201_csv(local_table('nb201')).lookup('cifar10_200ep_test_acc'), 'CIFAR-10 test accuracy (table)'
    if space_name.startswith('enas') and 'enas' in available():
        head, space = pretrained('enas'), get_space(space_name)
        def predicted(graphs):
            valid = [i for i, g in enumerate(graphs) if space.is_valid(g)]
            out = torch.full((len(graphs),), math.nan)
            if valid: out[valid] = predict(head, DenseGraphs.from_graphs([graphs[i] for i in valid], space.max_nodes)).float() * 100
            return out
        return predicted, 'validation accuracy predicted by the enas predictor head (%)'
    return None, ''


def recipe_of(model: SVGe) -> str:
    card = getattr(model, 'card', {})
    if card.get('recipe'): return card['recipe']
    settings = card.get('settings') or {}
    train, m = settings.get('train', {}), settings.get('model', {})
    if not train: return ''
    batch = train.get('batch_size') or m.get('batch_size') or paper_batch_size(m['space'])    # the paper recipe's is implied
    return (f"{train['recipe']}: {train['epochs']} epochs, batch {batch}, node width {m.get('node_dim')}, "
            f"KL weight {SVGeConfig.from_dict(m).kl_weight:g}" + (f", KL warm-up" if train.get('kl_warmup') else ''))


def measure(label: str, model: SVGe, splits: dict, space, accuracy, source: str, recipe: str, test: dict) -> list[dict]:
    "Smoothness on each split, beside the model's test metrics from `svge train` (`test`: its results, empty for a control)."
    quality = dict(reconstruction_forward=test.get('reconstruction_forward'), prior_validity=test.get('validity'),
                   gp_rmse=test.get('gp_rmse'), gp_pearson=test.get('gp_pearson'))
    rows = []
    for split, graphs in splits.items():
        start = time.perf_counter()
        result = smoothness(model, graphs, space=space, accuracy=accuracy)
        rows.append(dict(space=space.name, model=label, split=split, recipe=recipe, **quality, **result, accuracy_source=source if accuracy else '', seconds=round(time.perf_counter() - start, 1)))
        print(f"{label:>40} {split:>10}: ends right {result['ends_right']:.3f}, toward {result['toward']:.3f}, "
              f"detour {result['detour']:.2f}, monotone {result['monotone_lines']:.2f}", flush=True)
    return rows


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--model', action='append', default=[], help='LABEL=MODEL: a shipped name or a run directory (repeatable)')
    parser.add_argument('--no-shipped', action='store_true', help='measure only the --model ones')
    parser.add_argument('--out', default='results/smoothness.csv')
    args = parser.parse_args()
    chosen = [] if args.no_shipped else [(f'shipped {name}', name) for name in available()]
    chosen += [tuple(item.split('=', 1)) for item in args.model]
    rows = []
    for label, name in chosen:
        model = pretrained(name)
        space = get_space(model.config.space)
        _, val, test = model_data(model)
        splits = {'validation': val.dense(), 'test': test.dense()} if len(val) else {'test': test.dense()}   # the paper recipe holds none out
        accuracy, source = accuracy_of(space.name)
        rows += measure(label, model, splits, space, accuracy, source, recipe_of(model), model.card.get('test') or {})
        if label.startswith('shipped '):              # the control: the same shape, untrained
            torch.manual_seed(0)
            rows += measure(f'untrained, the shape of {name}', SVGe(model.config).eval(), splits, space, accuracy, source,
                            'none (random initialisation)', {})
    out = Path(args.out)
    new = pd.DataFrame(rows, columns=COLUMNS)
    if out.exists():
        old = pd.read_csv(out)
        keep = ~old.set_index(['model', 'split']).index.isin(new.set_index(['model', 'split']).index)
        new = pd.concat([old[keep], new], ignore_index=True)[list(COLUMNS)]
    with atomic_write(out) as f: f.write(new.to_csv(index=False, float_format='%.4g').encode())
    print(f'{len(rows)} rows written to {out}')
