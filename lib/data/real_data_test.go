package data

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// realOptions returns Options for the tests that read the real data sets, or skips the test (saying why)
// when -short is set, or when sources is neither cached nor reachable.
func realOptions(t *testing.T, npm *NPMPackage, deb []SwordModule) Options {
	t.Helper()
	if testing.Short() {
		t.Skip("reads a real data set; skipped with -short")
	}
	opts := Options{Progress: testLog{t}}.resolved()
	need := false
	if npm != nil {
		p := filepath.Join(opts.CacheDir, filepath.FromSlash(npm.cacheRel()))
		if _, err := os.Stat(p); err != nil {
			need = true
		}
	}
	for _, m := range deb {
		if m.installedDir(opts) == "" {
			p := filepath.Join(opts.CacheDir, "deb", filepath.Base(m.Package.Filename))
			if _, err := os.Stat(p); err != nil {
				need = true
			}
		}
	}
	if !need {
		return opts
	}
	probe := opts.NPMRegistry
	if npm == nil {
		probe = opts.DebianMirror + "/"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodHead, probe, nil)
	resp, err := opts.HTTPClient.Do(req)
	if err != nil {
		t.Skipf("real data not cached in %s and %s unreachable (%v): skipping", opts.CacheDir, probe, err)
	}
	resp.Body.Close()
	return opts
}

// testLog sends download progress to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(string(b))
	return len(b), nil
}
