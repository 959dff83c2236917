//go:build noxla || !cgo || !((linux && amd64) || darwin)

package lib

import (
	"errors"

	"github.com/gomlx/gomlx/backends"
)

// NewXLAWithDevices is unavailable in this build: lossbook was built with -tags noxla or CGO_ENABLED=0.
func NewXLAWithDevices(int) (backends.Backend, error) {
	return nil, errors.New("lib: NewXLAWithDevices: XLA is not compiled into this build (built with -tags noxla or " +
		"CGO_ENABLED=0); rebuild with cgo enabled and without noxla")
}
