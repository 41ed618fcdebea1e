"Markdown for the benchmarks' reports: a titled table of median seconds and the lines that read it."

def seconds_report(title:str, rows:dict, notes:list) -> str:
    "A `## title` section with a table of `name -> median seconds`, then `notes`; printed and returned"
    out = [f"## {title}", "", "| contender | median s |", "|---|---|", *[f"| {k} | {v:.2f} |" for k,v in rows.items()], "", *notes]
    print("\n".join(out))
    return "\n".join(out)

def paired_ratio(num, den, n_boot:int=4000, seed:int=0) -> tuple:
    "Median of the per-repeat ratios `num[i]/den[i]` (runs interleaved, so a slow spell of the machine hits both) and its 95% bootstrap interval"
    import numpy as np
    r = np.asarray(num, dtype=float)/np.asarray(den, dtype=float)
    boot = np.median(np.random.default_rng(seed).choice(r, (n_boot, len(r))), axis=1)
    return float(np.median(r)), float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))

def ratio_text(num, den) -> str:
    "`paired_ratio` as `**m** (95% lo..hi, n pairs)`"
    m,lo,hi = paired_ratio(num, den)
    return f"**{m:.3f}** (95% interval {lo:.3f}..{hi:.3f}, {len(num)} interleaved pairs)"
