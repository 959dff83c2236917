package tokenize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Options configures the text normalisation and splitting that come before WordPiece, as BERT's
// BasicTokenizer (and Hugging Face's BertNormalizer and BertPreTokenizer) do them. The zero value is a cased
// tokenizer (bert-base-cased); Uncased() gives bert-base-uncased's settings.
type Options struct {
	// Lowercase lower-cases the text (Unicode simple case mapping).
	Lowercase bool
	// StripAccents decomposes the text (Unicode NFD) and drops the combining marks (category Mn), so "é"
	// becomes "e". bert-base-uncased sets it with Lowercase, as Hugging Face does when strip_accents is None.
	StripAccents bool
	// NoCJKSplit turns off BERT's splitting of CJK ideographs into one token each (tokenize_chinese_chars).
	NoCJKSplit bool
	// MaxInputCharsPerWord: a word longer than this many characters becomes [UNK] without being split
	// (default 100, as BERT).
	MaxInputCharsPerWord int
}

// Uncased returns the options of bert-base-uncased: lower-casing and accent stripping.
func Uncased() Options { return Options{Lowercase: true, StripAccents: true} }

// DefaultMaxInputCharsPerWord is BERT's max_input_chars_per_word.
const DefaultMaxInputCharsPerWord = 100

// BasicTokenize splits text into words and punctuation as BERT's BasicTokenizer does:
//
//  1. clean: drop U+0000, U+FFFD and control characters (categories Cc, Cf, Co, Cs, except tab, newline and
//     carriage return), and turn white space (those three, space and category Zs) into spaces;
//  2. put spaces around CJK ideographs (unless NoCJKSplit);
//  3. split on white space;
//  4. lower-case and strip accents, as the options say;
//  5. split every punctuation character off as its own token (ASCII symbols such as "$", "^" and "`" count as
//     punctuation, as do all Unicode P* categories).
//
// Special tokens are not recognised here; Tokenizer.Tokenize keeps them whole.
func BasicTokenize(text string, opts Options) []string {
	var out []string
	return appendBasic(out, text, opts)
}

func appendBasic(out []string, text string, opts Options) []string {
	// Fast path: pure ASCII needs neither NFD nor the Unicode tables.
	ascii, controls := true, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			controls = true
		}
	}
	if ascii {
		if controls {
			text = removeASCIIControls(text)
		}
		return appendBasicASCII(out, text, opts.Lowercase)
	}
	var b strings.Builder
	b.Grow(len(text) + 8)
	for _, r := range text {
		switch {
		case r == 0 || r == utf8.RuneError || isControl(r):
		case isWhitespace(r):
			b.WriteByte(' ')
		case !opts.NoCJKSplit && isCJK(r):
			b.WriteByte(' ')
			b.WriteRune(r)
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	for _, word := range strings.Fields(b.String()) {
		if opts.Lowercase {
			word = strings.ToLower(word)
		}
		if opts.StripAccents {
			word = stripAccents(word)
		}
		out = splitPunctuation(out, word)
	}
	return out
}

// appendBasicASCII is BasicTokenize for ASCII text without control characters: same result, faster.
func appendBasicASCII(out []string, text string, lower bool) []string {
	var buf []byte
	if lower {
		buf = make([]byte, len(text))
		for i := 0; i < len(text); i++ {
			c := text[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		text = string(buf)
	}
	start := -1
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if start >= 0 {
				out = append(out, text[start:i])
				start = -1
			}
		case isASCIIPunct(c):
			if start >= 0 {
				out = append(out, text[start:i])
				start = -1
			}
			out = append(out, text[i:i+1])
		default:
			if start < 0 {
				start = i
			}
		}
	}
	if start >= 0 {
		out = append(out, text[start:])
	}
	return out
}

func removeASCIIControls(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

func isASCIIPunct(c byte) bool {
	return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)
}

// isPunctuation is BERT's _is_punctuation: the ASCII symbol ranges, or a Unicode P* category.
func isPunctuation(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIPunct(byte(r))
	}
	return unicode.IsPunct(r)
}

// isWhitespace is BERT's _is_whitespace.
func isWhitespace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || unicode.Is(unicode.Zs, r)
}

// isControl is BERT's _is_control: category C*, except tab, newline and carriage return.
func isControl(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	return unicode.Is(unicode.C, r)
}

// isCJK is BERT's _is_chinese_char: the CJK Unified Ideographs blocks and their extensions and compatibility
// blocks (not Hiragana, Katakana or Hangul, which are written with spaces).
func isCJK(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) || (r >= 0x20000 && r <= 0x2A6DF) ||
		(r >= 0x2A700 && r <= 0x2B73F) || (r >= 0x2B740 && r <= 0x2B81F) || (r >= 0x2B820 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) || (r >= 0x2F800 && r <= 0x2FA1F)
}

// stripAccents decomposes s (NFD) and drops combining marks (category Mn).
func stripAccents(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, norm.NFD.String(s))
}

// splitPunctuation appends word's pieces: runs of non-punctuation, and each punctuation character alone.
func splitPunctuation(out []string, word string) []string {
	start := 0
	for i, r := range word {
		if isPunctuation(r) {
			if i > start {
				out = append(out, word[start:i])
			}
			size := utf8.RuneLen(r)
			out = append(out, word[i:i+size])
			start = i + size
		}
	}
	if start < len(word) {
		out = append(out, word[start:])
	}
	return out
}
