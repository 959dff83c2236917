#!/usr/bin/python3
"""Makes the classic Jupyter Notebook show Go code as gofmt writes it.

Its "ipython" editor theme draws every tab character as an arrow (a background image on CodeMirror's cm-tab
spans), which fills Go cells, indented with tabs, with arrows; and long lines run off the cell. This writes,
under the Jupyter configuration folder ($JUPYTER_CONFIG_DIR, else ~/.jupyter):

  custom/custom.css         a block, between lossbook markers, that removes the arrow and sets tabs 4 wide
  nbconfig/notebook.json    CodeCell.cm_config: lineWrapping, tabSize 4, indentUnit 4, indentWithTabs (as gofmt)

Other contents of both files are kept; each is written to a temporary file, then renamed. Running it again
changes nothing.
"""
import json
import os
import re
import sys

BEGIN, END = "/* lossbook: Go code as gofmt writes it (scripts/notebook_config.py) */", "/* end lossbook */"
CSS = BEGIN + """
.cm-s-ipython span.cm-tab { background: none; }
.CodeMirror pre, .CodeMirror-line { tab-size: 4; -moz-tab-size: 4; }
""" + END + "\n"
CM_CONFIG = {"lineWrapping": True, "tabSize": 4, "indentUnit": 4, "indentWithTabs": True}


def write_atomic(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    conf = os.environ.get("JUPYTER_CONFIG_DIR") or os.path.expanduser("~/.jupyter")
    css_path = os.path.join(conf, "custom", "custom.css")
    old = open(css_path).read() if os.path.exists(css_path) else ""
    kept = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", "", old, flags=re.S)
    write_atomic(css_path, kept + ("" if kept == "" or kept.endswith("\n") else "\n") + CSS)

    nb_path = os.path.join(conf, "nbconfig", "notebook.json")
    try:
        cfg = json.load(open(nb_path)) if os.path.exists(nb_path) else {}
    except ValueError as e:
        sys.exit("lossbook: %s is not JSON (%s); fix or remove it, then run make kernel again" % (nb_path, e))
    cfg.setdefault("CodeCell", {}).setdefault("cm_config", {}).update(CM_CONFIG)
    write_atomic(nb_path, json.dumps(cfg, indent=1) + "\n")
    print("lossbook: classic Notebook shows Go as gofmt writes it: %s, %s" % (css_path, nb_path))


if __name__ == "__main__":
    main()
