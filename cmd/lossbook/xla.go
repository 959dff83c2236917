package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/data"
)

const xlaUsage = `Usage: lossbook xla install [cpu|cuda] [--source pypi|github]

Installs an XLA PJRT plugin into ~/.local/lib/go-xla, where lossbook (and GoMLX) find it; lossbook then
chooses the XLA backend unless GOMLX_BACKEND says otherwise.

  cpu    the XLA CPU plugin (default)
  cuda   JAX's CUDA 13 PJRT plugin and the NVIDIA libraries it needs, from PyPI (GoMLX's installer)

Sources for cpu:
  pypi    OpenXLA's xla-cpu-pjrt wheel from a PyPI index, pinned by version and sha256 (PIP_INDEX_URL chooses
          the index; the wheel is cached with lossbook's data)
  github  GoMLX's own installer, from GitHub releases
The default is github where GitHub can be reached, else pypi.`

func init() {
	register("xla", command{
		summary: "xla install [cpu|cuda] [--source pypi|github]: install an XLA PJRT plugin (needs the network)",
		run:     runXLA,
	})
}

func runXLA(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("xla")
	if err := parseParentFlags(fs, args, xlaUsage, stdout); err != nil {
		return err
	}
	switch args = fs.Args(); {
	case len(args) == 0:
		return usagef("xla", "needs a subcommand: install")
	case args[0] != "install":
		return usagef("xla", "unknown subcommand %q; valid: install", args[0])
	}
	fs = newFlags("xla install")
	source := fs.String("source", "", "where the CPU plugin comes from: pypi or github (default: github where reachable, else pypi)")
	// The plugin name may come before the flags, as the docs write it (`xla install cpu --source pypi`); Go's
	// flag parsing stops at the first argument that is not a flag, so that one goes last.
	rest := args[1:]
	if len(rest) > 1 && !strings.HasPrefix(rest[0], "-") && strings.HasPrefix(rest[1], "-") {
		rest = append(slices.Clone(rest[1:]), rest[0])
	}
	if err := parseFlags(fs, rest, xlaUsage, stdout); err != nil {
		return err
	}
	what := "cpu"
	switch rest := fs.Args(); {
	case len(rest) > 1:
		return usagef("xla install", "takes at most one argument, cpu or cuda; got %q", rest)
	case len(rest) == 1 && rest[0] != "cpu" && rest[0] != "cuda":
		return usagef("xla install", "unknown plugin %q; valid: cpu, cuda", rest[0])
	case len(rest) == 1:
		what = rest[0]
	}
	if *source != "" && *source != "pypi" && *source != "github" {
		return usagef("xla install", "unknown --source %q; valid: pypi, github", *source)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if what == "cuda" {
		if err := lib.InstallXLACUDA(); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "lossbook: CUDA PJRT plugin installed; lossbook will now choose the XLA backend where a GPU is found.")
		return nil
	}
	if *source == "" {
		*source = "github"
		if err := reachGitHub(ctx); err != nil {
			fmt.Fprintf(stderr, "lossbook: GitHub cannot be reached (%v); installing from PyPI instead\n", err)
			*source = "pypi"
		}
	}
	if *source == "pypi" {
		p, err := lib.InstallCPUPluginFromPyPI(ctx, "", data.Options{Progress: stderr})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "lossbook: XLA CPU plugin (PJRT C API %s) installed at %s\n", p.Version, p.Path)
	} else {
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
