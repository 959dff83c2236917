package tokenize

import (
	"slices"
	"strings"
	"testing"
)

func TestTrainSmall(t *testing.T) {
	corpus := []string{"low low low low low", "lower lower", "newest newest newest newest newest newest", "widest widest widest"}
	v, err := TrainFromSlice(corpus, TrainOptions{VocabSize: 30, Options: Uncased()})
	if err != nil {
		t.Fatal(err)
	}
	toks := v.Tokens()
	if !slices.Equal(toks[:5], SpecialTokens) {
		t.Errorf("first tokens %q, want the special tokens %q", toks[:5], SpecialTokens)
	}
	// Alphabet: word-initial letters l n w, continuation letters ##d ##e ##i ##o ##r ##s ##t ##w, sorted.
	wantAlphabet := []string{"##d", "##e", "##i", "##o", "##r", "##s", "##t", "##w", "l", "n", "w"}
	if !slices.Equal(toks[5:16], wantAlphabet) {
		t.Errorf("alphabet %q, want %q", toks[5:16], wantAlphabet)
	}
	// Pair counts: (##e,##s) = newest 6 + widest 3 = 9 and (##s,##t) = 9 tie for the top; the tie goes to the
	// pair whose symbols sort first, (##e,##s). Then (##es,##t) has 9 and is next.
	if toks[16] != "##es" || toks[17] != "##est" {
		t.Errorf("first merges %q, want [##es ##est]", toks[16:18])
	}
	tok, err := New(v, Uncased())
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"newest", "widest", "low", "lower"} {
		if got := tok.Decode(tok.Encode(w), true); got != w {
			t.Errorf("round trip of %q through the trained vocabulary gave %q", w, got)
		}
	}
	if v.Size() > 30 {
		t.Errorf("vocabulary has %d tokens, want at most 30", v.Size())
	}
}

func TestTrainDeterministic(t *testing.T) {
	corpus := strings.Fields("the quick brown fox jumps over the lazy dog and the dog sleeps while the fox runs")
	a, err := TrainFromSlice(corpus, TrainOptions{VocabSize: 60, MinFrequency: 1})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		b, err := TrainFromSlice(corpus, TrainOptions{VocabSize: 60, MinFrequency: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.Tokens(), b.Tokens()) {
			t.Fatalf("two trainings on the same corpus differ:\n%q\n%q", a.Tokens(), b.Tokens())
		}
	}
	if a.Size() != 60 {
		t.Errorf("size %d, want 60", a.Size())
	}
	// Every word of the corpus encodes without [UNK].
	tok, _ := New(a, Options{})
	for _, w := range corpus {
		if slices.Contains(tok.Tokenize(w), UNK) {
			t.Errorf("%q has [UNK] with the trained vocabulary", w)
		}
	}
}

func TestTrainErrors(t *testing.T) {
	if _, err := TrainFromSlice([]string{"abc"}, TrainOptions{VocabSize: 3}); err == nil {
		t.Error("VocabSize 3: no error")
	}
	if _, err := TrainFromSlice([]string{"  "}, TrainOptions{VocabSize: 30}); err == nil {
		t.Error("empty corpus: no error")
	}
	if _, err := TrainFromSlice([]string{"abcdefghij"}, TrainOptions{VocabSize: 8}); err == nil || !strings.Contains(err.Error(), "alphabet") {
		t.Errorf("alphabet larger than VocabSize: error %v", err)
	}
}

func TestTrainNilCorpus(t *testing.T) {
	if _, err := Train(nil, TrainOptions{VocabSize: 30}); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("Train(nil): error %v, want one saying the corpus is nil", err)
	}
}
