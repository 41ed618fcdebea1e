"""Build the documentation site into _docs/ without Quarto, with mkdocs-material.

nbdev's own processing turns the notebooks into _proc/ (directives applied, `show_doc` for every exported symbol, doc links); each
processed notebook becomes a Markdown page in _docs_src/pages/ with its saved outputs (plots as image files, fastai's epoch logs as
tables, DataFrames as HTML, `show_doc` entries as nbdev writes them); then `mkdocs build` makes the site: sidebar, per-page table of
contents, offline search, formulas typeset by a local MathJax. Nothing is fetched at build or view time. Users with Quarto can still
run `nbdev-docs` (nbs/_quarto.yml is kept)."""
import base64, re, shutil, sys
from pathlib import Path
import nbformat, yaml
import pandas as pd
from fastai_clr.cli import md_table  # the package's Markdown table, `|` escaped
from nbdev.config import get_config
from nbdev.quarto import refresh_quarto_yml
from nbdev.serve import proc_nbs

SRC = Path('_docs_src')
MATHJAX = Path('/usr/share/javascript/mathjax')  # Debian's libjs-mathjax (MathJax 2.7), installed by .ci/run
MATHJAX_PARTS = ['MathJax.js', 'config/TeX-AMS_CHTML-full.js', 'config/Safe.js', 'extensions', 'jax/element', 'jax/input/TeX',
                 'jax/output/CommonHTML', 'localization/en', 'fonts/HTML-CSS/TeX/woff']
MATHJAX_CONFIG = """window.MathJax = {tex2jax: {inlineMath: [["\\\\(", "\\\\)"]], displayMath: [["\\\\[", "\\\\]"]], processEscapes: true,
  processEnvironments: true, ignoreClass: ".*", processClass: "arithmatex"}, messageStyle: "none", showMathMenu: false};"""
CSS = """.md-typeset .api-source{float:right;font-size:.75em}
.md-typeset h3[id]{border-top:1px solid var(--md-default-fg-color--lightest);padding-top:.8em}
.md-typeset .description{font-size:1.1em;color:var(--md-default-fg-color--light);margin-top:-.6em}
.md-typeset .output-html{overflow-x:auto} .md-typeset .output-html table{font-size:.75em}
.md-typeset .output-html table.dataframe td,.md-typeset .output-html table.dataframe th{padding:.2em .6em;text-align:right}
.md-typeset img{max-width:100%}
.md-typeset table:not([class]){font-size:.7rem} .md-typeset table:not([class]) td,.md-typeset table:not([class]) th{padding:.35em 1em}"""

def page_name(nb:Path) -> str:
    "`02_scheds.ipynb` -> `scheds`, as nbdev names pages"
    return 'index' if nb.stem == 'index' else re.sub(r'^\d+[a-z]?_', '', nb.stem)

def front_matter(nb) -> dict:
    "Title and description from the raw front-matter cell nbdev's processing writes"
    for c in nb.cells:
        if c.cell_type == 'raw' and c.source.startswith('---'): return yaml.safe_load(c.source.strip().strip('-')) or {}
    return {}

FIT_HEADER = re.compile(r'^epoch\s+train_loss\b')

def stream_md(text:str) -> str:
    "A cell's printed output: fastai's epoch logs (header `epoch train_loss ...`, one row per epoch) as tables, anything else as text"
    out,block,table = [],[],None
    def flush_text():
        if block: out.append('```text\n' + '\n'.join(block) + '\n```')
        block.clear()
    for line in text.rstrip('\n').split('\n'):
        if FIT_HEADER.match(line):
            flush_text(); table = [line.split()]; out.append(table); continue
        if table is not None and re.match(r'^\d+\s', line) and len(line.split()) == len(table[0]): table.append(line.split()); continue
        table = None; block.append(line)
    flush_text()
    return '\n\n'.join(o if isinstance(o, str) else rows_table(o) for o in out)

def rows_table(rows) -> str:
    "A fit's epoch table (header, then rows of strings) in Markdown, written by the package's `md_table`"
    head,*body = rows
    return md_table(pd.DataFrame([r[1:] for r in body], columns=head[1:], index=pd.Index([r[0] for r in body], name=head[0])))

def show_doc_md(md:str) -> str:
    "nbdev's `show_doc` Markdown without the rule between entries (the heading's border marks them), its anchors, its source link styled"
    md = re.sub(r'^---\s*$', '', md, flags=re.M)
    md = re.sub(r'^(#{2,4}) ([\w.]+)\s*$', lambda m: f'{m[1]} {m[2]} {{ #{m[2].lower()} }}', md, flags=re.M)  # nbdev's anchors: doc links land on the entry
    md = re.sub(r'\[source\]\(([^)]*)\)\{[^}]*\}', r'[source](\1){.api-source}', md)
    return md + param_table(md)

PARAM = re.compile(r'^\s+\*{0,2}(\w+)\s*(?::\s*([^=#]+?))?\s*(?:=\s*([^#]+?))?\s*,?\s*#\s*(.+)$')

def param_table(md:str) -> str:
    "The parameter table nbdev used to print, from the `# comment` after each parameter in the signature (empty when there is none)"
    sig = re.search(r'```python\n(?:def|class) .*?```', md, flags=re.S)
    rows = [m.groups() for m in map(PARAM.match, sig[0].split('\n')) if m] if sig else []
    if not rows: return ''
    cell = lambda v: f'`{v.strip().rstrip(",")}`' if v else ''
    return '\n\n| | **Type** | **Default** | **Details** |\n|---|---|---|---|\n' + '\n'.join(
        f'| {n} | {cell(t)} | {cell(d)} | {c.strip()} |' for n,t,d,c in rows)

def output_md(o, page:str, n:int, files:Path) -> str:
    "One saved output as Markdown: images written next to the page, Markdown as is, HTML kept raw, stdout as `stream_md`"
    if o.output_type == 'stream': return stream_md(o.text) if o.name == 'stdout' and o.text.strip() else ''
    if o.output_type == 'error': return ''
    d = o.get('data', {})
    if 'image/png' in d:
        files.mkdir(parents=True, exist_ok=True)
        (files/f'{page}_{n}.png').write_bytes(base64.b64decode(d['image/png']))
        return f'![]({files.name}/{page}_{n}.png)'
    if 'text/markdown' in d: return show_doc_md(d['text/markdown'])
    if 'text/html' in d:
        h = d['text/html'].strip()
        return f'<div class="output-html" markdown="0">\n{h}\n</div>' if h and '<script' not in h else ''
    if 'text/plain' in d: return '```text\n' + d['text/plain'].rstrip() + '\n```'
    return ''

def code_source(src:str) -> str:
    "A code cell's source without nbdev's `#|` directives; empty when the cell asks not to show it"
    if re.search(r'^#\|\s*echo:\s*false', src, flags=re.M): return ''
    body = '\n'.join(l for l in src.split('\n') if not l.startswith('#|')).strip()
    return f'```python\n{body}\n```' if body else ''

def notebook_md(nb, page:str, files:Path, doc_url:str) -> str:
    "The Markdown page of processed notebook `nb`: title and description, then every cell with its outputs"
    fm = front_matter(nb)
    parts = [f"# {fm.get('title', page)}"] + ([f"{fm['description']}\n{{: .description }}"] if fm.get('description') else [])
    n = 0
    for c in nb.cells:
        if c.cell_type == 'markdown': parts.append(c.source)
        elif c.cell_type == 'code':
            parts.append(code_source(c.source))
            for o in c.get('outputs', []): n += 1; parts.append(output_md(o, page, n, files))
    md = '\n\n'.join(p for p in parts if p.strip())
    md = md.replace(doc_url, '').replace('.html.md', '.html')  # nbdev's doc links point at the published site: keep them local
    return re.sub(r'\]\(([\w-]+)\.html(#[^)]*)?\)', r'](\1.md\2)', md)  # page links as mkdocs sees them

def copy_mathjax(out:Path) -> bool:
    "Copy the parts of a local MathJax that render TeX with CommonHTML into `out/mathjax`; False when none is installed"
    if not (MATHJAX/'MathJax.js').exists(): return False
    for part in MATHJAX_PARTS:
        src,dst = MATHJAX/part,out/'mathjax'/part
        if not src.exists(): continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src, dst) if src.is_dir() else shutil.copy(src, dst)
    return True

def mkdocs_config(cfg, nav, math:bool) -> dict:
    return dict(
        site_name=cfg.title, site_description=cfg.description, docs_dir='pages', site_dir=str(Path.cwd()/cfg.doc_path),
        use_directory_urls=False,  # page.html, as nbdev names them
        theme=dict(name='material', font=False,  # no web fonts: nothing is fetched when viewing
                   features=['navigation.top', 'toc.follow', 'search.highlight', 'search.suggest', 'content.code.copy'],
                   palette=[dict(scheme='default', primary='indigo', accent='indigo')]),
        plugins=['search'],  # material's offline plugin would load a shim from unpkg: serve the site locally instead
        markdown_extensions=['tables', 'attr_list', 'md_in_html', 'admonition', 'footnotes', {'toc': {'permalink': True}},
                             {'pymdownx.arithmatex': {'generic': True}}, 'pymdownx.highlight', 'pymdownx.superfences', 'pymdownx.details'],
        extra_css=['css/extra.css'],
        extra_javascript=['js/mathjax-config.js', 'mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe'] if math else [],
        nav=nav)

def build(out=None):
    cfg = get_config()
    refresh_quarto_yml()
    proc = proc_nbs(n_workers=0)
    shutil.rmtree(SRC, ignore_errors=True)
    pages = SRC/'pages'; (pages/'css').mkdir(parents=True); (pages/'js').mkdir()
    (pages/'css'/'extra.css').write_text(CSS); (pages/'js'/'mathjax-config.js').write_text(MATHJAX_CONFIG)
    if Path('nbs/images').is_dir(): shutil.copytree('nbs/images', pages/'images')  # pictures the pages link to
    math = copy_mathjax(pages)
    doc_url = (cfg.doc_host + cfg.doc_baseurl).rstrip('/') + '/'
    nav = []
    for p in sorted(proc.glob('*.ipynb'), key=lambda p: (p.stem != 'index', p.stem)):
        nb,name = nbformat.read(p, as_version=4),page_name(p)
        (pages/f'{name}.md').write_text(notebook_md(nb, name, pages/'files', doc_url))
        nav.append({str(front_matter(nb).get('title', name)) if name != 'index' else 'Home': f'{name}.md'})
    conf = mkdocs_config(cfg, nav, math)
    if out: conf['site_dir'] = str(Path(out).resolve())
    (SRC/'mkdocs.yml').write_text(yaml.safe_dump(conf, sort_keys=False))
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    mkdocs_build(load_config(str(SRC/'mkdocs.yml')))
    site = Path(conf['site_dir'])
    for name in [list(o.values())[0][:-3] for o in nav]: shutil.copy(pages/f'{name}.md', site/f'{name}.html.md')  # the module docstrings' links
    print(f"built {len(nav)} pages into {site}: serve it with python -m http.server -d {site} 8000, then open http://127.0.0.1:8000")
    return site

if __name__ == '__main__': build(*sys.argv[1:])
