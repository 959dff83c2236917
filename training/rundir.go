package training

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/lossbook/lossbook/lib/tokenize"
)

// RunDir is the output directory of a task's run (package tasks' convention: run.json with the task's name and
// configuration, the tokenizer's vocabulary, the checkpoint, metrics.json), as PrepareRunDir checks it before
// training.
type RunDir struct {
	Task   string // the task's name: run.json's "task", and the start of every error ("textclass")
	Dir    string // the directory
	Resume bool   // continue the run in Dir (the task's Config.Resume, --resume) rather than start a new one

	RunFile   string   // run.json's file name in Dir ("run.json")
	VocabFile string   // the vocabulary's file name in Dir ("vocab.txt"), loaded on a resume
	Ignore    []string // the configuration fields (JSON names) that a resume may change: "max_steps", say

	// NewIfEmpty makes a resume of an absent or empty Dir start a new run; without it, that resume is an error
	// (nothing to resume).
	NewIfEmpty bool
}

// PrepareRunDir checks r.Dir before a run with the configuration cfg and returns the vocabulary to resume with:
//
//   - a new run (r.Resume false): Dir must be absent or empty; PrepareRunDir returns nil.
//   - a resume: Dir's run.json (read into a C by ReadRunFile) must hold r.Task's run of cfg, equal in every field
//     but those r.Ignore names (ConfigDiff); PrepareRunDir returns the vocabulary saved in Dir. With
//     r.NewIfEmpty, an absent or empty Dir is a new run (nil).
//
// Each error names the directory and what to do, prefixed with r.Task: "textclass: output directory out is not
// empty; resume it (Resume, --resume) or choose another", "textclass: nothing to resume in out: ...",
// "textclass: cannot resume out: its configuration differs in [hidden_size (64, now 32)]".
func PrepareRunDir[C any](r RunDir, cfg C) (*tokenize.Vocab, error) {
	entries, err := os.ReadDir(r.Dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: output directory: %w", r.Task, err)
	}
	if !r.Resume {
		if len(entries) > 0 {
			return nil, fmt.Errorf("%s: output directory %s is not empty; resume it (Resume, --resume) or "+
				"choose another", r.Task, r.Dir)
		}
		return nil, nil
	}
	if r.NewIfEmpty && len(entries) == 0 {
		return nil, nil
	}
	var old C
	if err := ReadRunFile(filepath.Join(r.Dir, r.RunFile), r.Task, &old); err != nil {
		return nil, fmt.Errorf("%s: nothing to resume in %s: %w", r.Task, r.Dir, err)
	}
	if diff := ConfigDiff(old, cfg, r.Ignore...); len(diff) > 0 {
		return nil, fmt.Errorf("%s: cannot resume %s: its configuration differs in %v", r.Task, r.Dir, diff)
	}
	vocab, err := tokenize.LoadVocab(filepath.Join(r.Dir, r.VocabFile))
	if err != nil {
		return nil, fmt.Errorf("%s: resume %s: %w", r.Task, r.Dir, err)
	}
	return vocab, nil
}

// ReadRunFile reads the run.json at path into v (a pointer, as for json.Unmarshal), after checking that its
// "task" is task. Its errors name the file and leave the prefix to the caller ("open out/run.json: no such file
// or directory", "out/run.json: task \"retrieve\", want \"textclass\"").
func ReadRunFile(path, task string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var head struct {
		Task string `json:"task"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if head.Task != task {
		return fmt.Errorf("%s: task %q, want %q", path, head.Task, task)
	}
	return nil
}

// WriteJSONFile writes v to path as indented JSON (a final newline) through WriteFileAtomic. It is how run
// directories get run.json and metrics.json. Its errors name the path and leave the prefix to the caller.
func WriteJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// WriteFileAtomic writes path (mode 0644) with write, through a buffer, without ever leaving a partial file
// there: write fills a temporary file in path's folder, which is renamed to path only when write, the flush
// and the close have succeeded, and removed otherwise. Its errors name the path and leave the prefix to the
// caller.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = f.Chmod(0o644)
	if err == nil {
		err = write(w)
	}
	if err == nil {
		err = w.Flush()
	}
	if errClose := f.Close(); err == nil {
		err = errClose
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// ConfigDiff names the fields in which two configurations differ, compared as their JSON encodings (the names
// of run.json), but for the fields ignore names. A field of new whose value differs reads "name (old, now new)"
// with both values in JSON (null for a field old lacks); a field that only old has reads "name". The list is
// sorted, and empty when the configurations agree.
//
// Panics if old or new does not encode as a JSON object (a struct or a map with string keys).
func ConfigDiff(old, new any, ignore ...string) []string {
	mo, mn := jsonFields(old), jsonFields(new)
	var diff []string
	for k, vn := range mn {
		if slices.Contains(ignore, k) {
			continue
		}
		vo, ok := mo[k]
		if !ok {
			vo = json.RawMessage("null")
		}
		if string(vo) != string(vn) {
			diff = append(diff, fmt.Sprintf("%s (%s, now %s)", k, vo, vn))
		}
	}
	for k := range mo {
		if _, ok := mn[k]; !ok && !slices.Contains(ignore, k) {
			diff = append(diff, k)
		}
	}
	slices.Sort(diff)
	return diff
}

// jsonFields is v's JSON encoding as a map from field names to compact JSON values.
func jsonFields(v any) map[string]json.RawMessage {
	b, err := json.Marshal(v)
	var m map[string]json.RawMessage
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil || m == nil {
		panic(fmt.Sprintf("training: ConfigDiff: %T does not encode as a JSON object: %v", v, err))
	}
	return m
}
