package data

import (
	"hash/maphash"
	"math"
	"slices"
	"strings"
)

// Overlap is an item of a later part of a split that copies an item of an earlier part (part 0 is training).
type Overlap struct {
	Part, Index int     // the copy: parts[Part][Index]
	OfPart, Of  int     // the item it copies: parts[OfPart][Of], OfPart < Part
	Jaccard     float64 // word-trigram Jaccard similarity of the two; 1 for an exact copy
	Exact       bool    // the same words in the same order (case and punctuation aside)
}

// SplitOverlaps finds the items of parts[1:] that are exact or near copies of an item of an earlier part, as a
// check that no text leaks from training into evaluation. Texts are compared as lower-case words (runs of
// letters and digits; punctuation dropped): a copy is exact when the words are the same, and near when the
// Jaccard similarity of the two sets of word trigrams, |A ∩ B| / |A ∪ B|, is at least threshold (0 < threshold
// <= 1; texts of fewer than three words have no trigram and are only compared exactly). Each copy is reported
// once, against the earliest part holding it (exact copies first, then the most similar near copy, ties to the
// earlier item); the result is ordered by part and index.
func SplitOverlaps(parts [][]string, threshold float64) []Overlap {
	type item = splitItem
	seed := maphash.MakeSeed()
	exact := map[string]item{}      // words joined by spaces -> first item with them
	postings := map[uint64][]item{} // trigram hash -> items of earlier parts holding it
	grams := map[item][]uint64{}    // sorted trigram hashes of the indexed items
	var out []Overlap
	for p, texts := range parts {
		added := map[item][]uint64{}
		for i, text := range texts {
			words := alignmentWords(text)
			key := strings.Join(words, " ")
			g := trigramHashes(seed, words)
			first, seen := exact[key]
			switch {
			case seen && first.part < p:
				out = append(out, Overlap{Part: p, Index: i, OfPart: first.part, Of: first.index, Jaccard: 1, Exact: true})
			case p > 0 && len(g) > 0:
				if of, j, ok := nearest(g, threshold, postings, grams); ok {
					out = append(out, Overlap{Part: p, Index: i, OfPart: of.part, Of: of.index, Jaccard: j})
				}
			}
			if !seen {
				exact[key] = item{p, i}
				added[item{p, i}] = g
			}
		}
		for it, g := range added {
			grams[it] = g
			for _, h := range g {
				postings[h] = append(postings[h], it)
			}
		}
	}
	return out
}

// splitItem is an item of SplitOverlaps' parts.
type splitItem struct{ part, index int }

// nearest returns the indexed item whose trigram set is most similar to g, and the similarity, if it is at
// least threshold. Only items sharing one of g's rarest len(g) - ceil(threshold·len(g)) + 1 trigrams can reach
// the threshold (a set B with |A ∩ B| / |A ∪ B| >= t shares at least t·|A| of A's trigrams), so only those are
// compared (prefix filtering).
func nearest(g []uint64, threshold float64, postings map[uint64][]splitItem, grams map[splitItem][]uint64) (splitItem, float64, bool) {
	byRarity := slices.Clone(g)
	slices.SortFunc(byRarity, func(a, b uint64) int { return len(postings[a]) - len(postings[b]) })
	prefix := min(max(len(g)-int(math.Ceil(threshold*float64(len(g))))+1, 1), len(g))
	best, bestJ, found := splitItem{}, 0.0, false
	tried := map[splitItem]bool{}
	for _, h := range byRarity[:prefix] {
		for _, it := range postings[h] {
			if tried[it] {
				continue
			}
			tried[it] = true
			n := sharedSorted(g, grams[it])
			j := float64(n) / float64(len(g)+len(grams[it])-n)
			if j >= threshold && (!found || j > bestJ || j == bestJ && (it.part < best.part || it.part == best.part && it.index < best.index)) {
				best, bestJ, found = it, j, true
			}
		}
	}
	return best, bestJ, found
}

// trigramHashes returns the sorted, distinct hashes of the word trigrams of words (none for fewer than three).
func trigramHashes(seed maphash.Seed, words []string) []uint64 {
	var out []uint64
	for i := 0; i+3 <= len(words); i++ {
		out = append(out, maphash.String(seed, words[i]+" "+words[i+1]+" "+words[i+2]))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// sharedSorted counts the values two sorted, distinct slices share.
func sharedSorted(a, b []uint64) int {
	n := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}
