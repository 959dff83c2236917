package lib

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
)

// PJRTAPIVersion is the PJRT C API version that lossbook speaks: the header of github.com/gomlx/go-xla v0.1.4,
// which GoMLX v0.26.0 uses. A plugin built from a much newer XLA may reject calls whose argument structs have
// grown since; one built from an older XLA lacks functions added since (see docs/backends.md).
const PJRTAPIVersion = "0.83"

// EnvPluginPath is go-xla's variable naming the folders (":"-separated) searched for PJRT plugins.
const EnvPluginPath = "PJRT_PLUGIN_LIBRARY_PATH"

// Plugin describes one PJRT plugin file found on disk.
type Plugin struct {
	Name    string // "cpu", "cuda", ...: from the file name pjrt_c_api_<name>_plugin.so
	Path    string // absolute path
	Version string // the PJRT C API version the plugin reports ("0.81"), where it could be read
	Err     error  // why the file cannot be used, or nil
}

// PluginError says why a PJRT plugin file cannot be used, and what to do.
type PluginError struct {
	Path   string
	Reason string
}

func (e *PluginError) Error() string {
	return fmt.Sprintf("lossbook: PJRT plugin %s %s (lossbook speaks PJRT C API %s); "+
		"run `lossbook xla install cpu` to install the tested plugin, or remove the file", e.Path, e.Reason, PJRTAPIVersion)
}

// pluginDirs lists the folders searched for PJRT plugins, in go-xla v0.1.4's order: $PJRT_PLUGIN_LIBRARY_PATH
// when set; else ~/.local/lib/go-xla (and its nvidia/ folder, where the CUDA plugin goes), ~/.local/lib/gomlx/pjrt,
// the same under /usr/local/lib, then the folders of $LD_LIBRARY_PATH. (go-xla also reads /etc/ld.so.conf's
// system folders, where no installer puts a plugin; lossbook does not search them.)
func pluginDirs() []string {
	if paths, ok := os.LookupEnv(EnvPluginPath); ok {
		return slices.DeleteFunc(strings.Split(paths, ":"), func(p string) bool { return p == "" })
	}
	var dirs []string
	if home, err := os.UserHomeDir(); err == nil {
		goxla := filepath.Join(home, ".local", "lib", "go-xla")
		dirs = append(dirs, goxla, filepath.Join(goxla, "nvidia"), filepath.Join(home, ".local", "lib", "gomlx", "pjrt"))
	}
	dirs = append(dirs, "/usr/local/lib/go-xla", "/usr/local/lib/go-xla/nvidia", "/usr/local/lib/gomlx/pjrt")
	for _, p := range strings.Split(os.Getenv("LD_LIBRARY_PATH"), ":") {
		if filepath.IsAbs(p) {
			dirs = append(dirs, p)
		}
	}
	return dirs
}

// pluginFileRE matches the file names go-xla takes as PJRT plugins, capturing the plugin's name.
var pluginFileRE = regexp.MustCompile(`^(?:pjrt_c_api_(.+)_plugin|pjrt[-_]plugin[-_](.+))\.so$`)

// pluginName is the plugin name in a plugin file's name ("cpu" for pjrt_c_api_cpu_plugin.so), or "" when the
// name is not a plugin's.
func pluginName(file string) string {
	if m := pluginFileRE.FindStringSubmatch(file); m != nil {
		return m[1] + m[2]
	}
	return ""
}

// FindPlugins lists the PJRT plugin files in the searched folders (named pjrt_c_api_<name>_plugin.so, or
// pjrt_plugin_<name>.so as go-xla also accepts), the first of each name only (as go-xla takes it), each checked
// with CheckPlugin.
func FindPlugins() []Plugin {
	var found []Plugin
	seen := map[string]bool{}
	for _, dir := range pluginDirs() {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			name := pluginName(e.Name())
			if name == "" || seen[name] {
				continue
			}
			seen[name] = true
			abs, _ := filepath.Abs(filepath.Join(dir, e.Name()))
			p := Plugin{Name: name, Path: abs}
			p.Version, p.Err = CheckPlugin(abs)
			found = append(found, p)
		}
	}
	return found
}

// elfMachine is the ELF machine of this process's architecture.
var elfMachine = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// CheckPlugin checks that path is a PJRT plugin this process can load: a shared library of this architecture
// that exports GetPjrtApi and reports a PJRT C API version lossbook can speak. It returns the version reported
// ("" where XLA is not compiled in), or a *PluginError that says what is wrong. It reads the file's headers
// before loading it, so a corrupt file or one of another architecture is refused without being loaded.
func CheckPlugin(path string) (version string, err error) {
	fail := func(format string, args ...any) (string, error) {
		return version, &PluginError{Path: path, Reason: fmt.Sprintf(format, args...)}
	}
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fail("does not exist")
		}
		return fail("cannot be read: %v", err)
	}
	if !st.Mode().IsRegular() {
		return fail("is not a regular file")
	}
	f, err := elf.Open(path)
	if err != nil {
		return fail("is not a shared library (ELF): %v", err)
	}
	defer f.Close()
	if want, ok := elfMachine[runtime.GOARCH]; ok && f.Machine != want {
		return fail("is built for %s, but this program runs on %s (%s)", f.Machine, runtime.GOARCH, want)
	}
	if f.Type != elf.ET_DYN {
		return fail("is an ELF %s, not a shared library", f.Type)
	}
	syms, err := f.DynamicSymbols()
	if err != nil {
		return fail("has no dynamic symbol table: %v", err)
	}
	if !slices.ContainsFunc(syms, func(s elf.Symbol) bool {
		return s.Name == "GetPjrtApi" && s.Section != elf.SHN_UNDEF
	}) {
		return fail("does not export GetPjrtApi: it is not a PJRT plugin")
	}
	major, minor, ok, err := pluginAPIVersion(path)
	if err != nil {
		return fail("could not be loaded: %v", err)
	}
	if !ok {
		return "", nil
	}
	version = fmt.Sprintf("%d.%d", major, minor)
	if major != 0 {
		return fail("reports PJRT C API %s, a major version lossbook cannot speak", version)
	}
	return version, nil
}
