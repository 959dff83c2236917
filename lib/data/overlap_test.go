package data

import (
	"slices"
	"testing"
)

func TestSplitOverlaps(t *testing.T) {
	parts := [][]string{
		{ // training
			"And the LORD spake unto Moses, saying,",
			"for I the LORD thy God am a jealous God, visiting the iniquity of the fathers",
			"Jesus wept.",
		},
		{ // validation
			"and the Lord spake unto Moses saying",                                      // exact (case, punctuation aside)
			"for I the LORD thy God am a jealous God, visiting the sins of the fathers", // 11 of its 14 trigrams shared: 11/17
			"A new verse with nothing in common.",
			"Jesus wept",
		},
		{ // test
			"A new verse with nothing in common!",                                        // exact copy of validation
			"for I the LORD thy God am a jealous God, visiting the iniquity of the sons", // near copy of training: 13/15
			"Totally different words here today.",
		},
	}
	got := SplitOverlaps(parts, 0.8)
	want := []Overlap{
		{Part: 1, Index: 0, OfPart: 0, Of: 0, Jaccard: 1, Exact: true},
		{Part: 1, Index: 1, OfPart: 0, Of: 1, Jaccard: 11.0 / 17},
		{Part: 1, Index: 3, OfPart: 0, Of: 2, Jaccard: 1, Exact: true},
		{Part: 2, Index: 0, OfPart: 1, Of: 2, Jaccard: 1, Exact: true},
		{Part: 2, Index: 1, OfPart: 0, Of: 1, Jaccard: 13.0 / 15},
	}
	// 11/17 is below 0.8: the validation verse is not a near copy at that threshold.
	want = slices.Delete(want, 1, 2)
	if !slices.Equal(got, want) {
		t.Errorf("SplitOverlaps(0.8) =\n%+v\nwant\n%+v", got, want)
	}
	got = SplitOverlaps(parts, 0.6)
	if len(got) != 5 || got[1] != (Overlap{Part: 1, Index: 1, OfPart: 0, Of: 1, Jaccard: 11.0 / 17}) {
		t.Errorf("SplitOverlaps(0.6) = %+v, want the validation near copy (Jaccard 11/17) too", got)
	}
	if got := SplitOverlaps([][]string{{"a b c d"}}, 0.8); len(got) != 0 {
		t.Errorf("one part: %+v, want nothing", got)
	}
}
