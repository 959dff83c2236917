//go:build !noxla && cgo && linux && amd64

package lib

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/go-xla/pkg/installer"

	"github.com/lossbook/lossbook/lib/data"
)

// cudaPluginVersion is the JAX release whose CUDA 13 PJRT plugin InstallXLACUDA installs, with the NVIDIA
// libraries that release depends on. A plugin built against a much newer PJRT C API than go-xla's (0.83 in go-xla
// v0.1.4, released 2025-12-17) may refuse lossbook's calls, which is why this is pinned rather than "latest" as
// GoMLX's AutoInstall has it. JAX 0.8.1 (November 2025) predates go-xla v0.1.4.
const cudaPluginVersion = "0.8.1"

// CUDAPluginWheel pins JAX's CUDA 13 PJRT plugin wheel (linux/amd64) that InstallXLACUDA installs.
var CUDAPluginWheel = PluginWheel{
	Wheel: data.PyPIWheel{Name: "jax-cuda13-pjrt", Version: cudaPluginVersion,
		Filename: "jax_cuda13_pjrt-0.8.1-py3-none-manylinux_2_27_x86_64.whl",
		SHA256:   "86a6926da76aebf6080922747a7a98d321f4ca27101077357fa148032bc3cd1d", Size: 109341507},
	Member: "jax_plugins/xla_cuda13/xla_cuda_plugin.so",
}

// InstallXLACUDA installs JAX's CUDA 13 PJRT plugin into ~/.local/lib/go-xla/nvidia, whether or not a GPU is
// visible (a `docker build` never sees one): first the NVIDIA libraries that JAX 0.8.1 requires, through GoMLX's
// installer (from PyPI, each checked against the sha256 the index lists), then the plugin itself from the wheel
// pinned in CUDAPluginWheel (its sha256 pinned here; PIP_INDEX_URL chooses the index), extracted through a
// temporary file and checked. It needs the network; afterwards a machine with a GPU and no network runs
// xla:cuda.
func InstallXLACUDA() error {
	dir, err := PluginDir()
	if err != nil {
		return err
	}
	nvidia := filepath.Join(dir, "nvidia")
	if err := os.RemoveAll(nvidia); err != nil {
		return fmt.Errorf("lossbook: removing the previous CUDA install %s: %w", nvidia, err)
	}
	if err := os.MkdirAll(nvidia, 0o755); err != nil {
		return err
	}
	if err := installer.CudaInstallNvidiaLibraries("cuda13", cudaPluginVersion, nvidia, true, installer.Normal); err != nil {
		return fmt.Errorf("lossbook: installing the NVIDIA libraries of JAX %s: %w", cudaPluginVersion, err)
	}
	wheel, err := CUDAPluginWheel.Wheel.Fetch(context.Background(), data.Options{})
	if err != nil {
		return err
	}
	dst := filepath.Join(nvidia, "pjrt_c_api_cuda_plugin.so")
	if _, err := extractMember(wheel, CUDAPluginWheel.Member, dst); err != nil {
		return fmt.Errorf("lossbook: installing the CUDA plugin from %s: %w", CUDAPluginWheel.Wheel, err)
	}
	return nil
}
