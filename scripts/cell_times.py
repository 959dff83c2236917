#!/usr/bin/python3
"""Prints how long each code cell of executed notebooks took: per notebook the number of code cells, the median
and the slowest cell (with its index), and the median over all of them.

Usage: cell_times.py [--json] EXECUTED.ipynb ...

The times are those nbclient records in each cell's metadata (execution.iopub.execute_input to
execution.shell.execute_reply): from the moment the kernel starts on the cell to its reply, which for GoNB is
goimports, `go build` of the cell's program (compile and link) and running it. `make cell-times` executes the
notebooks twice and reads the second run (warm build cache).
"""
import datetime
import json
import statistics
import sys


def seconds(meta):
    a = meta.get("iopub.execute_input")
    b = meta.get("shell.execute_reply")
    if not a or not b:
        return None
    parse = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return (parse(b) - parse(a)).total_seconds()


def main(argv):
    as_json = "--json" in argv
    paths = [a for a in argv if a != "--json"]
    if not paths:
        sys.exit("usage: cell_times.py [--json] EXECUTED.ipynb ...")
    report, every = [], []
    for p in paths:
        with open(p) as f:
            nb = json.load(f)
        times = []
        for i, c in enumerate(nb["cells"]):
            if c["cell_type"] != "code":
                continue
            t = seconds(c.get("metadata", {}).get("execution", {}))
            if t is None:
                sys.exit("%s: cell %d has no execution timing: execute it with nbconvert/nbclient first" % (p, i))
            times.append((t, i))
        every += [t for t, _ in times]
        slow = max(times)
        report.append({"notebook": p, "cells": len(times), "median_s": round(statistics.median(t for t, _ in times), 2),
                       "slowest_s": round(slow[0], 2), "slowest_cell": slow[1], "total_s": round(sum(t for t, _ in times), 1)})
    overall = {"cells": len(every), "median_s": round(statistics.median(every), 2), "slowest_s": round(max(every), 2)}
    if as_json:
        print(json.dumps({"notebooks": report, "all": overall}, indent=1))
        return
    print("%-40s %5s %8s %8s %6s %7s" % ("notebook", "cells", "median", "slowest", "(cell)", "total"))
    for r in report:
        print("%-40s %5d %7.2fs %7.2fs %6d %6.1fs" % (r["notebook"].split("/")[-1], r["cells"], r["median_s"],
                                                     r["slowest_s"], r["slowest_cell"], r["total_s"]))
    print("%-40s %5d %7.2fs %7.2fs" % ("all", overall["cells"], overall["median_s"], overall["slowest_s"]))


if __name__ == "__main__":
    main(sys.argv[1:])
