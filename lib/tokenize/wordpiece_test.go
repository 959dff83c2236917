package tokenize

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func fixtureTokenizer(t testing.TB, opts Options) *Tokenizer {
	t.Helper()
	v, err := LoadVocab("testdata/vocab_fixture.txt")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := New(v, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type goldenCase struct {
	Lowercase    bool     `json:"lowercase"`
	Text         string   `json:"text"`
	Pair         *string  `json:"pair"`
	Tokens       []string `json:"tokens"`
	IDs          []int32  `json:"ids"`
	TokenTypeIDs []int32  `json:"token_type_ids"`
}

// TestGoldenHuggingFace compares with the tokens and ids of Hugging Face's BERT pipeline (BertNormalizer,
// BertPreTokenizer, WordPiece, the BERT template), as written by testdata/gen_wordpiece.mjs.
func TestGoldenHuggingFace(t *testing.T) {
	b, err := os.ReadFile("testdata/wordpiece_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Generator string       `json:"generator"`
		Cases     []goldenCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &golden); err != nil {
		t.Fatal(err)
	}
	t.Logf("golden values from %s, %d cases", golden.Generator, len(golden.Cases))
	toks := map[bool]*Tokenizer{
		true:  fixtureTokenizer(t, Uncased()),
		false: fixtureTokenizer(t, Options{}),
	}
	for _, c := range golden.Cases {
		tok := toks[c.Lowercase]
		var ids, types []int32
		if c.Pair == nil {
			ids = tok.Encode(c.Text)
		} else {
			e, err := tok.EncodePairBatch([]string{c.Text}, []string{*c.Pair}, EncodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ids, types = e.InputIDs[0], e.TokenTypeIDs[0]
		}
		if ids == nil {
			ids = []int32{}
		}
		if !slices.Equal(ids, c.IDs) {
			t.Errorf("lowercase=%v %q pair=%v:\n got ids %v\nwant ids %v (tokens %q)", c.Lowercase, c.Text, c.Pair, ids, c.IDs, c.Tokens)
		}
		if c.Pair != nil && !slices.Equal(types, c.TokenTypeIDs) {
			t.Errorf("lowercase=%v %q pair=%q: token types %v, want %v", c.Lowercase, c.Text, *c.Pair, types, c.TokenTypeIDs)
		}
		if c.Pair == nil {
			got := tok.Tokenize(c.Text)
			if got == nil {
				got = []string{}
			}
			if !slices.Equal(got, c.Tokens) {
				t.Errorf("lowercase=%v Tokenize(%q) = %q, want %q", c.Lowercase, c.Text, got, c.Tokens)
			}
		}
	}
}

func TestBasicTokenize(t *testing.T) {
	tests := []struct {
		text string
		opts Options
		want []string
	}{
		{"Hello, World!", Uncased(), []string{"hello", ",", "world", "!"}},
		{"Hello, World!", Options{}, []string{"Hello", ",", "World", "!"}},
		{"Café", Options{Lowercase: true}, []string{"café"}},
		{"Café", Uncased(), []string{"cafe"}},
		{"中国人", Options{}, []string{"中", "国", "人"}},
		{"中国人", Options{NoCJKSplit: true}, []string{"中国人"}},
		{"a\x00b\x07c", Options{}, []string{"abc"}},
		{"tab\tnew\nline", Options{}, []string{"tab", "new", "line"}},
		{"$5^`~", Options{}, []string{"$", "5", "^", "`", "~"}},
		{"don't", Options{}, []string{"don", "'", "t"}},
		{"  ", Options{}, nil},
	}
	for _, tc := range tests {
		if got := BasicTokenize(tc.text, tc.opts); !slices.Equal(got, tc.want) {
			t.Errorf("BasicTokenize(%q, %+v) = %q, want %q", tc.text, tc.opts, got, tc.want)
		}
	}
}

// TestASCIIFastPath checks the ASCII shortcut against the general Unicode path on the same text.
func TestASCIIFastPath(t *testing.T) {
	texts := []string{"Hello, World! It's 5 o'clock.", "a\x01b c\x7fd", "UPPER lower MiXeD [x] {y}", ""}
	for _, text := range texts {
		for _, opts := range []Options{{}, Uncased()} {
			fast := BasicTokenize(text, opts)
			slow := BasicTokenize(text+"é", opts) // a non-ASCII rune forces the general path
			last := slow[len(slow)-1]
			slow[len(slow)-1] = strings.TrimSuffix(strings.TrimSuffix(last, "é"), "e")
			if slow[len(slow)-1] == "" {
				slow = slow[:len(slow)-1]
			}
			if !slices.Equal(fast, slow) {
				t.Errorf("%q %+v: fast path %q, general path %q", text, opts, fast, slow)
			}
		}
	}
}

func TestWordPieceMaxChars(t *testing.T) {
	tok := fixtureTokenizer(t, Options{Lowercase: true, MaxInputCharsPerWord: 5})
	if got := tok.Tokenize("the running"); !slices.Equal(got, []string{"the", UNK}) {
		t.Errorf("with MaxInputCharsPerWord 5: %q, want [the [UNK]]", got)
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	tok := fixtureTokenizer(t, Uncased())
	for _, text := range []string{
		"In the beginning God created the heaven and the earth.",
		"The unaffable runner's running!",
		"Café naïve, 中国人 (test).",
	} {
		ids := tok.Encode(text)
		want := strings.Join(BasicTokenize(text, tok.Options()), " ")
		if got := tok.Decode(ids, true); got != want {
			t.Errorf("Decode(Encode(%q)) = %q, want %q", text, got, want)
		}
	}
	s := tok.Special()
	if got := tok.Decode([]int32{s.CLS, 5, s.SEP, s.PAD}, false); got != "[CLS] ! [SEP] [PAD]" {
		t.Errorf("Decode keeping specials = %q", got)
	}
}

func TestVocabSaveLoad(t *testing.T) {
	v, err := NewVocab(append(slices.Clone(SpecialTokens), "a", "##b", "é"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vocab.txt")
	if err := v.Save(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if string(b) != "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\n##b\né\n" {
		t.Errorf("vocab file = %q", b)
	}
	w, err := LoadVocab(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w.Tokens(), v.Tokens()) {
		t.Errorf("loaded %q, saved %q", w.Tokens(), v.Tokens())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("Save left %d files in its folder, want 1 (no temporary files)", len(entries))
	}
}

func TestVocabErrors(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"duplicate", "[PAD]\na\na\n", "appears twice"},
		{"empty line", "[PAD]\n\na\n", "non-empty"},
		{"empty", "", "empty"},
		{"space", "a b\n", "white space"},
	}
	for _, tc := range tests {
		_, err := ReadVocab(strings.NewReader(tc.file))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	v, _ := NewVocab([]string{"[PAD]", "a"})
	if _, err := New(v, Options{}); err == nil || !strings.Contains(err.Error(), "[UNK]") {
		t.Errorf("New without special tokens: error %v, want one naming [UNK]", err)
	}
}

// TestNilVocab: a nil vocabulary is an error, not a nil-pointer panic.
func TestNilVocab(t *testing.T) {
	var v *Vocab
	if _, err := New(nil, Options{}); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("New(nil): error %v, want one saying the vocabulary is nil", err)
	}
	if err := v.Save(filepath.Join(t.TempDir(), "vocab.txt")); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("(*Vocab)(nil).Save: error %v, want one saying the vocabulary is nil", err)
	}
	if _, err := v.WriteTo(io.Discard); err == nil {
		t.Error("(*Vocab)(nil).WriteTo: no error")
	}
	if _, err := v.Special(); err == nil {
		t.Error("(*Vocab)(nil).Special: no error")
	}
	if v.Size() != 0 || v.Token(0) != "" || len(v.Tokens()) != 0 {
		t.Errorf("nil vocabulary: Size %d, Token(0) %q, Tokens %q: want an empty vocabulary", v.Size(), v.Token(0), v.Tokens())
	}
	if _, ok := v.ID("a"); ok {
		t.Error("nil vocabulary: ID found a token")
	}
}
