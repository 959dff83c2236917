package data

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/ulikunitz/xz"
)

// DebianPackage pins one version of a Debian package that ships data. Installed, its files are read where
// dpkg put them; otherwise the .deb is fetched from a mirror's pool (SHA-256 checked, as in Debian's Packages
// index) and unpacked in Go.
type DebianPackage struct {
	Name     string // e.g. "sword-text-kjv"
	Version  string // e.g. "14.3-1"
	Filename string // path under the mirror, as in the Packages index: "pool/main/s/.../x_1_all.deb"
	SHA256   string // hex, as in the Packages index (apt-cache show NAME)
	Size     int64  // .deb size in bytes
}

func (p DebianPackage) String() string { return p.Name + "_" + p.Version }

// Fetch returns the path of the verified .deb in the cache, downloading it from opts.DebianMirror when it is
// missing or corrupt.
func (p DebianPackage) Fetch(ctx context.Context, opts Options) (string, error) {
	opts = opts.resolved()
	want, err := parseSHA256Hex(p.SHA256)
	if err != nil {
		return "", fmt.Errorf("data: Debian package %s: %w", p, err)
	}
	u := opts.DebianMirror + "/" + p.Filename
	resolve := func() (string, error) { return u, nil }
	f, err := cachedDownload(ctx, opts, resolve, path.Join("deb", path.Base(p.Filename)), want, p.Size, p.String()+".deb")
	if err != nil {
		var se *StatusError
		if errors.As(err, &se) && se.Status == 404 {
			return "", fmt.Errorf("data: Debian package %s is not installed and the mirror %s does not have it (%w); "+
				"install it with `apt-get install %s`, or set %s to a mirror that keeps %s",
				p, opts.DebianMirror, err, p.Name, EnvDebianMirror, p.Filename)
		}
		return "", fmt.Errorf("data: Debian package %s (not installed; `apt-get install %s` avoids the download): %w", p, p.Name, err)
	}
	return f, nil
}

// readDebData reads a .deb (an ar archive holding data.tar.xz, .gz or plain .tar) and returns the regular
// files under prefix (a path inside the package such as "usr/share/sword"), keyed by their path relative to
// prefix.
func readDebData(file, prefix string) (memFS, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	magic := make([]byte, 8)
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != "!<arch>\n" {
		return nil, fmt.Errorf("%s: not a .deb (ar archive magic missing)", file)
	}
	for {
		hdr := make([]byte, 60)
		if _, err := io.ReadFull(br, hdr); err != nil {
			if err == io.EOF {
				return nil, fmt.Errorf("%s: .deb has no data.tar member", file)
			}
			return nil, fmt.Errorf("%s: truncated ar header: %w", file, err)
		}
		if string(hdr[58:60]) != "`\n" {
			return nil, fmt.Errorf("%s: corrupt ar header %q", file, hdr)
		}
		name := strings.TrimSuffix(strings.TrimSpace(string(hdr[0:16])), "/")
		size, err := strconv.ParseInt(strings.TrimSpace(string(hdr[48:58])), 10, 64)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("%s: corrupt ar member size %q", file, hdr[48:58])
		}
		member := io.LimitReader(br, size)
		if strings.HasPrefix(name, "data.tar") {
			return readDataTar(file, name, member, prefix)
		}
		if _, err := io.Copy(io.Discard, member); err != nil {
			return nil, fmt.Errorf("%s: truncated ar member %s: %w", file, name, err)
		}
		if size%2 == 1 { // members are padded to an even offset
			if _, err := br.Discard(1); err != nil {
				return nil, fmt.Errorf("%s: truncated ar archive: %w", file, err)
			}
		}
	}
}

func readDataTar(file, name string, r io.Reader, prefix string) (memFS, error) {
	var tr io.Reader
	switch {
	case strings.HasSuffix(name, ".xz"):
		xr, err := xz.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", file, name, err)
		}
		tr = xr
	case strings.HasSuffix(name, ".gz"):
		gr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", file, name, err)
		}
		tr = gr
	case name == "data.tar":
		tr = r
	default:
		return nil, fmt.Errorf("%s: %s: compression not supported (want .xz, .gz or none)", file, name)
	}
	prefix = strings.Trim(prefix, "/") + "/"
	files := memFS{}
	t := tar.NewReader(tr)
	for {
		h, err := t.Next()
		if err == io.EOF {
			return files, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: corrupt %s: %w", file, name, err)
		}
		p := strings.TrimPrefix(path.Clean(strings.TrimPrefix(h.Name, "./")), "/")
		if h.Typeflag != tar.TypeReg || !strings.HasPrefix(p, prefix) {
			continue
		}
		b, err := io.ReadAll(t)
		if err != nil {
			return nil, fmt.Errorf("%s: corrupt %s at %s: %w", file, name, p, err)
		}
		files[strings.TrimPrefix(p, prefix)] = b
	}
}

// memFS is a read-only fs.FS over files held in memory, keyed by slash-separated paths.
type memFS map[string][]byte

var _ fs.ReadFileFS = memFS(nil)

func (m memFS) Open(name string) (fs.File, error) {
	b, ok := m[name]
	if !ok || !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{Reader: bytes.NewReader(b), name: path.Base(name), size: int64(len(b))}, nil
}

func (m memFS) ReadFile(name string) ([]byte, error) {
	b, ok := m[name]
	if !ok || !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	return bytes.Clone(b), nil
}

type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f, nil }
func (f *memFile) Close() error               { return nil }
func (f *memFile) Name() string               { return f.name }
func (f *memFile) Size() int64                { return f.size }
func (f *memFile) Mode() fs.FileMode          { return 0o444 }
func (f *memFile) ModTime() time.Time         { return time.Time{} }
func (f *memFile) IsDir() bool                { return false }
func (f *memFile) Sys() any                   { return nil }
