//go:build !noxla && cgo && linux && amd64

package lib

import (
	"path/filepath"

	"github.com/gomlx/go-xla/pkg/installer"
)

// cudaPluginVersion is the JAX release whose CUDA 13 PJRT plugin InstallXLACUDA installs (from pypi.org, with
// the NVIDIA libraries that release depends on). A plugin built against a newer PJRT C API than go-xla's (0.83
// in go-xla v0.1.4, released 2025-12-17) refuses to load, which is why this is pinned rather than "latest" as
// GoMLX's AutoInstall has it. JAX 0.8.1 (November 2025) predates go-xla v0.1.4.
const cudaPluginVersion = "0.8.1"

// InstallXLACUDA installs GoMLX's CUDA PJRT plugin (JAX's cuda13 plugin, version pinned in this package) into the
// user's ~/.local/lib/go-xla, whether or not a GPU is visible: InstallXLA installs CUDA only where it finds
// one, which a `docker build` never does. It needs internet access (pypi.org).
func InstallXLACUDA() error {
	dir, err := installer.DefaultHomeLibPath()
	if err != nil {
		return err
	}
	return installer.CudaInstall("cuda13", cudaPluginVersion, filepath.Join(dir, "go-xla"), true, installer.Normal)
}
