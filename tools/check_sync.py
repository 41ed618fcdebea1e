"Fail when `nbdev-clean`, `nbdev-export` or the README build would change a tracked file (as nbdev's own CI does)."
import hashlib, subprocess, sys
from pathlib import Path

def snapshot():
    "Hash of every file under nbs/ and fastai_clr/, and README.md"
    fs = sorted(list(Path('nbs').glob('*.ipynb')) + list(Path('fastai_clr').glob('*.py')) + [Path('README.md')])
    return {str(f): hashlib.sha256(f.read_bytes()).hexdigest() if f.exists() else None for f in fs}

def main():
    before = snapshot()
    py = sys.executable
    bindir = Path(py).parent
    for cmd in ([bindir/'nbdev-clean'], [bindir/'nbdev-export'], [py, 'tools/make_readme.py']): subprocess.run(cmd, check=True)
    after = snapshot()
    changed = [f for f in set(before) | set(after) if before.get(f) != after.get(f)]
    if changed:
        print("These files were out of sync and have been regenerated; review and commit them:\n  " + "\n  ".join(sorted(changed)))
        return 1
    print("notebooks clean, modules exported, README fresh")
    return 0

if __name__ == '__main__': sys.exit(main())
