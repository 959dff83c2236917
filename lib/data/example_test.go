package data_test

import (
	"fmt"
	"strings"

	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/lib/tokenize"
)

func ExampleSplitIndices() {
	parts, _ := data.SplitIndices(10, 42, 0.6, 0.2, 0.2)
	for _, p := range parts {
		fmt.Println(len(p), p)
	}
	// Output:
	// 6 [7 6 8 4 5 0]
	// 2 [1 3]
	// 2 [9 2]
}

func ExampleCleanOSIS() {
	raw := `<title canonical="true" type="psalm">A <w lemma="strong:H4210">Psalm</w> of David.</title> ` +
		`<divineName>LORD</divineName>, how are they increased!<note placement="foot">Heb. many</note>`
	fmt.Println(data.CleanOSIS(raw))
	// Output:
	// A Psalm of David. LORD, how are they increased!
}

func ExampleMLMCollator() {
	special := tokenize.SpecialIDs{PAD: 0, UNK: 1, CLS: 2, SEP: 3, MASK: 4}
	batch := &tokenize.Encoding{InputIDs: [][]int32{{2, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 3, 0, 0}}}
	mlm := data.NewMLMCollator(special, 100, 7) // vocabulary of 100 tokens, seed 7
	b, _ := mlm.Collate(batch)
	fmt.Println("input: ", b.InputIDs[0])
	fmt.Println("labels:", b.Labels[0]) // 11, 12, 18 masked; 19 chosen but left unchanged
	// Output:
	// input:  [2 10 4 4 13 14 15 16 17 4 19 3 0 0]
	// labels: [-100 -100 11 12 -100 -100 -100 -100 -100 18 19 -100 -100 -100]
}

func ExampleNewTranslationBatch() {
	special := tokenize.SpecialIDs{PAD: 0, UNK: 1, CLS: 2, SEP: 3, MASK: 4}
	source := [][]int32{{10, 11, 12}, {13}}
	target := [][]int32{{20, 21}, {22, 23, 24}}
	b, _ := data.NewTranslationBatch(source, target, special, 0, 0)
	fmt.Println("source: ", b.SourceIDs)
	fmt.Println("decoder:", b.DecoderInputIDs)
	fmt.Println("labels: ", b.Labels)
	// Output:
	// source:  [[2 10 11 12 3] [2 13 3 0 0]]
	// decoder: [[2 20 21 0] [2 22 23 24]]
	// labels:  [[20 21 3 -100] [22 23 24 3]]
}

func ExampleBucketBatches() {
	lengths := []int{5, 1, 9, 2, 8, 1, 7, 3}
	batches, _ := data.BucketBatches(lengths, 3, 1)
	for _, b := range batches {
		var ls []int
		for _, i := range b {
			ls = append(ls, lengths[i])
		}
		fmt.Println(b, ls)
	}
	// Output:
	// [5 1 3] [1 1 2]
	// [4 2] [8 9]
	// [7 0 6] [3 5 7]
}

func ExampleNSPPairs() {
	docs := [][][]int32{
		{{10, 11}, {12}, {13, 14}}, // document 0: three sentences
		{{20}, {21, 22}},           // document 1: two sentences
	}
	pairs, _ := data.NSPPairs(docs, 3)
	for _, p := range pairs {
		fmt.Println(p.A, p.B, p.IsNext)
	}
	// Output:
	// [10 11] [12] true
	// [12] [21 22] false
	// [20] [13 14] false
}

func ExamplePackSegments() {
	docs := [][][]int32{{{10, 11}, {12}, {13, 14, 15}, {16}}}
	segments, _ := data.PackSegments(docs, 3)
	fmt.Println(segments)
	// Output:
	// [[[10 11 12] [13 14 15] [16]]]
}

func ExampleTrainIBM1() {
	pairs := [][2][]string{
		{strings.Fields("the house"), strings.Fields("la casa")},
		{strings.Fields("the book"), strings.Fields("el libro")},
		{strings.Fields("a book"), strings.Fields("un libro")},
		{strings.Fields("a house"), strings.Fields("una casa")},
	}
	m, _ := data.TrainIBM1(pairs, 10)
	fmt.Printf("t(casa|house) = %.2f\n", m.Prob("house", "casa"))
	fmt.Println(m.Translate(strings.Fields("the book")))
	// Output:
	// t(casa|house) = 0.81
	// [el libro]
}

func ExampleSplitOverlaps() {
	train := []string{"And the LORD spake unto Moses, saying,", "Thou shalt not bow down thyself to them, nor serve them"}
	test := []string{"And the LORD spake unto Moses, saying,", "thou shalt not bow down thyself unto them, nor serve them", "Jesus wept."}
	for _, o := range data.SplitOverlaps([][]string{train, test}, 0.5) {
		fmt.Printf("test %d copies train %d: exact %v, Jaccard %.2f\n", o.Index, o.Of, o.Exact, o.Jaccard)
	}
	// Output:
	// test 0 copies train 0: exact true, Jaccard 1.00
	// test 1 copies train 1: exact false, Jaccard 0.50
}

// ExampleDiabetes reads the diabetes regression data installed by Debian's python3-sklearn (scripts/apt-deps.sh
// installs it): 442 patients, 10 variables, and the first patient's disease progression.
func ExampleDiabetes() {
	d, err := data.Diabetes("") // data.DiabetesDir
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(d.X), len(d.X[0]), d.Y[0])
	// Output: 442 10 151
}
