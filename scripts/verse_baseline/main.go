// Command verse_baseline measures the translation baselines of shared/DATA.md that need no neural training, on
// the KJV -> Reina-Valera 1909 verse pairs: copying the source, and IBM Model 1 read word by word, scored with
// corpus BLEU (sacrebleu 13a, as metrics.CorpusBLEU) on the test verses of at most 30 words a side.
//
//	go run ./scripts/verse_baseline                      # chapter split 90/5/5, seed 1, 5 EM iterations
//	go run ./scripts/verse_baseline -fractions 0.8,0.1,0.1 -out /tmp/vb
//
// The pairs come from data.LoadVersePairs (fetched into the user cache when missing) and are split by
// data.SplitVersePairs; IBM Model 1 (data.TrainIBM1) learns t(Spanish word | English word) from the training
// part, on tokens that keep case and split punctuation off words, and each English token of a test verse
// becomes its most probable Spanish token (an unseen token is copied). With -out, the hypotheses and
// references are written one per line, for `lossbook bleu` or sacrebleu.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/metrics"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "verse_baseline:", err)
		os.Exit(1)
	}
}

// token is a word (letters and digits, with inner apostrophes or hyphens) or one punctuation mark.
var token = regexp.MustCompile(`[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]`)

func run() error {
	seed := flag.Uint64("seed", 1, "split seed")
	fractionsFlag := flag.String("fractions", "0.9,0.05,0.05", "train,validation,test fractions of the chapter split")
	maxWords := flag.Int("max-words", 30, "keep test pairs with at most this many words (white-space separated) a side")
	iterations := flag.Int("iterations", 5, "EM iterations of IBM Model 1")
	out := flag.String("out", "", "folder to write test.en, test.es, copy.hyp and ibm1.hyp to (none if empty)")
	flag.Parse()
	var fractions []float64
	for _, f := range strings.Split(*fractionsFlag, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return fmt.Errorf("-fractions %q: %v", *fractionsFlag, err)
		}
		fractions = append(fractions, x)
	}
	pairs, err := data.LoadVersePairs(context.Background(), data.Options{})
	if err != nil {
		return err
	}
	parts, err := data.SplitVersePairs(pairs, *seed, fractions...)
	if err != nil {
		return err
	}
	train, test := parts[0], parts[len(parts)-1]
	var src, ref []string
	for _, p := range test {
		if len(strings.Fields(p.Source)) <= *maxWords && len(strings.Fields(p.Target)) <= *maxWords {
			src = append(src, p.Source)
			ref = append(ref, p.Target)
		}
	}
	fmt.Printf("pairs %d; split %v seed %d: train %d, test %d, test with both sides <= %d words: %d\n",
		len(pairs), fractions, *seed, len(train), len(test), *maxWords, len(src))

	copyBLEU, err := metrics.CorpusBLEU(src, [][]string{ref}, metrics.BLEUOptions{})
	if err != nil {
		return err
	}
	fmt.Printf("copy the source:      %s\n", copyBLEU)

	start := time.Now()
	tokenized := make([][2][]string, len(train))
	for i, p := range train {
		tokenized[i] = [2][]string{token.FindAllString(p.Source, -1), token.FindAllString(p.Target, -1)}
	}
	m, err := data.TrainIBM1(tokenized, *iterations)
	if err != nil {
		return err
	}
	hyp := make([]string, len(src))
	for i, s := range src {
		hyp[i] = strings.Join(m.Translate(token.FindAllString(s, -1)), " ")
	}
	ibmBLEU, err := metrics.CorpusBLEU(hyp, [][]string{ref}, metrics.BLEUOptions{})
	if err != nil {
		return err
	}
	fmt.Printf("IBM-1 word by word:   %s  (%d EM iterations, %.0f s)\n", ibmBLEU, *iterations, time.Since(start).Seconds())
	fmt.Printf("signature: %s\n", ibmBLEU.Signature)
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		for name, lines := range map[string][]string{"test.en": src, "test.es": ref, "copy.hyp": src, "ibm1.hyp": hyp} {
			if err := writeLines(filepath.Join(*out, name), lines); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeLines writes lines to path through a temporary file in the same folder, renamed into place.
func writeLines(path string, lines []string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, err = tmp.WriteString(strings.Join(lines, "\n") + "\n")
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
