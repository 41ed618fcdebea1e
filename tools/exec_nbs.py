"Execute notebooks and save their outputs in place (the docs show saved outputs): `python tools/exec_nbs.py [nbs/01_x.ipynb ...]`."
import os, re, sys
from pathlib import Path
import nbformat
from nbdev.test import test_nb

def settle(text:str) -> str:
    "Console output as a terminal would leave it: each line's text after its last carriage return, progress bars and stderr noise dropped"
    lines = [l.split('\r')[-1].rstrip() for l in text.split('\n')]
    return '\n'.join(l for l in lines if l.strip() and '█' not in l and not re.match(r'\s*Epoch \d+/\d+ :', l)) + '\n'

def settle_outputs(path):
    "Rewrite the stream outputs of notebook `path` with `settle`, dropping warnings and streams left empty"
    nb = nbformat.read(path, as_version=4)
    for c in nb.cells:
        if c.cell_type != 'code': continue
        outs = []
        for o in c.outputs:
            if o.output_type == 'stream':
                if o.name == 'stderr': continue
                o.text = settle(o.text)
                if not o.text.strip(): continue
            outs.append(o)
        c.outputs = outs
    nbformat.write(nb, path)

def main(paths, flags=('notest', 'slow', 'cuda')):
    "Run each notebook in `paths` with nbdev's test runner, skipping cells flagged with `flags`, and save outputs"
    ok = True
    for p in paths or sorted(Path('nbs').glob('*.ipynb')):
        res,t = test_nb(Path(p).absolute(), skip_flags=list(flags), save=True)
        settle_outputs(p)
        print(f"{'ok ' if res else 'FAIL'} {p} ({t:.1f}s)", flush=True)
        ok &= res
    return 0 if ok else 1

if __name__ == '__main__':
    args = sys.argv[1:]
    flags = ('notest', 'cuda') if '--slow' in args else ('notest', 'slow', 'cuda')
    os.environ['FASTAI_CLR_SAVE'] = '1'  # notebooks may rewrite their committed results (experiments/)
    sys.exit(main([a for a in args if a != '--slow'], flags))
