"Run every benchmark and write benchmarks/results.md (`make bench`)."
import contextlib, io, platform, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
import bench_lr_find2, bench_sched, bench_restore, bench_tracker, bench_sweep, bench_data

def main():
    parts = [f"# Benchmarks\n\nMeasured {time.strftime('%Y-%m-%d')} on {platform.machine()} ({platform.processor() or 'cpu'}), "
             f"Python {platform.python_version()}. Ratios are measured side by side in one run; absolute seconds vary by machine.\n"]
    for mod in (bench_lr_find2, bench_restore, bench_sched, bench_tracker, bench_sweep, bench_data): parts.append(mod.main([]))
    Path(__file__).with_name('results.md').write_text("\n\n".join(parts) + "\n")
    print(f"wrote {Path(__file__).with_name('results.md')}")

if __name__ == '__main__': main()
