"""The docs site in a real browser: serve _docs/ on 127.0.0.1, open every page in headless Chromium (Playwright driving Debian's
/usr/bin/chromium) and check what a reader relies on: sidebar and table of contents whose links all resolve, search, typeset
formulas, images, API entries, fit logs as tables, no console errors and no request leaving the machine; screenshots go to screenshots/."""
import functools, http.server, re, shutil, subprocess, sys, threading
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
    if not (DOCS/'index.html').exists() or not (DOCS/'search'/'search_index.json').exists(): return True
    built = (DOCS/'index.html').stat().st_mtime
    return any(p.stat().st_mtime > built for p in [*(ROOT/'nbs').glob('*.ipynb'), ROOT/'tools'/'make_docs.py'])

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass

@pytest.fixture(scope='module')
def site():
    if _stale(): subprocess.run([sys.executable, 'tools/make_docs.py'], cwd=ROOT, check=True)
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(_Quiet, directory=str(DOCS)))
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

MODULE_PAGES = ['data.html', 'scheds.html', 'fit.html', 'lr_find2.html', 'tracker.html', 'sweep.html', 'compare.html', 'snapshot.html', 'cli.html']
PAGES = sorted({p.name for p in DOCS.glob('*.html') if p.name != '404.html'} | set(MODULE_PAGES) | {'index.html'}) if DOCS.exists() else \
        ['index.html', *MODULE_PAGES]
SCREENSHOTS = {'index.html': 'landing.png', 'scheds.html': 'scheds.png', 'lr_find2.html': 'lr_find2.png', 'compare.html': 'compare.png'}

def open_page(browser, site, page):
    "The page loaded with its formulas typeset; console errors and every requested URL are recorded on it"
    pg = browser.new_page(viewport={'width': 1280, 'height': 900})
    pg.errors,pg.requests = [],[]
    pg.on('console', lambda m: pg.errors.append(m.text) if m.type == 'error' else None)
    pg.on('pageerror', lambda e: pg.errors.append(str(e)))
    pg.on('request', lambda r: pg.requests.append(r.url))
    resp = pg.goto(site + page, wait_until='load')
    assert resp.status == 200, page
    if pg.evaluate('() => !!(window.MathJax && window.MathJax.Hub)'):
        pg.evaluate('() => new Promise(done => MathJax.Hub.Queue(() => done(true)))')
    return pg

def _anchor_exists(page_file:Path, anchor:str) -> bool:
    return re.search(rf'id="{re.escape(anchor)}"', page_file.read_text()) is not None

def test_pages_built(site):
    names = {p.name for p in DOCS.glob('*.html')}
    assert set(MODULE_PAGES) | {'index.html'} <= names, set(MODULE_PAGES) - names
    for f in (Path(__file__).parents[1]/'fastai_clr').glob('*.py'):  # every module docstring's `Docs:` link has its page
        for page in re.findall(r'github\.io/fastai_clr/([\w.]+)', f.read_text()): assert (DOCS/page).exists(), (f.name, page)

@pytest.mark.parametrize('page', PAGES)
def test_page(site, browser, page):
    "Title, heading, sidebar and table of contents, every image loaded, every link resolved, formulas typeset, no error, nothing fetched from outside"
    pg = open_page(browser, site, page)
    assert 'fastai_clr' in pg.title()
    assert pg.locator('article h1').first.inner_text().strip(), 'page has no main heading'
    nav = pg.eval_on_selector_all('nav.md-nav--primary a.md-nav__link[href]', 'els => els.map(e => e.getAttribute("href"))')
    assert {'index.html', *MODULE_PAGES} <= {urlparse(h).path or page for h in nav}, 'sidebar does not list every page'
    if pg.locator('article h2').count(): assert pg.locator('nav.md-nav--secondary a.md-nav__link').count() >= 1, 'no table of contents'
    imgs = pg.eval_on_selector_all('img', 'els => els.map(e => [e.complete && e.naturalWidth > 0, e.src.slice(-60)])')
    assert all(ok for ok,_ in imgs), [s for ok,s in imgs if not ok]
    for h in pg.eval_on_selector_all('a[href]', 'els => els.map(e => e.getAttribute("href"))'):
        u = urlparse(h)
        if u.scheme or h.startswith('mailto:'): continue
        target = DOCS/(u.path or page)
        assert target.exists(), f'{page}: link {h!r} points at a missing page'
        if u.fragment and target.suffix == '.html': assert _anchor_exists(target, u.fragment), f'{page}: link {h!r} points at a missing anchor'
    text = pg.evaluate("""() => { const a = document.querySelector('article').cloneNode(true);
        a.querySelectorAll('pre, code, script, .MathJax_Preview').forEach(e => e.remove()); document.body.appendChild(a);
        const t = a.innerText; a.remove(); return t; }""")
    assert not re.search(r'\$[^$\s][^$\n]*\$', text), f'{page}: raw TeX left: {re.search(r"[$][^$]*[$]", text).group(0)[:60]}'
    assert '\\(' not in text and '\\[' not in text, f'{page}: untypeset \\( or \\['
    if page in SCREENSHOTS:
        SHOTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(SHOTS/SCREENSHOTS[page]), full_page=page == 'index.html')  # the landing page whole: its pictures
    assert not pg.errors, pg.errors
    outside = [u for u in pg.requests if not u.startswith(site) and not u.startswith('data:')]
    assert not outside, outside
    pg.close()

def _tex_pages():
    "Pages whose notebooks have TeX (`$...$`) in a Markdown cell"
    import json
    sys.path.insert(0, str(ROOT/'tools'))
    from make_docs import page_name
    def has_tex(nb): return any(c['cell_type'] == 'markdown' and re.search(r'\$[^$\s][^$]*\$', ''.join(c['source'])) for c in json.loads(nb.read_text())['cells'])
    return sorted(f'{page_name(nb)}.html' for nb in (ROOT/'nbs').glob('*.ipynb') if has_tex(nb))

def test_formulas_typeset(site, browser):
    "Pages with TeX in their notebooks show typeset formulas (MathJax's output), from the copy of MathJax on the site"
    pages = _tex_pages()
    assert {'compare.html', 'smoothing.html'} <= set(pages), pages
    for page in pages:
        pg = open_page(browser, site, page)
        assert pg.locator('.arithmatex .MathJax_CHTML, .arithmatex mjx-container').count() >= 1, page
        pg.close()

def test_search_finds_lr_find2(site, browser):
    "Typing lr_find2 in the search box lists the lr_find2 page (material's search, its index built locally)"
    pg = open_page(browser, site, 'index.html')
    pg.locator('input.md-search__input').click()
    pg.keyboard.type('lr_find2')
    pg.wait_for_selector('.md-search-result__item a', timeout=15000)
    hrefs = pg.eval_on_selector_all('.md-search-result__item a', 'els => els.map(e => e.getAttribute("href"))')
    assert any(urlparse(h).path.endswith('lr_find2.html') for h in hrefs), hrefs
    SHOTS.mkdir(exist_ok=True); pg.screenshot(path=str(SHOTS/'search.png'))
    assert not pg.errors, pg.errors
    pg.close()

def test_landing_shows_lr_find2_and_schedules(site, browser):
    pg = open_page(browser, site, 'index.html')
    srcs = pg.eval_on_selector_all('article img', 'els => els.filter(e => e.naturalWidth > 300).map(e => e.getAttribute("src"))')
    assert {'images/lr_find2.png', 'images/schedules.png'} <= set(srcs), srcs
    pg.close()

def test_code_without_prompts_and_fit_logs_as_tables(site, browser):
    pg = open_page(browser, site, 'fit.html')
    text = pg.inner_text('article')
    assert not re.search(r'(In|Out)\s*\[\s*\d*\s*\]:', text)
    heads = pg.eval_on_selector_all('article table', 'ts => ts.map(t => [...t.querySelectorAll("th")].map(h => h.innerText.trim()))')
    assert ['epoch', 'train_loss', 'valid_loss', 'time'] in heads, heads[:3]
    assert not re.search(r"\[0, [\d.]+, [\d.]+", text), 'a fit log printed as a Python list'
    pg.close()

def test_plots_on_pages(site, browser):
    "The schedule, fit and lr_find2 pages show their plots as images"
    pg = browser.new_page()
    for page,n in [('scheds.html', 3), ('fit.html', 3), ('lr_find2.html', 3)]:
        pg.goto(site + page)
        assert pg.eval_on_selector_all('img', 'els => els.filter(e => e.naturalWidth > 100).length') >= n, page
    pg.close()

def test_api_on_pages(site, browser):
    "Every exported public callable has its entry on its module page: heading, signature, docstring and a source link"
    import importlib
    pg = browser.new_page()
    for page in MODULE_PAGES:
        mod = importlib.import_module('fastai_clr.' + page[:-5])
        pg.goto(site + page)
        entries = pg.evaluate("""() => Object.fromEntries([...document.querySelectorAll('article h3, article h4')].map(h => {
            let n = h.nextElementSibling, sig = '', src = false, doc = '';
            for (let p = h.previousElementSibling; p && !/^H[1-6]$/.test(p.tagName); p = p.previousElementSibling)
                if (p.querySelector && p.querySelector('a.api-source')) { src = true; break; }
            for (; n && !/^H[1-6]$/.test(n.tagName); n = n.nextElementSibling) {
                if (!sig && n.querySelector && n.querySelector('pre')) sig = n.innerText;
                else if (sig && !doc && n.tagName === 'P') doc = n.innerText; }
            return [h.innerText.replace('¶', '').trim(), {sig, src, doc}]; }))""")
        for name in mod.__all__:
            obj = getattr(mod, name)
            if not callable(obj): continue
            key = name if name in entries else next((k for k in entries if k.endswith('.' + name)), None)
            assert key, f'{name} has no entry on {page}'
            e = entries[key]
            assert name.split('.')[-1] in e['sig'] and e['src'], f'{name} on {page}: signature or source link missing'
            doc = (obj.__doc__ or '').strip().split('\n')[0]
            if doc: assert doc[:25].replace('`', '') in e['doc'].replace('`', ''), f'docstring of {name} missing from {page}'
    pg.close()

def test_parameter_tables(site, browser):
    "A function documented with per-parameter comments gets nbdev's parameter table"
    pg = browser.new_page()
    pg.goto(site + 'zoo.html')
    heads = pg.eval_on_selector_all('article table', 'ts => ts.map(t => t.innerText)')
    assert any('seed' in t and 'Default' in t and 'Details' in t for t in heads), heads
    pg.close()
