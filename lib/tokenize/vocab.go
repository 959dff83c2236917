package tokenize

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// The special tokens, spelled as BERT's vocab.txt spells them.
const (
	PAD  = "[PAD]"
	UNK  = "[UNK]"
	CLS  = "[CLS]"
	SEP  = "[SEP]"
	MASK = "[MASK]"
)

// SpecialTokens lists the special tokens in the order the trainer gives them ids 0 to 4.
var SpecialTokens = []string{PAD, UNK, CLS, SEP, MASK}

// IgnoreIndex is the label of positions that a loss must skip: PyTorch's ignore_index default, which lossbook's
// losses use too.
const IgnoreIndex int32 = -100

// SpecialIDs holds the ids of the special tokens in a vocabulary.
type SpecialIDs struct {
	PAD, UNK, CLS, SEP, MASK int32
}

// IsSpecial reports whether id is one of the five special tokens.
func (s SpecialIDs) IsSpecial(id int32) bool {
	return id == s.PAD || id == s.UNK || id == s.CLS || id == s.SEP || id == s.MASK
}

// Vocab maps WordPiece tokens to ids and back. Ids are line numbers (from 0) of the vocabulary file.
type Vocab struct {
	tokens []string
	ids    map[string]int32
}

// NewVocab builds a vocabulary from tokens in id order. Tokens must be non-empty, without white space, and
// distinct.
func NewVocab(tokens []string) (*Vocab, error) {
	v := &Vocab{tokens: make([]string, len(tokens)), ids: make(map[string]int32, len(tokens))}
	for i, t := range tokens {
		if t == "" || strings.ContainsAny(t, " \t\r\n") {
			return nil, fmt.Errorf("tokenize: vocabulary token %d is %q: tokens must be non-empty, without white space", i, t)
		}
		if j, dup := v.ids[t]; dup {
			return nil, fmt.Errorf("tokenize: vocabulary token %q appears twice (ids %d and %d)", t, j, i)
		}
		v.tokens[i] = t
		v.ids[t] = int32(i)
	}
	return v, nil
}

// errNilVocab is the error of the methods that need a vocabulary and were called on a nil one.
var errNilVocab = errors.New("tokenize: the vocabulary is nil (make one with NewVocab, LoadVocab or Train)")

// Size returns the number of tokens (0 for a nil vocabulary).
func (v *Vocab) Size() int {
	if v == nil {
		return 0
	}
	return len(v.tokens)
}

// ID returns the id of token and whether it is in the vocabulary (never, for a nil vocabulary).
func (v *Vocab) ID(token string) (int32, bool) {
	if v == nil {
		return 0, false
	}
	id, ok := v.ids[token]
	return id, ok
}

// Token returns the token of id, or "" when id is out of range.
func (v *Vocab) Token(id int32) string {
	if id < 0 || int(id) >= v.Size() {
		return ""
	}
	return v.tokens[id]
}

// Tokens returns a copy of the tokens in id order.
func (v *Vocab) Tokens() []string {
	if v == nil {
		return nil
	}
	return append([]string(nil), v.tokens...)
}

// Special returns the ids of the five special tokens, or an error naming those that are missing.
func (v *Vocab) Special() (SpecialIDs, error) {
	if v == nil {
		return SpecialIDs{}, errNilVocab
	}
	var missing []string
	get := func(t string) int32 {
		id, ok := v.ids[t]
		if !ok {
			missing = append(missing, t)
		}
		return id
	}
	s := SpecialIDs{PAD: get(PAD), UNK: get(UNK), CLS: get(CLS), SEP: get(SEP), MASK: get(MASK)}
	if len(missing) > 0 {
		return s, fmt.Errorf("tokenize: vocabulary lacks special tokens %v (want all of %v)", missing, SpecialTokens)
	}
	return s, nil
}

// WriteTo writes the vocabulary in BERT's vocab.txt format: one token per line, in id order.
func (v *Vocab) WriteTo(w io.Writer) (int64, error) {
	if v == nil {
		return 0, errNilVocab
	}
	bw := bufio.NewWriter(w)
	var n int64
	for _, t := range v.tokens {
		k, err := bw.WriteString(t + "\n")
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, bw.Flush()
}

// Save writes the vocabulary to path (BERT's vocab.txt format) through a temporary file and a rename, so an
// existing file is never left half-written.
func (v *Vocab) Save(path string) (err error) {
	if v == nil {
		return fmt.Errorf("%w; nothing written to %s", errNilVocab, path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("tokenize: saving vocabulary: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("tokenize: saving vocabulary to %s: %w", path, err)
		}
	}()
	if _, err := v.WriteTo(tmp); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ReadVocab reads a vocabulary in BERT's vocab.txt format: one token per line, the line number (from 0) is the
// id. A trailing carriage return is dropped; an empty line is an error.
func ReadVocab(r io.Reader) (*Vocab, error) {
	var tokens []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		tokens = append(tokens, strings.TrimSuffix(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tokenize: reading vocabulary: %w", err)
	}
	if len(tokens) == 0 {
		return nil, fmt.Errorf("tokenize: vocabulary is empty")
	}
	return NewVocab(tokens)
}

// LoadVocab reads a vocabulary file (BERT's vocab.txt format).
func LoadVocab(path string) (*Vocab, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tokenize: %w", err)
	}
	defer f.Close()
	v, err := ReadVocab(f)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return v, nil
}
