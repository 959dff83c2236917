//go:build !noxla && cgo && ((linux && amd64) || darwin)

package lib

import (
	"github.com/gomlx/go-xla/pkg/pjrt"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/xla"
)

const xlaCompiledIn = true

func init() {
	// Never let GoMLX fetch a plugin behind the user's back: without internet it panics, and with it a
	// notebook cell silently downloads hundreds of megabytes. InstallXLA is the explicit opt-in.
	xla.EnableAutoInstall(false)
}

// newXLA creates an XLA backend on a checked plugin file, loaded by its path so that go-xla never searches (and
// never trips over) other files, with the plugin's client-create options (nil for its defaults). The CPU plugin
// shares host buffers, as GoMLX does for it by name.
func newXLA(p *Plugin, options pjrt.NamedValuesMap) (backends.Backend, error) {
	config := p.Path
	if p.Name == "cpu" {
		config += ",shared_buffers"
	}
	return xla.NewWithOptions(config, options)
}

// InstallXLA runs GoMLX's installer for the PJRT plugins (CPU, plus CUDA where a GPU is found) into the user's
// ~/.local/lib/go-xla. It needs internet access. It is never called implicitly: Backend calls it only when
// LOSSBOOK_XLA_INSTALL=1, and `lossbook xla install` calls it on request.
func InstallXLA() error {
	return xla.AutoInstall()
}
