package lib

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego" // the pure-Go backend, always available

	_ "github.com/lossbook/lossbook/lib/dotgrad" // matmul gradients that never build M x N x K (GoMLX v0.26.0's do)
)

// GoBackendConfig is the configuration lossbook gives GoMLX's pure-Go backend when it chooses it.
//
// GoMLX v0.26.0's pure-Go backend deadlocks in its default mode when several large matmuls run at once: its
// worker pool caps running tasks at twice the number of cores, and each matmul waits inside the pool for more
// workers. With parallelism=-1 the pool never blocks (each task gets its own goroutine), so it cannot deadlock;
// it also measured 1.23x faster than "go:ops_sequential", the other safe mode. TestNoDeadlock proves it.
const GoBackendConfig = "go:parallelism=-1"

// Env names the environment variables Backend reads.
const (
	EnvBackend    = backends.ConfigEnvVar  // "GOMLX_BACKEND": an explicit configuration wins.
	EnvXLAInstall = "LOSSBOOK_XLA_INSTALL" // "1": run GoMLX's PJRT installer before choosing (needs internet).
)

// Choice is the backend configuration that Backend takes and why.
type Choice struct {
	Config string  // GoMLX configuration string as the user reads it, e.g. "go:parallelism=-1" or "xla:cpu".
	Reason string  // One phrase that says why.
	Plugin *Plugin // The PJRT plugin file an XLA configuration runs on (nil for pure Go).
}

// String gives the one-line report that Backend writes to stderr.
func (c Choice) String() string {
	what := describe(c.Config)
	if c.Plugin != nil {
		what += ", plugin " + c.Plugin.Path
		if c.Plugin.Version != "" {
			what += " (PJRT C API " + c.Plugin.Version + ")"
		}
	}
	return fmt.Sprintf("lossbook: backend %s (%s): %s", c.Config, what, c.Reason)
}

func describe(config string) string {
	name, _, _ := strings.Cut(config, ":")
	switch name {
	case "go":
		return "pure Go"
	case "xla":
		return "XLA/PJRT"
	}
	return name
}

// ValidConfigs is what GOMLX_BACKEND and New accept, for error messages.
const ValidConfigs = `"go" (run as ` + GoBackendConfig + `), "go:ops_sequential", "go:parallelism=N", ` +
	`"xla" (the installed plugin), "xla:cpu", "xla:cuda", or "xla:/absolute/path/pjrt_c_api_NAME_plugin.so"`

// goOptions are the pure-Go backend's options in GoMLX v0.26.0 (backends/simplego), less its debugging ones.
var goOptions = []string{"parallelism", "ops_sequential", "ops_parallel", "dotgeneral_small", "dotgeneral_large"}

// Resolve checks a GoMLX configuration string and says what it runs on: for "go", the safe pure-Go mode
// (GoMLX's own default mode for "go" can deadlock, see GoBackendConfig); for "xla", the PJRT plugin file,
// found and checked with CheckPlugin. It returns an error naming what was wrong and the valid values: an
// unknown name, an unknown option, a missing or unusable plugin, or XLA in a build without it.
func Resolve(config string) (Choice, error) {
	bad := func(why string) (Choice, error) {
		return Choice{}, fmt.Errorf("lossbook: backend %q %s; valid: %s", config, why, ValidConfigs)
	}
	name, opts, _ := strings.Cut(config, ":")
	switch name {
	case "go":
		if opts == "" {
			return Choice{Config: GoBackendConfig, Reason: `"go" runs as ` + GoBackendConfig +
				" (GoMLX's default pure-Go mode can deadlock)"}, nil
		}
		for _, opt := range strings.Split(opts, ",") {
			key, value, hasValue := strings.Cut(opt, "=")
			switch {
			case !slices.Contains(goOptions, key):
				return bad(fmt.Sprintf("has an unknown pure-Go option %q (known: %s)", key, strings.Join(goOptions, ", ")))
			case key == "parallelism":
				if _, err := strconv.Atoi(value); err != nil {
					return bad(fmt.Sprintf("needs an integer in parallelism=N, got %q", value))
				}
			case hasValue:
				return bad(fmt.Sprintf("option %q takes no value", key))
			}
		}
		return Choice{Config: config}, nil
	case "xla":
		if !xlaCompiledIn {
			return Choice{}, fmt.Errorf("lossbook: backend %q: XLA is not compiled into this build (built with -tags "+
				"noxla or CGO_ENABLED=0); rebuild with cgo, or use \"go\"", config)
		}
		if strings.Contains(opts, ",") {
			return bad("takes no options after the plugin")
		}
		plugin, err := findPlugin(opts)
		if err != nil {
			return Choice{}, err
		}
		return Choice{Config: "xla:" + plugin.Name, Plugin: plugin}, nil
	case "":
		return bad("names no backend")
	}
	if strings.ToLower(strings.TrimSpace(name)) != name {
		return bad("is not a backend name (names are lower case, without spaces)")
	}
	return bad("names an unknown backend")
}

// findPlugin finds the plugin that an "xla:<what>" configuration names: an absolute path, a plugin name
// ("cpu", "cuda"), or "" for the preferred installed one (cuda where an NVIDIA GPU is present, then cpu).
func findPlugin(what string) (*Plugin, error) {
	if filepath.IsAbs(what) {
		p := &Plugin{Path: what, Name: cmp.Or(pluginName(filepath.Base(what)), filepath.Base(what))}
		if p.Version, p.Err = CheckPlugin(what); p.Err != nil {
			return nil, p.Err
		}
		return p, nil
	}
	found := FindPlugins()
	for _, name := range preferredPlugins(what) {
		for _, p := range found {
			if p.Name != name {
				continue
			}
			if p.Err != nil {
				return nil, p.Err
			}
			return &p, nil
		}
	}
	want := what
	if want == "" {
		want = "cpu or cuda"
	}
	return nil, fmt.Errorf("lossbook: no PJRT plugin %s is installed (searched %s); run `lossbook xla install %s`, "+
		"or set %s to the folder that holds pjrt_c_api_%s_plugin.so",
		want, strings.Join(pluginDirs(), ", "), cmp.Or(what, "cpu"), EnvPluginPath, cmp.Or(what, "cpu"))
}

// preferredPlugins lists the plugin names to look for: the one asked for, else cuda (with a GPU) then cpu.
func preferredPlugins(what string) []string {
	if what != "" {
		return []string{what}
	}
	if hasNvidiaGPU() {
		return []string{"cuda", "cpu"}
	}
	return []string{"cpu"}
}

// hasNvidiaGPU reports whether the NVIDIA driver shows a device.
func hasNvidiaGPU() bool {
	_, err := os.Stat("/dev/nvidia0")
	return err == nil
}

// Choose decides the backend configuration without creating it, from the environment and the plugins installed.
// An explicit GOMLX_BACKEND is checked (Resolve) and never replaced by another backend: a bad value or an
// unusable plugin is an error. Without it, an installed, usable XLA plugin is taken; one that is unusable is
// skipped, and the reason says why. It never downloads anything unless LOSSBOOK_XLA_INSTALL=1.
func Choose() (Choice, error) {
	if config := os.Getenv(EnvBackend); config != "" { // set but empty counts as unset
		c, err := Resolve(config)
		if err != nil {
			return Choice{}, fmt.Errorf("%w (from %s)", err, EnvBackend)
		}
		c.Reason = strings.TrimPrefix(c.Reason+"; "+EnvBackend+" is set", "; ")
		return c, nil
	}
	if os.Getenv(EnvXLAInstall) == "1" {
		if err := InstallXLA(); err != nil {
			return Choice{}, fmt.Errorf("lossbook: %s=1 but installing the XLA PJRT plugin failed: %w", EnvXLAInstall, err)
		}
	}
	reason := "GOMLX_BACKEND unset and no PJRT plugin installed"
	if !xlaCompiledIn {
		reason = "GOMLX_BACKEND unset and XLA not compiled in (noxla or CGO_ENABLED=0)"
	} else if p, err := findPlugin(""); err == nil {
		return Choice{Config: "xla:" + p.Name, Plugin: p, Reason: fmt.Sprintf("PJRT plugin %q is installed", p.Name)}, nil
	} else {
		var pe *PluginError
		if errors.As(err, &pe) {
			reason = "GOMLX_BACKEND unset and the installed PJRT plugin is unusable: XLA skipped because " + pe.Path + " " + pe.Reason
		}
	}
	return Choice{Config: GoBackendConfig, Reason: reason}, nil
}

var (
	backendOnce sync.Once
	backend     backends.Backend
	backendErr  error
)

// Backend returns the process-wide GoMLX backend, creating it at the first call (see the package doc for the
// order of choice) and saying in one line which it is and why (on stderr; in a notebook, once per kernel, as
// ordinary output). Later calls return the same one.
func Backend() (backends.Backend, error) {
	backendOnce.Do(func() {
		var choice Choice
		choice, backendErr = Choose()
		if backendErr != nil {
			return
		}
		backend, backendErr = newBackend(choice)
		if backendErr == nil {
			report(choice.String())
		}
	})
	return backend, backendErr
}

// EnvGoNBTmpDir is the variable GoNB sets, for every cell's program, to its kernel's temporary folder.
const EnvGoNBTmpDir = "GONB_TMP_DIR"

// report says which backend a process runs on: one line on stderr for a program; in a GoNB notebook, where
// every cell is a new process, once per kernel (and again only when the choice changes), as ordinary output.
func report(line string) {
	dir := os.Getenv(EnvGoNBTmpDir)
	if dir == "" {
		fmt.Fprintln(os.Stderr, line)
		return
	}
	marker := filepath.Join(dir, ".lossbook-backend")
	if said, err := os.ReadFile(marker); err == nil && string(said) == line {
		return
	}
	fmt.Println(line)
	_ = os.WriteFile(marker, []byte(line), 0o644)
}

// MustBackend is Backend for programs and notebooks that cannot go on without one: on error it writes the
// error's one line to stderr and exits with status 2 (a bad GOMLX_BACKEND, a missing or unusable plugin), rather
// than panicking with a goroutine dump.
func MustBackend() backends.Backend {
	b, err := Backend()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	return b
}

// New creates a backend from a GoMLX configuration string ("go", "go:parallelism=-1", "xla:cpu", ...), checked
// by Resolve. Unlike backends.NewWithConfig it returns an error, never panics, and it keeps the pure-Go
// backend's chatter ("parallelism set to ...", printed to stdout) out of the caller's output.
func New(config string) (backends.Backend, error) {
	c, err := Resolve(config)
	if err != nil {
		return nil, err
	}
	return newBackend(c)
}

// newBackend creates the backend of a resolved choice: an XLA choice loads its checked plugin file by path.
func newBackend(c Choice) (b backends.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("lossbook: creating backend %q: %v", c.Config, r)
		}
	}()
	if c.Plugin != nil {
		b, err = newXLA(c.Plugin, nil)
		if err != nil {
			return nil, fmt.Errorf("lossbook: creating backend %q from %s (PJRT C API %s; lossbook speaks %s): %w",
				c.Config, c.Plugin.Path, cmp.Or(c.Plugin.Version, "unknown"), PJRTAPIVersion, err)
		}
		return b, nil
	}
	restore := silenceStdout()
	defer restore()
	return backends.NewWithConfig(c.Config)
}

// silenceStdout sends os.Stdout to io.Discard-like /dev/null until the returned function is called. GoMLX's
// pure-Go backend prints its parallelism setting with fmt.Printf, which would end up in Example outputs and
// notebook cells.
func silenceStdout() (restore func()) {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return func() {}
	}
	saved := os.Stdout
	os.Stdout = devNull
	return func() {
		os.Stdout = saved
		_ = devNull.Close()
	}
}
