// Package kernel installs the "Go (lossbook)" Jupyter kernel: GoNB, built from tools/go.mod, with an
// environment under which `import "github.com/lossbook/lossbook/..."` resolves, in a notebook opened anywhere
// and offline, to the lossbook the kernel was installed from.
//
// How it holds together (the README's "The Go (lossbook) kernel" says the same for users):
//
//  1. Publish copies the working tree, as the go command would fetch it, into a folder laid out as a Go module
//     proxy (<module>/@v/list, <version>.info, .mod, .zip, and <module>/@latest), under a pseudo-version
//     v0.0.0-<UTC time>-<12 hex digits of the tree's hash>. The same tree always gets the same hash; an edit
//     gets a new version.
//  2. GoNB starts every kernel session with `go mod init` in a fresh folder. The kernel's PATH starts with a
//     small `go` script that runs the real go and, after that `go mod init` only, makes the new module require
//     the published version with `go get`, reading it from the kernel's proxy and every dependency from the
//     module cache (GOPROXY=file://<proxy>,off), with go.sum lines for lossbook and all its dependencies
//     written first. The session's imports of lossbook, GoMLX or GoNB's gonbui then resolve from the build
//     list, so the go command never asks any proxy about them, and GOPROXY=off or no network makes no
//     difference.
//
// Why not only the proxy first in GOPROXY, the module cache's download folder after it and the network last
// (which also resolves the imports offline): a session's module starts without a go.sum, so each dependency
// is checked against the checksum database, which offline works only where those lookups happen to be cached;
// a module cache filled by `go mod download` in the source tree (which checks against go.sum) has none. The
// go.sum lines written by the go script need no checksum database, the session is pinned to the version
// instead of whatever @latest answers, and the user's GOPROXY (off, a company proxy) is left as it is.
package kernel

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

// ModulePath is the module the kernel serves.
const ModulePath = "github.com/lossbook/lossbook"

// CellGoFlags is GOFLAGS in the kernel's environment, for the `go build` GoNB runs on every cell: Go's own
// linker (internal linking) without debug information. A cell's program links against GoMLX and the XLA
// bindings through cgo, so Go would otherwise hand the link to gcc with DWARF tables; on the 2-core development
// machine that made the link most of a cell's time. The cgo code of the XLA bindings uses only libc and dlopen,
// which Go's linker handles. Flags given in a cell (%goflags) override these.
const CellGoFlags = "'-ldflags=-s -w -linkmode=internal'"

// Tree is a snapshot of a lossbook source tree: the files that a published module holds, and their hashes.
type Tree struct {
	Dir    string            // the module root (holds go.mod)
	Files  map[string]string // slash-separated path relative to Dir -> hex SHA-256 of its content
	Hash   string            // hex SHA-256 over the sorted paths and their hashes
	Commit string            // git HEAD, when Dir is a git checkout ("" otherwise)
}

// ReadTree lists the files of the module rooted at dir and hashes them. In a git checkout the files are the
// tracked ones and the untracked ones git does not ignore (so bin/ and build/ are left out); elsewhere (a copy
// from the module cache, an unpacked archive) every file but those under .git, bin and build. Either way,
// files that a module zip cannot hold (nested modules such as tools/, vendor folders) are left out, as the go
// command leaves them out.
func ReadTree(dir string) (*Tree, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return nil, fmt.Errorf("kernel: %s is not lossbook's source tree: %w", dir, err)
	}
	if mp := modfile.ModulePath(data); mp != ModulePath {
		return nil, fmt.Errorf("kernel: %s/go.mod is module %q, want %s", dir, mp, ModulePath)
	}
	names, commit, err := listFiles(dir)
	if err != nil {
		return nil, err
	}
	// Keep only what a module zip may hold.
	files := make([]modzip.File, 0, len(names))
	for _, n := range names {
		files = append(files, dirFile{dir: dir, name: n})
	}
	cf, err := modzip.CheckFiles(files)
	if err != nil && len(cf.Valid) == 0 {
		return nil, fmt.Errorf("kernel: %s holds no file a module can publish: %w", dir, err)
	}
	t := &Tree{Dir: dir, Files: map[string]string{}, Commit: commit}
	for _, n := range cf.Valid {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n)))
		if err != nil {
			return nil, fmt.Errorf("kernel: %w", err)
		}
		sum := sha256.Sum256(b)
		t.Files[n] = hex.EncodeToString(sum[:])
	}
	t.Hash = hashFiles(t.Files)
	return t, nil
}

// listFiles returns the regular files of the tree at dir, sorted, and git's HEAD commit when it is a checkout.
func listFiles(dir string) (names []string, commit string, err error) {
	if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
		if git, err := exec.LookPath("git"); err == nil {
			out, err := exec.Command(git, "-C", dir, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
			if err != nil {
				return nil, "", fmt.Errorf("kernel: git ls-files in %s: %w", dir, err)
			}
			for n := range strings.SplitSeq(string(out), "\x00") {
				if n == "" {
					continue
				}
				// A tracked file deleted in the working tree is not part of it.
				if fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(n))); err == nil && fi.Mode().IsRegular() {
					names = append(names, n)
				}
			}
			if head, err := exec.Command(git, "-C", dir, "rev-parse", "HEAD").Output(); err == nil {
				commit = strings.TrimSpace(string(head))
			}
			slices.Sort(names)
			return slices.Compact(names), commit, nil
		}
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == ".git" || rel == "bin" || rel == "build" {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			names = append(names, rel)
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("kernel: listing %s: %w", dir, err)
	}
	slices.Sort(names)
	return names, "", nil
}

func hashFiles(files map[string]string) string {
	h := sha256.New()
	for _, n := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(h, "%s  %s\n", files[n], n)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Changed lists the files that differ between the published tree t and now (added, removed or edited), sorted.
func (t *Tree) Changed(now *Tree) []string {
	var out []string
	for n, h := range now.Files {
		if t.Files[n] != h {
			out = append(out, n)
		}
	}
	for n := range t.Files {
		if _, ok := now.Files[n]; !ok {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// Version is the pseudo-version under which the tree is published at time at: v0.0.0-<at, UTC>-<first 12 hex
// digits of the tree's hash>. Later publications sort after earlier ones.
func (t *Tree) Version(at time.Time) string {
	return module.PseudoVersion("v0", "", at.UTC(), t.Hash[:12])
}

// Published describes one version written into a proxy folder.
type Published struct {
	Version string    // the pseudo-version
	Time    time.Time // its .info time
	ZipHash string    // go.sum's h1: hash of the module zip
	ModHash string    // go.sum's h1: hash of its go.mod
}

// GoSumLines are the go.sum lines of the published version.
func (p Published) GoSumLines() string {
	return fmt.Sprintf("%s %s %s\n%s %s/go.mod %s\n", ModulePath, p.Version, p.ZipHash, ModulePath, p.Version, p.ModHash)
}

// Publish writes tree t as version v into proxyDir in the module proxy layout (GOPROXY=file://<proxyDir>
// serves it): <module>/@v/<v>.info, .mod and .zip, <module>/@v/list and <module>/@latest naming v. Versions
// already there stay (@v/list names them all), unless prune is true, which removes all but v. Every file is
// written to a temporary name, then renamed.
func Publish(t *Tree, proxyDir, v string, at time.Time, prune bool) (Published, error) {
	p := Published{Version: v, Time: at.UTC().Truncate(time.Second)}
	if !module.IsPseudoVersion(v) {
		return p, fmt.Errorf("kernel: %q is not a pseudo-version", v)
	}
	escaped, err := module.EscapePath(ModulePath)
	if err != nil {
		return p, err
	}
	vdir := filepath.Join(proxyDir, filepath.FromSlash(escaped), "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return p, fmt.Errorf("kernel: %w", err)
	}
	gomod, err := os.ReadFile(filepath.Join(t.Dir, "go.mod"))
	if err != nil {
		return p, fmt.Errorf("kernel: %w", err)
	}
	var zbuf bytes.Buffer
	files := make([]modzip.File, 0, len(t.Files))
	for _, n := range slices.Sorted(maps.Keys(t.Files)) {
		files = append(files, dirFile{dir: t.Dir, name: n})
	}
	if err := modzip.Create(&zbuf, module.Version{Path: ModulePath, Version: v}, files); err != nil {
		return p, fmt.Errorf("kernel: zipping %s: %w", t.Dir, err)
	}
	info, _ := json.Marshal(struct {
		Version string
		Time    time.Time
	}{v, p.Time})
	for _, f := range []struct {
		name string
		data []byte
	}{{v + ".mod", gomod}, {v + ".zip", zbuf.Bytes()}, {v + ".info", info}} {
		if err := writeFile(filepath.Join(vdir, f.name), f.data, 0o644); err != nil {
			return p, err
		}
	}
	if p.ZipHash, err = dirhash.HashZip(filepath.Join(vdir, v+".zip"), dirhash.Hash1); err != nil {
		return p, fmt.Errorf("kernel: %w", err)
	}
	if p.ModHash, err = dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(gomod)), nil
	}); err != nil {
		return p, fmt.Errorf("kernel: %w", err)
	}
	// @v/list: every version in the folder; with prune, only v.
	entries, err := os.ReadDir(vdir)
	if err != nil {
		return p, fmt.Errorf("kernel: %w", err)
	}
	var versions []string
	for _, e := range entries {
		old, ok := strings.CutSuffix(e.Name(), ".info")
		if !ok || old == v {
			continue
		}
		if prune {
			for _, ext := range []string{".info", ".mod", ".zip"} {
				if err := os.Remove(filepath.Join(vdir, old+ext)); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return p, fmt.Errorf("kernel: %w", err)
				}
			}
			continue
		}
		versions = append(versions, old)
	}
	versions = append(versions, v)
	slices.SortFunc(versions, func(a, b string) int { return strings.Compare(a, b) })
	if err := writeFile(filepath.Join(vdir, "list"), []byte(strings.Join(versions, "\n")+"\n"), 0o644); err != nil {
		return p, err
	}
	if err := writeFile(filepath.Join(filepath.Dir(vdir), "@latest"), info, 0o644); err != nil {
		return p, err
	}
	return p, nil
}

// dirFile is one file of a tree, for golang.org/x/mod/zip.
type dirFile struct{ dir, name string }

func (f dirFile) Path() string { return f.name }
func (f dirFile) Lstat() (os.FileInfo, error) {
	return os.Lstat(filepath.Join(f.dir, filepath.FromSlash(f.name)))
}
func (f dirFile) Open() (io.ReadCloser, error) {
	return os.Open(filepath.Join(f.dir, filepath.FromSlash(f.name)))
}

// writeFile writes data to a temporary file beside name, then renames it.
func writeFile(name string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+path.Base(filepath.ToSlash(name))+".tmp*")
	if err != nil {
		return fmt.Errorf("kernel: %w", err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), perm)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("kernel: writing %s: %w", name, err)
	}
	return nil
}
