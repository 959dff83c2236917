package data

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

func TestKJVSlots(t *testing.T) {
	slots := KJVSlots()
	if len(slots) != 31102 {
		t.Errorf("%d verses, want 31,102 (KJV versification)", len(slots))
	}
	if n := kjvTestamentSlots(); n != [2]int{24115, 8246} {
		t.Errorf("slots per testament %v, want [24115 8246]", n)
	}
	tests := []struct {
		i    int
		want KJVSlot
	}{
		{0, KJVSlot{VerseRef{"Gen", "Genesis", 1, 1}, 0, 4}},
		{31, KJVSlot{VerseRef{"Gen", "Genesis", 2, 1}, 0, 36}},
		{23145, KJVSlot{VerseRef{"Matt", "Matthew", 1, 1}, 1, 4}},
		{31101, KJVSlot{VerseRef{"Rev", "Revelation of John", 22, 21}, 1, 8245}},
	}
	for _, tc := range tests {
		if slots[tc.i] != tc.want {
			t.Errorf("slot %d = %+v, want %+v", tc.i, slots[tc.i], tc.want)
		}
	}
}

func TestCleanOSIS(t *testing.T) {
	tests := []struct{ in, want string }{
		{`In the <w lemma="strong:H7225">beginning</w> God.`, "In the beginning God."},
		{`light.<note placement="foot"><reference type="annotateRef">1.4 </reference>Heb. between</note> And`, "light. And"},
		{`<title canonical="true" type="psalm">A <w>Psalm</w> of David.</title> <l level="1"/>LORD, how`, "A Psalm of David. LORD, how"},
		{`<div type="x-milestone" sID="pv1"/>¶ Then  on<lb/>that   day`, "Then on that day"},
		// The KJV's pilcrow (a paragraph mark) and stray USFM markers (\nd ... \nd*, \+nd*) are not words.
		{`¶ <w lemma="strong:H0559">And</w> it came`, "And it came"},
		{`And the \nd <w lemma="strong:H3068">LORD</w> called`, "And the LORD called"},
		{`the \nd LORD\+nd*, therefore`, "the LORD, therefore"},
		// Markup inside a word (the KJV's "give</w>n") keeps the word whole.
		{`<w lemma="strong:G991">give</w>n`, "given"},
		{`<w>in</w>asmuch`, "inasmuch"},
		// Two elements that touch are two words (Reina-Valera's "allí</w><transChange>también")...
		{`<w lemma="strong:H8033">hay allí</w><transChange type="added">también</transChange><w lemma="strong:H0916">bdelio</w>`, "hay allí también bdelio"},
		{`<w>Abram</w><transChange type="added">de allí</transChange>, <w>partió</w>`, "Abram de allí, partió"},
		{`<w>ejército</w><w>se llamaba</w>`, "ejército se llamaba"},
		{`<w>y éste</w><transChange type="added">le</transChange> <w>dijo</w>`, "y éste le dijo"},
		{`<w>y ya</w><transChange type="added">los</transChange> <w>hijos</w>`, "y ya los hijos"},
		{`<w>que</w><transChange type="added">la</transChange><w>tengan</w>`, "que la tengan"},
		{`<w>á</w><transChange type="added">los</transChange> <w>pobres</w>`, "á los pobres"},
		// ... except an enclitic pronoun that Reina-Valera marks as added after a verb: "sáca|lo", "di|les".
		{`<w lemma="strong:H3318">sáca</w><transChange type="added">lo</transChange> <w>de</w>`, "sácalo de"},
		{`<w>y</w> <w>di</w><transChange type="added">les</transChange>: <w>De</w>`, "y diles: De"},
		{`<w>Júrame</w><transChange type="added">lo</transChange> <w>hoy</w>`, "Júramelo hoy"},
		{`<w>haced</w><transChange type="added">lo</transChange>.`, "hacedlo."},
		{`sino ver<transChange type="added">los</transChange> <w>con</w>`, "sino verlos con"},
		{`<w>enviándo</w><transChange type="added">la</transChange><w>por</w>`, "enviándola por"},
		{`<w>guardad</w><transChange type="added">lo</transChange><w>y</w>`, "guardadlo y"},
		{`<w>de Jehová</w><transChange type="added">los</transChange><w>acose</w>`, "de Jehová los acose"},
		{`a &amp; b &lt;c&gt; &quot;d&quot;`, `a & b <c> "d"`},
		{`<chapter eID="Num.12"/> <div eID="gen806" type="x-p"/>`, ""},
		{`x<note>outer<note>inner</note>still</note>y`, "xy"},
		{`stray < bracket`, "stray < bracket"},
	}
	for _, tc := range tests {
		if got := CleanOSIS(tc.in); got != tc.want {
			t.Errorf("CleanOSIS(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// fixtureModules builds two tiny modules in the KJV layout: a few verses of Genesis 1 and John 1, an empty
// verse in one module only, a footnote, and a psalm title.
func fixtureModules() (en, es map[string][]byte) {
	slots := kjvTestamentSlots()
	ref := map[string]KJVSlot{}
	for _, s := range KJVSlots() {
		ref[s.Ref.String()] = s
	}
	put := func(e *zTextEntries, verse, text string) {
		s := ref[verse]
		if e[s.Testament] == nil {
			e[s.Testament] = map[int]string{}
		}
		e[s.Testament][s.Slot] = text
	}
	var ee, se zTextEntries
	put(&ee, "Gen 1:1", `In the <w lemma="strong:H7225">beginning</w> God created the heaven and the earth.`)
	put(&se, "Gen 1:1", `<w lemma="strong:H7225">EN el principio</w> crió Dios los cielos y la tierra.`)
	put(&ee, "Gen 1:2", `And the earth was without form.<note placement="foot">Heb. tohu</note>`)
	put(&se, "Gen 1:2", `Y la tierra estaba desordenada y vacía.`)
	put(&ee, "Gen 1:3", `And God said, Let there be light.`) // no Spanish: dropped
	put(&ee, "Ps 3:1", `<title canonical="true" type="psalm">A Psalm of David.</title> LORD, how are they increased!`)
	put(&se, "Ps 3:1", `<title canonical="true" type="psalm">Salmo de David.</title> ¡Oh Jehová, cuánto se han multiplicado!`)
	put(&ee, "John 1:1", `In the beginning was the Word.`)
	put(&se, "John 1:1", `EN el principio era el Verbo.`)
	// Headings are not verses: slot 3 is Genesis 1's heading.
	ee[0][3] = `<chapter n="1" osisID="Gen.1"/>`
	se[0][3] = `<chapter n="1" osisID="Gen.1"/>`
	return makeZText("modules/texts/ztext/engKJV2006eb", slots, ee, 400),
		makeZText("modules/texts/ztext/spaRV1909eb", slots, se, 1000)
}

var wantFixturePairs = []VersePair{
	{VerseRef{"Gen", "Genesis", 1, 1}, "In the beginning God created the heaven and the earth.", "EN el principio crió Dios los cielos y la tierra."},
	{VerseRef{"Gen", "Genesis", 1, 2}, "And the earth was without form.", "Y la tierra estaba desordenada y vacía."},
	{VerseRef{"Ps", "Psalms", 3, 1}, "A Psalm of David. LORD, how are they increased!", "Salmo de David. ¡Oh Jehová, cuánto se han multiplicado!"},
	{VerseRef{"John", "John", 1, 1}, "In the beginning was the Word.", "EN el principio era el Verbo."},
}

func checkPairs(t *testing.T, got []VersePair) {
	t.Helper()
	if len(got) != len(wantFixturePairs) {
		t.Fatalf("%d pairs, want %d: %+v", len(got), len(wantFixturePairs), got)
	}
	for i := range got {
		if got[i] != wantFixturePairs[i] {
			t.Errorf("pair %d = %+v, want %+v", i, got[i], wantFixturePairs[i])
		}
	}
}

func TestZTextReadAndAlign(t *testing.T) {
	en, es := fixtureModules()
	fsys := fstest.MapFS{}
	for _, m := range []map[string][]byte{en, es} {
		for k, v := range m {
			fsys[k] = &fstest.MapFile{Data: v}
		}
	}
	src, err := OpenZText(fsys, "modules/texts/ztext/engKJV2006eb")
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := OpenZText(fsys, "modules/texts/ztext/spaRV1909eb")
	if err != nil {
		t.Fatal(err)
	}
	if src.Slots(0) != 24115 || src.Slots(1) != 8246 {
		t.Errorf("slots %d, %d", src.Slots(0), src.Slots(1))
	}
	if e, _ := src.Entry(0, 5); !strings.HasPrefix(e, "And the earth") {
		t.Errorf("Gen 1:2 raw entry %q", e)
	}
	if _, err := src.Entry(0, 24115); err == nil {
		t.Error("Entry past the end: no error")
	}
	pairs, err := AlignVerses(src, tgt, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkPairs(t, pairs)
}

func TestZTextErrors(t *testing.T) {
	en, _ := fixtureModules()
	dir := "modules/texts/ztext/engKJV2006eb"
	tests := []struct {
		name   string
		mutate func(m fstest.MapFS)
		want   string
	}{
		{"missing bzz", func(m fstest.MapFS) { delete(m, dir+"/ot.bzz") }, "1 missing"},
		{"bzs not whole records", func(m fstest.MapFS) { m[dir+"/ot.bzs"].Data = m[dir+"/ot.bzs"].Data[:13] }, "12-byte"},
		{"bzv not whole records", func(m fstest.MapFS) { m[dir+"/nt.bzv"].Data = m[dir+"/nt.bzv"].Data[:15] }, "10-byte"},
		{"bzz truncated", func(m fstest.MapFS) { m[dir+"/ot.bzz"].Data = m[dir+"/ot.bzz"].Data[:20] }, "past the end"},
		{"no module", func(m fstest.MapFS) {
			for k := range m {
				delete(m, k)
			}
		}, "no ot.bzv or nt.bzv"},
	}
	for _, tc := range tests {
		m := fstest.MapFS{}
		for k, v := range en {
			m[k] = &fstest.MapFile{Data: append([]byte(nil), v...)}
		}
		tc.mutate(m)
		_, err := OpenZText(m, dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	// A block whose zlib stream is damaged is found when read.
	m := fstest.MapFS{}
	for k, v := range en {
		m[k] = &fstest.MapFile{Data: append([]byte(nil), v...)}
	}
	m[dir+"/ot.bzz"].Data[5] ^= 0xff
	z, err := OpenZText(m, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AlignVerses(z, z, nil); err == nil || !strings.Contains(err.Error(), "block") {
		t.Errorf("damaged block: error %v, want one naming the block", err)
	}
}

// fixtureDebs holds the .deb files of the fixture modules, built once (xz compression takes a moment).
var fixtureDebs = sync.OnceValue(func() [2][]byte {
	enFiles, esFiles := fixtureModules()
	var debs [2][]byte
	for i, files := range []map[string][]byte{enFiles, esFiles} {
		data := map[string][]byte{"usr/share/doc/fixture/copyright": []byte("public domain\n")}
		for k, v := range files {
			data["usr/share/sword/"+k] = v
		}
		debs[i] = makeDeb(nil, data)
	}
	return debs
})

// fixtureSword returns modules whose .deb files (built from the fixture modules) the fake mirror serves.
func fixtureSword(t *testing.T, f *fakeServer) (en, es SwordModule) {
	debs := fixtureDebs()
	mod := func(id string, deb []byte, name string) SwordModule {
		p := DebianPackage{Name: name, Version: "1.0-1", Filename: "pool/main/s/" + name + "/" + name + "_1.0-1_all.deb", SHA256: sha256Hex(deb), Size: int64(len(deb))}
		if f != nil {
			f.publish("/debian/"+p.Filename, deb)
		}
		return SwordModule{ID: id, Package: p}
	}
	return mod("engKJV2006eb", debs[0], "sword-text-kjv"), mod("spaRV1909eb", debs[1], "sword-text-sparv")
}

func TestSwordFromDeb(t *testing.T) {
	f := newFakeServer(t)
	en, es := fixtureSword(t, f)
	opts := testOptions(t, f)
	ctx := context.Background()
	openAndCheckPairs(t, ctx, en, es, opts)
	if got := cacheFiles(t, opts.CacheDir); len(got) != 2 {
		t.Errorf("cache holds %q, want the two .deb files", got)
	}
	// Cached: the mirror is no longer asked.
	before := f.count("/debian/" + en.Package.Filename)
	if _, err := en.Open(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if f.count("/debian/"+en.Package.Filename) != before {
		t.Error("a cached .deb was downloaded again")
	}
}

func TestSwordInstalledIsReadInPlace(t *testing.T) {
	en, es := fixtureSword(t, nil)
	opts := testOptions(t, nil)
	enFiles, esFiles := fixtureModules()
	for _, m := range []map[string][]byte{enFiles, esFiles} {
		for k, v := range m {
			p := filepath.Join(opts.SwordDir, filepath.FromSlash(k))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, v, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	opts.HTTPClient = &http.Client{Transport: failTransport{}} // any download would fail
	ctx := context.Background()
	openAndCheckPairs(t, ctx, en, es, opts)
	where, err := en.Fetch(ctx, opts)
	if err != nil || !strings.HasPrefix(where, opts.SwordDir) {
		t.Errorf("Fetch of an installed module = %q, %v; want its folder under %s", where, err, opts.SwordDir)
	}
}

type failTransport struct{}

func (failTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("the test forbids network access")
}

func TestSwordMissingPackage(t *testing.T) {
	f := newFakeServer(t) // serves nothing: every .deb is a 404
	en, _ := fixtureSword(t, nil)
	opts := testOptions(t, f)
	_, err := en.Open(context.Background(), opts)
	if err == nil {
		t.Fatal("no error for a package neither installed nor on the mirror")
	}
	for _, want := range []string{"not installed", "apt-get install sword-text-kjv", EnvDebianMirror} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	wantEmptyCache(t, opts.CacheDir)
}

func TestSwordCorruptDeb(t *testing.T) {
	f := newFakeServer(t)
	en, _ := fixtureSword(t, f)
	opts := testOptions(t, f)
	ctx := context.Background()
	// Wrong bytes on the mirror: checksum error, nothing cached.
	f.publish("/debian/"+en.Package.Filename, []byte("!<arch>\nnot really"))
	_, err := en.Open(ctx, opts)
	var ce *ChecksumError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v, want a checksum error", err)
	}
	wantEmptyCache(t, opts.CacheDir)
	// A .deb that verifies but is not a .deb (pinned to bad bytes) is reported as such.
	bad := []byte("this is not an ar archive")
	en.Package.SHA256 = sha256Hex(bad)
	f.publish("/debian/"+en.Package.Filename, bad)
	if _, err := en.Open(ctx, opts); err == nil || !strings.Contains(err.Error(), "not a .deb") {
		t.Errorf("error %v, want one saying it is not a .deb", err)
	}
}

func TestSplitVersePairsByChapter(t *testing.T) {
	var pairs []VersePair
	for _, s := range KJVSlots()[:2000] { // Genesis 1 to Exodus 11 or so
		pairs = append(pairs, VersePair{Ref: s.Ref, Source: "en " + s.Ref.String(), Target: "es " + s.Ref.String()})
	}
	parts, err := SplitVersePairs(pairs, 11, 0.8, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	where := map[string]int{}
	total := 0
	for i, p := range parts {
		total += len(p)
		for _, v := range p {
			ch := v.Ref.Book + " " + strconv.Itoa(v.Ref.Chapter)
			if j, ok := where[ch]; ok && j != i {
				t.Fatalf("chapter %s is in parts %d and %d", ch, j, i)
			}
			where[ch] = i
		}
	}
	if total != len(pairs) {
		t.Errorf("%d pairs in the parts, want %d", total, len(pairs))
	}
	if frac := float64(len(parts[0])) / float64(total); frac < 0.7 || frac > 0.9 {
		t.Errorf("first part holds %.2f of the verses, want about 0.8", frac)
	}
}

// openAndCheckPairs opens both fixture modules, aligns them and checks the pairs.
func openAndCheckPairs(t *testing.T, ctx context.Context, en, es SwordModule, opts Options) {
	t.Helper()
	src, err := en.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := es.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := AlignVerses(src, tgt, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkPairs(t, pairs)
}

// TestZTextTestamentRange: a testament other than 0 or 1 is an error (Entry) or has no slots (Slots), not an
// index panic.
func TestZTextTestamentRange(t *testing.T) {
	en, _ := fixtureModules()
	fsys := fstest.MapFS{}
	for k, v := range en {
		fsys[k] = &fstest.MapFile{Data: v}
	}
	z, err := OpenZText(fsys, "modules/texts/ztext/engKJV2006eb")
	if err != nil {
		t.Fatal(err)
	}
	for _, testament := range []int{-1, 2} {
		if n := z.Slots(testament); n != 0 {
			t.Errorf("Slots(%d) = %d, want 0", testament, n)
		}
		if _, err := z.Entry(testament, 0); err == nil || !strings.Contains(err.Error(), "testament") {
			t.Errorf("Entry(%d, 0): error %v, want one naming the testament", testament, err)
		}
	}
}

// TestZTextInflationBound: a block that declares 16 bytes but inflates to 64 MiB is refused after at most
// 17 bytes are inflated, not after the whole stream is.
func TestZTextInflationBound(t *testing.T) {
	const declared, inflated = 16, 64 << 20
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	zeros := make([]byte, 1<<20)
	for range inflated / len(zeros) {
		zw.Write(zeros)
	}
	zw.Close()
	le := binary.LittleEndian
	bzs := le.AppendUint32(le.AppendUint32(le.AppendUint32(nil, 0), uint32(z.Len())), declared)
	bzv := le.AppendUint16(le.AppendUint32(le.AppendUint32(nil, 0), 0), declared)
	dir := "modules/texts/ztext/bomb"
	fsys := fstest.MapFS{
		dir + "/ot.bzs": {Data: bzs},
		dir + "/ot.bzv": {Data: bzv},
		dir + "/ot.bzz": {Data: z.Bytes()},
	}
	zt, err := OpenZText(fsys, dir)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = zt.Entry(0, 0)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "more than the 16 bytes") {
		t.Errorf("block that inflates past its declared size: error %v, want one saying so", err)
	}
	t.Logf("reading a block that declares %d bytes and inflates to %d allocated %d bytes", declared, inflated,
		after.TotalAlloc-before.TotalAlloc)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("reading the block allocated %d bytes, want under 1 MiB (bound the reader by the declared 16 bytes)", alloc)
	}
}

// TestFetchVersesVerifiesModules: `lossbook data fetch verses` (Fetch "verses") reads every block of the
// modules it reports, so installed modules that are broken are an error naming the fix, not a success.
func TestFetchVersesVerifiesModules(t *testing.T) {
	enFiles, esFiles := fixtureModules()
	kjv := "modules/texts/ztext/engKJV2006eb/"
	tests := []struct {
		name   string
		mutate func(files map[string][]byte)
		want   string // "" for success
	}{
		{"intact", func(map[string][]byte) {}, ""},
		{"damaged block", func(f map[string][]byte) { f[kjv+"ot.bzz"][5] ^= 0xff }, "block"},
		{"truncated index", func(f map[string][]byte) { f[kjv+"nt.bzv"] = f[kjv+"nt.bzv"][:100] }, "slots"},
		{"missing .bzz", func(f map[string][]byte) { delete(f, kjv+"ot.bzz") }, "missing"},
	}
	for _, tc := range tests {
		opts := testOptions(t, nil)
		opts.HTTPClient = &http.Client{Transport: failTransport{}} // installed: nothing is downloaded
		for i, m := range []map[string][]byte{enFiles, esFiles} {
			files := map[string][]byte{}
			for k, v := range m {
				files[k] = bytes.Clone(v)
			}
			if i == 0 { // the English module is the broken one
				tc.mutate(files)
			}
			for k, v := range files {
				p := filepath.Join(opts.SwordDir, filepath.FromSlash(k))
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, v, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		where, err := Fetch(context.Background(), "verses", opts)
		if tc.want == "" {
			if err != nil || len(where) != 2 {
				t.Errorf("%s: Fetch verses = %q, %v; want the two module folders", tc.name, where, err)
			}
			continue
		}
		t.Logf("%s: %v", tc.name, err)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "apt-get install --reinstall sword-text-kjv") {
			t.Errorf("%s: Fetch verses = %q, %v; want an error containing %q and the reinstall command", tc.name, where, err, tc.want)
		}
	}
}

// remapModules builds two modules in the KJV layout holding Jonah 1:16 to 2:10 as RV1909 numbers it: KJV 1:17
// in slot 2:1, KJV 2:1-8 one slot later, KJV 2:9 and 2:10 together in slot 2:10.
func remapModules(t *testing.T) (en, es *ZText) {
	t.Helper()
	slots := kjvTestamentSlots()
	ref := map[string]KJVSlot{}
	for _, s := range KJVSlots() {
		ref[s.Ref.String()] = s
	}
	put := func(e *zTextEntries, verse, text string) {
		s := ref[verse]
		if e[s.Testament] == nil {
			e[s.Testament] = map[int]string{}
		}
		e[s.Testament][s.Slot] = text
	}
	var ee, se zTextEntries
	put(&ee, "Jonah 1:16", "Then the men feared the LORD exceedingly,")
	put(&se, "Jonah 1:16", "Y temieron aquellos hombres á Jehová con gran temor;")
	put(&ee, "Jonah 1:17", "¶ Now the LORD had prepared a great fish to swallow up Jonah.")
	put(&se, "Jonah 1:17", `<chapter eID="Jonah.1"/>`)
	put(&se, "Jonah 2:1", "MAS Jehová había prevenido un gran pez que tragase á Jonás:")
	put(&ee, "Jonah 2:1", "Then Jonah prayed unto the LORD his God out of the fish’s belly,")
	put(&se, "Jonah 2:2", "Y oró Jonás desde el vientre del pez á Jehová su Dios,")
	put(&ee, "Jonah 2:2", "And said, I cried by reason of mine affliction unto the LORD,")
	put(&se, "Jonah 2:3", "Y dijo: Clamé de mi tribulación á Jehová,")
	put(&ee, "Jonah 2:9", "But I will sacrifice unto thee with the voice of thanksgiving;")
	put(&ee, "Jonah 2:10", "And the LORD spake unto the fish, and it vomited out Jonah upon the dry land.")
	put(&se, "Jonah 2:10", "Yo empero con voz de alabanza te sacrificaré; Y mandó Jehová al pez, y vomitó á Jonás en tierra.")
	open := func(files map[string][]byte, dir string) *ZText {
		fsys := fstest.MapFS{}
		for k, v := range files {
			fsys[k] = &fstest.MapFile{Data: v}
		}
		z, err := OpenZText(fsys, dir)
		if err != nil {
			t.Fatal(err)
		}
		return z
	}
	return open(makeZText("en", slots, ee, 50), "en"), open(makeZText("es", slots, se, 50), "es")
}

func TestAlignVersesRemap(t *testing.T) {
	en, es := remapModules(t)
	jonah := func(c, v int) VerseRef { return VerseRef{"Jonah", "Jonah", c, v} }
	remap := []VerseRemap{{"Jonah 1:17", "Jonah 2:1"}, {"Jonah 2:1-8", "Jonah 2:2-9"}, {"Jonah 2:9-10", "Jonah 2:10"}}
	want := []VersePair{
		{jonah(1, 16), "Then the men feared the LORD exceedingly,", "Y temieron aquellos hombres á Jehová con gran temor;"},
		{jonah(1, 17), "Now the LORD had prepared a great fish to swallow up Jonah.", "MAS Jehová había prevenido un gran pez que tragase á Jonás:"},
		{jonah(2, 1), "Then Jonah prayed unto the LORD his God out of the fish’s belly,", "Y oró Jonás desde el vientre del pez á Jehová su Dios,"},
		{jonah(2, 2), "And said, I cried by reason of mine affliction unto the LORD,", "Y dijo: Clamé de mi tribulación á Jehová,"},
		{jonah(2, 9), "But I will sacrifice unto thee with the voice of thanksgiving; And the LORD spake unto the fish, and it vomited out Jonah upon the dry land.",
			"Yo empero con voz de alabanza te sacrificaré; Y mandó Jehová al pez, y vomitó á Jonás en tierra."},
	}
	got, err := AlignVerses(en, es, remap)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("remapped pairs:\n%v\nwant\n%v", got, want)
	}
	// Without the remap, slot by slot: every English verse but the first meets the wrong Spanish one.
	got, err = AlignVerses(en, es, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[1].Ref != jonah(2, 1) || !strings.HasPrefix(got[1].Target, "MAS Jehová") {
		t.Errorf("slot-by-slot pairs %v, want Jonah 2:1 paired with the fish of 1:17", got)
	}
	bad := []struct {
		remap []VerseRemap
		want  string
	}{
		{[]VerseRemap{{"Jonah 1:17", "Jonah 2:1"}}, "leaves KJV verse Jonah 2:1 paired with it"},
		{[]VerseRemap{{"Jonah 1:17", "Jonah 2:1"}, {"Jonah 2:1", "Jonah 2:1"}}, "target slot Jonah 2:1 is used twice"},
		{[]VerseRemap{{"Jonah 1:16-17", "Jonah 1:16"}, {"Jonah 1:17", "Jonah 1:17"}}, "KJV verse Jonah 1:17 is remapped twice"},
		{[]VerseRemap{{"Jonah 1:18", "Jonah 2:1"}}, `no such KJV verse Jonah 1:18`},
		{[]VerseRemap{{"Jonah 2:3-1", "Jonah 2:1"}}, "ends before it starts"},
		{[]VerseRemap{{"Mal 4:6-Matt 1:1", "Mal 4:6"}}, "no such KJV verse"},
		{[]VerseRemap{{"Jonah2:1", "Jonah 2:1"}}, "no space"},
	}
	for _, tc := range bad {
		if _, err := AlignVerses(en, es, tc.remap); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("remap %v: error %v, want one containing %q", tc.remap, err, tc.want)
		}
	}
}

// TestRV1909RemapIsConsistent checks the RV1909 table itself: every range names KJV verses, and no verse or
// slot is used twice.
func TestRV1909RemapIsConsistent(t *testing.T) {
	if _, err := remapGroups(KJVSlots(), RV1909Remap()); err != nil {
		t.Fatal(err)
	}
}

func TestSplitVersePairsRemovesCopies(t *testing.T) {
	// Distinct verses, except: Exod 6:1's English repeats one of Gen 1 (an exact copy, case and punctuation
	// aside), Exod 6:2's Spanish repeats one of Gen 1, and Exod 6:3's English is a near copy of one of Gen 2
	// (8 of its 9 trigrams are shared: Jaccard 8/10).
	var pairs []VersePair
	for _, s := range KJVSlots()[:2000] {
		pairs = append(pairs, VersePair{Ref: s.Ref, Source: "en " + s.Ref.String(), Target: "es " + s.Ref.String()})
	}
	at := map[string]int{}
	for i, p := range pairs {
		at[p.Ref.String()] = i
	}
	pairs[at["Gen 1:5"]].Source = "And the LORD spake unto Moses, saying,"
	pairs[at["Exod 6:1"]].Source = "and the Lord spake unto Moses saying"
	pairs[at["Gen 1:6"]].Target = "Y habló Jehová á Moisés, diciendo:"
	pairs[at["Exod 6:2"]].Target = "Y habló Jehová á Moisés, diciendo:"
	pairs[at["Gen 2:3"]].Source = "for I the LORD thy God am a jealous God visiting the iniquity"
	pairs[at["Exod 6:3"]].Source = "for I the LORD thy God am a jealous God visiting the sins"
	// Find a seed that puts Genesis 1-2 in training and Exodus 6 elsewhere.
	var seed uint64
	for ; ; seed++ {
		members, err := splitVerseChapters(pairs, seed, 0.5, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(members[0], at["Gen 1:5"]) && slices.Contains(members[0], at["Gen 2:3"]) && slices.Contains(members[1], at["Exod 6:1"]) {
			break
		}
	}
	before, _ := splitVerseChapters(pairs, seed, 0.5, 0.5)
	parts, err := SplitVersePairs(pairs, seed, 0.5, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	refs := func(ps []VersePair) map[string]bool {
		m := map[string]bool{}
		for _, p := range ps {
			m[p.Ref.String()] = true
		}
		return m
	}
	train, test := refs(parts[0]), refs(parts[1])
	for _, r := range []string{"Exod 6:1", "Exod 6:2"} {
		if train[r] || test[r] {
			t.Errorf("%s (an exact copy of a training verse) is still in a part", r)
		}
	}
	if !train["Exod 6:3"] || test["Exod 6:3"] {
		t.Errorf("Exod 6:3 (a near copy of Gen 2:3) is not moved to training")
	}
	if len(parts[0])+len(parts[1]) != len(pairs)-2 || len(parts[1]) != len(before[1])-3 {
		t.Errorf("parts of %d and %d pairs, want %d and %d", len(parts[0]), len(parts[1]), len(before[0])+1, len(before[1])-3)
	}
	if !slices.IsSortedFunc(parts[0], func(a, b VersePair) int { return at[a.Ref.String()] - at[b.Ref.String()] }) {
		t.Error("the training part is not in canonical order")
	}
}
