#!/usr/bin/env bash
# The Docker image's command: Jupyter Notebook on port $LOSSBOOK_PORT (default 8888) of every interface inside
# the container, on the lossbook checkout, with a token (random and printed in `docker logs`, or the one in
# $JUPYTER_TOKEN).
# When a host folder is mounted at <checkout>/work, the notebooks are first copied there (existing files are
# never overwritten), so participants work on copies that stay on the host. Extra arguments go to Jupyter.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

if [ -d work ]; then
  if [ -w work ]; then
    for nb in notebooks/*.ipynb; do
      [ -e "work/${nb##*/}" ] || cp "$nb" work/
    done
    echo "lossbook: work/ is your folder from the host: open the notebooks there, your changes are saved on the host"
  else
    echo "lossbook: WARNING: work/ is mounted but $(id -un) (uid $(id -u)) cannot write to it; on the host, run" \
      "chmod a+rwx on the folder (or chown it to uid $(id -u)), then restart the container" >&2
  fi
fi

root_flag=()
[ "$(id -u)" -ne 0 ] || root_flag=(--allow-root)
exec jupyter notebook --no-browser --ip=0.0.0.0 --port="${LOSSBOOK_PORT:-8888}" --notebook-dir="$repo" "${root_flag[@]}" "$@"
