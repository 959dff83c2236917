package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
)

// PyPIWheel pins one wheel file of a PyPI package by name, version, file name and sha256, the way pip's
// --require-hashes does: the index must list that file with that hash, and the downloaded bytes must hash to
// it, on every download and every use of the cached copy. lossbook uses it to fetch binaries that ship inside
// wheels (a PJRT plugin); it never runs Python.
type PyPIWheel struct {
	Name     string // project name as on PyPI, e.g. "xla-cpu-pjrt"
	Version  string // e.g. "0.0.1"
	Filename string // the wheel's file name, e.g. "xla_cpu_pjrt-0.0.1-py3-none-manylinux_2_27_x86_64.whl"
	SHA256   string // hex, as the index lists it (pip hash FILE, or the index's "hashes" entry)
	Size     int64  // bytes, for progress reports (0 if unknown)
}

func (w PyPIWheel) String() string { return w.Name + "==" + w.Version + " (" + w.Filename + ")" }

// normalizedName is PEP 503's normalised project name, the folder of the simple index.
func (w PyPIWheel) normalizedName() string {
	return strings.ToLower(regexp.MustCompile(`[-_.]+`).ReplaceAllString(w.Name, "-"))
}

// Fetch returns the path of the verified wheel in the cache, downloading it when it is missing or corrupt. The
// file's URL comes from the index's simple API (PEP 691 JSON, or PEP 503 HTML from a mirror that only serves
// that), which must list the pinned file with the pinned sha256.
func (w PyPIWheel) Fetch(ctx context.Context, opts Options) (string, error) {
	opts = opts.resolved()
	want, err := parseSHA256Hex(w.SHA256)
	if err != nil {
		return "", fmt.Errorf("data: PyPI wheel %s: %w", w, err)
	}
	resolve := func() (string, error) { return w.resolve(ctx, opts) }
	f, err := cachedDownload(ctx, opts, resolve, path.Join("pypi", w.Filename), want, w.Size, w.Filename)
	if err != nil {
		return "", fmt.Errorf("data: PyPI wheel %s: %w", w, err)
	}
	return f, nil
}

// simpleFile is one file of a project in the simple API's JSON form.
type simpleFile struct {
	Filename string            `json:"filename"`
	URL      string            `json:"url"`
	Hashes   map[string]string `json:"hashes"`
}

// hrefRE finds the links of a PEP 503 HTML page: <a href="URL#sha256=HEX">FILENAME</a>.
var hrefRE = regexp.MustCompile(`(?is)<a\s[^>]*href="([^"]+)"[^>]*>\s*([^<]+?)\s*</a>`)

// resolve asks the index for the wheel's URL and checks that it announces the pinned hash.
func (w PyPIWheel) resolve(ctx context.Context, opts Options) (string, error) {
	index := opts.PyPIIndex + "/" + w.normalizedName() + "/"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, index, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/vnd.pypi.simple.v1+json, text/html;q=0.1")
	resp, err := opts.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", &OfflineError{URL: index, Err: err, Hint: fmt.Sprintf(
			"lossbook fetches wheels from the PyPI index %s (set %s to a mirror's simple index)", opts.PyPIIndex, EnvPyPIIndex)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		se := &StatusError{URL: index, Status: resp.StatusCode}
		if resp.StatusCode == http.StatusNotFound {
			return "", fmt.Errorf("the index %s has no project %s (set %s to an index that has it): %w",
				opts.PyPIIndex, w.Name, EnvPyPIIndex, se)
		}
		return "", se
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", index, err)
	}
	files, err := parseSimpleIndex(body, resp.Header.Get("Content-Type"))
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", index, err)
	}
	for _, f := range files {
		if f.Filename != w.Filename {
			continue
		}
		if got := strings.ToLower(f.Hashes["sha256"]); got != strings.ToLower(w.SHA256) {
			return "", fmt.Errorf("the index %s lists %s with sha256 %q, but lossbook pins %s",
				opts.PyPIIndex, w.Filename, got, w.SHA256)
		}
		u, err := url.Parse(f.URL)
		if err != nil {
			return "", fmt.Errorf("the index %s gives a bad URL %q for %s: %w", opts.PyPIIndex, f.URL, w.Filename, err)
		}
		base, _ := url.Parse(index)
		u = base.ResolveReference(u)
		u.Fragment = ""
		return u.String(), nil
	}
	return "", fmt.Errorf("the index %s does not list %s for %s (set %s to an index that has it)",
		opts.PyPIIndex, w.Filename, w.Name, EnvPyPIIndex)
}

// parseSimpleIndex reads a project page of the simple API, in its JSON (PEP 691) or HTML (PEP 503) form.
func parseSimpleIndex(body []byte, contentType string) ([]simpleFile, error) {
	if strings.Contains(contentType, "json") {
		var page struct {
			Files []simpleFile `json:"files"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return nil, err
		}
		return page.Files, nil
	}
	var files []simpleFile
	for _, m := range hrefRE.FindAllSubmatch(body, -1) {
		href := html.UnescapeString(string(m[1]))
		f := simpleFile{Filename: html.UnescapeString(string(m[2])), URL: href, Hashes: map[string]string{}}
		if _, frag, ok := strings.Cut(href, "#"); ok {
			if algo, sum, ok := strings.Cut(frag, "="); ok {
				f.Hashes[algo] = sum
			}
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, errors.New("no files listed (neither PEP 691 JSON nor PEP 503 HTML links)")
	}
	return files, nil
}
