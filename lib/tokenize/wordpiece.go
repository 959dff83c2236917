package tokenize

import (
	"strings"
	"unicode/utf8"
)

// ContinuationPrefix marks a WordPiece token that continues a word.
const ContinuationPrefix = "##"

// Tokenizer is a BERT-style WordPiece tokenizer: BasicTokenize, then greedy longest-match-first WordPiece
// against a vocabulary. It is safe for concurrent use.
type Tokenizer struct {
	vocab   *Vocab
	opts    Options
	special SpecialIDs
}

// New returns a tokenizer over vocab, which must hold the five special tokens; a nil vocab is an error.
func New(vocab *Vocab, opts Options) (*Tokenizer, error) {
	if vocab == nil {
		return nil, errNilVocab
	}
	special, err := vocab.Special()
	if err != nil {
		return nil, err
	}
	if opts.MaxInputCharsPerWord <= 0 {
		opts.MaxInputCharsPerWord = DefaultMaxInputCharsPerWord
	}
	return &Tokenizer{vocab: vocab, opts: opts, special: special}, nil
}

// Vocab returns the tokenizer's vocabulary.
func (t *Tokenizer) Vocab() *Vocab { return t.vocab }

// Special returns the ids of the special tokens.
func (t *Tokenizer) Special() SpecialIDs { return t.special }

// Options returns the tokenizer's options (with defaults filled in).
func (t *Tokenizer) Options() Options { return t.opts }

// Tokenize splits text into WordPiece tokens. Special tokens written in the text ("[MASK]", "[SEP]", ...) are
// kept whole, as Hugging Face does; everything between them goes through BasicTokenize, then each word is cut
// greedily into the longest vocabulary entries, left to right, continuations prefixed with "##". A word
// that cannot be cut that way, or longer than MaxInputCharsPerWord characters, becomes a single [UNK].
func (t *Tokenizer) Tokenize(text string) []string {
	var out []string
	for _, id := range t.Encode(text) {
		out = append(out, t.vocab.tokens[id])
	}
	return out
}

// Encode returns the ids of Tokenize(text), without [CLS] or [SEP] (see EncodeBatch for those).
func (t *Tokenizer) Encode(text string) []int32 {
	return t.AppendEncode(nil, text)
}

// AppendEncode appends the ids of Tokenize(text) to ids and returns the extended slice.
func (t *Tokenizer) AppendEncode(ids []int32, text string) []int32 {
	var words []string
	var buf []byte
	for len(text) > 0 {
		next, which := nextSpecial(text)
		words = appendBasic(words[:0], text[:next], t.opts)
		for _, w := range words {
			ids, buf = t.appendWordPiece(ids, buf, w)
		}
		if which == "" {
			break
		}
		id, _ := t.vocab.ID(which)
		ids = append(ids, id)
		text = text[next+len(which):]
	}
	return ids
}

// nextSpecial returns the position of the first special token written in text and the token, or len(text)
// and "" when there is none.
func nextSpecial(text string) (int, string) {
	for i := 0; i < len(text); {
		k := strings.IndexByte(text[i:], '[')
		if k < 0 {
			break
		}
		i += k
		for _, sp := range SpecialTokens {
			if strings.HasPrefix(text[i:], sp) {
				return i, sp
			}
		}
		i++
	}
	return len(text), ""
}

// appendWordPiece appends the WordPiece ids of one word; buf is scratch space that is returned for reuse.
func (t *Tokenizer) appendWordPiece(ids []int32, buf []byte, word string) ([]int32, []byte) {
	if utf8.RuneCountInString(word) > t.opts.MaxInputCharsPerWord {
		return append(ids, t.special.UNK), buf
	}
	n := len(ids)
	for start := 0; start < len(word); {
		found := int32(-1)
		end := len(word)
		for end > start {
			if start == 0 {
				if id, ok := t.vocab.ids[word[:end]]; ok {
					found = id
					break
				}
			} else {
				buf = append(append(buf[:0], ContinuationPrefix...), word[start:end]...)
				if id, ok := t.vocab.ids[string(buf)]; ok { // no allocation: the compiler looks up []byte keys directly
					found = id
					break
				}
			}
			// Step back one character.
			_, size := utf8.DecodeLastRuneInString(word[start:end])
			end -= size
		}
		if found < 0 {
			return append(ids[:n], t.special.UNK), buf
		}
		ids = append(ids, found)
		start = end
	}
	return ids, buf
}

// Decode turns ids back into text: tokens are joined with spaces, a "##" continuation is glued to the token
// before it, and the five special tokens ([UNK] included, as Hugging Face's skip_special_tokens does) are left
// out when skipSpecial is set. Unlike Hugging Face's default (clean_up_tokenization_spaces), the space before
// punctuation stays, so that for text whose words are all in the vocabulary Decode(Encode(text), true) equals
// strings.Join(BasicTokenize(text, opts), " ").
func (t *Tokenizer) Decode(ids []int32, skipSpecial bool) string {
	var b strings.Builder
	for _, id := range ids {
		if skipSpecial && t.special.IsSpecial(id) {
			continue
		}
		tok := t.vocab.Token(id)
		if tok == "" {
			tok = UNK
		}
		if rest, ok := strings.CutPrefix(tok, ContinuationPrefix); ok && b.Len() > 0 {
			b.WriteString(rest)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(tok)
	}
	return b.String()
}
