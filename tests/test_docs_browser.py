"""The docs site in a real browser: serve _docs/ on 127.0.0.1, open every page in headless Chromium (Playwright driving Debian's
/usr/bin/chromium) and check console errors, titles, headings, images, internal links; save screenshots to screenshots/."""
import functools, http.server, os, re, shutil, subprocess, sys, threading
from pathlib import Path
from urllib.parse import urlparse
import pytest

ROOT = Path(__file__).parent.parent
DOCS = ROOT/'_docs'
SHOTS = ROOT/'screenshots'
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason='no Chromium: install Debian `chromium` (as .ci/run does)')]
CHROME_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']

def _stale():
    if not (DOCS/'index.html').exists(): return True
    built = (DOCS/'index.html').stat().st_mtime
    return any(p.stat().st_mtime > built for p in (ROOT/'nbs').glob('*.ipynb'))

@pytest.fixture(scope='module')
def site():
    if _stale(): subprocess.run([sys.executable, 'tools/make_docs.py'], cwd=ROOT, check=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(DOCS))
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{srv.server_address[1]}/'
    srv.shutdown()

@pytest.fixture(scope='module')
def browser():
    pw = pytest.importorskip('playwright.sync_api')
    with pw.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        yield b
        b.close()

PAGES = sorted(p.name for p in DOCS.glob('*.html')) if DOCS.exists() else ['index.html', 'scheds.html', 'fit.html', 'lr_find2.html']
MODULE_PAGES = ['data.html', 'scheds.html', 'fit.html', 'lr_find2.html', 'compare.html', 'snapshot.html', 'cli.html']

def test_pages_built(site):
    names = {p.name for p in DOCS.glob('*.html')}
    assert set(MODULE_PAGES) | {'index.html'} <= names, names

@pytest.mark.parametrize('page', sorted(set(PAGES) | set(MODULE_PAGES) | {'index.html'}))
def test_page(site, browser, page):
    errors = []
    pg = browser.new_page(viewport={'width': 1280, 'height': 900})
    pg.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    pg.on('pageerror', lambda e: errors.append(str(e)))
    resp = pg.goto(site + page, wait_until='load')
    assert resp.status == 200
    assert 'fastai_clr' in pg.title()
    h1 = pg.locator('h1').first.inner_text()
    assert h1.strip(), 'page has no main heading'
    imgs = pg.eval_on_selector_all('img', 'els => els.map(e => [e.complete && e.naturalWidth > 0, e.src.slice(0, 40)])')
    assert all(ok for ok,_ in imgs), [s for ok,s in imgs if not ok]
    hrefs = pg.eval_on_selector_all('a[href]', 'els => els.map(e => e.getAttribute("href"))')
    for h in hrefs:
        u = urlparse(h)
        if u.scheme or h.startswith('#') or h.startswith('mailto:'): continue
        target = (DOCS/u.path).resolve()
        assert target.exists(), f'{page}: internal link {h!r} points at a missing page'
    if page in ('index.html', 'lr_find2.html', 'scheds.html'):
        SHOTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(SHOTS/page.replace('.html', '.png')), full_page=page != 'lr_find2.html')
    assert not errors, errors
    pg.close()

def test_index_links_every_module(site, browser):
    pg = browser.new_page()
    pg.goto(site + 'index.html')
    hrefs = set(pg.eval_on_selector_all('a[href]', 'els => els.map(e => e.getAttribute("href"))'))
    assert set(MODULE_PAGES) <= hrefs, set(MODULE_PAGES) - hrefs
    pg.close()

def test_plots_on_pages(site, browser):
    "The schedule and lr_find2 pages show their plots as images"
    pg = browser.new_page()
    for page,n in [('scheds.html', 3), ('fit.html', 3), ('lr_find2.html', 3)]:
        pg.goto(site + page)
        assert pg.eval_on_selector_all('img', 'els => els.filter(e => e.naturalWidth > 100).length') >= n, page
    pg.close()

def test_api_on_pages(site, browser):
    "Every exported public symbol appears on its module page with its signature and docstring"
    import importlib
    pg = browser.new_page()
    for page in MODULE_PAGES:
        mod = importlib.import_module('fastai_clr.' + page[:-5])
        pg.goto(site + page)
        text = pg.inner_text('body')
        for name in mod.__all__:
            obj = getattr(mod, name)
            if not callable(obj): continue
            assert name in text, f'{name} missing from {page}'
            doc = (obj.__doc__ or '').strip().split('\n')[0]
            if doc and not isinstance(obj, type): assert doc[:25].replace('`', '') in text.replace('`', ''), f'docstring of {name} missing from {page}'
    pg.close()
