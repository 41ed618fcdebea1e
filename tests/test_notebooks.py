"Run every notebook in `nbs/` as a pytest case, so CI logs end with pytest's 'N passed' line."
import os
from pathlib import Path
import pytest
from nbdev.test import test_nb as run_notebook  # renamed so pytest does not collect it

NBS = sorted((Path(__file__).parent.parent/'nbs').glob('*.ipynb'))

def skip_flags():
    "Cells flagged `notest` and `cuda` never run here; `slow` cells run only with FASTAI_CLR_SLOW=1 (`make test-slow`)"
    return ['notest', 'cuda'] + ([] if os.environ.get('FASTAI_CLR_SLOW') == '1' else ['slow'])

@pytest.mark.parametrize('nb', NBS, ids=[p.name for p in NBS])
def test_notebook(nb):
    ok,_ = run_notebook(nb, skip_flags=skip_flags())
    assert ok, f"{nb.name} failed: see the traceback above"

def test_every_notebook_collected():
    assert len(NBS) >= 4, NBS
