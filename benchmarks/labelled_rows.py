"""What the analysis scripts in benchmarks/ share: models named on the command line as LABEL=MODEL, and result rows
keyed by their label, where a new row replaces the old one of the same label and every other row is kept."""
from __future__ import annotations
from pathlib import Path

import pandas as pd

from svge.files import atomic_write
from svge.pretrained import pretrained


def labelled_models(items: list[str]):
    "(label, model) for each LABEL=MODEL of `items` (MODEL: a shipped name or a run directory; no label: the name)."
    for item in items:
        label, _, name = item.rpartition('=')
        yield label or name, pretrained(name)


def replace_rows(path: Path, rows: list[dict], key: str = 'model'):
    "Write `rows` into the CSV table `path` atomically, replacing the rows that have the same `key` and keeping the others."
    table = pd.DataFrame(rows)
    if path.exists():
        kept = pd.read_csv(path)
        table = pd.concat([kept[~kept[key].isin(table[key])], table])
    with atomic_write(path) as f: f.write(table.to_csv(index=False).encode())
    print(f'wrote {path}')
