package kernel

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/module"
)

// DefaultName is the kernel's default name; its display name is "Go (<name>)".
const DefaultName = "lossbook"

// StateFile is the file in the kernel's folder that records what it serves.
const StateFile = "lossbook.json"

// validName is what Jupyter accepts as a kernel name.
var validName = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

// CheckName returns an error unless name is a valid Jupyter kernel name.
func CheckName(name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("kernel: invalid kernel name %q: want letters, digits, '.', '_' or '-'", name)
	}
	return nil
}

// DisplayName is the name Jupyter shows for kernel name: "Go (lossbook)".
func DisplayName(name string) string { return "Go (" + name + ")" }

// UserDataDir is the user's Jupyter data folder, as jupyter_core finds it: $JUPYTER_DATA_DIR, else
// ~/.local/share/jupyter on Linux (~/Library/Jupyter on macOS).
func UserDataDir() (string, error) {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return filepath.Abs(d)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("kernel: no home folder for the user's Jupyter data folder: %w", err)
	}
	if runtime.GOOS == "darwin" {
		return filepath.Join(home, "Library", "Jupyter"), nil
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "jupyter"), nil
	}
	return filepath.Join(home, ".local", "share", "jupyter"), nil
}

// SysPrefixDataDir is <sys.prefix>/share/jupyter of the Python that runs `jupyter` (what `jupyter kernelspec
// install --sys-prefix` uses): /usr/share/jupyter for Debian's Jupyter, the environment's folder in a venv.
func SysPrefixDataDir() (string, error) {
	jupyter, err := exec.LookPath("jupyter")
	if err != nil {
		return "", fmt.Errorf("kernel: --sys-prefix needs Jupyter: %w", err)
	}
	python := "python3"
	if f, err := os.Open(jupyter); err == nil {
		line, _ := bufio.NewReader(f).ReadString('\n')
		f.Close()
		if p, ok := strings.CutPrefix(strings.TrimSpace(line), "#!"); ok && p != "" {
			python = strings.Fields(p)[0]
			if filepath.Base(python) == "env" && len(strings.Fields(p)) > 1 {
				python = strings.Fields(p)[1]
			}
		}
	}
	out, err := exec.Command(python, "-c", "import sys, os; print(os.path.join(sys.prefix, 'share', 'jupyter'))").Output()
	if err != nil {
		return "", fmt.Errorf("kernel: asking %s (the Python of %s) for sys.prefix: %w", python, jupyter, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// State is what a kernel's folder records in lossbook.json about what it serves.
type State struct {
	Name       string            `json:"name"`
	Version    string            `json:"version"`      // the pseudo-version served
	Published  time.Time         `json:"published"`    // when
	Source     string            `json:"source"`       // the source tree it was published from
	Commit     string            `json:"commit"`       // git HEAD of the source then ("" outside git)
	TreeHash   string            `json:"tree_hash"`    // Tree.Hash
	Files      map[string]string `json:"files"`        // Tree.Files
	ToolsHash  string            `json:"tools_hash"`   // hash of tools/go.mod and tools/go.sum the tools were built from
	GoRoot     string            `json:"goroot"`       // GOROOT of the go command it uses
	GoVersion  string            `json:"go_version"`   // its version
	ModCache   string            `json:"gomodcache"`   // GOMODCACHE the versions were fetched into
	Previous   []string          `json:"previous"`     // versions it served before, newest first (at most keepVersions-1)
	InstallDur float64           `json:"install_secs"` // how long the last install or update took
}

// keepVersions is how many published versions stay in the module cache: the one served and the one before
// (a kernel session started before `kernel update` still builds against it).
const keepVersions = 2

// Options says what to install and where.
type Options struct {
	Name    string    // kernel name; "" means DefaultName
	DataDir string    // Jupyter data folder; the kernel goes into DataDir/kernels/Name
	Source  string    // lossbook's source tree (the module root)
	Log     io.Writer // progress lines; nil: none
	// Tools, when false, skips building GoNB, gopls and goimports (tests only: the kernel then cannot run).
	Tools bool
}

func (o *Options) name() string {
	if o.Name == "" {
		return DefaultName
	}
	return o.Name
}

func (o *Options) logf(format string, a ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, "lossbook kernel: "+format+"\n", a...)
	}
}

// SpecDir is the kernel's folder under a Jupyter data folder.
func SpecDir(dataDir, name string) string { return filepath.Join(dataDir, "kernels", name) }

// ReadState reads the lossbook.json of the kernel in specDir.
func ReadState(specDir string) (*State, error) {
	b, err := os.ReadFile(filepath.Join(specDir, StateFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("kernel: no lossbook kernel in %s (run lossbook kernel install)", specDir)
		}
		return nil, fmt.Errorf("kernel: %w", err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("kernel: %s: %w", filepath.Join(specDir, StateFile), err)
	}
	return &s, nil
}

// Install installs the kernel, or reinstalls it over an earlier one: it builds GoNB, gopls and goimports from
// the source's tools/go.mod, publishes the source tree (see the package comment), writes the kernel's go
// script, the go.sum of the version served and kernel.json, and checks that a new kernel session's module
// requires the version, reading no network.
// GoNB, gopls and goimports are built again only when tools/go.mod or tools/go.sum changed since, or a binary
// is missing.
func Install(ctx context.Context, o Options) (*State, error) {
	build := true
	if old, err := ReadState(SpecDir(o.DataDir, o.name())); err == nil && o.Source != "" {
		if th, err := toolsHash(o.Source); err == nil && th == old.ToolsHash && binariesPresent(SpecDir(o.DataDir, o.name())) {
			build = false
		}
	}
	return install(ctx, o, build)
}

// Update publishes the source tree again when it has changed since the kernel's version (and rebuilds the
// tools when tools/go.mod or tools/go.sum changed). With nothing changed it does nothing and returns the
// state with changed false.
func Update(ctx context.Context, o Options) (s *State, changed bool, err error) {
	old, err := ReadState(SpecDir(o.DataDir, o.name()))
	if err != nil {
		return nil, false, err
	}
	if o.Source == "" {
		o.Source = old.Source
	}
	tree, err := ReadTree(o.Source)
	if err != nil {
		return nil, false, err
	}
	th, err := toolsHash(tree.Dir)
	if err != nil {
		return nil, false, err
	}
	needTools := o.Tools && (th != old.ToolsHash || !binariesPresent(SpecDir(o.DataDir, o.name())))
	if tree.Hash == old.TreeHash && tree.Dir == old.Source && !needTools {
		return old, false, nil
	}
	s, err = install(ctx, o, needTools)
	return s, err == nil, err
}

func binariesPresent(specDir string) bool {
	for _, b := range []string{"gonb", "gopls", "goimports", "go"} {
		if _, err := os.Stat(filepath.Join(specDir, "bin", b)); err != nil {
			return false
		}
	}
	return true
}

func install(ctx context.Context, o Options, buildTools bool) (*State, error) {
	start := time.Now()
	name := o.name()
	if err := CheckName(name); err != nil {
		return nil, err
	}
	if o.DataDir == "" {
		return nil, errors.New("kernel: no Jupyter data folder given")
	}
	tree, err := ReadTree(o.Source)
	if err != nil {
		return nil, err
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("kernel: the go command is not on PATH: %w", err)
	}
	env, err := goEnv(ctx, goBin, tree.Dir, "GOROOT", "GOMODCACHE", "GOVERSION", "GONOSUMDB")
	if err != nil {
		return nil, err
	}
	realGo := filepath.Join(env["GOROOT"], "bin", "go")
	specDir := SpecDir(o.DataDir, name)
	var old *State
	if s, err := ReadState(specDir); err == nil {
		old = s
	}
	if err := os.MkdirAll(filepath.Join(specDir, "bin"), 0o755); err != nil {
		return nil, fmt.Errorf("kernel: %w", err)
	}
	th, err := toolsHash(tree.Dir)
	if err != nil {
		return nil, err
	}
	if o.Tools && buildTools {
		o.logf("building GoNB, gopls and goimports from %s", filepath.Join(tree.Dir, "tools", "go.mod"))
		if err := buildToolsInto(ctx, realGo, tree.Dir, filepath.Join(specDir, "bin")); err != nil {
			return nil, err
		}
	}
	// The dependencies into the module cache (a no-op when they are there), so that sessions need no network.
	o.logf("go mod download in %s", tree.Dir)
	if out, err := goCmd(ctx, realGo, tree.Dir, nil, "mod", "download").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("kernel: go mod download in %s (the dependencies must be in the module cache; this needs the network once): %w\n%s", tree.Dir, err, out)
	}
	now := time.Now().UTC()
	v := tree.Version(now)
	if old != nil && old.TreeHash == tree.Hash && module.IsPseudoVersion(old.Version) {
		v = old.Version // the same tree keeps its version
		now = old.Published
	}
	proxyDir := filepath.Join(specDir, "proxy")
	pub, err := Publish(tree, proxyDir, v, now, true)
	if err != nil {
		return nil, err
	}
	o.logf("published %s@%s into %s", ModulePath, v, proxyDir)
	gosum, err := os.ReadFile(filepath.Join(tree.Dir, "go.sum"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("kernel: %w", err)
	}
	gosum = append(bytes.TrimRight(gosum, "\n"), '\n')
	if len(gosum) == 1 {
		gosum = nil
	}
	gosum = append(gosum, pub.GoSumLines()...)
	if err := writeFile(filepath.Join(specDir, "go.sum"), gosum, 0o644); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(specDir, "bin", "go"), []byte(goScript(realGo, specDir, v)), 0o755); err != nil {
		return nil, err
	}
	nosumdb := ModulePath
	if env["GONOSUMDB"] != "" {
		nosumdb += "," + env["GONOSUMDB"]
	}
	spec := map[string]any{
		"argv":           []string{filepath.Join(specDir, "bin", "gonb"), "--kernel", "{connection_file}"},
		"display_name":   DisplayName(name),
		"language":       "go",
		"interrupt_mode": "message",
		"env": map[string]string{
			"PATH":                    filepath.Join(specDir, "bin") + string(os.PathListSeparator) + filepath.Join(env["GOROOT"], "bin") + string(os.PathListSeparator) + "${PATH}",
			"GOTOOLCHAIN":             "local",
			"GOFLAGS":                 CellGoFlags,
			"GONOSUMDB":               nosumdb,
			"LOSSBOOK_KERNEL":         name,
			"LOSSBOOK_KERNEL_VERSION": v,
		},
		"metadata": map[string]any{"lossbook": map[string]string{"version": v, "source": tree.Dir}},
	}
	specJSON, _ := json.MarshalIndent(spec, "", " ")
	if err := writeFile(filepath.Join(specDir, "kernel.json"), append(specJSON, '\n'), 0o644); err != nil {
		return nil, err
	}
	// What a new session does, done once now: it checks the install and leaves the version in the module cache.
	if err := checkSession(ctx, specDir, realGo, v); err != nil {
		return nil, err
	}
	s := &State{
		Name: name, Version: v, Published: pub.Time, Source: tree.Dir, Commit: tree.Commit, TreeHash: tree.Hash,
		Files: tree.Files, ToolsHash: th, GoRoot: env["GOROOT"], GoVersion: env["GOVERSION"], ModCache: env["GOMODCACHE"],
	}
	if old != nil {
		for _, p := range append([]string{old.Version}, old.Previous...) {
			if p != v && !slices.Contains(s.Previous, p) {
				s.Previous = append(s.Previous, p)
			}
		}
	}
	// Versions older than the one before are removed from the module cache (each is a copy of the tree).
	if len(s.Previous) > keepVersions-1 {
		for _, p := range s.Previous[keepVersions-1:] {
			if err := removeFromModCache(s.ModCache, p); err != nil {
				o.logf("warning: %v", err)
			}
		}
		s.Previous = s.Previous[:keepVersions-1]
	}
	s.InstallDur = time.Since(start).Seconds()
	sj, _ := json.MarshalIndent(s, "", " ")
	if err := writeFile(filepath.Join(specDir, StateFile), append(sj, '\n'), 0o644); err != nil {
		return nil, err
	}
	return s, nil
}

// goScript is the kernel's go command (see the package comment).
func goScript(realGo, specDir, version string) string {
	q := shellQuote
	return `#!/bin/sh
# The "Go (lossbook)" kernel's go command, written by ` + "`lossbook kernel install`" + `: it runs the real go.
# After GoNB's ` + "`go mod init`" + ` in $GONB_TMP_DIR (once per kernel session), it makes the session's module
# require lossbook ` + version + `, the version this kernel serves: go.sum lines for it and its dependencies,
# then ` + "`go get`" + ` from the kernel's own proxy and the module cache only (no network).
real=` + q(realGo) + `
if [ "$1" = mod ] && [ "$2" = init ] && [ -n "${GONB_TMP_DIR:-}" ] &&
  [ "$(pwd -P)" = "$(cd "$GONB_TMP_DIR" 2>/dev/null && pwd -P)" ]; then
  "$real" "$@" || exit
  cat ` + q(filepath.Join(specDir, "go.sum")) + ` >>go.sum || exit
  GOPROXY=` + q("file://"+filepath.ToSlash(filepath.Join(specDir, "proxy"))+",off") + ` GONOSUMDB=` + q(ModulePath) + ` \
    exec "$real" get ` + q(ModulePath+"@"+version) + `
fi
exec "$real" "$@"
`
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// checkSession does what the kernel's go script does for a new GoNB session, in a temporary folder.
func checkSession(ctx context.Context, specDir, realGo, v string) error {
	tmp, err := os.MkdirTemp("", "lossbook-kernel-check-")
	if err != nil {
		return fmt.Errorf("kernel: %w", err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, filepath.Join(specDir, "bin", "go"), "mod", "init", "lossbook_kernel_check")
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GONB_TMP_DIR="+tmp, "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("kernel: a new session's module could not require %s@%s: %w\n%s", ModulePath, v, err, out)
	}
	b, err := os.ReadFile(filepath.Join(tmp, "go.mod"))
	if err != nil {
		return fmt.Errorf("kernel: %w", err)
	}
	if !strings.Contains(string(b), ModulePath+" "+v) {
		return fmt.Errorf("kernel: a new session's go.mod does not require %s %s:\n%s", ModulePath, v, b)
	}
	return nil
}

// Status says what a kernel serves and whether its source has moved on.
type Status struct {
	SpecDir string
	State   *State
	// Changed lists the files of the source tree that differ from the version served; nil when up to date.
	Changed []string
	// SourceErr says why the source tree could not be read (moved or deleted); nil otherwise.
	SourceErr error
	// ToolsChanged: tools/go.mod or tools/go.sum changed since GoNB was built.
	ToolsChanged bool
	// InModCache: the version served is in the module cache.
	InModCache bool
}

// UpToDate reports whether the kernel serves the source tree as it is now.
func (s *Status) UpToDate() bool { return s.SourceErr == nil && len(s.Changed) == 0 && !s.ToolsChanged }

// GetStatus reads the kernel in specDir and compares it with its source tree (or with source, if not "").
func GetStatus(specDir, source string) (*Status, error) {
	st, err := ReadState(specDir)
	if err != nil {
		return nil, err
	}
	s := &Status{SpecDir: specDir, State: st}
	if source == "" {
		source = st.Source
	}
	if tree, err := ReadTree(source); err != nil {
		s.SourceErr = err
	} else {
		pub := &Tree{Files: st.Files}
		s.Changed = pub.Changed(tree)
		if th, err := toolsHash(tree.Dir); err == nil && st.ToolsHash != "" && th != st.ToolsHash {
			s.ToolsChanged = true
		}
	}
	if st.ModCache != "" {
		if dir, err := modCacheDir(st.ModCache, st.Version); err == nil {
			_, err := os.Stat(dir)
			s.InModCache = err == nil
		}
	}
	return s, nil
}

// Uninstall removes the kernel's folder and the versions it published from the module cache.
func Uninstall(specDir string) error {
	st, err := ReadState(specDir)
	if err != nil {
		return err
	}
	var errs []error
	if st.ModCache != "" {
		for _, v := range append([]string{st.Version}, st.Previous...) {
			errs = append(errs, removeFromModCache(st.ModCache, v))
		}
	}
	if err := os.RemoveAll(specDir); err != nil {
		errs = append(errs, fmt.Errorf("kernel: %w", err))
	}
	return errors.Join(errs...)
}

func modCacheDir(modCache, v string) (string, error) {
	esc, err := module.EscapePath(ModulePath)
	if err != nil {
		return "", err
	}
	ev, err := module.EscapeVersion(v)
	if err != nil {
		return "", err
	}
	return filepath.Join(modCache, filepath.FromSlash(esc)+"@"+ev), nil
}

// removeFromModCache removes one published version from the module cache: the extracted tree (which the go
// command makes read-only) and its files under cache/download.
func removeFromModCache(modCache, v string) error {
	if !module.IsPseudoVersion(v) || modCache == "" {
		return nil
	}
	dir, err := modCacheDir(modCache, v)
	if err != nil {
		return err
	}
	if _, err := os.Stat(dir); err == nil {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				os.Chmod(p, 0o755)
			}
			return nil
		})
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("kernel: removing %s from the module cache: %w", v, err)
		}
	}
	esc, _ := module.EscapePath(ModulePath)
	ev, _ := module.EscapeVersion(v)
	dl := filepath.Join(modCache, "cache", "download", filepath.FromSlash(esc), "@v")
	for _, ext := range []string{".info", ".mod", ".zip", ".ziphash", ".lock", ".partial"} {
		if err := os.Remove(filepath.Join(dl, ev+ext)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("kernel: removing %s from the module cache: %w", v, err)
		}
	}
	return nil
}

func toolsHash(src string) (string, error) {
	var buf bytes.Buffer
	for _, f := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(src, "tools", f))
		if err != nil {
			return "", fmt.Errorf("kernel: GoNB is built from %s: %w", filepath.Join(src, "tools"), err)
		}
		buf.Write(b)
	}
	return hashFiles(map[string]string{"tools": fmt.Sprintf("%x", buf.Bytes())}), nil
}

// buildToolsInto builds GoNB, gopls and goimports from src/tools into binDir: into a temporary folder first,
// then each binary renamed over the old one (a running kernel keeps its open file).
func buildToolsInto(ctx context.Context, realGo, src, binDir string) error {
	tmp, err := os.MkdirTemp(binDir, ".build-")
	if err != nil {
		return fmt.Errorf("kernel: %w", err)
	}
	defer os.RemoveAll(tmp)
	out, err := goCmd(ctx, realGo, filepath.Join(src, "tools"), nil, "build", "-o", tmp+string(os.PathSeparator),
		"github.com/janpfeifer/gonb", "golang.org/x/tools/gopls", "golang.org/x/tools/cmd/goimports").CombinedOutput()
	if err != nil {
		return fmt.Errorf("kernel: building GoNB, gopls and goimports in %s: %w\n%s", filepath.Join(src, "tools"), err, out)
	}
	for _, b := range []string{"gonb", "gopls", "goimports"} {
		if err := os.Rename(filepath.Join(tmp, b), filepath.Join(binDir, b)); err != nil {
			return fmt.Errorf("kernel: %w", err)
		}
	}
	return nil
}

func goCmd(ctx context.Context, realGo, dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, realGo, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOTOOLCHAIN=local", "GOWORK=off"), env...)
	return cmd
}

func goEnv(ctx context.Context, goBin, dir string, vars ...string) (map[string]string, error) {
	cmd := exec.CommandContext(ctx, goBin, append([]string{"env", "-json"}, vars...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("kernel: go env: %w", err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("kernel: go env: %w", err)
	}
	return m, nil
}
