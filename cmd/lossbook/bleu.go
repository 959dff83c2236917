package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/lossbook/lossbook/metrics"
)

func init() {
	register("bleu", command{
		summary: "bleu [-lc] [-tok 13a|none] [-smooth exp|floor|add-k|none] HYP REF...: corpus BLEU as sacrebleu",
		run:     runBLEU,
	})
}

const bleuUsage = `Usage: lossbook bleu [flags] HYPOTHESES REFERENCES...

Scores a file of hypotheses, one per line, against one or more reference files aligned by line, and prints
corpus BLEU with sacrebleu's signature, as ` + "`sacrebleu REFERENCES... -i HYPOTHESES -m bleu`" + ` does.`

// runBLEU scores a file of hypotheses, one per line, against one or more reference files, aligned by line, and
// prints the score with sacrebleu's signature, as `sacrebleu REF... -i HYP -m bleu` does in text mode.
func runBLEU(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bleu")
	var opts metrics.BLEUOptions
	fs.BoolVar(&opts.Lowercase, "lc", false, "lowercase hypotheses and references")
	fs.StringVar(&opts.Tokenize, "tok", "13a", "tokenizer: 13a, intl, char or none")
	fs.StringVar(&opts.SmoothMethod, "smooth", "exp", "smoothing: exp, floor, add-k or none")
	smoothValue := fs.Float64("smooth-value", 0, "value of floor (unset: 0.1) or add-k (unset: 1); finite, >= 0; 0 is a real value")
	if err := parseFlags(fs, args, bleuUsage, stdout); err != nil {
		return err
	}
	if fs.NArg() < 2 {
		return usagef("bleu", "needs a hypotheses file and at least one references file, got %d file(s)", fs.NArg())
	}
	switch opts.Tokenize {
	case "13a", "intl", "char", "none":
	default:
		return usagef("bleu", "-tok %q: want 13a, intl, char or none", opts.Tokenize)
	}
	switch opts.SmoothMethod {
	case "exp", "floor", "add-k", "none":
	default:
		return usagef("bleu", "-smooth %q: want exp, floor, add-k or none", opts.SmoothMethod)
	}
	if v := *smoothValue; math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return usagef("bleu", "-smooth-value %g: want a finite value >= 0", v)
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "smooth-value" {
			opts.SmoothValue = smoothValue
		}
	})
	hyps, err := readLines(fs.Arg(0))
	if err != nil {
		return err
	}
	var refs [][]string
	for _, path := range fs.Args()[1:] {
		lines, err := readLines(path)
		if err != nil {
			return err
		}
		refs = append(refs, lines)
	}
	for i, lines := range refs {
		if len(lines) != len(hyps) {
			return fmt.Errorf("%s has %d lines but %s has %d: want one reference line per hypothesis line",
				fs.Arg(i+1), len(lines), fs.Arg(0), len(hyps))
		}
	}
	b, err := metrics.CorpusBLEU(hyps, refs, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "BLEU|%s = %s\n", b.Signature, strings.TrimPrefix(b.String(), "BLEU = "))
	return nil
}

// readLines reads a UTF-8 text file as lines, without their line ends.
func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		lines = append(lines, strings.TrimSuffix(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return lines, nil
}
