#!/bin/sh
# Creates the Python virtual environment that training/testdata/gen_optax.py runs in: JAX (CPU) and optax from
# PyPI, the oracles for lossbook's LAMB, Adafactor and Lion. Run from the repository root:
#
#     sh scripts/optaxenv.sh            # creates build/optaxenv
#     build/optaxenv/bin/python training/testdata/gen_optax.py > training/testdata/optax.json
#
# The versions are pinned; gen_optax.py records the ones it ran with in the golden file.
set -eu
ENV=${1:-build/optaxenv}
python3 -m venv "$ENV"
"$ENV/bin/pip" install --quiet 'jax[cpu]==0.8.1' 'optax==0.2.6'
"$ENV/bin/python" -c 'import jax, optax; print("jax", jax.__version__, "optax", optax.__version__)'
