package kernel

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"
)

// fakeTree writes a small lossbook module (no dependencies) into a temporary folder: a package, a nested
// module (tools/) and a bin/ folder that a published module must not hold.
func fakeTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":           "module " + ModulePath + "\n\ngo 1.26\n",
		"losses/answer.go": "package losses\n\n// Answer is the answer.\nfunc Answer() int { return 42 }\n",
		"README.md":        "# fake lossbook\n",
		"tools/go.mod":     "module " + ModulePath + "/tools\n\ngo 1.26\n",
		"tools/go.sum":     "",
		"tools/tools.go":   "package tools\n",
		"bin/gonb":         "not a binary",
	}
	for n, c := range files {
		writeTestFile(t, filepath.Join(dir, n), c)
	}
	return dir
}

func writeTestFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// goEnvForTest gives the go command a module cache of its own and no network; it skips without go.
func goEnvForTest(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH:", err)
	}
	t.Setenv("GOMODCACHE", t.TempDir())
	t.Setenv("GOFLAGS", "-modcacherw") // so that t.TempDir can remove the module cache
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOTOOLCHAIN", "local")
	t.Setenv("GOWORK", "off")
}

func TestReadTree(t *testing.T) {
	dir := fakeTree(t)
	tree, err := ReadTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(func(yield func(string) bool) {
		for n := range tree.Files {
			if !yield(n) {
				return
			}
		}
	})
	if want := []string{"README.md", "go.mod", "losses/answer.go"}; !slices.Equal(got, want) {
		t.Errorf("files %q, want %q (no nested module, no bin/)", got, want)
	}
	again, err := ReadTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	if again.Hash != tree.Hash {
		t.Errorf("the same tree hashed %s, then %s", tree.Hash, again.Hash)
	}
	at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	v := tree.Version(at)
	if !module.IsPseudoVersion(v) || !strings.HasPrefix(v, "v0.0.0-20261207080000-"+tree.Hash[:12]) {
		t.Errorf("Version = %q, want v0.0.0-20261207080000-%s", v, tree.Hash[:12])
	}

	writeTestFile(t, filepath.Join(dir, "losses", "answer.go"), "package losses\n\nfunc Answer() int { return 43 }\n")
	writeTestFile(t, filepath.Join(dir, "losses", "new.go"), "package losses\n")
	os.Remove(filepath.Join(dir, "README.md"))
	edited, err := ReadTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	if edited.Hash == tree.Hash {
		t.Error("an edited tree kept its hash")
	}
	if got, want := tree.Changed(edited), []string{"README.md", "losses/answer.go", "losses/new.go"}; !slices.Equal(got, want) {
		t.Errorf("Changed = %q, want %q", got, want)
	}
}

func TestReadTreeRefusesOtherModules(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "go.mod"), "module example.com/other\n")
	if _, err := ReadTree(dir); err == nil || !strings.Contains(err.Error(), `module "example.com/other", want `+ModulePath) {
		t.Errorf("ReadTree of another module: error %v", err)
	}
	if _, err := ReadTree(t.TempDir()); err == nil || !strings.Contains(err.Error(), "is not lossbook's source tree") {
		t.Errorf("ReadTree of a folder without go.mod: error %v", err)
	}
}

// TestReadTreeGit: in a git checkout the tree is what git tracks plus what it does not ignore.
func TestReadTreeGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git:", err)
	}
	dir := fakeTree(t)
	writeTestFile(t, filepath.Join(dir, ".gitignore"), "/bin/\n/build/\n")
	writeTestFile(t, filepath.Join(dir, "build", "out.txt"), "ignored")
	writeTestFile(t, filepath.Join(dir, "notes.txt"), "untracked, not ignored")
	for _, args := range [][]string{{"init", "-q"}, {"add", "go.mod", "losses", "tools", ".gitignore"}} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", args, err, out)
		}
	}
	tree, err := ReadTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for n := range tree.Files {
		got = append(got, n)
	}
	slices.Sort(got)
	if want := []string{".gitignore", "README.md", "go.mod", "losses/answer.go", "notes.txt"}; !slices.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
}

// TestPublishServesModule: a module that requires the published version builds and runs from the proxy
// folder alone, with GOPROXY=file://<proxy>,off and an empty module cache, and go.sum checked against the
// hashes Publish reports.
func TestPublishServesModule(t *testing.T) {
	goEnvForTest(t)
	tree, err := ReadTree(fakeTree(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := t.TempDir()
	at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	old, err := Publish(tree, proxy, tree.Version(at.Add(-time.Hour)), at.Add(-time.Hour), false)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := Publish(tree, proxy, tree.Version(at), at, false)
	if err != nil {
		t.Fatal(err)
	}
	vdir := filepath.Join(proxy, "github.com", "lossbook", "lossbook", "@v")
	list, _ := os.ReadFile(filepath.Join(vdir, "list"))
	if want := old.Version + "\n" + pub.Version + "\n"; string(list) != want {
		t.Errorf("@v/list = %q, want %q", list, want)
	}
	var latest struct{ Version string }
	b, _ := os.ReadFile(filepath.Join(proxy, "github.com", "lossbook", "lossbook", "@latest"))
	if err := json.Unmarshal(b, &latest); err != nil || latest.Version != pub.Version {
		t.Errorf("@latest = %s (%v), want version %s", b, err, pub.Version)
	}

	user := t.TempDir()
	writeTestFile(t, filepath.Join(user, "go.mod"), "module example.com/user\n\ngo 1.26\n\nrequire "+ModulePath+" "+pub.Version+"\n")
	writeTestFile(t, filepath.Join(user, "go.sum"), pub.GoSumLines())
	writeTestFile(t, filepath.Join(user, "main.go"), "package main\n\nimport (\n\t\"fmt\"\n\n\t\""+ModulePath+"/losses\"\n)\n\nfunc main() { fmt.Println(losses.Answer()) }\n")
	cmd := exec.Command("go", "run", ".")
	cmd.Dir = user
	// No GONOSUMDB: go.sum holds the version's lines, and the go command checks the download against them.
	cmd.Env = append(os.Environ(), "GOPROXY=file://"+filepath.ToSlash(proxy)+",off", "GOSUMDB=sum.golang.org")
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) != "42" {
		t.Fatalf("go run against the published version: %v\n%s", err, out)
	}

	// With prune, only the new version stays.
	if _, err := Publish(tree, proxy, tree.Version(at.Add(time.Hour)), at.Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(vdir, old.Version+".zip")); !os.IsNotExist(err) {
		t.Errorf("prune left %s.zip (stat error %v)", old.Version, err)
	}
	if _, err := Publish(tree, proxy, "v1.0.0", at, false); err == nil {
		t.Error("Publish took a version that is no pseudo-version")
	}
}

// TestInstallUpdateStatusUninstall: the whole cycle on a fake tree, without building GoNB (Tools false) and
// without network (GOPROXY=off).
func TestInstallUpdateStatusUninstall(t *testing.T) {
	goEnvForTest(t)
	src := fakeTree(t)
	data := t.TempDir()
	ctx := context.Background()
	o := Options{DataDir: data, Source: src}
	s, err := Install(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	spec := SpecDir(data, DefaultName)
	var kj struct {
		Argv        []string          `json:"argv"`
		DisplayName string            `json:"display_name"`
		Env         map[string]string `json:"env"`
	}
	b, err := os.ReadFile(filepath.Join(spec, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &kj); err != nil {
		t.Fatal(err)
	}
	if kj.DisplayName != "Go (lossbook)" || kj.Argv[0] != filepath.Join(spec, "bin", "gonb") ||
		!strings.HasPrefix(kj.Env["PATH"], filepath.Join(spec, "bin")+":") || kj.Env["LOSSBOOK_KERNEL_VERSION"] != s.Version {
		t.Errorf("kernel.json:\n%s", b)
	}
	st, err := GetStatus(spec, "")
	if err != nil {
		t.Fatal(err)
	}
	if !st.UpToDate() || !st.InModCache || st.State.Version != s.Version {
		t.Errorf("status after install: up to date %v, in module cache %v, version %s (want %s)", st.UpToDate(), st.InModCache, st.State.Version, s.Version)
	}

	// Nothing changed: update keeps the version.
	if s2, changed, err := Update(ctx, o); err != nil || changed || s2.Version != s.Version {
		t.Errorf("update of an unchanged tree: changed %v, version %s (was %s), error %v", changed, s2.Version, s.Version, err)
	}
	// An edit: status names the file, update publishes a new version.
	writeTestFile(t, filepath.Join(src, "losses", "answer.go"), "package losses\n\nfunc Answer() int { return 43 }\n")
	if st, err := GetStatus(spec, ""); err != nil || st.UpToDate() || !slices.Equal(st.Changed, []string{"losses/answer.go"}) {
		t.Errorf("status after an edit: changed %q, error %v; want [losses/answer.go]", st.Changed, err)
	}
	time.Sleep(1100 * time.Millisecond) // pseudo-versions count seconds
	s3, changed, err := Update(ctx, o)
	if err != nil || !changed || s3.Version == s.Version || !slices.Equal(s3.Previous, []string{s.Version}) {
		t.Fatalf("update after an edit: changed %v, version %s (was %s), previous %q, error %v", changed, s3.Version, s.Version, s3.Previous, err)
	}
	if st, err := GetStatus(spec, ""); err != nil || !st.UpToDate() {
		t.Errorf("status after update: %+v, %v", st, err)
	}
	// A session's module requires the new version.
	sess := t.TempDir()
	cmd := exec.Command(filepath.Join(spec, "bin", "go"), "mod", "init", "gonb_test")
	cmd.Dir = sess
	cmd.Env = append(os.Environ(), "GONB_TMP_DIR="+sess)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the kernel's go mod init: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(sess, "go.mod")); !strings.Contains(string(b), ModulePath+" "+s3.Version) {
		t.Errorf("a session's go.mod does not require %s:\n%s", s3.Version, b)
	}
	// Outside a GoNB session the go script is the plain go command.
	other := t.TempDir()
	cmd = exec.Command(filepath.Join(spec, "bin", "go"), "mod", "init", "example.com/plain")
	cmd.Dir = other
	cmd.Env = append(os.Environ(), "GONB_TMP_DIR="+sess)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go mod init outside the session: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(other, "go.mod")); strings.Contains(string(b), ModulePath) {
		t.Errorf("go mod init outside the session's folder required lossbook:\n%s", b)
	}

	modCache := os.Getenv("GOMODCACHE")
	oldDir, _ := modCacheDir(modCache, s.Version)
	newDir, _ := modCacheDir(modCache, s3.Version)
	if err := Uninstall(spec); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{spec, oldDir, newDir} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("after uninstall %s is still there (stat error %v)", d, err)
		}
	}
	if _, err := GetStatus(spec, ""); err == nil || !strings.Contains(err.Error(), "run lossbook kernel install") {
		t.Errorf("status after uninstall: error %v", err)
	}
}

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{{"lossbook", true}, {"lossbook-dev_2.1", true}, {"", false}, {"a b", false}, {"../x", false}} {
		if err := CheckName(tc.name); (err == nil) != tc.ok {
			t.Errorf("CheckName(%q) = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}
