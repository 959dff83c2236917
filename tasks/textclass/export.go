package textclass

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/lossbook/lossbook/training"
)

// ExportedExample is one line of an exported split: the text, its class, and the token ids the model sees
// ([CLS], WordPiece tokens, [SEP], cut to MaxLength, no padding).
type ExportedExample struct {
	Text  string  `json:"text"`
	Label int     `json:"label"`
	Class string  `json:"class"`
	IDs   []int32 `json:"ids"`
}

// ExportSplit writes the model's split to dir as train.jsonl, validation.jsonl and test.jsonl (one
// ExportedExample a line) and classes.json (the class names, the vocabulary size and the [PAD] id), so that
// peers (scikit-learn on the texts, PyTorch on the ids) train and test on exactly the same examples and tokens.
// Files are written to temporary files and renamed.
func (m *Model) ExportSplit(dir string) error {
	split, err := m.Split()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("textclass: %w", err)
	}
	pad := m.tok.Special().PAD
	for _, part := range []struct {
		name string
		xs   []Example
	}{{"train", split.Train}, {"validation", split.Validation}, {"test", split.Test}} {
		texts := make([]string, len(part.xs))
		for i, x := range part.xs {
			texts[i] = x.Text
		}
		ids, err := m.encode(texts)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, part.name+".jsonl")
		if err := writeAtomic(path, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			for i, x := range part.xs {
				row := ids[i]
				for len(row) > 0 && row[len(row)-1] == pad {
					row = row[:len(row)-1]
				}
				if err := enc.Encode(ExportedExample{Text: x.Text, Label: x.Label, Class: m.Classes[x.Label],
					IDs: row}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return writeJSONAtomic(filepath.Join(dir, "classes.json"), map[string]any{"classes": m.Classes,
		"vocab_size": m.tok.Vocab().Size(), "pad_id": pad, "max_length": m.Config.MaxLength,
		"data": m.Config.Data, "seed": m.Config.Seed})
}

// writeAtomic writes path through training.WriteFileAtomic (a temporary file in the same folder, then a rename).
func writeAtomic(path string, write func(io.Writer) error) error {
	if err := training.WriteFileAtomic(path, write); err != nil {
		return fmt.Errorf("textclass: %w", err)
	}
	return nil
}
