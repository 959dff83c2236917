#!/usr/bin/python3
"""Checks the "Go (lossbook)" kernel where a user meets it: a new notebook in a folder outside the repository,
holding only an import of lossbook's losses and a %% cell computing a cross-entropy, executed by nbconvert with
the kernel, with no network. No network means a new network namespace with only the loopback interface
(`unshare -n`, as root; `unshare -rn` as another user where user namespaces are allowed); where neither works,
GOPROXY=off (the go command downloads nothing). The cell's printed value is checked against PyTorch's.

Run by `make kernel-test` (part of `make test`), after `make kernel`.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

IMPORT = ('import (\n\t"github.com/gomlx/gomlx/pkg/core/graph"\n\t"github.com/lossbook/lossbook/lib"\n'
          '\t"github.com/lossbook/lossbook/losses"\n)')
CELL = ('%%\nce := graph.MustExecOnce(lib.MustBackend(), func(logits, labels *graph.Node) *graph.Node {\n'
        '\treturn losses.CrossEntropy(logits, labels)\n'
        '}, [][]float32{{2, 0.5, -1}, {0.1, 0.2, 3}}, []int32{0, 2})\n'
        'fmt.Printf("cross-entropy: %.4f\\n", ce.Value())')
# torch.nn.functional.cross_entropy(torch.tensor([[2, 0.5, -1], [0.1, 0.2, 3]]), torch.tensor([0, 2])) in
# PyTorch 1.13, as losses.ExampleCrossEntropy records it.
WANT = "cross-entropy: 0.1755"
KERNEL = os.environ.get("LOSSBOOK_KERNEL_NAME", "lossbook")


def notebook():
    cell = lambda src: {"cell_type": "code", "execution_count": None, "id": "c%d" % len(src), "metadata": {},
                        "outputs": [], "source": src}
    return {"cells": [cell(IMPORT), cell(CELL)], "metadata": {"kernelspec": {
        "display_name": "Go (%s)" % KERNEL, "language": "go", "name": KERNEL}}, "nbformat": 4, "nbformat_minor": 5}


def no_network_prefix():
    """The command prefix that runs a command without network, and how it is described."""
    unshare = shutil.which("unshare")
    ip = shutil.which("ip") or "/usr/sbin/ip"
    if unshare and os.path.exists(ip):
        for flags in (["-n"], ["-rn"]):
            probe = [unshare] + flags + ["sh", "-c", '"$0" link set lo up', ip]
            if subprocess.run(probe, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
                return [unshare] + flags + ["sh", "-c", '"$0" link set lo up && exec "$@"', ip], \
                    "a network namespace with only the loopback interface (unshare %s)" % flags[0]
    return [], "GOPROXY=off (unshare cannot make a network namespace here)"


def main():
    folder = tempfile.mkdtemp(prefix="lossbook-kernel-test-")
    try:
        path = os.path.join(folder, "new.ipynb")
        with open(path, "w") as f:
            json.dump(notebook(), f, indent=1)
        prefix, how = no_network_prefix()
        env = dict(os.environ, GOPROXY="off", GOMLX_BACKEND="go", LOSSBOOK_SMOKE="1")
        cmd = prefix + ["jupyter", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=" + KERNEL,
                        "--ExecutePreprocessor.timeout=900", "--output", "out.ipynb", path]
        print("kernel_test: executing %s (only an import and a %%%% cell) with the %s kernel, no network: %s" % (path, KERNEL, how))
        start = time.time()
        run = subprocess.run(cmd, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        took = time.time() - start
        if run.returncode != 0:
            print(run.stdout[-6000:], file=sys.stderr)
            print("kernel_test: FAIL: nbconvert exited %d" % run.returncode, file=sys.stderr)
            sys.exit(1)
        with open(os.path.join(folder, "out.ipynb")) as f:
            out = json.load(f)
        texts = []
        for c in out["cells"]:
            for o in c.get("outputs", []):
                if o.get("output_type") == "error":
                    texts.append("ERROR %s: %s" % (o.get("ename"), o.get("evalue")))
                elif o.get("output_type") == "stream":
                    texts.append(("STDERR " if o.get("name") == "stderr" else "") + "".join(o["text"]))
                else:
                    texts.append(json.dumps(o.get("data", {}))[:2000])
        got = "".join(texts)
        if WANT not in got or "ERROR" in got or "STDERR" in got:
            print("kernel_test: FAIL: the outputs are %r; want %r and no error" % (got, WANT), file=sys.stderr)
            sys.exit(1)
        print("kernel_test: PASS: %r in %.1f s (%s)" % (WANT, took, how))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
