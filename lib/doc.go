// Package lib holds what every other part of lossbook shares at run time: the choice of the GoMLX backend
// (Backend), and, in its sub-packages, data sets (lib/data), tokenizers (lib/tokenize) and models (lib/models).
//
// It owns: deciding which backend runs the graphs and saying so in one line. It must not touch: losses,
// optimizers or notebook display; those live in losses, training and nb, which import lib, never the reverse.
//
// # Choosing the backend
//
// Backend picks, in this order:
//
//  1. $GOMLX_BACKEND, when set (e.g. "go", "go:ops_sequential", "xla:cpu", "xla:cuda").
//  2. XLA, when a PJRT plugin is already installed on the machine (searched in $PJRT_PLUGIN_LIBRARY_PATH,
//     /usr/local/lib/go-xla, ~/.local/lib/go-xla and the system library path). lossbook never downloads a plugin
//     by itself; set LOSSBOOK_XLA_INSTALL=1 (or run `lossbook xla install`) to run GoMLX's installer on purpose.
//  3. Otherwise GoMLX's pure-Go backend, configured as "go:parallelism=-1" (see GoBackendConfig).
//
// It writes one line to stderr, e.g.
//
//	lossbook: backend go:parallelism=-1 (pure Go): GOMLX_BACKEND unset and no PJRT plugin installed
//
// Build with -tags noxla (or CGO_ENABLED=0) to leave XLA out entirely; step 2 is then skipped.
package lib
