// Package lib gives every lossbook program and notebook its GoMLX backend, chosen once per process and named
// in one line: XLA when a PJRT plugin is installed, else GoMLX's pure-Go backend. Its sub-packages hold the
// data sets (lib/data), tokenizers (lib/tokenize) and models (lib/models).
//
//	backend := lib.MustBackend() // GOMLX_BACKEND, else an installed XLA plugin, else pure Go
//	fmt.Println(backend.Name())
//
// # Choosing the backend
//
// Backend picks, in this order:
//
//  1. $GOMLX_BACKEND, when set, checked by Resolve: "go" (run as "go:parallelism=-1"), "go:ops_sequential",
//     "go:parallelism=N", "xla", "xla:cpu", "xla:cuda" or "xla:/path/to/pjrt_c_api_NAME_plugin.so". Anything
//     else is an error listing these; an explicit XLA choice whose plugin is missing or unusable is an error,
//     never a silent fall-back to pure Go.
//  2. XLA, when a usable PJRT plugin is installed ($PJRT_PLUGIN_LIBRARY_PATH, else ~/.local/lib/go-xla and
//     /usr/local/lib/go-xla). Every plugin file is checked before it is loaded (CheckPlugin: an ELF shared
//     library of this architecture that exports GetPjrtApi, and the PJRT C API version it reports).
//  3. Otherwise GoMLX's pure-Go backend, as "go:parallelism=-1" (GoBackendConfig); when an installed plugin was
//     unusable, the backend line says why XLA was skipped.
//
// It says which in one line, e.g.
//
//	lossbook: backend xla:cpu (XLA/PJRT, plugin /home/me/.local/lib/go-xla/pjrt_c_api_cpu_plugin.so (PJRT C API 0.81)): PJRT plugin "cpu" is installed
//
// on stderr for a program, and once per kernel as ordinary output in a GoNB notebook. lossbook never downloads
// a plugin by itself: `lossbook xla install cpu` (InstallCPUPluginFromPyPI, or GoMLX's installer where GitHub
// answers) or LOSSBOOK_XLA_INSTALL=1 does it on request. Build with -tags noxla (or CGO_ENABLED=0) to leave XLA
// out entirely. docs/backends.md says which plugin wheel lossbook pins and why.
//
// # For contributors
//
// lib owns deciding which backend runs the graphs and saying so. It must not touch losses, optimizers or
// notebook display; those live in losses, training and nb, which import lib, never the reverse.
package lib
