"""MkDocs hook: the site shows each notebook as nbdev's own documentation does. Cells marked `#| hide` are left
out (source and outputs), directive lines (`#| export`, `#| default_exp ...`) are not shown, `show_doc` cells show
only their output, `#| echo: false` hides a cell's source and `#| output: false` its outputs.

Why a hook, and why this one: mkdocs-jupyter renders each notebook from its path with nbconvert. Its own options
do the hiding, by cell tag (`remove_tag_config` in mkdocs.yml, nbconvert's TagRemovePreprocessor) and the prompts
go with `no_prompt`; but it knows nothing of nbdev's `#|` comments, and it takes no extra nbconvert preprocessor
(only the user's global Jupyter configuration reaches nbconvert, and the plugin's own preprocessor list overrides
it there). So this hook hands the plugin, for each notebook, a copy in a temporary folder in which the directives
have become those standard tags (`remove-cell`, `remove-input`, `remove-output`, which JupyterLab users can also
set by hand) and the directive lines are gone: the page's source file is the copy (same name, the temporary folder
as its docs folder). The notebooks in nbs/ are never written; the plugin's render cache hashes the copy, so a
change here re-renders; and the `.ipynb` placed next to each page (`include_source`) is the real notebook."""
import json, re, shutil, tempfile
from pathlib import Path

from fastcore.nbio import NbCell          # nbdev's own directive parser: the same rules as nbdev
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

HIDE_CELL, HIDE_INPUT, HIDE_OUTPUT = 'remove-cell', 'remove-input', 'remove-output'
TAG_CONFIG = {'remove_cell_tags': [HIDE_CELL], 'remove_input_tags': [HIDE_INPUT], 'remove_all_outputs_tags': [HIDE_OUTPUT]}


def docs_view(nb: dict) -> dict:
    "Notebook `nb` as the site shows it: directive lines stripped from code cells, directives turned into removal tags."
    for i, cell in enumerate(nb['cells']):
        # Run timings are never shown, and nbconvert rejects the notebook if one is not a string (`total`: seconds)
        cell.get('metadata', {}).pop('execution', None)
        if cell['cell_type'] != 'code': continue
        c = NbCell(i, cell)
        directives = c.directives                          # {'hide': '', 'echo': 'false', ...}
        c.remove_directives()
        tags = set()
        if 'hide' in directives or directives.get('include') == 'false': tags.add(HIDE_CELL)
        if directives.get('echo') == 'false' or re.search(r'^show_doc', c.source, re.M): tags.add(HIDE_INPUT)   # as nbdev
        if directives.get('output') == 'false': tags.add(HIDE_OUTPUT)
        outputs = cell.get('outputs') and HIDE_OUTPUT not in tags
        if not c.source.strip(): tags.add(HIDE_INPUT if outputs else HIDE_CELL)    # nothing left but directives
        cell['source'] = c.source
        if tags: cell.setdefault('metadata', {})['tags'] = sorted(set(cell['metadata'].get('tags', [])) | tags)
    return nb


_copies: Path | None = None
_originals: dict[str, str] = {}                            # src_uri -> the notebook in nbs/


def on_config(config):
    tag_config = config.plugins['mkdocs-jupyter'].config['remove_tag_config']
    if any(tag_config.get(k) != v for k, v in TAG_CONFIG.items()):
        raise PluginError(f'mkdocs.yml: mkdocs-jupyter needs remove_tag_config: {TAG_CONFIG} (docs_hooks/nbdev_directives.py)')


@event_priority(100)                                       # before mkdocs-jupyter claims the notebooks
def on_files(files, config):
    global _copies
    _copies = Path(tempfile.mkdtemp(prefix='svge-docs-'))
    _originals.clear()
    kept = []
    for f in files:
        if f.src_uri.endswith('.ipynb') and f.abs_src_path:
            copy = _copies / f.src_uri
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(json.dumps(docs_view(json.loads(Path(f.abs_src_path).read_text(encoding='utf-8')))),
                            encoding='utf-8')
            _originals[f.src_uri] = f.abs_src_path
            # the same page with the temporary folder as its docs folder (mkdocs-jupyter's file wrapper derives the
            # path from src_dir, so a `File.generated` backed by the copy would lose it)
            f = File(f.src_uri, src_dir=str(_copies), dest_dir=f.dest_dir, use_directory_urls=f.use_directory_urls,
                     inclusion=f.inclusion)
        kept.append(f)
    return Files(kept)


@event_priority(-100)                                      # after mkdocs-jupyter copied the notebook (include_source)
def on_post_page(output, page, config):
    original = _originals.get(page.file.src_uri)
    placed = original and Path(page.file.abs_dest_path).parent / Path(original).name
    if placed and placed.exists(): shutil.copyfile(original, placed)
    return output


def _remove_copies(*args, **kwargs):
    if _copies: shutil.rmtree(_copies, ignore_errors=True)


on_post_build = on_build_error = _remove_copies
