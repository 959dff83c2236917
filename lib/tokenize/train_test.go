package tokenize

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
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
	// Alphabet: every letter alone, sorted (as Hugging Face's WordPieceTrainer), then the continuation
	// letters ##d ##e ##i ##o ##r ##s ##t ##w (l and n only start words).
	wantAlphabet := []string{"d", "e", "i", "l", "n", "o", "r", "s", "t", "w",
		"##d", "##e", "##i", "##o", "##r", "##s", "##t", "##w"}
	if !slices.Equal(toks[5:23], wantAlphabet) {
		t.Errorf("alphabet %q, want %q", toks[5:23], wantAlphabet)
	}
	// Pair counts: (##e,##s) = newest 6 + widest 3 = 9 and (##s,##t) = 9 tie for the top; the tie goes to the
	// pair of lower symbol ids, (##e,##s). Then (##es,##t) has 9 and is next.
	if toks[23] != "##es" || toks[24] != "##est" {
		t.Errorf("first merges %q, want [##es ##est]", toks[23:25])
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

// TestTrainMatchesHuggingFace compares with what Hugging Face's WordPieceTrainer learned from the corpora of
// testdata/gen_trainer.py (testdata/trainer_golden.json), with and without limit_alphabet: the same bare
// alphabet in the same order, the same "##" alphabet, and the same merges in the same order, as far as
// Hugging Face's own runs agree with each other (its "##" symbols get ids in hash-map order, and ties between
// equally frequent pairs go to the lower ids, so where such a tie comes early its runs differ).
func TestTrainMatchesHuggingFace(t *testing.T) {
	b, err := os.ReadFile("testdata/trainer_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Generator string `json:"generator"`
		Corpora   struct {
			Small     []string       `json:"small"`
			Synthetic map[string]int `json:"synthetic"`
		} `json:"corpora"`
		Cases []struct {
			Corpus        string   `json:"corpus"`
			Lowercase     bool     `json:"lowercase"`
			LimitAlphabet int      `json:"limit_alphabet"`
			MinFrequency  int      `json:"min_frequency"`
			VocabSize     int      `json:"vocab_size"`
			Bare          []string `json:"bare"`
			Continuation  []string `json:"continuation"`
			Merges        []string `json:"merges"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &golden); err != nil {
		t.Fatal(err)
	}
	t.Logf("golden vocabularies from %s", golden.Generator)
	// The synthetic corpus is stored as word counts: one text per word, the word repeated (as the script trains).
	var synthetic []string
	for _, w := range slices.Sorted(maps.Keys(golden.Corpora.Synthetic)) {
		synthetic = append(synthetic, strings.TrimSpace(strings.Repeat(w+" ", golden.Corpora.Synthetic[w])))
	}
	corpora := map[string][]string{"small": golden.Corpora.Small, "synthetic": synthetic}
	merges := 0
	for _, c := range golden.Cases {
		name := fmt.Sprintf("%s lowercase=%v limit_alphabet=%d", c.Corpus, c.Lowercase, c.LimitAlphabet)
		opts := Options{}
		if c.Lowercase {
			opts = Uncased()
		}
		v, err := TrainFromSlice(corpora[c.Corpus], TrainOptions{VocabSize: c.VocabSize, MinFrequency: c.MinFrequency,
			LimitAlphabet: c.LimitAlphabet, Options: opts})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		toks := v.Tokens()
		if !slices.Equal(toks[:len(SpecialTokens)], SpecialTokens) {
			t.Fatalf("%s: first tokens %q", name, toks[:len(SpecialTokens)])
		}
		toks = toks[len(SpecialTokens):]
		nb, nc := min(len(c.Bare), len(toks)), min(len(c.Bare)+len(c.Continuation), len(toks))
		if got := toks[:nb]; !slices.Equal(got, c.Bare) {
			t.Errorf("%s: bare alphabet\n got %q\nwant %q", name, got, c.Bare)
		}
		if got := slices.Sorted(slices.Values(toks[nb:nc])); !slices.Equal(got, c.Continuation) {
			t.Errorf("%s: continuation alphabet\n got %q\nwant %q", name, got, c.Continuation)
		}
		if got := toks[nc:]; !slices.Equal(got, c.Merges) {
			t.Errorf("%s: merges\n got %q\nwant %q", name, got, c.Merges)
		}
		merges += len(c.Merges)
	}
	t.Logf("%d cases, %d merges compared", len(golden.Cases), merges)
}

// TestTrainBareAlphabet: every character of the corpus is a token alone, as in Hugging Face's WordPieceTrainer,
// so a character that only ever appeared inside words ("x", "8", "ñ") does not encode to [UNK] when it
// stands alone.
func TestTrainBareAlphabet(t *testing.T) {
	corpus := []string{"the taxi fixed six boxes", "in 1998 and 2008", "el niño y la montaña"}
	v, err := TrainFromSlice(corpus, TrainOptions{VocabSize: 60, Options: Options{}})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := New(v, Options{})
	for _, text := range []string{"x", "8", "ñ", "e", "i x 8"} {
		if got := tok.Tokenize(text); slices.Contains(got, UNK) {
			t.Errorf("Tokenize(%q) = %q with a vocabulary trained on %q: want no [UNK]", text, got, corpus)
		}
	}
}

// TestTrainLimitAlphabet checks LimitAlphabet's rule on a corpus with known character counts: the most
// frequent characters are kept, ties drop the higher code point first, and a dropped character appears in no
// token (its words encode to [UNK]).
func TestTrainLimitAlphabet(t *testing.T) {
	// Character counts: a 14, b 4, c 4, d 4, z 1.
	corpus := []string{"ab ab ab ab", "ac ac ac ac", "ad ad ad ad", "aa", "z"}
	v, err := TrainFromSlice(corpus, TrainOptions{VocabSize: 100, MinFrequency: 1, LimitAlphabet: 3})
	if err != nil {
		t.Fatal(err)
	}
	var alphabet []string
	for _, tok := range v.Tokens()[len(SpecialTokens):] {
		if len(strings.TrimPrefix(tok, ContinuationPrefix)) == 1 && !strings.HasPrefix(tok, ContinuationPrefix) {
			alphabet = append(alphabet, tok)
		}
	}
	// a (14) is kept; b, c, d tie at 4 for the two places left: d, the highest code point, is dropped; z (1) too.
	if want := []string{"a", "b", "c"}; !slices.Equal(alphabet, want) {
		t.Errorf("LimitAlphabet 3: bare alphabet %q, want %q", alphabet, want)
	}
	for _, tok := range v.Tokens() {
		if strings.ContainsAny(tok, "dz") {
			t.Errorf("token %q holds a dropped character", tok)
		}
	}
	tok, _ := New(v, Options{})
	if got := tok.Tokenize("ab ad z"); !slices.Equal(got, []string{"ab", UNK, UNK}) {
		t.Errorf("Tokenize(\"ab ad z\") = %q, want [ab [UNK] [UNK]]", got)
	}
	if _, err := TrainFromSlice(corpus, TrainOptions{VocabSize: 100, LimitAlphabet: -1}); err == nil || !strings.Contains(err.Error(), "LimitAlphabet -1") {
		t.Errorf("LimitAlphabet -1: error %v", err)
	}
}
