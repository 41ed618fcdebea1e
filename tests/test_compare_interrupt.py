"""Ctrl-C during `compare_schedules(n_workers=2)`, as a terminal sends it (SIGINT to the whole process group): the run stops within
seconds, no worker process is left behind, and runs.csv keeps every run that had finished."""
import os, signal, subprocess, sys, tempfile, textwrap, time
from pathlib import Path
import pandas as pd, pytest

SCRIPT = textwrap.dedent("""
    import sys
    from fastai_clr.all import *
    plans = {'one_cycle': Plan('fit_one_cycle', 3, 1e-2), 'godzi': Plan('fit_godzi', 3, 1e-2)}
    compare_schedules(lambda s: mnist1d_learner(seed=s), plans, n_seeds=100, out=sys.argv[1], n_workers=2)  # minutes of work: Ctrl-C comes first
""")

@pytest.mark.parametrize('delay', [0.3, 3.])  # Ctrl-C while the parent waits for a run, or lands anywhere later
def test_ctrl_c_stops_workers_and_keeps_finished_rows(delay):
    d = Path(tempfile.mkdtemp())
    p = subprocess.Popen([sys.executable, '-c', SCRIPT, str(d)], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as in a terminal, even when the tests run as a background job, which ignores SIGINT
    deadline = time.time() + 240
    while not (d/'runs.csv').exists():
        assert p.poll() is None, p.stderr.read()[-3000:]
        assert time.time() < deadline, 'no run finished in 240 s'
        time.sleep(0.2)
    time.sleep(delay)
    os.killpg(p.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: every process of the foreground group gets it
    try: _,err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL); pytest.fail('compare_schedules did not stop within 30 s of Ctrl-C')
    assert p.returncode != 0 and 'KeyboardInterrupt' in err
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError): os.killpg(p.pid, 0)  # no process of the group (no worker) is left
    runs = pd.read_csv(d/'runs.csv')
    assert 1 <= len(runs) < 200 and set(runs.plan) <= {'one_cycle', 'godzi'} and runs.final.notna().all()
