package training_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lossbook/lossbook/lib/tokenize"
	"github.com/lossbook/lossbook/training"
)

// A resume may change how long to train, not the model.
func ExampleConfigDiff() {
	type config struct {
		HiddenSize int     `json:"hidden_size"`
		LR         float64 `json:"learning_rate"`
		Steps      int     `json:"max_steps"`
	}
	old := config{HiddenSize: 64, LR: 1e-3, Steps: 100}
	fmt.Println(training.ConfigDiff(old, config{HiddenSize: 64, LR: 1e-3, Steps: 300}, "max_steps"))
	fmt.Println(training.ConfigDiff(old, config{HiddenSize: 32, LR: 1e-3, Steps: 300}, "max_steps"))
	// Output:
	// []
	// [hidden_size (64, now 32)]
}

// A new run needs an empty directory; a resume may train longer, not change the model.
func ExamplePrepareRunDir() {
	type config struct {
		Hidden int `json:"hidden_size"`
		Steps  int `json:"max_steps"`
	}
	dir, _ := os.MkdirTemp("", "run")
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "run.json"), []byte(`{"task": "demo", "hidden_size": 64, "max_steps": 100}`), 0o644)
	r := training.RunDir{Task: "demo", Dir: dir, RunFile: "run.json", VocabFile: "vocab.txt", Ignore: []string{"max_steps"}}
	_, err := training.PrepareRunDir(r, config{Hidden: 64, Steps: 300})
	fmt.Println(strings.ReplaceAll(err.Error(), dir, "DIR"))
	r.Resume = true
	_, err = training.PrepareRunDir(r, config{Hidden: 32, Steps: 300})
	fmt.Println(strings.ReplaceAll(err.Error(), dir, "DIR"))
	// Output:
	// demo: output directory DIR is not empty; resume it (Resume, --resume) or choose another
	// demo: cannot resume DIR: its configuration differs in [hidden_size (64, now 32)]
}

type diffConfig struct {
	Hidden int      `json:"hidden_size"`
	Loss   string   `json:"loss"`
	Seed   uint64   `json:"seed"`
	Steps  int      `json:"max_steps"`
	Save   int      `json:"save_steps"`
	Tags   []string `json:"tags"`
	Init   string   `json:"init,omitempty"`
}

func TestConfigDiff(t *testing.T) {
	base := diffConfig{Hidden: 64, Loss: "cross_entropy", Seed: 1, Steps: 10, Save: 5}
	with := func(f func(*diffConfig)) diffConfig { c := base; f(&c); return c }
	for _, tc := range []struct {
		name     string
		old, new any
		ignore   []string
		want     []string
	}{
		{"same", base, base, nil, nil},
		{"ignored fields", base, with(func(c *diffConfig) { c.Steps, c.Save = 30, 10 }),
			[]string{"max_steps", "save_steps"}, nil},
		{"a field ignore does not name", base, with(func(c *diffConfig) { c.Steps = 30 }), []string{"save_steps"},
			[]string{"max_steps (10, now 30)"}},
		{"sorted, values in JSON", base, with(func(c *diffConfig) { c.Loss, c.Hidden = "focal", 32 }), nil,
			[]string{`hidden_size (64, now 32)`, `loss ("cross_entropy", now "focal")`}},
		{"field only in the old run", with(func(c *diffConfig) { c.Init = "run1" }), base, nil, []string{"init"}},
		{"field only in the new run", base, with(func(c *diffConfig) { c.Init = "run1" }), nil,
			[]string{`init (null, now "run1")`}},
		{"absent is null", map[string]any{"loss": "ce"}, map[string]any{"loss": "ce", "tags": nil}, nil, nil},
		{"ignored field only in the old run", map[string]any{"max_steps": 3}, map[string]any{},
			[]string{"max_steps"}, nil},
		{"seeds beyond float64's integers", with(func(c *diffConfig) { c.Seed = 1<<60 + 1 }),
			with(func(c *diffConfig) { c.Seed = 1 << 60 }), nil,
			[]string{"seed (1152921504606846977, now 1152921504606846976)"}},
		{"old run.json read as a map", map[string]any{"hidden_size": 64.0, "loss": "cross_entropy", "seed": 1,
			"max_steps": 3, "save_steps": 5, "tags": nil}, base, []string{"max_steps"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := training.ConfigDiff(tc.old, tc.new, tc.ignore...); !slices.Equal(got, tc.want) {
				t.Errorf("ConfigDiff = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestConfigDiffPanicsOnNonObjects(t *testing.T) {
	for _, v := range []any{3, "x", []int{1}, nil, func() {}} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "training: ConfigDiff:") {
					t.Errorf("ConfigDiff(%T): recovered %v, want a panic naming ConfigDiff", v, r)
				}
			}()
			training.ConfigDiff(v, map[string]int{})
		}()
	}
}

// writeRun writes dir/run.json, {"task": task, ...cfg...}, and creates dir.
func writeRun(t *testing.T, dir, task string, cfg diffConfig) {
	t.Helper()
	b, err := json.MarshalIndent(struct {
		Task string `json:"task"`
		diffConfig
		Classes []string `json:"classes"`
	}{task, cfg, []string{"ham", "spam"}}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "run.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPrepareRunDir(t *testing.T) {
	cfg := diffConfig{Hidden: 64, Loss: "cross_entropy", Steps: 10, Tags: []string{"a"}}
	vocab, err := tokenize.TrainFromSlice([]string{"a tiny corpus", "of a few words"},
		tokenize.TrainOptions{VocabSize: 40})
	if err != nil {
		t.Fatal(err)
	}
	// Directories: absent, empty, a run of cfg with its vocabulary, the same without its vocabulary, another
	// task's run, a directory holding something else.
	root := t.TempDir()
	dir := func(name string) string { return filepath.Join(root, name) }
	absent, empty, run, noVocab, otherTask, other := dir("absent"), dir("empty"), dir("run"), dir("novocab"),
		dir("othertask"), dir("other")
	writeRun(t, run, "task", cfg)
	writeRun(t, noVocab, "task", cfg)
	writeRun(t, otherTask, "another", cfg)
	if err := vocab.Save(filepath.Join(run, "vocab.txt")); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{empty, other} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(other, "notes.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	longer, wider := cfg, cfg
	longer.Steps, wider.Hidden, wider.Tags = 30, 128, nil
	for _, tc := range []struct {
		name       string
		dir        string
		resume     bool
		newIfEmpty bool
		cfg        diffConfig
		wantVocab  bool
		wantErr    string // the error's start; "" for none
	}{
		{"new run, absent", absent, false, false, cfg, false, ""},
		{"new run, empty", empty, false, false, cfg, false, ""},
		{"new run, used", run, false, false, cfg, false,
			"task: output directory " + run + " is not empty; resume it (Resume, --resume) or choose another"},
		{"resume, longer", run, true, false, longer, true, ""},
		{"resume, another model", run, true, false, wider, false, "task: cannot resume " + run +
			`: its configuration differs in [hidden_size (64, now 128) tags (["a"], now null)]`},
		{"resume, no vocabulary", noVocab, true, false, cfg, false, "task: resume " + noVocab + ": tokenize: open"},
		{"resume, another task's run", otherTask, true, false, cfg, false, "task: nothing to resume in " +
			otherTask + ": " + filepath.Join(otherTask, "run.json") + `: task "another", want "task"`},
		{"resume, absent", absent, true, false, cfg, false, "task: nothing to resume in " + absent + ": open"},
		{"resume, empty", empty, true, false, cfg, false, "task: nothing to resume in " + empty + ": open"},
		{"resume, not a run", other, true, true, cfg, false, "task: nothing to resume in " + other + ": open"},
		{"resume or new, absent", absent, true, true, cfg, false, ""},
		{"resume or new, empty", empty, true, true, cfg, false, ""},
		{"resume or new, a run", run, true, true, longer, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := training.RunDir{Task: "task", Dir: tc.dir, Resume: tc.resume, RunFile: "run.json",
				VocabFile: "vocab.txt", Ignore: []string{"max_steps"}, NewIfEmpty: tc.newIfEmpty}
			got, err := training.PrepareRunDir(r, tc.cfg)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("PrepareRunDir: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.wantErr)):
				t.Fatalf("PrepareRunDir: error %v, want one starting %q", err, tc.wantErr)
			}
			if (got != nil) != tc.wantVocab {
				t.Fatalf("PrepareRunDir: vocabulary %v, want one: %v", got, tc.wantVocab)
			}
			if got != nil && got.Size() != vocab.Size() {
				t.Errorf("PrepareRunDir: vocabulary of %d tokens, want the saved one's %d", got.Size(), vocab.Size())
			}
		})
	}
}

func TestPrepareRunDirUnreadable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := training.PrepareRunDir(training.RunDir{Task: "task", Dir: file}, diffConfig{})
	if err == nil || !strings.HasPrefix(err.Error(), "task: output directory: ") || errors.Is(err, os.ErrNotExist) {
		t.Errorf("PrepareRunDir of a file: error %v, want one saying the output directory cannot be read", err)
	}
}

func TestReadRunFile(t *testing.T) {
	root := t.TempDir()
	cfg := diffConfig{Hidden: 64, Loss: "focal"}
	writeRun(t, filepath.Join(root, "ok"), "task", cfg)
	bad := filepath.Join(root, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"task": "task", "hidden_size": "wide"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, task string
		wantErr          string // the error's start; "" for none
	}{
		{"ok", filepath.Join(root, "ok", "run.json"), "task", ""},
		{"another task", filepath.Join(root, "ok", "run.json"), "other",
			filepath.Join(root, "ok", "run.json") + `: task "task", want "other"`},
		{"absent", filepath.Join(root, "absent.json"), "task", "open " + filepath.Join(root, "absent.json")},
		{"bad field", bad, "task", bad + ": json: cannot unmarshal string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got diffConfig
			err := training.ReadRunFile(tc.path, tc.task, &got)
			if tc.wantErr == "" {
				if err != nil || got.Hidden != cfg.Hidden || got.Loss != cfg.Loss {
					t.Errorf("ReadRunFile: %+v, %v; want %+v", got, err, cfg)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Errorf("ReadRunFile: error %v, want one starting %q", err, tc.wantErr)
			}
		})
	}
}

// TestWriteJSONFile: the file holds v as indented JSON with a final newline, mode 0644, replaces an older file
// whole, leaves no temporary file behind, and an unwritable folder or an unencodable value is an error naming
// the path that leaves any older file as it was.
func TestWriteJSONFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.json")
	if err := os.WriteFile(path, []byte("old contents, longer than the new ones\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := training.WriteJSONFile(path, map[string]int{"steps": 3}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"steps\": 3\n}\n"; string(b) != want {
		t.Errorf("file holds %q, want %q", b, want)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v (%v), want 0644", st.Mode().Perm(), err)
	}
	if err := training.WriteJSONFile(path, map[string]any{"f": func() {}}); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("unencodable value: error %v, want one naming %s", err, path)
	}
	if b2, _ := os.ReadFile(path); string(b2) != string(b) {
		t.Errorf("a failed write changed the file to %q", b2)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after the writes, want only run.json", len(entries))
	}
	missing := filepath.Join(dir, "no", "such", "run.json")
	if err := training.WriteJSONFile(missing, 1); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "no", "such")) {
		t.Errorf("missing folder: error %v, want one naming it", err)
	}
}
