package metrics

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// The fuzz targets run their seed corpus under go test; `go test -fuzz FuzzBLEU ./metrics` runs them longer.

func addTextSeeds(f *testing.F) {
	for _, s := range [][2]string{
		{"the cat is on the mat", "the cat sat on the mat"},
		{"", ""},
		{"There is a dog.", ""},
		{"1,000.5 -- e-mail: a@b.com &amp; &quot;", "<skipped> x\ny-\nz"},
		{"日本語の文章です。", "«¡Hola!» — 3,50 €"},
		{"\xff\xfe invalid", "a\x00b\u2028c"},
		{"a a a a a a a a", "a"},
	} {
		f.Add(s[0], s[1])
	}
}

// FuzzBLEU: BLEU and chrF never panic, and score within [0, 100], on any pair of strings, with every tokenizer.
func FuzzBLEU(f *testing.F) {
	addTextSeeds(f)
	f.Fuzz(func(t *testing.T, hyp, ref string) {
		for _, tok := range []string{"13a", "intl", "char", "none"} {
			for _, smooth := range []string{"exp", "floor", "add-k", "none"} {
				c, err := CorpusBLEU([]string{hyp, ref}, [][]string{{ref, hyp}}, BLEUOptions{Tokenize: tok,
					SmoothMethod: smooth})
				if err != nil || math.IsNaN(c.Score) || c.Score < 0 || c.Score > 100+1e-9 {
					t.Fatalf("CorpusBLEU(%q, %q, %s, %s) = %v, %v", hyp, ref, tok, smooth, c.Score, err)
				}
				s, err := SentenceBLEU(hyp, []string{ref, hyp + ref}, BLEUOptions{Tokenize: tok, SmoothMethod: smooth})
				if err != nil || math.IsNaN(s.Score) || s.Score < 0 || s.Score > 100+1e-9 {
					t.Fatalf("SentenceBLEU(%q, %q, %s, %s) = %v, %v", hyp, ref, tok, smooth, s.Score, err)
				}
			}
		}
		for _, o := range []CHRFOptions{{}, {WordOrder: 2}, {EpsSmoothing: true}, {Whitespace: true, Lowercase: true}} {
			c, err := SentenceCHRF(hyp, []string{ref}, o)
			if err != nil || math.IsNaN(c.Score) || c.Score < 0 || c.Score > 100+1e-9 {
				t.Fatalf("SentenceCHRF(%q, %q, %+v) = %v, %v", hyp, ref, o, c.Score, err)
			}
		}
	})
}

// FuzzTokenizers: the tokenizers return single-space-separated tokens, and the char tokenizer one per character.
func FuzzTokenizers(f *testing.F) {
	addTextSeeds(f)
	f.Fuzz(func(t *testing.T, line, _ string) {
		for name, tok := range map[string]func(string) string{"13a": Tokenize13a, "intl": TokenizeIntl,
			"char": TokenizeChar} {
			out := tok(line)
			if out != strings.Join(pyFields(out), " ") {
				t.Fatalf("%s(%q) = %q: not tokens joined by single spaces", name, line, out)
			}
		}
		nonSpace := 0
		for _, r := range line {
			if !pyIsSpace(r) {
				nonSpace++
			}
		}
		if got := len(pyFields(TokenizeChar(line))); got != nonSpace || !utf8.ValidString(TokenizeChar(line)) {
			t.Fatalf("TokenizeChar(%q) has %d tokens, want %d", line, got, nonSpace)
		}
	})
}
