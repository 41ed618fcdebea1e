"Markdown for the benchmarks' reports: a titled table of median seconds and the lines that read it."

def seconds_report(title:str, rows:dict, notes:list) -> str:
    "A `## title` section with a table of `name -> median seconds`, then `notes`; printed and returned"
    out = [f"## {title}", "", "| contender | median s |", "|---|---|", *[f"| {k} | {v:.2f} |" for k,v in rows.items()], "", *notes]
    print("\n".join(out))
    return "\n".join(out)
