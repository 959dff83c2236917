//go:build noxla || !cgo || !((linux && amd64) || darwin)

package lib

import "errors"

const xlaCompiledIn = false

func installedPJRTPlugin() string { return "" }

// InstallXLA is unavailable in this build: lossbook was built with -tags noxla or CGO_ENABLED=0.
func InstallXLA() error {
	return errors.New("XLA is not compiled into this build (built with -tags noxla or CGO_ENABLED=0); rebuild with cgo enabled and without noxla")
}
