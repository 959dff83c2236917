package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/lossbook/lossbook/metrics"
)

func init() {
	register("bleu", command{
		summary: "bleu [-lc] [-tok 13a|none] [-smooth exp|floor|add-k|none] HYP REF...: corpus BLEU as sacrebleu",
		run:     runBLEU,
	})
}

// runBLEU scores a file of hypotheses, one per line, against one or more reference files, aligned by line, and
// prints the score with sacrebleu's signature, as `sacrebleu REF... -i HYP -m bleu` does in text mode.
func runBLEU(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bleu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts metrics.BLEUOptions
	fs.BoolVar(&opts.Lowercase, "lc", false, "lowercase hypotheses and references")
	fs.StringVar(&opts.Tokenize, "tok", "13a", "tokenizer: 13a or none")
	fs.StringVar(&opts.SmoothMethod, "smooth", "exp", "smoothing: exp, floor, add-k or none")
	fs.Func("smooth-value", "value of floor (default 0.1) or add-k (default 1)", func(s string) error {
		v, err := strconv.ParseFloat(s, 64)
		opts.SmoothValue = &v
		return err
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < 2 {
		return errors.New("usage: lossbook bleu [flags] HYPOTHESES REFERENCES...")
	}
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
