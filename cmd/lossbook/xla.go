package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/data"
)

const xlaUsage = `usage: lossbook xla install [cpu|cuda] [--source pypi|github]

Installs an XLA PJRT plugin into ~/.local/lib/go-xla, where lossbook (and GoMLX) find it; lossbook then
chooses the XLA backend unless GOMLX_BACKEND says otherwise.

  cpu    the XLA CPU plugin (default)
  cuda   JAX's CUDA 13 PJRT plugin and the NVIDIA libraries it needs, from PyPI (GoMLX's installer)

Sources for cpu:
  pypi    OpenXLA's xla-cpu-pjrt wheel from a PyPI index, pinned by version and sha256 (PIP_INDEX_URL chooses
          the index; the wheel is cached with lossbook's data)
  github  GoMLX's own installer, from GitHub releases
The default is github where GitHub can be reached, else pypi.

Flags:
`

func init() {
	register("xla", command{
		summary: "xla install [cpu|cuda] [--source pypi|github]: install an XLA PJRT plugin (needs the network)",
		run:     runXLA,
	})
}

func runXLA(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("xla", flag.ContinueOnError)
	fs.SetOutput(stderr)
	source := fs.String("source", "", "where the CPU plugin comes from: pypi or github (default: github where reachable, else pypi)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), xlaUsage)
		fs.PrintDefaults()
	}
	if len(args) == 0 || args[0] != "install" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fs.SetOutput(stdout)
			fs.Usage()
			return nil
		}
		return errors.New("usage: lossbook xla install [cpu|cuda] [--source pypi|github]")
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return nil
		}
		return err
	}
	what := "cpu"
	switch rest := fs.Args(); {
	case len(rest) == 1 && (rest[0] == "cpu" || rest[0] == "cuda"):
		what = rest[0]
	case len(rest) > 0:
		return fmt.Errorf("unknown plugin %q: want cpu or cuda", rest)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if *source == "" {
		*source = "github"
		if err := reachGitHub(ctx); err != nil {
			fmt.Fprintf(stderr, "lossbook: GitHub cannot be reached (%v); installing from PyPI instead\n", err)
			*source = "pypi"
		}
	}
	if *source != "pypi" && *source != "github" {
		return fmt.Errorf("unknown --source %q: want pypi or github", *source)
	}
	switch {
	case what == "cuda":
		if err := lib.InstallXLACUDA(); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "lossbook: CUDA PJRT plugin installed")
	case *source == "pypi":
		path, err := lib.InstallCPUPluginFromPyPI(ctx, "", data.Options{Progress: stderr})
		if err != nil {
			return err
		}
		version, _ := lib.CheckPlugin(path)
		fmt.Fprintf(stdout, "lossbook: XLA CPU plugin (PJRT C API %s) installed at %s\n", version, path)
	default:
		if err := lib.InstallXLA(); err != nil {
			return fmt.Errorf("GoMLX's installer (GitHub releases) failed: %w; where GitHub cannot be reached, use --source pypi", err)
		}
		fmt.Fprintln(stdout, "lossbook: XLA CPU plugin installed from GitHub releases into ~/.local/lib/go-xla")
	}
	fmt.Fprintln(stdout, "lossbook will now choose the XLA backend; `lossbook backend` says which plugin it loads.")
	return nil
}

// reachGitHub checks within seconds whether GitHub's API answers, as GoMLX's installer needs it.
func reachGitHub(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, "https://api.github.com", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}
