package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/lossbook/lossbook/internal/kernel"
	"golang.org/x/mod/modfile"
)

const kernelUsage = `Usage: lossbook kernel install|update|status|uninstall [flags]

Manages the "Go (lossbook)" Jupyter kernel: GoNB (built from tools/go.mod) under which a notebook opened in
any folder imports github.com/lossbook/lossbook/... with no set-up cell, offline, as the lossbook it was
installed from. The source tree is published as a pseudo-version into a module proxy folder in the kernel's
own folder; each kernel session's module requires that version, from the module cache (see the README,
"The Go (lossbook) kernel").

  install    build the tools, publish the source tree, write the kernel spec (again, if installed)
  update     publish the source tree again if it changed since (what make kernel runs)
  status     the version the kernel serves, and whether the source tree has moved past it
  uninstall  remove the kernel and the versions it published from the module cache

Run lossbook kernel <subcommand> -h for the subcommand's flags.`

const kernelInstallUsage = `Usage: lossbook kernel install [--name lossbook] [--user|--sys-prefix] [--source DIR]

Builds GoNB, gopls and goimports from DIR/tools/go.mod into the kernel's folder, publishes DIR (default: the
lossbook source tree holding the current folder) as a pseudo-version, and writes the kernel spec "Go (NAME)"
into the user's Jupyter data folder (--user, the default) or the one of Jupyter's Python (--sys-prefix).
The first install needs the network if DIR's dependencies are not in the module cache yet.`

const kernelUpdateUsage = `Usage: lossbook kernel update [--name lossbook] [--user|--sys-prefix] [--source DIR]

Publishes the source tree again (DIR, default the one the kernel was installed from) if it changed since the
version the kernel serves, and rebuilds GoNB if tools/go.mod or tools/go.sum changed. Kernel sessions started
afterwards use the new version; running ones keep theirs.`

const kernelStatusUsage = `Usage: lossbook kernel status [--name lossbook] [--user|--sys-prefix] [--source DIR] [--json]

Says which version of lossbook the kernel serves, from which source tree and commit, and whether that tree
(or DIR) has moved past it, naming the files that changed.`

const kernelUninstallUsage = `Usage: lossbook kernel uninstall [--name lossbook] [--user|--sys-prefix]

Removes the kernel's folder (spec, tools, published versions) and the versions it published from the module
cache. The GoNB kernel "gonb", if installed, is left alone.`

func init() {
	register("kernel", command{
		summary: `kernel install|update|status|uninstall: the "Go (lossbook)" Jupyter kernel (no set-up cell)`,
		run:     runKernel,
	})
}

// kernelFlags are the flags every kernel subcommand shares.
type kernelFlags struct {
	name, source    string
	user, sysPrefix bool
	json            bool
}

func runKernel(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("kernel")
	if err := parseParentFlags(fs, args, kernelUsage, stdout); err != nil {
		return err
	}
	args = fs.Args()
	if len(args) == 0 {
		return usagef("kernel", "needs a subcommand: install, update, status or uninstall")
	}
	sub := args[0]
	usage := map[string]string{"install": kernelInstallUsage, "update": kernelUpdateUsage,
		"status": kernelStatusUsage, "uninstall": kernelUninstallUsage}[sub]
	if usage == "" {
		return usagef("kernel", "unknown subcommand %q; valid: install, update, status, uninstall", sub)
	}
	cmd := "kernel " + sub
	fs = newFlags(cmd)
	var kf kernelFlags
	fs.StringVar(&kf.name, "name", kernel.DefaultName, "the kernel's name; Jupyter shows it as \"Go (NAME)\"")
	fs.BoolVar(&kf.user, "user", false, "the user's Jupyter data folder (install's default; the others look there first)")
	fs.BoolVar(&kf.sysPrefix, "sys-prefix", false, "the Jupyter data folder of the Python that runs jupyter (sys.prefix/share/jupyter)")
	if sub != "uninstall" {
		fs.StringVar(&kf.source, "source", "", "lossbook's source tree (default: "+map[bool]string{true: "the one holding the current folder", false: "the kernel's own"}[sub == "install"]+")")
	}
	if sub == "status" {
		fs.BoolVar(&kf.json, "json", false, "print the status as JSON")
	}
	if err := parseFlags(fs, args[1:], usage, stdout); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef(cmd, "takes no arguments, got %q", fs.Args())
	}
	if kf.user && kf.sysPrefix {
		return usagef(cmd, "--user and --sys-prefix exclude each other")
	}
	if err := kernel.CheckName(kf.name); err != nil {
		return usagef(cmd, "--name: %s", strings.TrimPrefix(err.Error(), "kernel: "))
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	switch sub {
	case "install":
		return kernelInstall(ctx, kf, stdout, stderr)
	case "update":
		return kernelUpdate(ctx, kf, stdout, stderr)
	case "status":
		return kernelStatus(kf, stdout)
	}
	return kernelUninstall(kf, stdout)
}

func kernelInstall(ctx context.Context, kf kernelFlags, stdout, stderr io.Writer) error {
	dataDir, err := kernel.UserDataDir()
	if kf.sysPrefix {
		dataDir, err = kernel.SysPrefixDataDir()
	}
	if err != nil {
		return err
	}
	src := kf.source
	if src == "" {
		if src, err = findSource(); err != nil {
			return err
		}
	}
	s, err := kernel.Install(ctx, kernel.Options{Name: kf.name, DataDir: dataDir, Source: src, Log: stderr, Tools: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "lossbook: kernel %q (%s) installed in %s, serving %s %s from %s (%.1f s)\n",
		s.Name, kernel.DisplayName(s.Name), kernel.SpecDir(dataDir, s.Name), kernel.ModulePath, s.Version, s.Source, s.InstallDur)
	return nil
}

func kernelUpdate(ctx context.Context, kf kernelFlags, stdout, stderr io.Writer) error {
	specDir, err := findKernel(kf)
	if err != nil {
		return err
	}
	old, err := kernel.ReadState(specDir)
	if err != nil {
		return err
	}
	src := kf.source
	if src != "" {
		if src, err = filepath.Abs(src); err != nil {
			return err
		}
	}
	s, changed, err := kernel.Update(ctx, kernel.Options{Name: kf.name, DataDir: filepath.Dir(filepath.Dir(specDir)),
		Source: src, Log: stderr, Tools: true})
	if err != nil {
		return err
	}
	if !changed {
		fmt.Fprintf(stdout, "lossbook: kernel %q is up to date: it serves %s of %s\n", s.Name, s.Version, s.Source)
		return nil
	}
	fmt.Fprintf(stdout, "lossbook: kernel %q now serves %s of %s (was %s; %.1f s)\n", s.Name, s.Version, s.Source, old.Version, s.InstallDur)
	return nil
}

func kernelStatus(kf kernelFlags, stdout io.Writer) error {
	specDir, err := findKernel(kf)
	if err != nil {
		return err
	}
	src := kf.source
	if src != "" {
		if src, err = filepath.Abs(src); err != nil {
			return err
		}
	}
	st, err := kernel.GetStatus(specDir, src)
	if err != nil {
		return err
	}
	s := st.State
	if src == "" {
		src = s.Source
	}
	if kf.json {
		out := map[string]any{"name": s.Name, "display_name": kernel.DisplayName(s.Name), "dir": specDir,
			"version": s.Version, "published": s.Published, "source": src, "commit": s.Commit,
			"up_to_date": st.UpToDate(), "changed": st.Changed, "tools_changed": st.ToolsChanged, "in_module_cache": st.InModCache}
		if st.SourceErr != nil {
			out["source_error"] = st.SourceErr.Error()
		}
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	commit := ""
	if s.Commit != "" {
		commit = ", git " + s.Commit[:min(12, len(s.Commit))]
	}
	fmt.Fprintf(stdout, "kernel %q (%s) in %s\n", s.Name, kernel.DisplayName(s.Name), specDir)
	fmt.Fprintf(stdout, "serves %s %s, published %s from %s%s\n", kernel.ModulePath, s.Version,
		s.Published.UTC().Format("2006-01-02 15:04:05 UTC"), s.Source, commit)
	if !st.InModCache {
		fmt.Fprintln(stdout, "the version is not in the module cache: the next kernel session fetches it from the kernel's folder")
	}
	switch {
	case st.SourceErr != nil:
		fmt.Fprintf(stdout, "source %s cannot be read: %v\n", src, st.SourceErr)
	case len(st.Changed) > 0:
		shown := st.Changed[:min(5, len(st.Changed))]
		more := ""
		if len(st.Changed) > len(shown) {
			more = fmt.Sprintf(", and %d more", len(st.Changed)-len(shown))
		}
		fmt.Fprintf(stdout, "source %s has moved past it: %d files differ (%s%s); run lossbook kernel update\n",
			src, len(st.Changed), strings.Join(shown, ", "), more)
	default:
		fmt.Fprintf(stdout, "source %s: up to date\n", src)
	}
	if st.ToolsChanged {
		fmt.Fprintln(stdout, "tools/go.mod or tools/go.sum changed since GoNB was built; run lossbook kernel update")
	}
	return nil
}

func kernelUninstall(kf kernelFlags, stdout io.Writer) error {
	specDir, err := findKernel(kf)
	if err != nil {
		return err
	}
	if err := kernel.Uninstall(specDir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "lossbook: kernel %q removed from %s\n", kf.name, specDir)
	return nil
}

// findKernel finds an installed kernel's folder: in the Jupyter data folder the flags name, else in the user's,
// then in the one of Jupyter's Python.
func findKernel(kf kernelFlags) (string, error) {
	var dirs []string
	var errs []error
	for _, f := range []struct {
		on  bool
		get func() (string, error)
	}{{kf.user || !kf.sysPrefix, kernel.UserDataDir}, {kf.sysPrefix || !kf.user, kernel.SysPrefixDataDir}} {
		if !f.on {
			continue
		}
		d, err := f.get()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		spec := kernel.SpecDir(d, kf.name)
		if _, err := os.Stat(filepath.Join(spec, kernel.StateFile)); err == nil {
			return spec, nil
		}
		dirs = append(dirs, spec)
	}
	if len(dirs) == 0 {
		return "", errors.Join(errs...)
	}
	return "", fmt.Errorf("no lossbook kernel %q installed (looked in %s); run lossbook kernel install", kf.name, strings.Join(dirs, ", "))
}

// findSource is the lossbook source tree holding the current folder: the nearest folder upwards whose go.mod
// is lossbook's module.
func findSource() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && modfile.ModulePath(b) == kernel.ModulePath {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%s is not inside lossbook's source tree; run the command there, or pass --source DIR", wd)
		}
	}
}
