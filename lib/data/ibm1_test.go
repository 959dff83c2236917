package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestTrainIBM1(t *testing.T) {
	// Brown et al.'s classic: "das Haus" / "the house", "das Buch" / "the book", "ein Buch" / "a book".
	pairs := [][2][]string{
		{strings.Fields("das Haus"), strings.Fields("the house")},
		{strings.Fields("das Buch"), strings.Fields("the book")},
		{strings.Fields("ein Buch"), strings.Fields("a book")},
	}
	m, err := TrainIBM1(pairs, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ e, f string }{{"das", "the"}, {"Haus", "house"}, {"Buch", "book"}, {"ein", "a"}} {
		if p := m.Prob(tc.e, tc.f); p < 0.6 {
			t.Errorf("t(%s|%s) = %.3f, want it to dominate", tc.f, tc.e, p)
		}
	}
	// Each row is a distribution over the target words.
	for _, e := range []string{"", "das", "Haus", "Buch", "ein"} {
		sum := 0.0
		for _, f := range []string{"the", "house", "book", "a"} {
			sum += m.Prob(e, f)
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("Σ_f t(f|%q) = %v, want 1", e, sum)
		}
	}
	if got := m.Translate(strings.Fields("ein Haus Katze")); !slices.Equal(got, []string{"a", "house", "Katze"}) {
		t.Errorf("Translate = %q, want [a house Katze] (unknown words copied)", got)
	}
	if m.Prob("Katze", "the") != 0 || m.Prob("das", "cat") != 0 {
		t.Error("unknown words: want probability 0")
	}
	right, wrong := m.LogProb(strings.Fields("das Haus"), strings.Fields("the house")), m.LogProb(strings.Fields("ein Buch"), strings.Fields("the house"))
	if !(right > wrong) || m.LogProb(nil, nil) != 0 {
		t.Errorf("LogProb: own %.3f, other %.3f; want own higher, and 0 for an empty target", right, wrong)
	}
	for _, tc := range []struct {
		pairs [][2][]string
		iters int
		want  string
	}{
		{pairs, 0, "iterations 0"},
		{[][2][]string{{nil, {"a"}}}, 1, "no pair with two non-empty sides"},
	} {
		if _, err := TrainIBM1(tc.pairs, tc.iters); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
	}
}

// syntheticVerses builds n verse pairs of one book from a made-up language pair in which source word "eK"
// translates as target word "fK", with a few function words ("and"/"y", "the"/"el") in every verse.
func syntheticVerses(n int) []VersePair {
	r := rand.New(rand.NewPCG(1, 2))
	pairs := make([]VersePair, n)
	for i := range pairs {
		var src, tgt []string
		for range 6 + r.IntN(6) {
			k := r.IntN(300)
			src = append(src, fmt.Sprintf("e%d", k), "and")
			tgt = append(tgt, fmt.Sprintf("f%d", k), "y")
		}
		src = append(src, "the")
		tgt = append(tgt, "el")
		pairs[i] = VersePair{Ref: VerseRef{"Gen", "Genesis", 1 + i/30, 1 + i%30}, Source: strings.Join(src, " "), Target: strings.Join(tgt, " ")}
	}
	return pairs
}

func TestMisalignedVersePairs(t *testing.T) {
	pairs := syntheticVerses(600)
	if bad, err := MisalignedVersePairs(pairs, 3, 2, 0.5); err != nil || len(bad) != 0 {
		t.Fatalf("aligned corpus: %v, %v; want nothing reported", bad, err)
	}
	// Shift a run the way RV1909's numbering does: the targets of 200..219 move one verse on, so that pair
	// i holds the target of i-1; and a run three verses off, as in Job 39.
	shifted := slices.Clone(pairs)
	for i := 200; i < 220; i++ {
		shifted[i].Target = pairs[i-1].Target
	}
	for i := 400; i < 420; i++ {
		shifted[i].Target = pairs[i-3].Target
	}
	bad, err := MisalignedVersePairs(shifted, 3, 2, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, b := range bad {
		got = append(got, b.Index)
		want := -1
		if b.Index >= 400 {
			want = -3
		}
		if b.Offset != want || !(b.Gain > 0.5) {
			t.Errorf("pair %d: offset %d, gain %.2f; want offset %d, gain > 0.5", b.Index, b.Offset, b.Gain, want)
		}
	}
	var want []int
	for i := 200; i < 220; i++ {
		want = append(want, i, i+200)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("reported %v, want %v", got, want)
	}
}
