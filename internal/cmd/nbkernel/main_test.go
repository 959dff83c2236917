package main

import (
	"encoding/json"
	"strings"
	"testing"
)

const oldNotebook = `{
 "cells": [
  {"cell_type": "markdown", "metadata": {}, "source": ["# 04 · Title"]},
  {"cell_type": "markdown", "metadata": {}, "source": ["## Use this working tree's lossbook\n", "\n", "... %goworkfix ..."]},
  {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [],
   "source": ["!*rm -f go.work && go work init && go work use . \"$GONB_DIR/..\"\n", "%goworkfix"]},
  {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [],
   "source": ["!cd \"$GONB_DIR/..\" && go doc ./losses CrossEntropy"]},
  {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": ["%%\nfmt.Println(\"<ok> & done\")"]}
 ],
 "metadata": {"kernelspec": {"display_name": "Go (gonb)", "language": "go", "name": "gonb"}},
 "nbformat": 4,
 "nbformat_minor": 5
}`

func TestFix(t *testing.T) {
	out, changes, err := Fix([]byte(oldNotebook))
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 4 {
		t.Errorf("changes %q, want 4 (set-up cell, its markdown, go doc, kernelspec)", changes)
	}
	var nb struct {
		Cells []struct {
			CellType string   `json:"cell_type"`
			Source   []string `json:"source"`
		} `json:"cells"`
		Metadata struct {
			Kernelspec map[string]string `json:"kernelspec"`
		} `json:"metadata"`
		NBFormat int `json:"nbformat"`
	}
	if err := json.Unmarshal(out, &nb); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var sources []string
	for _, c := range nb.Cells {
		sources = append(sources, strings.Join(c.Source, ""))
	}
	want := []string{"# 04 · Title", "!*go doc github.com/lossbook/lossbook/losses CrossEntropy", "%%\nfmt.Println(\"<ok> & done\")"}
	if strings.Join(sources, "|") != strings.Join(want, "|") {
		t.Errorf("cells %q, want %q", sources, want)
	}
	if ks := nb.Metadata.Kernelspec; ks["name"] != "lossbook" || ks["display_name"] != "Go (lossbook)" || nb.NBFormat != 4 {
		t.Errorf("kernelspec %v, nbformat %d", ks, nb.NBFormat)
	}
	if !strings.Contains(string(out), `<ok> & done`) || !strings.HasSuffix(string(out), "}\n") {
		t.Errorf("output escapes HTML or lacks the final newline:\n%s", out)
	}
	// Fixing again changes nothing, byte for byte.
	again, changes, err := Fix(out)
	if err != nil || len(changes) != 0 || string(again) != string(out) {
		t.Errorf("second Fix: changes %q, error %v, same bytes %v", changes, err, string(again) == string(out))
	}
	if _, _, err := Fix([]byte(`{"cells": 3}`)); err == nil {
		t.Error("Fix accepted a notebook whose cells are not a list")
	}
}
