package data

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/ulikunitz/xz"
)

// makeTarGz builds an npm-style tarball: every file under "package/".
func makeTarGz(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range sortedKeys(files) {
		b := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: "package/" + name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(b)
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sri is npm's integrity string of b.
func sri(b []byte) string {
	s := sha512.Sum512(b)
	return "sha512-" + base64.StdEncoding.EncodeToString(s[:])
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// makeDeb builds a .deb: an ar archive with debian-binary, control.tar.xz and data.tar.xz holding files
// (paths relative to the root, e.g. "usr/share/sword/...").
// It panics on error (xz only fails on bad parameters), so that it can run outside a test.
func makeDeb(_ testing.TB, files map[string][]byte) []byte {
	tarXZ := func(files map[string][]byte) []byte {
		var buf bytes.Buffer
		xw, err := xz.NewWriter(&buf)
		if err != nil {
			panic(err)
		}
		tw := tar.NewWriter(xw)
		for _, name := range sortedKeys(files) {
			b := files[name]
			tw.WriteHeader(&tar.Header{Name: "./" + name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg})
			tw.Write(b)
		}
		tw.Close()
		xw.Close()
		return buf.Bytes()
	}
	var ar bytes.Buffer
	ar.WriteString("!<arch>\n")
	member := func(name string, b []byte) {
		fmt.Fprintf(&ar, "%-16s%-12d%-6d%-6d%-8s%-10d`\n", name, 0, 0, 0, "100644", len(b))
		ar.Write(b)
		if len(b)%2 == 1 {
			ar.WriteByte('\n')
		}
	}
	member("debian-binary", []byte("2.0\n"))
	member("control.tar.xz", tarXZ(map[string][]byte{"control": []byte("Package: fixture\n")}))
	member("data.tar.xz", tarXZ(files))
	return ar.Bytes()
}

// zTextEntries is a module's content: per testament, slot -> entry. Slots not given are empty.
type zTextEntries [2]map[int]string

// makeZText writes a zText module (files keyed by dir/ot.bzs etc.) with the given number of slots per
// testament, blockSize slots per compressed block.
func makeZText(dir string, slots [2]int, entries zTextEntries, blockSize int) map[string][]byte {
	files := map[string][]byte{}
	le := binary.LittleEndian
	for ti, name := range []string{"ot", "nt"} {
		if slots[ti] == 0 {
			continue
		}
		var bzs, bzv, bzz bytes.Buffer
		var block bytes.Buffer
		blockNo := uint32(0)
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		flush := func() {
			z.Reset()
			zw.Reset(&z)
			zw.Write(block.Bytes())
			zw.Close()
			binary.Write(&bzs, le, [3]uint32{uint32(bzz.Len()), uint32(z.Len()), uint32(block.Len())})
			bzz.Write(z.Bytes())
			block.Reset()
			blockNo++
		}
		for s := 0; s < slots[ti]; s++ {
			e := entries[ti][s]
			binary.Write(&bzv, le, uint32(blockNo))
			binary.Write(&bzv, le, uint32(block.Len()))
			binary.Write(&bzv, le, uint16(len(e)))
			block.WriteString(e)
			if (s+1)%blockSize == 0 {
				flush()
			}
		}
		flush()
		files[dir+"/"+name+".bzs"] = bzs.Bytes()
		files[dir+"/"+name+".bzv"] = bzv.Bytes()
		files[dir+"/"+name+".bzz"] = bzz.Bytes()
	}
	return files
}

// fakeServer is an npm registry and a Debian mirror on the loopback interface.
type fakeServer struct {
	*httptest.Server
	mu       sync.Mutex
	files    map[string][]byte // URL path -> body
	requests map[string]int
	// truncate, when set for a path, announces the full length but sends only half and closes.
	truncate map[string]bool
}

func newFakeServer(t testing.TB) *fakeServer {
	f := &fakeServer{files: map[string][]byte{}, requests: map[string]int{}, truncate: map[string]bool{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests[r.URL.EscapedPath()]++
		b, ok := f.files[r.URL.EscapedPath()]
		trunc := f.truncate[r.URL.EscapedPath()]
		f.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(b)))
		if trunc {
			w.Write(b[:len(b)/2])
			if hj, ok := w.(http.Hijacker); ok {
				w.(http.Flusher).Flush()
				conn, _, _ := hj.Hijack()
				conn.Close()
			}
			return
		}
		w.Write(b)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[path]
}

// publishNPM serves a package version's metadata and tarball, announcing integrity (normally sri(tgz)).
func (f *fakeServer) publishNPM(p NPMPackage, tgz []byte, integrity string) (metaPath, tgzPath string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	base := strings.TrimPrefix(p.Name, "@")
	tgzPath = "/" + p.Name + "/-/" + base[strings.LastIndex(base, "/")+1:] + "-" + p.Version + ".tgz"
	meta := map[string]any{"name": p.Name, "version": p.Version, "dist": map[string]string{"tarball": f.URL + tgzPath, "integrity": integrity}}
	b, _ := json.Marshal(meta)
	metaPath = strings.TrimPrefix(p.metadataURL(f.URL), f.URL)
	f.files[metaPath] = b
	f.files[tgzPath] = tgz
	return metaPath, tgzPath
}

func (f *fakeServer) publish(path string, b []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[path] = b
}

// testOptions points everything at f and at fresh temporary folders.
func testOptions(t testing.TB, f *fakeServer) Options {
	o := Options{CacheDir: t.TempDir(), SwordDir: t.TempDir(), Progress: io.Discard}
	if f != nil {
		o.NPMRegistry = f.URL
		o.DebianMirror = f.URL + "/debian"
		o.HTTPClient = f.Client()
	}
	return o
}

// cacheFiles lists every file under dir (relative paths), to check that nothing partial was left.
func cacheFiles(t testing.TB, dir string) []string {
	var out []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// wantEmptyCache fails the test if a failed fetch left any file in the cache dir.
func wantEmptyCache(t testing.TB, dir string) {
	t.Helper()
	if files := cacheFiles(t, dir); len(files) != 0 {
		t.Errorf("the failed fetch left %q in the cache", files)
	}
}
