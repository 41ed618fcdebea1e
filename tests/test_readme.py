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
