package tokenize

import (
	"slices"
	"strings"
	"testing"
)

func TestTruncateLongestFirst(t *testing.T) {
	// Expected lengths follow Hugging Face's tokenizers (utils/truncation.rs, LongestFirst): keep the shorter
	// whole when it leaves room, else cut both to budget/2 and budget/2 + budget%2 (the longer gets the extra).
	tests := []struct {
		la, lb, budget, wantA, wantB int
	}{
		{3, 4, 10, 3, 4}, // fits
		{3, 10, 8, 3, 5}, // only the longer is cut
		{10, 3, 8, 5, 3},
		{10, 10, 5, 2, 3}, // both cut, odd budget: the second (not shorter) gets the extra
		{10, 12, 5, 2, 3},
		{12, 10, 5, 3, 2},
		{6, 6, 6, 3, 3},
		{0, 9, 4, 0, 4},
		{9, 0, 4, 4, 0},
		{5, 5, 0, 0, 0},
	}
	for _, tc := range tests {
		a, b := make([]int32, tc.la), make([]int32, tc.lb)
		ga, gb := TruncateLongestFirst(a, b, tc.budget)
		if len(ga) != tc.wantA || len(gb) != tc.wantB {
			t.Errorf("TruncateLongestFirst(%d, %d, budget %d) = (%d, %d), want (%d, %d)", tc.la, tc.lb, tc.budget, len(ga), len(gb), tc.wantA, tc.wantB)
		}
	}
}

func TestEncodeBatch(t *testing.T) {
	tok := fixtureTokenizer(t, Uncased())
	s := tok.Special()
	id := func(w string) int32 { i, _ := tok.Vocab().ID(w); return i }
	texts := []string{"the earth", "hello world !"}
	tests := []struct {
		name      string
		o         EncodeOptions
		wantIDs   [][]int32
		wantMask  [][]int32
		wantError string
	}{
		{"no padding", EncodeOptions{},
			[][]int32{{s.CLS, id("the"), id("earth"), s.SEP}, {s.CLS, id("hello"), id("world"), id("!"), s.SEP}},
			[][]int32{{1, 1, 1, 1}, {1, 1, 1, 1, 1}}, ""},
		{"longest", EncodeOptions{Padding: PadLongest},
			[][]int32{{s.CLS, id("the"), id("earth"), s.SEP, s.PAD}, {s.CLS, id("hello"), id("world"), id("!"), s.SEP}},
			[][]int32{{1, 1, 1, 1, 0}, {1, 1, 1, 1, 1}}, ""},
		{"max length", EncodeOptions{Padding: PadMaxLength, MaxLength: 6},
			[][]int32{{s.CLS, id("the"), id("earth"), s.SEP, s.PAD, s.PAD}, {s.CLS, id("hello"), id("world"), id("!"), s.SEP, s.PAD}},
			[][]int32{{1, 1, 1, 1, 0, 0}, {1, 1, 1, 1, 1, 0}}, ""},
		{"truncation", EncodeOptions{Padding: PadMaxLength, MaxLength: 4, Truncation: true},
			[][]int32{{s.CLS, id("the"), id("earth"), s.SEP}, {s.CLS, id("hello"), id("world"), s.SEP}},
			[][]int32{{1, 1, 1, 1}, {1, 1, 1, 1}}, ""},
		{"no special tokens", EncodeOptions{Padding: PadLongest, NoSpecialTokens: true},
			[][]int32{{id("the"), id("earth"), s.PAD}, {id("hello"), id("world"), id("!")}},
			[][]int32{{1, 1, 0}, {1, 1, 1}}, ""},
		{"too long without truncation", EncodeOptions{MaxLength: 4}, nil, nil, "set Truncation"},
		{"truncation without max length", EncodeOptions{Truncation: true}, nil, nil, "positive MaxLength"},
		{"max length below specials", EncodeOptions{MaxLength: 1, Truncation: true}, nil, nil, "cannot hold"},
	}
	for _, tc := range tests {
		e, err := tok.EncodeBatch(texts, tc.o)
		if tc.wantError != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantError) {
				t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.wantError)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for i := range texts {
			if !slices.Equal(e.InputIDs[i], tc.wantIDs[i]) || !slices.Equal(e.AttentionMask[i], tc.wantMask[i]) {
				t.Errorf("%s row %d: ids %v mask %v, want %v %v", tc.name, i, e.InputIDs[i], e.AttentionMask[i], tc.wantIDs[i], tc.wantMask[i])
			}
			if len(e.TokenTypeIDs[i]) != len(e.InputIDs[i]) || slices.Max(append(e.TokenTypeIDs[i], 0)) != 0 {
				t.Errorf("%s row %d: token types %v, want all 0", tc.name, i, e.TokenTypeIDs[i])
			}
		}
	}
}

func TestEncodePairBatch(t *testing.T) {
	tok := fixtureTokenizer(t, Uncased())
	s := tok.Special()
	id := func(w string) int32 { i, _ := tok.Vocab().ID(w); return i }
	e, err := tok.EncodePairBatch([]string{"the earth", "hello"}, []string{"in the beginning god created", "world"},
		EncodeOptions{Padding: PadLongest, MaxLength: 8, Truncation: true})
	if err != nil {
		t.Fatal(err)
	}
	// Row 0: budget 8-3 = 5 for lengths 2 and 5: the shorter stays whole, the longer is cut to 3.
	wantIDs := [][]int32{
		{s.CLS, id("the"), id("earth"), s.SEP, id("in"), id("the"), id("beginning"), s.SEP},
		{s.CLS, id("hello"), s.SEP, id("world"), s.SEP, s.PAD, s.PAD, s.PAD},
	}
	wantTypes := [][]int32{{0, 0, 0, 0, 1, 1, 1, 1}, {0, 0, 0, 1, 1, 0, 0, 0}}
	wantMask := [][]int32{{1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 0, 0, 0}}
	for i := range wantIDs {
		if !slices.Equal(e.InputIDs[i], wantIDs[i]) || !slices.Equal(e.TokenTypeIDs[i], wantTypes[i]) || !slices.Equal(e.AttentionMask[i], wantMask[i]) {
			t.Errorf("row %d: ids %v types %v mask %v\nwant ids %v types %v mask %v", i, e.InputIDs[i], e.TokenTypeIDs[i], e.AttentionMask[i], wantIDs[i], wantTypes[i], wantMask[i])
		}
	}
	if _, err := tok.EncodePairBatch([]string{"a"}, nil, EncodeOptions{}); err == nil {
		t.Error("EncodePairBatch with 1 and 0 texts: no error")
	}
}
