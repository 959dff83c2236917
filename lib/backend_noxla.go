//go:build noxla || !cgo || !((linux && amd64) || darwin)

package lib

import (
	"errors"

	"github.com/gomlx/gomlx/backends"
)

const xlaCompiledIn = false

func newXLA(*Plugin, map[string]any) (backends.Backend, error) {
	return nil, errors.New("XLA is not compiled into this build")
}

// InstallXLA is unavailable in this build: lossbook was built with -tags noxla or CGO_ENABLED=0.
func InstallXLA() error {
	return errors.New("XLA is not compiled into this build (built with -tags noxla or CGO_ENABLED=0); rebuild with cgo enabled and without noxla")
}

// pluginAPIVersion cannot load a plugin in this build: it reports no version.
func pluginAPIVersion(string) (major, minor int, ok bool, err error) { return 0, 0, false, nil }
