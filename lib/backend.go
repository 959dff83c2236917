package lib

import (
	"fmt"
	"os"
	"slices"
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
	Config string // GoMLX configuration string, e.g. "go:parallelism=-1" or "xla:cpu".
	Reason string // One phrase that says why.
}

// String gives the one-line report that Backend writes to stderr.
func (c Choice) String() string {
	return fmt.Sprintf("lossbook: backend %s (%s): %s", c.Config, describe(c.Config), c.Reason)
}

func describe(config string) string {
	name, _, _ := strings.Cut(config, ":")
	switch name {
	case "go":
		return "pure Go"
	case "xla", "stablehlo", "hlo", "shlo":
		return "XLA/PJRT"
	}
	return name
}

// Choose decides the backend configuration without creating it, from the environment and the plugins installed.
// It never downloads anything unless LOSSBOOK_XLA_INSTALL=1.
func Choose() (Choice, error) {
	if config, ok := os.LookupEnv(EnvBackend); ok && config != "" {
		return Choice{Config: config, Reason: EnvBackend + " is set"}, nil
	}
	if os.Getenv(EnvXLAInstall) == "1" {
		if err := InstallXLA(); err != nil {
			return Choice{}, fmt.Errorf("lossbook: %s=1 but installing the XLA PJRT plugin failed: %w", EnvXLAInstall, err)
		}
	}
	if plugin := installedPJRTPlugin(); plugin != "" {
		return Choice{Config: "xla:" + plugin, Reason: fmt.Sprintf("PJRT plugin %q is installed", plugin)}, nil
	}
	reason := "GOMLX_BACKEND unset and no PJRT plugin installed"
	if !xlaCompiledIn {
		reason = "GOMLX_BACKEND unset and XLA not compiled in (noxla or CGO_ENABLED=0)"
	}
	return Choice{Config: GoBackendConfig, Reason: reason}, nil
}

var (
	backendOnce sync.Once
	backend     backends.Backend
	backendErr  error
)

// Backend returns the process-wide GoMLX backend, creating it at the first call (see the package doc for the
// order of choice) and writing one line to stderr that names it and says why. Later calls return the same one.
func Backend() (backends.Backend, error) {
	backendOnce.Do(func() {
		var choice Choice
		choice, backendErr = Choose()
		if backendErr != nil {
			return
		}
		backend, backendErr = New(choice.Config)
		if backendErr == nil {
			fmt.Fprintln(os.Stderr, choice)
		}
	})
	return backend, backendErr
}

// MustBackend is Backend for programs and notebooks that cannot go on without one: it panics on error.
func MustBackend() backends.Backend {
	b, err := Backend()
	if err != nil {
		panic(err)
	}
	return b
}

// New creates a backend from a GoMLX configuration string ("go", "go:parallelism=-1", "xla:cpu", ...). Unlike
// backends.NewWithConfig it returns an error, never panics, for an unknown backend name, and it keeps the
// pure-Go backend's chatter ("parallelism set to ...", printed to stdout) out of the caller's output.
func New(config string) (b backends.Backend, err error) {
	name, _, _ := strings.Cut(config, ":")
	known := backends.List()
	if !slices.Contains(known, name) {
		return nil, fmt.Errorf("lossbook: unknown GoMLX backend %q in %q: compiled-in backends are %s",
			name, config, strings.Join(known, ", "))
	}
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("lossbook: creating backend %q: %v", config, r)
		}
	}()
	restore := silenceStdout()
	defer restore()
	return backends.NewWithConfig(config)
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
