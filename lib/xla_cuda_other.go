//go:build noxla || !cgo || !(linux && amd64)

package lib

import (
	"errors"
	"runtime"
)

// InstallXLACUDA is unavailable in this build: GoMLX's CUDA plugin exists for linux/amd64 only, and needs XLA
// compiled in (cgo, without -tags noxla).
func InstallXLACUDA() error {
	return errors.New("the CUDA PJRT plugin needs linux/amd64 with XLA compiled in (cgo, without -tags noxla); this build is " +
		runtime.GOOS + "/" + runtime.GOARCH)
}
