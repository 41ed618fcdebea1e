"""Run the benchmarks and write benchmarks/results.md (`make bench`).

Each benchmark's report is kept in benchmarks/results/<name>.md, so `python benchmarks/run_all.py bench_lr_find2` reruns one
and rewrites results.md from it and the others' last reports."""
import platform, sys, time
from pathlib import Path
HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import bench_lr_find2, bench_sched, bench_restore, bench_tracker, bench_sweep, bench_data

BENCHES = {m.__name__: m for m in (bench_lr_find2, bench_restore, bench_sched, bench_tracker, bench_sweep, bench_data)}
PARTS = HERE/'results'

def run(names=None):
    "Run the benchmarks `names` (all when empty), keeping each report in `PARTS`, then write results.md from every kept report"
    bad = [n for n in names or [] if n not in BENCHES]
    if bad: raise SystemExit(f"unknown benchmark(s) {bad}: choose from {list(BENCHES)}")
    PARTS.mkdir(exist_ok=True)
    for n in names or BENCHES: (PARTS/f'{n}.md').write_text(BENCHES[n].main([]) + "\n")
    header = (f"# Benchmarks\n\nWritten {time.strftime('%Y-%m-%d')} on {platform.machine()} ({platform.processor() or 'cpu'}), "
              f"Python {platform.python_version()}; each section as last run (`benchmarks/results/`). "
              "Ratios are measured side by side in one run; absolute seconds vary by machine.\n")
    parts = [(PARTS/f'{n}.md').read_text().rstrip("\n") for n in BENCHES if (PARTS/f'{n}.md').exists()]
    (HERE/'results.md').write_text("\n\n".join([header, *parts]) + "\n")
    print(f"wrote {HERE/'results.md'}")

if __name__ == '__main__': run(sys.argv[1:])
