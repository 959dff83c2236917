//go:build !noxla && cgo && ((linux && amd64) || darwin)

package lib

import (
	"github.com/gomlx/gomlx/backends/xla"
)

const xlaCompiledIn = true

func init() {
	// Never let GoMLX fetch a plugin behind the user's back: without internet it panics, and with it a
	// notebook cell silently downloads hundreds of megabytes. InstallXLA is the explicit opt-in.
	xla.EnableAutoInstall(false)
}

// installedPJRTPlugin returns the name of the preferred PJRT plugin already installed ("cuda", then "cpu"), or "".
func installedPJRTPlugin() string {
	if plugins := xla.GetAvailablePlugins(); len(plugins) > 0 {
		return plugins[0]
	}
	return ""
}

// InstallXLA runs GoMLX's installer for the PJRT plugins (CPU, plus CUDA where a GPU is found) into the user's
// ~/.local/lib/go-xla. It needs internet access. It is never called implicitly: Backend calls it only when
// LOSSBOOK_XLA_INSTALL=1, and `lossbook xla install` calls it on request.
func InstallXLA() error {
	return xla.AutoInstall()
}
