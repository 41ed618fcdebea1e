"""Build the documentation site into _docs/ without Quarto: nbdev's own processing of the notebooks (directives, `show_doc`
for every exported symbol, doc links) into _proc/, then nbconvert's HTML export of those notebooks with their saved outputs,
plus a navigation bar on every page. Users with Quarto can still run `nbdev-docs` (nbs/_quarto.yml is kept)."""
import html, re, shutil, sys
from pathlib import Path
import nbformat
from nbconvert import HTMLExporter
from nbdev.config import get_config
from nbdev.quarto import refresh_quarto_yml
from nbdev.serve import proc_nbs

CSS = """<link rel="icon" href="data:,"><style>
body{max-width:1100px;margin:0 auto;padding:0 1.5em;font-family:system-ui,sans-serif}
nav.clr{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:.6em 0;margin-bottom:1em;z-index:10}
nav.clr a{margin-right:1.2em;text-decoration:none;color:#0b5394;font-weight:500} nav.clr a.here{color:#000;text-decoration:underline}
.jp-OutputArea-output img{max-width:100%}
</style>"""

def page_name(nb:Path) -> str:
    "`01_scheds.ipynb` -> `scheds.html`, as nbdev names pages"
    return 'index.html' if nb.stem == 'index' else re.sub(r'^\d+[a-z]?_', '', nb.stem) + '.html'

def _front(nb) -> dict:
    "Title and description from the raw front-matter cell nbdev's processing writes"
    import yaml
    for c in nb.cells:
        if c.cell_type == 'raw' and c.source.startswith('---'):
            return {k: str(v) for k,v in (yaml.safe_load(c.source.strip().strip('-')) or {}).items()}
    return {}

def _clean(nb, fm):
    "Drop the front matter cell, put title and description back as markdown, strip metadata nbformat rejects"
    nb.cells = [c for c in nb.cells if not (c.cell_type == 'raw' and c.source.startswith('---'))]
    head = f"# {fm.get('title', '')}\n\n> {fm.get('description', '')}" if fm.get('title') else None
    if head: nb.cells.insert(0, nbformat.v4.new_markdown_cell(head))
    for c in nb.cells:
        hide_src = c.cell_type == 'code' and re.search(r'^#\|\s*echo:\s*false', c.source, flags=re.M)
        c.metadata = {'transient': {'remove_source': True}} if hide_src else {}
        c.pop('id', None)
        if c.cell_type == 'code':
            for o in c.get('outputs', []):
                md = o.get('data', {}).get('text/markdown')
                if md: o['data']['text/markdown'] = re.sub(r'\{target="_blank"[^}]*\}', '', md)  # Quarto-only attributes
        if c.cell_type == 'code':
            c.outputs = [o for o in c.get('outputs', []) if o.get('output_type') != 'stream' or 'Epoch' not in o.get('text', '')]
            for o in c.outputs: o.pop('metadata', None) if o.get('output_type') == 'stream' else None
    nb.nbformat_minor = 4
    return nb

MATHJAX = Path('/usr/share/javascript/mathjax')  # Debian's libjs-mathjax (MathJax 2.7), installed by .ci/run
MATHJAX_PARTS = ['MathJax.js', 'config/TeX-AMS_CHTML-full.js', 'config/Safe.js', 'extensions', 'jax/element', 'jax/input/TeX',
                 'jax/output/CommonHTML', 'localization/en', 'fonts/HTML-CSS/TeX/woff']

def copy_mathjax(out:Path) -> bool:
    "Copy the parts of a local MathJax that render TeX with CommonHTML into `out/mathjax`; False when none is installed"
    if not (MATHJAX/'MathJax.js').exists(): return False
    for part in MATHJAX_PARTS:
        src,dst = MATHJAX/part,out/'mathjax'/part
        if not src.exists(): continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src, dst) if src.is_dir() else shutil.copy(src, dst)
    return True

def build(out='_docs'):
    cfg = get_config()
    refresh_quarto_yml()
    proc = proc_nbs(n_workers=0)
    out = Path(out); shutil.rmtree(out, ignore_errors=True); out.mkdir()
    nbs = sorted(proc.glob('*.ipynb'), key=lambda p: (p.stem != 'index', p.stem))
    pages = [(page_name(p), _front(nbformat.read(p, as_version=4)), p) for p in nbs]
    doc_url = (cfg.doc_host + cfg.doc_baseurl).rstrip('/') + '/'
    exp = HTMLExporter(template_name='lab')
    if copy_mathjax(out): exp.mathjax_url = 'mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe'  # formulas render offline
    for name,fm,p in pages:
        nb = _clean(nbformat.read(p, as_version=4), fm)
        body,_ = exp.from_notebook_node(nb)
        body = body.replace(doc_url, '').replace('.html.md', '.html')  # nbdev's doc links point at the published site: keep them local
        body = re.sub(r'<script[^>]*src="https?://[^"]*"[^>]*>\s*</script>', '', body)  # CDN scripts (require.js, MathJax): the site works offline
        body = re.sub(r'<script type="module">(?:(?!</script>).)*?https?://(?:(?!</script>).)*</script>', '', body, flags=re.S)  # mermaid from a CDN
        body = re.sub(r'<script[^>]*>(?:(?!</script>).)*unpkg\.com(?:(?!</script>).)*</script>', '', body, flags=re.S)  # widget embedders
        nav = '<nav class="clr">' + ''.join(f'<a href="{n}"{" class=here" if n == name else ""}>{html.escape(f.get("title", n))}</a>' for n,f,_ in pages) + '</nav>'
        title = html.escape(f"{fm.get('title', name)} - {cfg.title}")
        body = re.sub(r'<title>.*?</title>', f'<title>{title}</title>', body, flags=re.S)
        body = body.replace('</head>', CSS + '</head>', 1).replace('<main>', '<main>' + nav, 1) if '<main>' in body else body.replace('<body', nav.join(['<body', '']), 1)
        if nav not in body: body = re.sub(r'(<body[^>]*>)', r'\1' + nav, body, count=1)
        (out/name).write_text(body)
    if Path('nbs/images').is_dir(): shutil.copytree('nbs/images', out/'images')  # pictures the pages link to
    print(f"built {len(pages)} pages into {out.resolve()}: open {(out/'index.html').resolve()}")
    return out

if __name__ == '__main__': build(*sys.argv[1:])
