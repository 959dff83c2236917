package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestBLEUCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	hyp := write("hyp.txt", "the cat is on the mat\nThere is a dog.\n")
	ref := write("ref.txt", "the cat sat on the mat\nThere is a big dog.\n")
	var out, errOut bytes.Buffer
	if status := run([]string{"bleu", hyp, ref}, &out, &errOut); status != 0 {
		t.Fatalf("status %d: %s", status, errOut.String())
	}
	// The case of training's ExampleCorpusBLEU.
	want := "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = 33.12 90.9/66.7/28.6/10.0 " +
		"(BP = 0.913 ratio = 0.917 hyp_len = 11 ref_len = 12)\n"
	if out.String() != want {
		t.Errorf("got  %q\nwant %q", out.String(), want)
	}
	short := write("short.txt", "one line\n")
	out.Reset()
	errOut.Reset()
	if status := run([]string{"bleu", short, ref}, &out, &errOut); status != 1 ||
		errOut.String() != "lossbook bleu: "+ref+" has 2 lines but "+short+" has 1: want one reference line per hypothesis line\n" {
		t.Errorf("mismatched files: status %d, stderr %q", status, errOut.String())
	}
}
