#!/usr/bin/python3
"""Adds a PATH entry to the GoNB kernel spec that `gonb --install` wrote, so that the kernel finds go,
goimports and gopls however Jupyter is started (not only from `make lab`, whose PATH has them).

Usage: kernel_env.py DIR[:DIR...]   (prepended to the PATH Jupyter runs with; ${PATH} is expanded by
jupyter_client when it starts the kernel)
"""
import json
import os
import sys

spec_dir = os.path.join(os.environ.get("JUPYTER_DATA_DIR", os.path.expanduser("~/.local/share/jupyter")),
                        "kernels", "gonb")
path = os.path.join(spec_dir, "kernel.json")
with open(path) as f:
    spec = json.load(f)
spec.setdefault("env", {})["PATH"] = sys.argv[1] + ":${PATH}"
tmp = path + ".tmp"
with open(tmp, "w") as f:
    json.dump(spec, f, indent=1)
os.replace(tmp, path)
print("lossbook: GoNB kernel spec %s runs with PATH=%s" % (path, spec["env"]["PATH"]))
