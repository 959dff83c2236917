package tokenize

import "fmt"

// Padding says how EncodeBatch pads a batch.
type Padding int

const (
	// PadNone leaves each row its own length (Hugging Face padding=False).
	PadNone Padding = iota
	// PadLongest pads every row to the batch's longest (padding="longest" or True).
	PadLongest
	// PadMaxLength pads every row to EncodeOptions.MaxLength (padding="max_length").
	PadMaxLength
)

// EncodeOptions configures EncodeBatch and EncodePairBatch, with Hugging Face's meaning.
type EncodeOptions struct {
	// Padding: PadNone, PadLongest or PadMaxLength. Padding uses [PAD], attention mask 0, token type 0.
	Padding Padding
	// MaxLength bounds a row, special tokens included; it is needed by Truncation and PadMaxLength.
	MaxLength int
	// Truncation cuts rows to MaxLength: a single text from its end; a pair by Hugging Face's
	// "longest_first" (see TruncateLongestFirst). Without it, a row longer than MaxLength is an error when
	// MaxLength is set.
	Truncation bool
	// NoSpecialTokens leaves out [CLS] and [SEP] (add_special_tokens=False).
	NoSpecialTokens bool
}

// Encoding is a batch of encoded texts, one row per text; with padding every row has the same length.
type Encoding struct {
	InputIDs      [][]int32 // token ids: [CLS] A [SEP] or [CLS] A [SEP] B [SEP], then [PAD]s
	TokenTypeIDs  [][]int32 // 0 for [CLS] A [SEP] and padding, 1 for B [SEP]
	AttentionMask [][]int32 // 1 for tokens, 0 for padding
}

// EncodeBatch encodes texts as BERT inputs: [CLS] tokens [SEP], truncated and padded as o says.
func (t *Tokenizer) EncodeBatch(texts []string, o EncodeOptions) (*Encoding, error) {
	return t.encode(texts, nil, o)
}

// EncodePairBatch encodes sentence pairs (first[i], second[i]) as BERT inputs: [CLS] A [SEP] B [SEP], with
// token type 0 for the first part and 1 for the second.
func (t *Tokenizer) EncodePairBatch(first, second []string, o EncodeOptions) (*Encoding, error) {
	if len(first) != len(second) {
		return nil, fmt.Errorf("tokenize: EncodePairBatch: %d first texts but %d second texts", len(first), len(second))
	}
	return t.encode(first, second, o)
}

func (t *Tokenizer) encode(first, second []string, o EncodeOptions) (*Encoding, error) {
	if err := o.validate(second != nil); err != nil {
		return nil, err
	}
	a := make([][]int32, len(first))
	var b [][]int32
	for i, s := range first {
		a[i] = t.Encode(s)
	}
	if second != nil {
		b = make([][]int32, len(second))
		for i, s := range second {
			b[i] = t.Encode(s)
		}
	}
	return EncodeIDs(t.special, a, b, o)
}

// specialCount returns how many special tokens o adds to a row: 2 ([CLS] a [SEP]) or 3 for a pair, 0 with
// NoSpecialTokens.
func (o EncodeOptions) specialCount(pair bool) int {
	switch {
	case o.NoSpecialTokens:
		return 0
	case pair:
		return 3
	}
	return 2
}

// validate checks o before any row is looked at, for EncodeBatch, EncodePairBatch and EncodeIDs alike.
func (o EncodeOptions) validate(pair bool) error {
	if o.Padding < PadNone || o.Padding > PadMaxLength {
		return fmt.Errorf("tokenize: EncodeOptions.Padding %d is not PadNone (0), PadLongest (1) or PadMaxLength (2)", o.Padding)
	}
	if o.MaxLength < 0 || ((o.Truncation || o.Padding == PadMaxLength) && o.MaxLength == 0) {
		return fmt.Errorf("tokenize: EncodeOptions.MaxLength is %d: Truncation and PadMaxLength need a positive MaxLength, "+
			"and 0 means no limit otherwise", o.MaxLength)
	}
	if n := o.specialCount(pair); o.Truncation && o.MaxLength < n {
		return fmt.Errorf("tokenize: EncodeOptions.MaxLength %d cannot hold the %d special tokens", o.MaxLength, n)
	}
	return nil
}

// EncodeIDs builds BERT inputs from already tokenized ids: rows a[i] alone, or pairs (a[i], b[i]) when b is
// not nil, with special tokens, truncation and padding as o says. Data pipelines that tokenize once and batch
// many times use it directly. It refuses the options EncodeBatch refuses, with the same errors.
func EncodeIDs(special SpecialIDs, a, b [][]int32, o EncodeOptions) (*Encoding, error) {
	if err := o.validate(b != nil); err != nil {
		return nil, err
	}
	if b != nil && len(a) != len(b) {
		return nil, fmt.Errorf("tokenize: EncodeIDs: %d first sequences but %d second sequences", len(a), len(b))
	}
	nSpecial := o.specialCount(b != nil)
	e := &Encoding{InputIDs: make([][]int32, len(a)), TokenTypeIDs: make([][]int32, len(a))}
	for i := range a {
		x := a[i]
		var y []int32
		if b != nil {
			y = b[i]
		}
		if o.MaxLength > 0 && len(x)+len(y)+nSpecial > o.MaxLength {
			if !o.Truncation {
				return nil, fmt.Errorf("tokenize: row %d has %d tokens with special tokens, more than MaxLength %d "+
					"(set Truncation, or raise MaxLength)", i, len(x)+len(y)+nSpecial, o.MaxLength)
			}
			budget := o.MaxLength - nSpecial // >= 0: validate checked it
			if b == nil {
				x = x[:budget]
			} else {
				x, y = TruncateLongestFirst(x, y, budget)
			}
		}
		if o.NoSpecialTokens {
			ids := append(append([]int32(nil), x...), y...)
			types := make([]int32, len(ids))
			for j := len(x); j < len(ids); j++ {
				types[j] = 1 // the second sequence, as Hugging Face marks it even without special tokens
			}
			e.InputIDs[i], e.TokenTypeIDs[i] = ids, types
			continue
		}
		e.InputIDs[i], e.TokenTypeIDs[i] = special.Assemble(x, y, b != nil)
	}
	length := 0
	switch o.Padding {
	case PadLongest:
		for _, r := range e.InputIDs {
			length = max(length, len(r))
		}
	case PadMaxLength:
		length = o.MaxLength
	}
	e.AttentionMask = make([][]int32, len(a))
	for i, r := range e.InputIDs {
		mask := make([]int32, max(length, len(r)))
		for j := range r {
			mask[j] = 1
		}
		e.AttentionMask[i] = mask
		e.InputIDs[i] = padRow(r, length, special.PAD)
		e.TokenTypeIDs[i] = padRow(e.TokenTypeIDs[i], length, 0)
	}
	return e, nil
}

func padRow(r []int32, length int, pad int32) []int32 {
	for len(r) < length {
		r = append(r, pad)
	}
	return r
}

// Assemble adds BERT's special tokens: [CLS] a [SEP] for a single sequence, [CLS] a [SEP] b [SEP] for a pair,
// and returns the ids with their token types (0 up to the first [SEP], 1 after it).
func (s SpecialIDs) Assemble(a, b []int32, pair bool) (ids, types []int32) {
	n := len(a) + 2
	if pair {
		n += len(b) + 1
	}
	ids = make([]int32, 0, n)
	types = make([]int32, n)
	ids = append(ids, s.CLS)
	ids = append(ids, a...)
	ids = append(ids, s.SEP)
	if pair {
		for j := len(ids); j < n; j++ {
			types[j] = 1
		}
		ids = append(ids, b...)
		ids = append(ids, s.SEP)
	}
	return ids, types
}

// TruncateLongestFirst cuts a pair of sequences to at most budget tokens in all, as Hugging Face's fast
// tokenizers do for truncation="longest_first": nothing is cut when the pair fits; else, with n1 the shorter
// length, when the shorter fits with room it is kept whole and the longer cut to budget-n1; otherwise both are
// cut, the shorter to budget/2 and the longer to budget/2 + budget%2. Tokens are removed from the end.
//
// When both are cut and budget is odd, the extra token goes to the longer sequence, and to the second when
// the two are equally long. This is the rule of Hugging Face tokenizers' Rust truncate_encodings
// (tokenizers/src/utils/truncation.rs, LongestFirst) applied to whole encodings, as tokenizers up to 0.22
// do (0.22.1: the same lengths in all 2,366 cases of testdata/truncation_hf.mjs's grid). Since 0.23.0
// Hugging Face first stops tokenizing each sequence at max_length tokens and then applies that rule, so two
// sequences longer than max_length look equally long and the odd token goes to the second even when the
// first is longer: 0.23.1 and 0.23.2 differ from lossbook in 70 of those 2,366 cases, all of that kind.
//
// It panics if budget is negative.
func TruncateLongestFirst(a, b []int32, budget int) ([]int32, []int32) {
	if budget < 0 {
		panic(fmt.Sprintf("tokenize: TruncateLongestFirst: budget %d is negative (want the number of tokens to keep, >= 0)", budget))
	}
	if len(a)+len(b) <= budget {
		return a, b
	}
	n1, n2 := len(a), len(b)
	swap := n1 > n2
	if swap {
		n1, n2 = n2, n1
	}
	if n1 > budget {
		n2 = n1
	} else {
		n2 = max(n1, budget-n1)
	}
	if n1+n2 > budget {
		n1 = budget / 2
		n2 = n1 + budget%2
	}
	if swap {
		n1, n2 = n2, n1
	}
	return a[:min(n1, len(a))], b[:min(n2, len(b))]
}
