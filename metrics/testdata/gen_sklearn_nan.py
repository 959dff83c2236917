#!/usr/bin/env python3
"""Golden values of scikit-learn's zero_division=np.nan (scikit-learn >= 1.4) for lossbook's metrics package.

Debian's scikit-learn 1.2.1 (gen_metrics.py) has no NaN option, so this script runs with a newer scikit-learn,
wherever one is installed:

    python3 metrics/testdata/gen_sklearn_nan.py > metrics/testdata/sklearn_nan.json

It takes every case of gen_metrics.py that sets zero_division=0 and runs it with zero_division=np.nan instead,
recording the values ("nan" for NaN), the warnings, the scikit-learn version, the command and the date.
"""
import datetime
import json
import os
import sys

import numpy as np
import sklearn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_metrics  # noqa: E402


def main():
    cases = []
    for c in gen_metrics.CASES:
        if c["kwargs"].get("zero_division") != 0:
            continue
        c = dict(c, name=c["name"].replace("zd=0", "zd=nan"))
        kwargs = dict(c["kwargs"], zero_division=np.nan)
        c["kwargs"] = {k: ("nan" if k == "zero_division" else ("none" if v is None else v)) for k, v in kwargs.items()}
        c.update(gen_metrics.call(c["fn"], c["y_true"], c["y_pred"], kwargs))
        cases.append(c)
    out = {
        "source": "sklearn.metrics with zero_division=np.nan",
        "sklearn_version": sklearn.__version__,
        "python_version": sys.version.split()[0],
        "command": "python3 metrics/testdata/gen_sklearn_nan.py > metrics/testdata/sklearn_nan.json",
        "date": datetime.date.today().isoformat(),
        "cases": cases,
    }
    json.dump(out, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
