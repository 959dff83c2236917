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

// TestEncodeIDsOptions checks that EncodeIDs refuses the options EncodeBatch refuses, with the same error, before
// it looks at the rows.
func TestEncodeIDsOptions(t *testing.T) {
	tok := fixtureTokenizer(t, Uncased())
	rows := [][]int32{{10, 11}, {12}}
	tests := []struct {
		name string
		o    EncodeOptions
		pair bool
		want string // "" for no error
	}{
		{"negative max length", EncodeOptions{MaxLength: -5}, false, "MaxLength is -5"},
		{"negative max length, truncation", EncodeOptions{MaxLength: -5, Truncation: true}, false, "MaxLength is -5"},
		{"truncation without max length", EncodeOptions{Truncation: true}, false, "positive MaxLength"},
		{"pad to max length without max length", EncodeOptions{Padding: PadMaxLength}, false, "positive MaxLength"},
		{"unknown padding", EncodeOptions{Padding: 7}, false, "Padding 7"},
		{"negative padding", EncodeOptions{Padding: -1}, false, "Padding -1"},
		{"max length below the specials of a pair", EncodeOptions{MaxLength: 2, Truncation: true}, true, "cannot hold the 3 special tokens"},
		{"max length below the specials", EncodeOptions{MaxLength: 1, Truncation: true}, false, "cannot hold the 2 special tokens"},
		{"max length exactly the specials", EncodeOptions{MaxLength: 2, Truncation: true}, false, ""},
		{"no special tokens, max length 1", EncodeOptions{MaxLength: 1, Truncation: true, NoSpecialTokens: true}, false, ""},
	}
	for _, tc := range tests {
		var b [][]int32
		var texts []string
		if tc.pair {
			b = rows
			texts = []string{"the", "earth"}
		}
		_, err := EncodeIDs(tok.Special(), rows, b, tc.o)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: EncodeIDs: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: EncodeIDs error %v, want one containing %q", tc.name, err, tc.want)
		}
		var err2 error
		if tc.pair {
			_, err2 = tok.EncodePairBatch([]string{"a", "b"}, texts, tc.o)
		} else {
			_, err2 = tok.EncodeBatch([]string{"a", "b"}, tc.o)
		}
		if err2 == nil || err == nil || err2.Error() != err.Error() {
			t.Errorf("%s: EncodeBatch error %v, EncodeIDs error %v: want the same", tc.name, err2, err)
		}
	}
}

// TestTruncateLongestFirstNegativeBudget: a negative budget is a clear panic, not a slice-bounds one.
func TestTruncateLongestFirstNegativeBudget(t *testing.T) {
	defer func() {
		r := recover()
		if msg, _ := r.(string); !strings.Contains(msg, "tokenize: TruncateLongestFirst: budget -3") {
			t.Errorf("panic %v, want one naming the budget -3", r)
		}
	}()
	TruncateLongestFirst(nil, make([]int32, 12), -3)
}
