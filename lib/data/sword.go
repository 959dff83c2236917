package data

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// ZText is a SWORD Bible module in the zText format, opened for reading. Each testament ("ot", "nt") has
// three little-endian files:
//
//   - .bzs: 12-byte block records {offset u32, compressed size u32, uncompressed size u32};
//   - .bzz: the blocks, concatenated zlib streams;
//   - .bzv: 10-byte verse records {block u32, start u32, size u16}, one per verse slot (size 0 = empty).
//
// Slots follow the module's versification (see KJVSlots for the layout): slot 0 is the module heading, slot 1
// the testament heading, then per book its introduction and per chapter its heading and its verses. Entries
// are OSIS markup in UTF-8; CleanOSIS turns one into plain text. Blocks are decompressed on first use.
type ZText struct {
	testaments [2]*zTestament
}

type zTestament struct {
	name   string // "ot" or "nt", for errors
	bzz    []byte
	blocks []zBlock
	verses []zVerse

	mu      sync.Mutex
	decoded map[uint32][]byte
}

type zBlock struct{ offset, compressed, size uint32 }
type zVerse struct {
	block, start uint32
	size         uint16
}

// OpenZText opens the zText module in folder dir of fsys (e.g. os.DirFS("/usr/share/sword") and
// "modules/texts/ztext/engKJV2006eb"). A testament whose three files are all absent is empty; a missing or
// malformed file is otherwise an error naming it.
func OpenZText(fsys fs.FS, dir string) (*ZText, error) {
	z := &ZText{}
	for i, t := range []string{"ot", "nt"} {
		zt, err := openZTestament(fsys, dir, t)
		if err != nil {
			return nil, err
		}
		z.testaments[i] = zt
	}
	if len(z.testaments[0].verses)+len(z.testaments[1].verses) == 0 {
		return nil, fmt.Errorf("zText module %s: no ot.bzv or nt.bzv found", dir)
	}
	return z, nil
}

func openZTestament(fsys fs.FS, dir, t string) (*zTestament, error) {
	zt := &zTestament{name: path.Join(dir, t), decoded: map[uint32][]byte{}}
	var files [3][]byte
	missing := 0
	for i, ext := range []string{".bzs", ".bzv", ".bzz"} {
		b, err := fs.ReadFile(fsys, path.Join(dir, t+ext))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				missing++
				continue
			}
			return nil, fmt.Errorf("zText: %w", err)
		}
		files[i] = b
	}
	switch missing {
	case 3:
		return zt, nil
	case 0:
	default:
		return nil, fmt.Errorf("zText %s: want all of .bzs, .bzv and .bzz, %d missing", zt.name, missing)
	}
	bzs, bzv := files[0], files[1]
	zt.bzz = files[2]
	if len(bzs)%12 != 0 {
		return nil, fmt.Errorf("zText %s.bzs: %d bytes is not a whole number of 12-byte block records", zt.name, len(bzs))
	}
	if len(bzv)%10 != 0 {
		return nil, fmt.Errorf("zText %s.bzv: %d bytes is not a whole number of 10-byte verse records", zt.name, len(bzv))
	}
	le := binary.LittleEndian
	for i := 0; i < len(bzs); i += 12 {
		b := zBlock{le.Uint32(bzs[i:]), le.Uint32(bzs[i+4:]), le.Uint32(bzs[i+8:])}
		if uint64(b.offset)+uint64(b.compressed) > uint64(len(zt.bzz)) {
			return nil, fmt.Errorf("zText %s.bzs: block %d spans bytes %d..%d, past the end of .bzz (%d bytes)",
				zt.name, i/12, b.offset, uint64(b.offset)+uint64(b.compressed), len(zt.bzz))
		}
		zt.blocks = append(zt.blocks, b)
	}
	for i := 0; i < len(bzv); i += 10 {
		v := zVerse{le.Uint32(bzv[i:]), le.Uint32(bzv[i+4:]), le.Uint16(bzv[i+8:])}
		if v.size > 0 {
			if int(v.block) >= len(zt.blocks) {
				return nil, fmt.Errorf("zText %s.bzv: slot %d is in block %d, but .bzs has %d blocks", zt.name, i/10, v.block, len(zt.blocks))
			}
			if uint64(v.start)+uint64(v.size) > uint64(zt.blocks[v.block].size) {
				return nil, fmt.Errorf("zText %s.bzv: slot %d spans %d..%d of block %d, which has %d bytes",
					zt.name, i/10, v.start, uint64(v.start)+uint64(v.size), v.block, zt.blocks[v.block].size)
			}
		}
		zt.verses = append(zt.verses, v)
	}
	return zt, nil
}

// Slots returns the number of verse slots of a testament (0: Old, 1: New); 0 for any other testament.
func (z *ZText) Slots(testament int) int {
	if testament < 0 || testament >= len(z.testaments) {
		return 0
	}
	return len(z.testaments[testament].verses)
}

// Entry returns the raw OSIS text of a slot ("" for an empty slot). A testament other than 0 (Old) or 1 (New),
// or a slot out of range, is an error.
func (z *ZText) Entry(testament, slot int) (string, error) {
	if testament < 0 || testament >= len(z.testaments) {
		return "", fmt.Errorf("zText: testament %d, want 0 (Old) or 1 (New)", testament)
	}
	zt := z.testaments[testament]
	if slot < 0 || slot >= len(zt.verses) {
		return "", fmt.Errorf("zText %s: slot %d out of range [0, %d)", zt.name, slot, len(zt.verses))
	}
	v := zt.verses[slot]
	if v.size == 0 {
		return "", nil
	}
	block, err := zt.block(v.block)
	if err != nil {
		return "", err
	}
	return string(block[v.start : v.start+uint32(v.size)]), nil
}

func (zt *zTestament) block(i uint32) ([]byte, error) {
	zt.mu.Lock()
	defer zt.mu.Unlock()
	if b, ok := zt.decoded[i]; ok {
		return b, nil
	}
	rec := zt.blocks[i]
	r, err := zlib.NewReader(bytes.NewReader(zt.bzz[rec.offset : rec.offset+rec.compressed]))
	if err != nil {
		return nil, fmt.Errorf("zText %s.bzz: block %d: %w", zt.name, i, err)
	}
	// Inflate at most one byte more than .bzs declares, so a block that claims little and inflates to much is
	// refused before it fills memory.
	b, err := io.ReadAll(io.LimitReader(r, int64(rec.size)+1))
	if err != nil {
		return nil, fmt.Errorf("zText %s.bzz: block %d: %w", zt.name, i, err)
	}
	if len(b) > int(rec.size) {
		return nil, fmt.Errorf("zText %s.bzz: block %d inflates to more than the %d bytes .bzs declares", zt.name, i, rec.size)
	}
	if len(b) < int(rec.size) {
		return nil, fmt.Errorf("zText %s.bzz: block %d inflates to %d bytes, .bzs declares %d", zt.name, i, len(b), rec.size)
	}
	zt.decoded[i] = b
	return b, nil
}

// VerseRef names a verse of the KJV versification.
type VerseRef struct {
	Book     string // OSIS abbreviation: "Gen", "Ps", "1John"
	BookName string // English name: "Genesis"
	Chapter  int    // 1-based
	Verse    int    // 1-based
}

func (r VerseRef) String() string { return fmt.Sprintf("%s %d:%d", r.Book, r.Chapter, r.Verse) }

type kjvBook struct {
	osis, name string
	verses     []int // verses per chapter
}

// kjvOldTestamentBooks is the number of books in the KJV Old Testament (Genesis to Malachi).
const kjvOldTestamentBooks = 39

// KJVSlot is a verse of the KJV versification and where it sits in a zText module.
type KJVSlot struct {
	Ref       VerseRef
	Testament int // 0: Old, 1: New
	Slot      int // index into the testament's .bzv
}

// KJVSlots lists the 31,102 verses of the KJV versification in canonical order with their zText slots. Per
// testament the layout is: slot 0 module heading, slot 1 testament heading, then for each book one
// introduction slot and for each chapter one heading slot followed by one slot per verse. So the Old Testament
// has 2 + 39 + 929 + 23,145 = 24,115 slots and the New 2 + 27 + 260 + 7,957 = 8,246.
func KJVSlots() []KJVSlot {
	var out []KJVSlot
	for t, books := range [][]kjvBook{kjvBooks[:kjvOldTestamentBooks], kjvBooks[kjvOldTestamentBooks:]} {
		slot := 2
		for _, b := range books {
			slot++ // book introduction
			for c, n := range b.verses {
				slot++ // chapter heading
				for v := 1; v <= n; v++ {
					out = append(out, KJVSlot{Ref: VerseRef{Book: b.osis, BookName: b.name, Chapter: c + 1, Verse: v}, Testament: t, Slot: slot})
					slot++
				}
			}
		}
	}
	return out
}

// kjvTestamentSlots returns the number of slots of each testament in the KJV versification.
func kjvTestamentSlots() [2]int {
	var n [2]int
	for i, b := range kjvBooks {
		t := 0
		if i >= kjvOldTestamentBooks {
			t = 1
		}
		n[t]++ // book introduction
		for _, v := range b.verses {
			n[t] += 1 + v
		}
	}
	n[0] += 2
	n[1] += 2
	return n
}

// CleanOSIS turns one OSIS verse entry into the words a reader sees: footnotes (<note ...>...</note>) are dropped
// with their text; every other tag is removed keeping its text (so the canonical psalm titles, <title
// canonical="true" type="psalm">, stay); a milestone (a self-closing tag such as <lb/>) separates words; the
// five XML entities are decoded; the KJV's pilcrows (¶, paragraph marks) and the USFM markers left in its text
// (\nd ... \nd*, \+nd*) are dropped; and runs of white space collapse to one space.
//
// Where one element ends and another starts with no space between two letters (Reina-Valera's
// "allí</w><transChange>también"), the two are separate words ("allí también"), except an enclitic pronoun that
// Reina-Valera marks as added after a verb ("sáca</w><transChange>lo" is "sácalo"; see joinsEnclitic). Markup
// inside a word (the KJV's "give</w>n") keeps the word whole.
func CleanOSIS(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	noteDepth := 0
	// closed: the tags since the last text closed an element; boundary: and then opened another.
	closed, boundary := false, false
	for len(s) > 0 {
		lt := strings.IndexByte(s, '<')
		text := s
		if lt >= 0 {
			text = s[:lt]
		}
		if noteDepth == 0 && text != "" {
			if boundary && !joinsEnclitic(b.String(), text) {
				b.WriteByte(' ')
			}
			b.WriteString(text)
			closed, boundary = false, false
		}
		if lt < 0 {
			break
		}
		gt := strings.IndexByte(s[lt:], '>')
		if gt < 0 { // a stray '<': keep it as text
			if noteDepth == 0 {
				b.WriteString(s[lt:])
			}
			break
		}
		tag := s[lt+1 : lt+gt]
		s = s[lt+gt+1:]
		switch {
		case tagName(tag) == "note" && !strings.HasSuffix(tag, "/"):
			noteDepth++
		case tag == "/note" || strings.HasPrefix(tag, "/note "):
			if noteDepth > 0 {
				noteDepth--
			}
		case noteDepth > 0:
		case strings.HasSuffix(tag, "/"):
			b.WriteByte(' ')
		case strings.HasPrefix(tag, "/"):
			closed = true
		default:
			boundary = boundary || closed
		}
	}
	return strings.Join(strings.Fields(usfmMarker.ReplaceAllString(osisText.Replace(b.String()), "")), " ")
}

// joinsEnclitic reports whether next, the text of an element that starts right after one that ends with the
// text before, is an enclitic pronoun that belongs to the verb before it, so that no space goes between them.
// The element must hold the pronoun alone (me, te, se, nos, os, le, les, lo, la, los, las or a cluster such as
// "selo"), and the word before must look like a verb that takes one: an infinitive (-ar, -er, -ir), a plural
// imperative (-ad, -ed, -id), a form carrying an accent that is not a pronoun or adverb ("sáca", "dió",
// "enviándo"), or one of the short imperatives di, haz, da, he, ve, pon, ten, sal. Of the 129 such places in
// Reina-Valera 1909 this joins 95 and keeps 34 apart ("y éste|le dijo", "la casa de|la"); two of the 34 are
// joins it misses: "vi|lo," (Proverbs 24:32) and "manifestaré|lo aún" (John 17:26).
func joinsEnclitic(before, next string) bool {
	first, _ := utf8.DecodeRuneInString(next)
	last, _ := utf8.DecodeLastRuneInString(before)
	if !unicode.IsLetter(first) || !unicode.IsLetter(last) {
		return false
	}
	if !spanishEnclitic.MatchString(strings.ToLower(next)) {
		return false
	}
	verb := strings.ToLower(before[len(strings.TrimRightFunc(before, unicode.IsLetter)):])
	switch {
	case slices.Contains([]string{"di", "dí", "haz", "da", "he", "ve", "pon", "ten", "sal"}, verb):
		return true
	case strings.ContainsAny(verb, "áéíóú"):
		return !spanishAccentedNonVerbs[verb]
	}
	for _, suffix := range []string{"ar", "er", "ir", "ad", "ed", "id"} {
		if strings.HasSuffix(verb, suffix) {
			return true
		}
	}
	return false
}

var (
	spanishEnclitic = regexp.MustCompile(`^(?:me|te|se|nos|os|le|les|lo|la|los|las)+$`)
	// spanishAccentedNonVerbs are the accented words of Reina-Valera 1909 that an enclitic can follow as a
	// separate word: pronouns, interrogatives, adverbs, the one-letter conjunctions and preposition, and names.
	spanishAccentedNonVerbs = map[string]bool{
		"á": true, "é": true, "ó": true, "ú": true, "él": true, "tú": true, "mí": true, "sí": true, "más": true,
		"aún": true, "qué": true, "quién": true, "quiénes": true, "cuál": true, "cuáles": true, "cómo": true,
		"dónde": true, "cuándo": true, "cuánto": true, "cuánta": true, "cuántos": true, "cuántas": true,
		"éste": true, "ésta": true, "éstos": true, "éstas": true, "ése": true, "ésa": true, "ésos": true,
		"ésas": true, "aquél": true, "aquélla": true, "aquéllos": true, "aquéllas": true, "también": true,
		"así": true, "allí": true, "aquí": true, "ahí": true, "allá": true, "acá": true, "después": true,
		"además": true, "jamás": true, "según": true, "quizá": true, "quizás": true, "jehová": true, "josué": true,
	}
	// usfmMarker is a USFM character marker left in the KJV module's text: "\nd", "\nd*", "\+nd*".
	usfmMarker = regexp.MustCompile(`\\\+?[a-z]+[0-9]*\*?`)
	// osisText decodes the five XML entities and drops the pilcrow.
	osisText = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'", "&amp;", "&", "¶", " ")
)

func tagName(tag string) string {
	end := strings.IndexAny(tag, " \t\n/")
	if end < 0 {
		return tag
	}
	return tag[:end]
}
