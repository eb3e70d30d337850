"""The documentation site and the notebooks as readers see them: the site builds with `mkdocs build --strict`,
every page loads in headless Chromium without console errors and with every image decoded, and JupyterLab runs
`02_encoder.ipynb` without an error. Pages show the notebooks as nbdev's documentation does: no `#| hide` cell,
no directive line, no `In [ ]:` prompt, outputs kept (docs_hooks/nbdev_directives.py). Browser tests are skipped
(with the reason) where Chromium or Playwright is missing; CI installs both (see .ci/run). Screenshots go to
`site-check/` (git-ignored)."""
import contextlib, functools, html, http.server, importlib.util, json, os, re, shutil, socket, subprocess, sys, threading, time, urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / 'site-check'
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='module')
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp('site')
    result = subprocess.run([sys.executable, '-m', 'mkdocs', 'build', '--strict', '--site-dir', str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_site_builds_strict_with_a_page_per_notebook(site):
    pages = {p.parent.name for p in site.glob('*/index.html')}
    notebooks = {p.stem for p in (ROOT / 'nbs').glob('[0-9]*.ipynb')}
    assert notebooks <= pages, f'notebooks without a page: {sorted(notebooks - pages)}'
    encoder = (site / '02_encoder' / 'index.html').read_text()
    assert 'DenseGNNLayer' in encoder and 'data:image/png;base64' in encoder      # API docs and stored figures
    assert '{target=' not in encoder                                                # no raw Quarto markup
    assert (site / 'search' / 'search_index.json').exists()


DIRECTIVE = re.compile(r'^\s*#\s*\|', re.MULTILINE)
PROMPT = re.compile(r'\b(In|Out)\s*\[[\s\d]*\]:')
HIDDEN = 'nbdev.nbdev_export()'          # the `#| hide` cell that ends every numbered notebook


def test_pages_show_code_as_nbdev_docs_do(site):
    "The HTML of every page: no prompt, no hidden cell, and the code a reader can copy has no directive line."
    for page in sorted(site.glob('**/index.html')):
        text = page.read_text()
        shown = [html.unescape(s) for s in re.findall(r'<div class="clipboard-copy-txt"[^>]*>(.*?)</div>', text, re.S)]
        name = page.parent.name
        assert not [s for s in shown if DIRECTIVE.search(s)], f'{name}: directive lines shown'
        assert HIDDEN not in text, f'{name}: a #| hide cell is shown'
        assert not re.search(r'class="jp-(Input|Output)Area-prompt"', text), f'{name}: In [ ]: / Out[ ]: prompts'
        assert not [s for s in shown if s.startswith('show_doc(')], f'{name}: show_doc source shown'
    encoder = (site / '02_encoder' / 'index.html').read_text()      # outputs stay: figures, show_doc's API entries
    assert 'data:image/png;base64' in encoder and '<h3 id="densegnnlayer">' in encoder
    notebook = json.loads((site / '02_encoder' / '02_encoder.ipynb').read_text())         # the real notebook, as on disk
    assert notebook == json.loads((ROOT / 'nbs' / '02_encoder.ipynb').read_text())


def test_directives_become_removal_tags():
    "What the hook makes of each kind of cell, including `echo: false` and `output: false`, which no notebook uses yet."
    spec = importlib.util.spec_from_file_location('nbdev_directives', ROOT / 'docs_hooks' / 'nbdev_directives.py')
    hook = importlib.util.module_from_spec(spec); spec.loader.exec_module(hook)
    out = [{'output_type': 'stream', 'name': 'stdout', 'text': ['1\n']}]
    def cell(source, outputs=()): return {'cell_type': 'code', 'metadata': {}, 'source': source, 'outputs': list(outputs)}
    cells = [cell('#| hide\nimport nbdev', out), cell('#| export\ndef f(): pass'), cell('#| default_exp x'),
             cell('#| slow\n', out), cell('#| echo: false\nprint(1)', out), cell('#|output: false\nprint(1)', out),
             cell('show_doc(f)', out), {'cell_type': 'markdown', 'metadata': {}, 'source': '`#| hide` hides a cell'}]
    view = hook.docs_view({'cells': cells})['cells']
    got = [(c['source'], c['metadata'].get('tags')) for c in view]
    assert got == [('import nbdev', ['remove-cell']), ('def f(): pass', None), ('', ['remove-cell']),
                    ('', ['remove-input']), ('print(1)', ['remove-input']), ('print(1)', ['remove-output']),
                    ('show_doc(f)', ['remove-input']), ('`#| hide` hides a cell', None)], got


@pytest.fixture(scope='module')
def browser():
    if CHROMIUM is None: pytest.skip('no chromium on PATH (Debian: apt-get install chromium)')
    playwright = pytest.importorskip('playwright.sync_api')
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox', '--disable-gpu'])
        yield b
        b.close()


@contextlib.contextmanager
def serve(directory: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try: yield f'http://127.0.0.1:{server.server_address[1]}'
    finally: server.shutdown()


def mathjax_font_probe(text: str) -> bool:
    """MathJax 2 probes for its web fonts with a font request to `about:blank`, which Chromium reports as two console
    errors. Every other failed request still fails the test: it is caught by the `requestfailed` and `response`
    handlers below, which see the URL."""
    return "font at 'about:blank'" in text or text == 'Failed to load resource: net::ERR_FAILED'


def test_every_site_page_loads_in_chromium(site, browser):
    SHOTS.mkdir(exist_ok=True)
    pages = sorted(str(p.relative_to(site).parent).replace('.', '') for p in site.glob('**/index.html'))
    assert len(pages) >= 14
    with serve(site) as base:
        page = browser.new_page(viewport={'width': 1280, 'height': 900})
        problems = []
        page.on('console', lambda m: problems.append(f'console {m.type}: {m.text}')
                if m.type == 'error' and not mathjax_font_probe(m.text) else None)
        page.on('pageerror', lambda e: problems.append(f'page error: {e}'))
        page.on('requestfailed', lambda r: problems.append(f'request failed ({r.failure}): {r.url}')
                if r.url != 'about:blank' and r.failure != 'net::ERR_ABORTED' else None)   # aborted: we moved on
        page.on('response', lambda r: problems.append(f'HTTP {r.status}: {r.url}') if r.status >= 400 else None)
        for name in pages:
            page.goto(f'{base}/{name}/' if name else base + '/', wait_until='load')
            broken = page.evaluate('() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0)'
                                   '.map(i => i.src.slice(0, 80))')
            problems += [f'{name or "index"}: image did not load: {src}' for src in broken]
            text, code = page.evaluate("() => [document.body.innerText, "
                                       "[...document.querySelectorAll('.jp-CodeCell')].map(c => c.innerText)]")
            problems += [f'{name or "index"}: {what}' for what, bad in (
                ('shows a directive line', any(DIRECTIVE.search(c) for c in code)),
                ('shows an In [ ]: / Out[ ]: prompt', any(PROMPT.search(c) for c in code)),
                (f'shows the hidden cell {HIDDEN}', HIDDEN in text)) if bad]
            if name == '02_encoder':
                figures, api_entry = page.evaluate(
                    "() => [[...document.querySelectorAll('.jp-OutputArea img')].filter(i => i.src.startsWith("
                    "'data:image/png') && i.naturalWidth > 0).length, !!document.querySelector('.jp-OutputArea #densegnnlayer')]")
                if not (figures and api_entry): problems.append(f'02_encoder: outputs missing ({figures} figures)')
            if name in ('', '02_encoder'):
                page.screenshot(path=str(SHOTS / f'site_{name or "index"}.png'), full_page=False)
        page.close()
    assert not problems, '\n'.join(problems)


@contextlib.contextmanager
def lab_notebook(browser, tmp_path: Path, name: str):
    """A copy of nbs/`name` opened in JupyterLab (its own server, settings and folder) with every cell run: yields
    (page, path of the copy) once the kernel is idle again; the page is closed and the server stopped after."""
    shutil.copy(ROOT / 'pyproject.toml', tmp_path)          # a copy, so autosave never touches nbs/
    (tmp_path / 'nbs').mkdir()
    notebook = tmp_path / 'nbs' / name
    shutil.copy(ROOT / 'nbs' / name, notebook)
    settings = tmp_path / 'lab-settings' / '@jupyterlab' / 'apputils-extension'
    settings.mkdir(parents=True)
    (settings / 'notification.jupyterlab-settings').write_text('{"fetchNews": "false"}')   # no news prompt
    notebook_settings = settings.parent / 'notebook-extension'
    notebook_settings.mkdir()                                 # every cell in the DOM: counted, and scrolled to below
    (notebook_settings / 'tracker.jupyterlab-settings').write_text('{"windowingMode": "none"}')
    port, token = free_port(), 'svge-check'
    lab = subprocess.Popen([sys.executable, '-m', 'jupyterlab', '--no-browser', f'--port={port}', '--ServerApp.ip=127.0.0.1',
                            f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={tmp_path}', f'--LabApp.user_settings_dir={tmp_path / "lab-settings"}',
                            '--ServerApp.allow_root=True'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, 'JUPYTER_NO_CONFIG': '1'})
    page = None
    try:
        for _ in range(120):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f'http://127.0.0.1:{port}/api/status?token={token}', timeout=2); break
            time.sleep(0.5)
        else: pytest.fail('JupyterLab did not start within a minute')
        page = browser.new_page(viewport={'width': 1400, 'height': 1000})
        page.goto(f'http://127.0.0.1:{port}/lab/tree/nbs/{name}?token={token}')
        page.locator('.jp-Notebook').wait_for(timeout=120_000)
        kernel_idle = "() => document.querySelector('.jp-Notebook-ExecutionIndicator')?.getAttribute('data-status') === 'idle'"
        page.wait_for_function(kernel_idle, timeout=120_000)
        page.wait_for_timeout(3_000)                          # the kernel reports idle once it has started
        page.locator('.lm-MenuBar-itemLabel', has_text='Run').first.click()
        page.locator('.lm-Menu-itemLabel', has_text='Run All Cells').first.click()
        numbered = ("() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
                    ".filter(p => /\\[\\d+\\]/.test(p.textContent)).length")
        total = page.locator('.jp-CodeCell').count()
        last, changed = -1, time.monotonic()
        while time.monotonic() - changed < 60:                # until every cell ran, or nothing moved for a minute
            done = page.evaluate(numbered)
            if done == total: break
            if done != last: last, changed = done, time.monotonic()
            page.wait_for_timeout(1_000)
        page.wait_for_function(kernel_idle, timeout=120_000)
        yield page, notebook
    finally:
        if page is not None: page.close()
        lab.terminate(); lab.wait(timeout=30)


def test_jupyterlab_runs_the_encoder_notebook(browser, tmp_path):
    "Open a copy of 02_encoder in JupyterLab, run all cells, save, and read back: every cell ran, none failed."
    with lab_notebook(browser, tmp_path, '02_encoder.ipynb') as (page, notebook):
        page.keyboard.press('Control+s')
        page.wait_for_timeout(2_000)
        outputs = '\n'.join(page.locator('.jp-OutputArea').all_inner_texts())
        SHOTS.mkdir(exist_ok=True)
        page.locator('.jp-OutputArea .jp-RenderedImage').first.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / 'jupyterlab_02_encoder.png'))
        page.locator('.jp-OutputArea .jp-RenderedMarkdown').first.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / 'jupyterlab_02_encoder_show_doc.png'))
    assert '{target=' not in outputs            # what JupyterLab rendered last (it draws only the cells in view)
    cells = [c for c in json.loads(notebook.read_text())['cells'] if c['cell_type'] == 'code']
    errors = [o for c in cells for o in c['outputs'] if o['output_type'] == 'error']
    assert not errors, [f"{e['ename']}: {e['evalue']}" for e in errors]
    assert all(c['execution_count'] for c in cells), 'some cells did not run'
    assert any('image/png' in o.get('data', {}) for c in cells for o in c['outputs']), 'no figure was drawn'
    api_docs = [''.join(o['data']['text/markdown']) for c in cells for o in c['outputs'] if 'text/markdown' in o.get('data', {})]
    assert any(d.startswith('### DenseGNNLayer') for d in api_docs) and not any('{target=' in d for d in api_docs)


def test_jupyterlab_explorer_slider_changes_the_picture(browser, tmp_path):
    """The latent-space explorer (07b_explorer) in JupyterLab: after Run All its widgets are live; dragging the slider to
    the right end shows the second cell of the line (weight 1.0 in the text) in a new picture."""
    with lab_notebook(browser, tmp_path, '07b_explorer.ipynb') as (page, _):
        view = page.locator('.jp-OutputArea .widget-vbox').first
        view.scroll_into_view_if_needed()
        picture, status = view.locator('img').first, view.locator('.widget-html').first
        picture.wait_for(timeout=60_000)
        before, text_before = picture.get_attribute('src'), status.inner_text()
        handle, track = view.locator('.noUi-handle').first, view.locator('.noUi-target').first
        h, t = handle.bounding_box(), track.bounding_box()
        page.mouse.move(h['x'] + h['width'] / 2, h['y'] + h['height'] / 2)
        page.mouse.down(); page.mouse.move(t['x'] + t['width'] + 20, h['y'] + h['height'] / 2, steps=12); page.mouse.up()
        page.wait_for_function("([img, src]) => img.getAttribute('src') !== src", arg=[picture.element_handle(), before], timeout=30_000)
        page.wait_for_timeout(500)
        after, text_after = picture.get_attribute('src'), status.inner_text()
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / 'jupyterlab_07b_explorer.png'))
    assert before != after, 'the picture did not change'
    assert 'w = 0.0' in text_before and 'w = 1.0' in text_after and ', 0 from the second' in text_after, (text_before, text_after)
