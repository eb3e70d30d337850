"""The documentation site and the notebooks as readers see them: the site builds with `mkdocs build --strict`,
every page loads in headless Chromium without console errors and with every image decoded, and JupyterLab runs
`02_encoder.ipynb` without an error. Browser tests are skipped (with the reason) where Chromium or Playwright
is missing; CI installs both (see .ci/run). Screenshots go to `site-check/` (git-ignored)."""
import contextlib, functools, http.server, json, os, shutil, socket, subprocess, sys, threading, time, urllib.request
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
            if name in ('', '02_encoder'):
                page.screenshot(path=str(SHOTS / f'site_{name or "index"}.png'), full_page=False)
        page.close()
    assert not problems, '\n'.join(problems)


def test_jupyterlab_runs_the_encoder_notebook(browser, tmp_path):
    "Open a copy of 02_encoder in JupyterLab, run all cells, save, and read back: every cell ran, none failed."
    shutil.copy(ROOT / 'pyproject.toml', tmp_path)          # a copy, so autosave never touches nbs/
    (tmp_path / 'nbs').mkdir()
    notebook = tmp_path / 'nbs' / '02_encoder.ipynb'
    shutil.copy(ROOT / 'nbs' / '02_encoder.ipynb', notebook)
    settings = tmp_path / 'lab-settings' / '@jupyterlab' / 'apputils-extension'
    settings.mkdir(parents=True)
    (settings / 'notification.jupyterlab-settings').write_text('{"fetchNews": "false"}')   # no news prompt
    port, token = free_port(), 'svge-check'
    lab = subprocess.Popen([sys.executable, '-m', 'jupyterlab', '--no-browser', f'--port={port}', '--ServerApp.ip=127.0.0.1',
                            f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={tmp_path}', f'--LabApp.user_settings_dir={tmp_path / "lab-settings"}',
                            '--ServerApp.allow_root=True'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, 'JUPYTER_NO_CONFIG': '1'})
    try:
        for _ in range(120):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f'http://127.0.0.1:{port}/api/status?token={token}', timeout=2); break
            time.sleep(0.5)
        else: pytest.fail('JupyterLab did not start within a minute')
        page = browser.new_page(viewport={'width': 1400, 'height': 1000})
        page.goto(f'http://127.0.0.1:{port}/lab/tree/nbs/02_encoder.ipynb?token={token}')
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
        page.keyboard.press('Control+s')
        page.wait_for_timeout(2_000)
        outputs = '\n'.join(page.locator('.jp-OutputArea').all_inner_texts())
        SHOTS.mkdir(exist_ok=True)
        page.locator('.jp-OutputArea .jp-RenderedImage').first.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / 'jupyterlab_02_encoder.png'))
        page.locator('.jp-OutputArea .jp-RenderedMarkdown').first.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / 'jupyterlab_02_encoder_show_doc.png'))
        page.close()
    finally:
        lab.terminate(); lab.wait(timeout=30)
    assert '{target=' not in outputs            # what JupyterLab rendered last (it draws only the cells in view)
    cells = [c for c in json.loads(notebook.read_text())['cells'] if c['cell_type'] == 'code']
    errors = [o for c in cells for o in c['outputs'] if o['output_type'] == 'error']
    assert not errors, [f"{e['ename']}: {e['evalue']}" for e in errors]
    assert all(c['execution_count'] for c in cells), 'some cells did not run'
    assert any('image/png' in o.get('data', {}) for c in cells for o in c['outputs']), 'no figure was drawn'
    api_docs = [''.join(o['data']['text/markdown']) for c in cells for o in c['outputs'] if 'text/markdown' in o.get('data', {})]
    assert any(d.startswith('### DenseGNNLayer') for d in api_docs) and not any('{target=' in d for d in api_docs)
