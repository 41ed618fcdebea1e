"Execute notebooks and save their outputs in place (the docs show saved outputs): `python tools/exec_nbs.py [nbs/01_x.ipynb ...]`."
import os, sys
from pathlib import Path
from nbdev.test import test_nb

def main(paths, flags=('notest', 'slow', 'cuda')):
    "Run each notebook in `paths` with nbdev's test runner, skipping cells flagged with `flags`, and save outputs"
    ok = True
    for p in paths or sorted(Path('nbs').glob('*.ipynb')):
        res,t = test_nb(Path(p).absolute(), skip_flags=list(flags), save=True)
        print(f"{'ok ' if res else 'FAIL'} {p} ({t:.1f}s)", flush=True)
        ok &= res
    return 0 if ok else 1

if __name__ == '__main__':
    args = sys.argv[1:]
    flags = ('notest', 'cuda') if '--slow' in args else ('notest', 'slow', 'cuda')
    os.environ['FASTAI_CLR_SAVE'] = '1'  # notebooks may rewrite their committed results (experiments/)
    sys.exit(main([a for a in args if a != '--slow'], flags))
