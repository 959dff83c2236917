package tokenize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The fuzz targets run their seed corpus under go test (make test runs each for a few seconds more with
// -fuzz); `go test -fuzz FuzzWordPiece -fuzztime 10m ./lib/tokenize` runs one longer. Inputs that found a bug
// are kept under testdata/fuzz/<target>.

var fuzzSeeds = []string{
	"Hello, world! The quick brown fox.",
	"",
	"unaffable [CLS] [SEP] [MASK] x 8",
	"日本語の文章です。 Ñandú über café",
	"\xff\xfe invalid \x80 bytes",
	"a\x00b\u2028c\td\r\ne",
	strings.Repeat("a", 300),
	"[UNK][PAD] ## ##a",
}

// FuzzWordPiece: encoding any string (valid UTF-8 or not) with the cased and uncased tokenizers gives ids inside
// the vocabulary, decodes to valid UTF-8, and never panics; batch encoding with truncation respects MaxLength.
func FuzzWordPiece(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, s+" "+s)
	}
	toks := []*Tokenizer{fixtureTokenizer(f, Uncased()), fixtureTokenizer(f, Options{})}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, tok := range toks {
			ids := tok.Encode(a)
			for _, id := range ids {
				if id < 0 || int(id) >= tok.Vocab().Size() {
					t.Fatalf("Encode(%q) gave id %d outside the vocabulary of %d", a, id, tok.Vocab().Size())
				}
			}
			if s := tok.Decode(ids, true); !utf8.ValidString(s) {
				t.Fatalf("Decode(Encode(%q)) = %q is not valid UTF-8", a, s)
			}
			e, err := tok.EncodePairBatch([]string{a}, []string{b}, EncodeOptions{MaxLength: 16, Truncation: true, Padding: PadLongest})
			if err != nil {
				t.Fatalf("EncodePairBatch: %v", err)
			}
			if n := len(e.InputIDs[0]); n > 16 {
				t.Fatalf("EncodePairBatch(%q, %q) gave %d ids, MaxLength 16", a, b, n)
			}
		}
	})
}

// FuzzTrain: training a vocabulary on any two texts gives a vocabulary that holds the special tokens and every
// character of the texts as a bare token (so no single character encodes to [UNK]), or an error; never a panic.
func FuzzTrain(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, "the cat sat on the mat "+s, 40)
	}
	f.Fuzz(func(t *testing.T, a, b string, size int) {
		size = 5 + (size%200+200)%200
		v, err := TrainFromSlice([]string{a, b, a}, TrainOptions{VocabSize: size, MinFrequency: 1, Options: Uncased()})
		if err != nil {
			return
		}
		if _, err := v.Special(); err != nil {
			t.Fatalf("trained vocabulary lacks its special tokens: %v", err)
		}
		tok, err := New(v, Uncased())
		if err != nil {
			t.Fatal(err)
		}
		unk := tok.Special().UNK
		for _, word := range BasicTokenize(a+" "+b, Uncased()) {
			for _, r := range word {
				for _, id := range tok.Encode(string(r)) {
					if id == unk {
						t.Fatalf("character %q of the training texts encodes to [UNK]", r)
					}
				}
			}
		}
	})
}
