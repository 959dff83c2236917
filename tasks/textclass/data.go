package textclass

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/lossbook/lossbook/lib/data"
)

// Example is one text with its class index.
type Example struct {
	Text  string `json:"text"`
	Label int    `json:"label"`
}

// Split is a data set cut into train, validation and test, with the names of its classes.
type Split struct {
	Classes                 []string
	Train, Validation, Test []Example
}

// splitFractions are the sizes of train, validation and test.
var splitFractions = []float64{0.8, 0.1, 0.1}

// LoadSplit reads the data set that cfg.Data names and splits it with cfg.Seed (and cfg.SpamFraction, then
// cfg.TrainFraction, which cut the training part only): the split Train trains, validates and tests on. SpamAssassin and JSON-lines files are split stratified by label;
// Brown by document.
func LoadSplit(ctx context.Context, cfg Config) (*Split, error) {
	var s *Split
	var err error
	switch cfg.Data {
	case SpamAssassin:
		s, err = loadSpam(ctx, cfg)
	case Brown:
		s, err = loadBrown(ctx, cfg)
	default:
		s, err = loadJSONL(cfg)
	}
	if err != nil {
		return nil, err
	}
	if s.Train, err = trainSubset(s.Train, cfg.TrainFraction, cfg.Seed); err != nil {
		return nil, err
	}
	if len(s.Train) == 0 || len(s.Validation) == 0 || len(s.Test) == 0 {
		return nil, fmt.Errorf("textclass: %s: split of %d/%d/%d examples; every part needs at least one",
			cfg.Data, len(s.Train), len(s.Validation), len(s.Test))
	}
	return s, nil
}

// spamText is what the model sees of a message: its subject and its text, joined by a line break.
func spamText(m data.Message) string { return m.Subject + "\n" + m.Text }

func loadSpam(ctx context.Context, cfg Config) (*Split, error) {
	corpus, err := data.LoadSpamAssassin(ctx, cfg.DataOptions)
	if err != nil {
		return nil, err
	}
	all := make([]Example, len(corpus.Messages))
	for i, m := range corpus.Messages {
		all[i] = Example{Text: spamText(m)}
		if m.Spam {
			all[i].Label = 1
		}
	}
	s, err := stratifiedSplit(all, []string{"ham", "spam"}, cfg.Seed)
	if err != nil {
		return nil, err
	}
	if f := cfg.SpamFraction; f > 0 && f < 1 {
		s.Train = subsample(s.Train, 1, f)
	}
	return s, nil
}

// subsample keeps the first round(f·n) examples of class label (the split is already shuffled by seed) and
// every example of the other classes, in order.
func subsample(xs []Example, label int, f float64) []Example {
	n := 0
	for _, x := range xs {
		if x.Label == label {
			n++
		}
	}
	keep := int(f*float64(n) + 0.5)
	var out []Example
	for _, x := range xs {
		if x.Label == label {
			if keep == 0 {
				continue
			}
			keep--
		}
		out = append(out, x)
	}
	return out
}

// stratifiedSplit cuts each class's examples 80/10/10 with data.SplitIndices (seeded by seed) and merges the
// parts, each shuffled with the same seed so that classes are interleaved.
func stratifiedSplit(all []Example, classes []string, seed uint64) (*Split, error) {
	byClass := make([][]int, len(classes))
	for i, x := range all {
		byClass[x.Label] = append(byClass[x.Label], i)
	}
	parts := make([][]Example, len(splitFractions))
	for _, idx := range byClass {
		if len(idx) == 0 {
			continue
		}
		cut, err := data.SplitIndices(len(idx), seed, splitFractions...)
		if err != nil {
			return nil, fmt.Errorf("textclass: split: %w", err)
		}
		for p, c := range cut {
			for _, j := range c {
				parts[p] = append(parts[p], all[idx[j]])
			}
		}
	}
	for p := range parts {
		order, err := data.SplitIndices(len(parts[p]), seed+uint64(p)+1, 1)
		if err != nil {
			return nil, fmt.Errorf("textclass: split: %w", err)
		}
		shuffled := make([]Example, len(parts[p]))
		for i, j := range order[0] {
			shuffled[i] = parts[p][j]
		}
		parts[p] = shuffled
	}
	return &Split{Classes: classes, Train: parts[0], Validation: parts[1], Test: parts[2]}, nil
}

func loadBrown(ctx context.Context, cfg Config) (*Split, error) {
	corpus, err := data.LoadBrown(ctx, cfg.DataOptions)
	if err != nil {
		return nil, err
	}
	return brownSplit(corpus, cfg.Seed)
}

// brownSplit splits corpus by document and makes one example of each paragraph, labelled with its genre.
func brownSplit(corpus *data.Brown, seed uint64) (*Split, error) {
	classes := corpus.Genres()
	index := map[string]int{}
	for i, g := range classes {
		index[g] = i
	}
	parts, err := corpus.Split(seed, splitFractions...)
	if err != nil {
		return nil, fmt.Errorf("textclass: %w", err)
	}
	ex := make([][]Example, len(parts))
	for p, part := range parts {
		for _, d := range part.Documents {
			for _, para := range d.Paragraphs {
				words := make([]string, 0, len(para))
				for _, s := range para {
					words = append(words, s.Text())
				}
				ex[p] = append(ex[p], Example{Text: strings.Join(words, " "), Label: index[d.Genre]})
			}
		}
	}
	return &Split{Classes: classes, Train: ex[0], Validation: ex[1], Test: ex[2]}, nil
}

// loadJSONL reads {"text", "label"} lines and splits them stratified.
func loadJSONL(cfg Config) (*Split, error) {
	f, err := os.Open(cfg.Data)
	if err != nil {
		return nil, fmt.Errorf("textclass: data %q is neither %q, %q nor a readable .jsonl file: %w", cfg.Data,
			SpamAssassin, Brown, err)
	}
	defer f.Close()
	type row struct {
		Text  *string `json:"text"`
		Label *string `json:"label"`
	}
	var rows []row
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var r row
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.Text == nil || r.Label == nil {
			return nil, fmt.Errorf("textclass: %s:%d: want {\"text\": STRING, \"label\": STRING}", cfg.Data, line)
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("textclass: %s: %w", cfg.Data, err)
	}
	index := map[string]int{}
	for _, r := range rows {
		index[*r.Label] = 0
	}
	if len(index) < 2 {
		return nil, fmt.Errorf("textclass: %s: %d examples of %d classes; want at least 2 classes", cfg.Data,
			len(rows), len(index))
	}
	classes := make([]string, 0, len(index))
	for c := range index {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	for i, c := range classes {
		index[c] = i
	}
	all := make([]Example, len(rows))
	for i, r := range rows {
		all[i] = Example{Text: *r.Text, Label: index[*r.Label]}
	}
	return stratifiedSplit(all, classes, cfg.Seed)
}
