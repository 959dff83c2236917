#!/usr/bin/python3
"""End-to-end test of `make lab`: starts it on a free port, reads the URL and token it prints, starts the
"Go (lossbook)" kernel through the Jupyter server's REST API, executes a Go cell that imports lossbook (with no
set-up cell before it) over the kernel's websocket channel (the same path a browser takes), checks the cell's
output, then shuts the kernel and the server down. --kernel gonb checks the plain GoNB kernel instead, after the
go.work set-up cell that notebooks written for it carry.

Run by `make lab-test` (part of `make test`). Needs Debian's jupyter-notebook (tornado is one of its deps).
docker/selftest.sh runs it on the Docker image's own command instead:
    lab_test.py --command 'env LOSSBOOK_PORT={port} docker/start.sh' --notebook notebooks/lab_test.ipynb
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

from tornado import ioloop, websocket

CELL = 'import "github.com/lossbook/lossbook/lib"\n\n%%\nfmt.Printf("lab ok: %d, backend %s\\n", 6*7, lib.MustBackend().Name())\n'
SETUP = '!*rm -f go.work && go work init && go work use . "$GONB_DIR/.."\n%goworkfix\n'
WANT = "lab ok: 42, backend SimpleGo (go)"
TIMEOUT = 600  # seconds, for the server to start and for the cell (the first build compiles GoMLX)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fail(msg, log=""):
    print("lab_test: FAIL:", msg, file=sys.stderr)
    if log:
        print("---- server output ----\n" + log[-6000:], file=sys.stderr)
    sys.exit(1)


def api(base, token, method, path, body=None):
    req = urllib.request.Request(base + path + "?token=" + token, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        data = r.read()
        return json.loads(data) if data else None


def execute(ws_url, code):
    """Sends one execute_request on the kernel's channels websocket; returns (status, stdout text)."""
    async def run():
        conn = await websocket.websocket_connect(ws_url)
        msg_id = uuid.uuid4().hex
        conn.write_message(json.dumps({
            "header": {"msg_id": msg_id, "username": "lab_test", "session": uuid.uuid4().hex,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        out, status, idle = [], None, False
        deadline = time.time() + TIMEOUT
        while time.time() < deadline and not (status and idle):
            raw = await conn.read_message()
            if raw is None:
                break
            m = json.loads(raw)
            if m.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            t = m["header"]["msg_type"]
            if t == "stream":
                out.append(m["content"]["text"])
            elif t == "error":
                out.append("%s: %s" % (m["content"].get("ename"), m["content"].get("evalue")))
            elif t in ("display_data", "execute_result"):
                out.append(str(m["content"].get("data", {}).get("text/plain", m["content"].get("data", {}).get("text/html", ""))))
            elif t == "execute_reply":
                status = m["content"]["status"]
            elif t == "status" and m["content"]["execution_state"] == "idle":
                idle = True
        conn.close()
        return status, "".join(out)
    return ioloop.IOLoop.current().run_sync(run, timeout=TIMEOUT + 10)


def main():
    parser = argparse.ArgumentParser(description="End-to-end test of a command that starts Jupyter with the Go (lossbook) kernel.")
    parser.add_argument("--command", default="make --no-print-directory lab LAB_PORT={port}",
                        help="the server command, run in the repository root; {port} is replaced by a free port")
    parser.add_argument("--kernel", default="lossbook", help="the kernel to start: lossbook, or gonb (with the set-up cell)")
    parser.add_argument("--notebook", default="lab_test.ipynb",
                        help="notebook path, relative to the server's root folder, for the session (sets $GONB_DIR)")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    port = free_port()
    logpath = os.path.join(root, "build", "lab_test.log")
    os.makedirs(os.path.dirname(logpath), exist_ok=True)
    log = open(logpath, "w+")
    env = dict(os.environ, GOMLX_BACKEND="go:parallelism=-1")
    proc = subprocess.Popen(args.command.replace("{port}", str(port)).split(), cwd=root,
                            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base, token, session = None, None, None
    try:
        # Wait for the URL with the token.
        url = None
        deadline = time.time() + TIMEOUT
        while time.time() < deadline and proc.poll() is None:
            log.seek(0)
            text = log.read()
            m = re.search(r"(http://127\.0\.0\.1:%d/\S*token=(\w+))" % port, text)
            if m:
                url, token = m.group(1), m.group(2)
                break
            # With JUPYTER_TOKEN set, Jupyter prints the URL with the token masked ("token=...").
            m = re.search(r"(http://127\.0\.0\.1:%d/\S*token=\.\.\.)" % port, text)
            if m and os.environ.get("JUPYTER_TOKEN"):
                url, token = m.group(1), os.environ["JUPYTER_TOKEN"]
                break
            time.sleep(1)
        log.seek(0)
        if not url:
            fail("%s did not print a URL with a token on 127.0.0.1:%d" % (args.command, port), log.read())
        print("lab_test: server up at", url.replace(token, "<token>"))
        base = "http://127.0.0.1:%d" % port
        specs = api(base, token, "GET", "/api/kernelspecs")
        if args.kernel not in specs["kernelspecs"]:
            fail("the %s kernel is not installed: kernelspecs are %s" % (args.kernel, list(specs["kernelspecs"])))
        # A session, as when a notebook is opened: GoNB learns the notebook's folder ($GONB_DIR) from it.
        session = api(base, token, "POST", "/api/sessions",
                      {"path": args.notebook, "type": "notebook", "name": "", "kernel": {"name": args.kernel}})
        kernel = session["kernel"]
        ws = "ws://127.0.0.1:%d/api/kernels/%s/channels?token=%s" % (port, kernel["id"], token)
        if args.kernel == "gonb":
            status, out = execute(ws, SETUP)
            if status != "ok":
                fail("set-up cell status %r, output %r" % (status, out))
        status, out = execute(ws, CELL)
        print("lab_test: cell output:", out.strip())
        if status != "ok" or WANT not in out:
            fail("Go cell status %r, output %r; want status ok and %r" % (status, out, WANT))
        print("lab_test: PASS: %s served the %s kernel, which ran a Go cell" % (args.command.replace("{port}", str(port)), args.kernel))
    finally:
        # Shut the kernel down, then the server (and make): SIGTERM makes Jupyter stop its kernels too.
        if session:
            try:
                api(base, token, "DELETE", "/api/sessions/" + session["id"])
            except Exception as e:
                print("lab_test: could not delete the session:", e, file=sys.stderr)
        for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, None)):
            try:
                os.killpg(proc.pid, sig)
                proc.wait(timeout=wait)
                break
            except ProcessLookupError:  # already gone
                break
            except subprocess.TimeoutExpired:
                continue
        log.close()


if __name__ == "__main__":
    main()
