"README.md reads as Markdown: DataFrames as Markdown tables (no raw HTML), each row with the header's column count."
import re, sys
from pathlib import Path
import pandas as pd
sys.path.insert(0, str(Path(__file__).parents[1]/'tools'))
from make_readme import html_table_md

def cols(line): return len(re.findall(r'(?<!\\)\|', line)) - 1

def test_html_table_md():
    df = pd.DataFrame({'mean': [0.5, 0.25], 'std': [0.1, 0.2]}, index=pd.Index(['godzi', 'a | b'], name='plan'))
    md = html_table_md(df.to_html())
    lines = md.splitlines()
    assert lines[0] == '| plan | mean | std |' and lines[3] == '| a \\| b | 0.25 | 0.2 |'
    assert [cols(l) for l in lines] == [3]*4

def test_readme_has_no_html_tables():
    text = (Path(__file__).parents[1]/'README.md').read_text()
    assert '<table' not in text and '<style' not in text
    for block in re.findall(r'(?m)((?:^\|.*\n)+)', text):
        n = {cols(l) for l in block.splitlines()}
        assert len(n) == 1, block

ROOT = Path(__file__).parents[1]

def md_tables(text):
    "Every Markdown table in `text` as a list of rows of cell strings (the header first, the --- row dropped)"
    out = []
    for block in re.findall(r'(?m)((?:^\|.*\n)+)', text + '\n'):
        rows = [[c.strip().strip('*') for c in re.split(r'(?<!\\)\|', l)[1:-1]] for l in block.splitlines()]
        out.append([r for r in rows if not all(set(c) <= set('-:') for c in r)])
    return out

def section(text, title):
    "The text under the `## title` heading, up to the next `##`"
    return re.search(rf'(?ms)^## {re.escape(title)}\n(.*?)(?=^## |\Z)', text)[1]

def test_readme_advice_table_is_advice_md_headline():
    readme = md_tables(section((ROOT/'README.md').read_text(), 'How good is the advice'))[0]
    advice = md_tables((ROOT/'benchmarks'/'advice.md').read_text())[0]  # the report's first table is its headline
    col = {h: i for i,h in enumerate(advice[0])}
    ref = {r[0]: r for r in advice[1:]}
    assert readme[0] == ['contender', 'from scratch', 'fine-tuning', 'extra s per task'], readme[0]
    assert 'lr_find2 lr_max' in [r[0] for r in readme[1:]]
    for name,scratch,ft,cost in readme[1:]:
        a = ref[name]
        for mine,theirs in ((scratch, a[col['from scratch, class order']]), (ft, a[col['fine-tuning, class order']]),
                            (cost, a[col['extra s per task']])):
            assert (mine == theirs == '') or abs(float(mine) - float(theirs)) < 0.051, (name, mine, theirs)

def test_readme_names_every_runtime_dependency():
    import tomllib
    deps = tomllib.loads((ROOT/'pyproject.toml').read_text())['project']['dependencies']
    install = section((ROOT/'README.md').read_text(), 'Install')
    for d in deps: assert re.match(r'[\w-]+', d)[0] in install, d
