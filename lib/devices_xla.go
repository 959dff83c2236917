//go:build !noxla && cgo && ((linux && amd64) || darwin)

package lib

import (
	"fmt"

	"github.com/gomlx/go-xla/pkg/pjrt"
	"github.com/gomlx/gomlx/backends"
)

// NewXLAWithDevices returns an XLA backend on the installed PJRT CPU plugin that exposes n devices, for
// data-parallel training on one machine (see docs/dataparallel.md).
//
// XLA's CPU plugin makes 4 devices unless the client is created with the option "cpu_device_count" (an int64):
// NewXLAWithDevices passes it, which a GOMLX_BACKEND string cannot. XLA_FLAGS=--xla_force_host_platform_device_count
// has no effect on the plugin. The plugin is found as GOMLX_BACKEND=xla:cpu finds it ($PJRT_PLUGIN_LIBRARY_PATH,
// else ~/.local/lib/go-xla), checked, and loaded by its path with shared host buffers, as Backend does.
//
// It returns an error if n < 1, if no usable CPU plugin is installed, or if the plugin refuses the option.
func NewXLAWithDevices(n int) (backends.Backend, error) {
	if n < 1 {
		return nil, fmt.Errorf("lib: NewXLAWithDevices: %d devices asked, want at least 1", n)
	}
	p, err := findPlugin("cpu")
	if err != nil {
		return nil, err
	}
	b, err := newXLA(p, pjrt.NamedValuesMap{"cpu_device_count": int64(n)})
	if err != nil {
		return nil, fmt.Errorf("lib: NewXLAWithDevices(%d) on %s: %w", n, p.Path, err)
	}
	if got := b.NumDevices(); got != n {
		b.Finalize()
		return nil, fmt.Errorf("lib: NewXLAWithDevices: plugin %s made %d devices, asked for %d (cpu_device_count ignored?)",
			p.Path, got, n)
	}
	return b, nil
}
