package metrics

import (
	"regexp"
	"strings"
	"unicode"
)

// The regular expressions of mteval-v13a's language-dependent tokenization, as sacrebleu's TokenizerRegexp.
var tokenizer13a = []struct {
	re   *regexp.Regexp
	repl string
}{
	// Symbols and punctuation become tokens: { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ /.
	{regexp.MustCompile(`([{-~\[-\x60 -&(-+:-@/])`), " ${1} "},
	// Period and comma, unless preceded by a digit.
	{regexp.MustCompile(`([^0-9])([.,])`), "${1} ${2} "},
	// Period and comma, unless followed by a digit.
	{regexp.MustCompile(`([.,])([^0-9])`), " ${1} ${2}"},
	// Dash after a digit.
	{regexp.MustCompile(`([0-9])(-)`), "${1} ${2} "},
}

// Tokenize13a is sacrebleu's 13a tokenizer (mteval-v13a.pl, the WMT standard): it drops "<skipped>", joins lines
// (a "-" at a line end joins the words), unescapes &quot; &amp; &lt; &gt;, separates punctuation and symbols,
// splits "." and "," unless they sit between digits and "-" after a digit, and returns the tokens joined by single
// spaces.
func Tokenize13a(line string) string {
	line = strings.ReplaceAll(line, "<skipped>", "")
	line = strings.ReplaceAll(line, "-\n", "")
	line = strings.ReplaceAll(line, "\n", " ")
	if strings.Contains(line, "&") {
		line = strings.ReplaceAll(line, "&quot;", `"`)
		line = strings.ReplaceAll(line, "&amp;", "&")
		line = strings.ReplaceAll(line, "&lt;", "<")
		line = strings.ReplaceAll(line, "&gt;", ">")
	}
	line = " " + line + " "
	for _, r := range tokenizer13a {
		line = r.re.ReplaceAllString(line, r.repl)
	}
	return strings.Join(pyFields(line), " ")
}

// pyIsSpace is Python's str.isspace for one character: Unicode White_Space plus the information separators
// U+001C..U+001F, which Python's str.split() also splits at.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pyFields is Python's str.split() without arguments.
func pyFields(s string) []string { return strings.FieldsFunc(s, pyIsSpace) }

// The regular expressions of mteval-v14's international tokenization, as sacrebleu's TokenizerV14International
// writes them with Unicode categories: P is punctuation, S symbols, N numbers.
var tokenizerIntl = []struct {
	re   *regexp.Regexp
	repl string
}{
	// Punctuation preceded by a non-number.
	{regexp.MustCompile(`(\PN)(\pP)`), "${1} ${2} "},
	// Punctuation followed by a non-number.
	{regexp.MustCompile(`(\pP)(\PN)`), " ${1} ${2}"},
	// Every symbol.
	{regexp.MustCompile(`(\pS)`), " ${1} "},
}

// TokenizeIntl is sacrebleu's "intl" tokenizer (mteval-v14.pl's international tokenization): it separates
// Unicode punctuation (category P) from what precedes or follows it unless that is a number (category N), so
// "3.50" and "1,000" stay whole, separates every symbol (category S: "$", "€", "+", "^"), and returns the tokens
// joined by single spaces. As in mteval-v14, a number followed by a period at the end of a line keeps it ("1990.").
// Unlike 13a it does not unescape HTML entities. Categories come from Go's unicode tables (Unicode 15.0); those
// of characters added later may differ from sacrebleu's.
func TokenizeIntl(line string) string {
	for _, r := range tokenizerIntl {
		line = r.re.ReplaceAllString(line, r.repl)
	}
	return strings.Join(pyFields(line), " ")
}

// TokenizeChar is sacrebleu's "char" tokenizer: every character (Unicode code point) becomes a token, white space
// disappears, and the tokens are joined by single spaces (sacrebleu joins every character, spaces included, which
// BLEU's split then drops: the tokens are the same). BLEU with it counts character n-grams, for languages written
// without spaces.
func TokenizeChar(line string) string {
	var b strings.Builder
	for _, r := range line {
		if pyIsSpace(r) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
