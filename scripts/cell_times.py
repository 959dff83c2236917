#!/usr/bin/python3
"""Times every code cell of notebooks run headless with a Jupyter kernel, as a student meets them: per notebook
the number of code cells, the median and the slowest cell (with its index) and the total, then the median over
all cells.

Usage: /usr/bin/python3 scripts/cell_times.py [--kernel lossbook] [--runs 2] [--json] NOTEBOOK.ipynb ...

Each notebook is executed --runs times in a fresh kernel (nbclient, Debian's python3-nbclient) and the last run
is reported, so that Go's build cache is warm as on a student's second run; a cell's time is the wall-clock
time from sending it to the kernel's reply (for GoNB: goimports, `go build` of the cell's program, which is
compiling and linking, and running it), measured here with a monotonic clock. The environment passes through
to the kernel: run it with LOSSBOOK_SMOKE=1 and GOMLX_BACKEND as you want them measured. A cell that fails
stops the script with status 1.
"""
import argparse
import json
import os
import statistics
import sys
import time

import nbformat
from nbclient import NotebookClient


class TimingClient(NotebookClient):
    def __init__(self, nb, **kw):
        super().__init__(nb, **kw)
        self.times = []

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        start = time.monotonic()
        out = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        if cell.cell_type == "code":
            self.times.append((time.monotonic() - start, cell_index))
        return out


def run(path, kernel, runs):
    times = []
    for _ in range(runs):
        nb = nbformat.read(path, as_version=4)
        client = TimingClient(nb, kernel_name=kernel, timeout=1200, resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
        client.execute()
        times = client.times
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", default="lossbook")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("notebooks", nargs="+")
    a = ap.parse_args()
    report, every = [], []
    for p in a.notebooks:
        try:
            times = run(p, a.kernel, a.runs)
        except Exception as e:  # a failing cell: say which notebook, then stop
            print("cell_times: %s: %s" % (p, str(e).splitlines()[0] if str(e) else type(e).__name__), file=sys.stderr)
            sys.exit(1)
        every += [t for t, _ in times]
        slow = max(times)
        report.append({"notebook": p, "cells": len(times), "median_s": round(statistics.median(t for t, _ in times), 2),
                       "slowest_s": round(slow[0], 2), "slowest_cell": slow[1], "total_s": round(sum(t for t, _ in times), 1)})
    overall = {"cells": len(every), "median_s": round(statistics.median(every), 2), "slowest_s": round(max(every), 2)}
    if a.json:
        print(json.dumps({"notebooks": report, "all": overall}, indent=1))
        return
    print("%-36s %5s %8s %8s %6s %7s" % ("notebook", "cells", "median", "slowest", "(cell)", "total"))
    for r in report:
        print("%-36s %5d %7.2fs %7.2fs %6d %6.1fs" % (r["notebook"].split("/")[-1], r["cells"], r["median_s"],
                                                     r["slowest_s"], r["slowest_cell"], r["total_s"]))
    print("%-36s %5d %7.2fs %7.2fs" % ("all", overall["cells"], overall["median_s"], overall["slowest_s"]))


if __name__ == "__main__":
    main()
