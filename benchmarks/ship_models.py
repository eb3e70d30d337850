"""Write the trained models that ship with svge (svge/models/) from finished runs of `svge train`.

    svge train                      && python benchmarks/ship_models.py nb201 --run runs/nb201
    svge train --space enas         && python benchmarks/ship_models.py enas  --run runs/enas
    svge train --space nb101        && python benchmarks/ship_models.py nb101 --run runs/nb101

Each call writes <name>.pt (weights only, float32), <name>.json (the model card: command, data, split, recipe,
machine, minutes, test metrics of the run's results.json, SHA-256 of the weights) and <name>.md (the card as text).
Run it on the machine that trained the run: the card names this machine. tests/test_pretrained.py then checks that
the shipped model reproduces its card's test reconstruction.
"""
from __future__ import annotations
import argparse

from svge.pretrained import card_markdown, save_pretrained

SHIPPED = {   # name: (title, the command that trains the run)
    'nb201': ('NAS-Bench-201, the fast recipe (what svge train trains by default)', 'svge train'),
    'enas': ('ENAS 6-layer networks, the fast recipe', 'svge train --space enas'),
    'nb101': ('NAS-Bench-101, the fast recipe, trained on all its cells enumerated in code', 'svge train --space nb101'),
}

if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('name', choices=sorted(SHIPPED), help='which shipped model to write')
    parser.add_argument('--run', required=True, help='run directory of the finished svge train')
    parser.add_argument('--out', default=None, help='folder to write to (default: the package\'s svge/models)')
    parser.add_argument('--machine', default=None, help='the machine that trained the run, in words (default: this one, described)')
    args = parser.parse_args()
    title, command = SHIPPED[args.name]
    print(card_markdown(save_pretrained(args.run, args.name, args.out, title=title, command=command, machine=args.machine)))
