package retrieve

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/lossbook/lossbook/lib/data"
)

// Split is the verse pairs of a run: training, validation and test, cut by chapter.
type Split struct {
	Train, Validation, Test []data.VersePair
}

// LoadSplit reads cfg.Data and cuts it by chapter with lib/data's SplitVersePairs (cfg.Split, cfg.Seed): every
// verse of a chapter falls in one part, and later parts keep no exact or near copy of an earlier part's verse.
func LoadSplit(ctx context.Context, cfg Config) (*Split, error) {
	var pairs []data.VersePair
	var err error
	if cfg.Data == Verses {
		pairs, err = data.LoadVersePairs(ctx, cfg.DataOptions)
	} else {
		pairs, err = readPairs(cfg.Data)
	}
	if err != nil {
		return nil, fmt.Errorf("retrieve: %w", err)
	}
	parts, err := data.SplitVersePairs(pairs, cfg.Seed, cfg.Split...)
	if err != nil {
		return nil, fmt.Errorf("retrieve: %w", err)
	}
	s := &Split{Train: parts[0], Test: parts[len(parts)-1]}
	if cfg.MaxTrainPairs > 0 && len(s.Train) > cfg.MaxTrainPairs {
		s.Train = s.Train[:cfg.MaxTrainPairs]
	}
	if len(parts) == 3 {
		s.Validation = parts[1]
	}
	if len(s.Train) < 2 || len(s.Test) < 2 {
		return nil, fmt.Errorf("retrieve: %s split into %d training and %d test pairs; want at least 2 of each",
			cfg.Data, len(s.Train), len(s.Test))
	}
	return s, nil
}

// pairLine is one line of a JSON-lines file of verse pairs.
type pairLine struct {
	Book    string `json:"book"`
	Chapter int    `json:"chapter"`
	Verse   int    `json:"verse"`
	Source  string `json:"source"`
	Target  string `json:"target"`
}

// readPairs reads a JSON-lines file of {"book", "chapter", "verse", "source", "target"}.
func readPairs(path string) ([]data.VersePair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var pairs []data.VersePair
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var p pairLine
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if p.Book == "" || p.Chapter <= 0 || p.Source == "" || p.Target == "" {
			return nil, fmt.Errorf("%s:%d: want {\"book\", \"chapter\" > 0, \"verse\", \"source\", \"target\"} "+
				"with text on both sides", path, line)
		}
		pairs = append(pairs, data.VersePair{Ref: data.VerseRef{Book: p.Book, Chapter: p.Chapter, Verse: p.Verse},
			Source: p.Source, Target: p.Target})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pairs, nil
}
