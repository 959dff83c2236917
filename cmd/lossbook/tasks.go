package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// A task is one application of lossbook (text classification, translation, retrieval, ...) as the command line
// reaches it: `lossbook train <task>`, `lossbook eval [<task>] --checkpoint DIR`. Each task's file registers it
// with registerTask in its init function; train and eval dispatch on the task's name, and eval without a name
// reads it from the run directory's run.json.
type task struct {
	summary string                                              // one line for `lossbook train -h`
	train   func(args []string, stdout, stderr io.Writer) error // args exclude "train <task>"
	eval    func(args []string, stdout, stderr io.Writer) error // args exclude "eval [<task>]"; nil: none
}

// tasks holds every task, by name ("textclass", "translate").
var tasks = map[string]task{}

func registerTask(name string, t task) {
	if _, dup := tasks[name]; dup {
		panic("lossbook: task registered twice: " + name)
	}
	tasks[name] = t
}

func taskNames() []string {
	var ns []string
	for n := range tasks {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// RunInfoFile is the file in every run directory that names the task that wrote it: {"task": "textclass", ...}.
const RunInfoFile = "run.json"

// runTask reads the task's name from a run directory's run.json.
func runTask(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, RunInfoFile))
	if err != nil {
		return "", fmt.Errorf("%s is not a lossbook run directory (no %s): %w", dir, RunInfoFile, err)
	}
	var info struct {
		Task string `json:"task"`
	}
	if err := json.Unmarshal(b, &info); err != nil || info.Task == "" {
		return "", fmt.Errorf("%s: no task name in %s (want {\"task\": NAME, ...})", dir, filepath.Join(dir, RunInfoFile))
	}
	return info.Task, nil
}

// checkpointArg returns the value of --checkpoint (or -checkpoint, =VALUE or as the next argument) in args.
func checkpointArg(args []string) string {
	for i, a := range args {
		a = strings.TrimLeft(a, "-")
		if v, ok := strings.CutPrefix(a, "checkpoint="); ok {
			return v
		}
		if a == "checkpoint" && i+1 < len(args) && strings.HasPrefix(args[i], "-") {
			return args[i+1]
		}
	}
	return ""
}

func init() {
	register("train", command{
		summary: "train a model for a task (lossbook train <task> -h)",
		run: func(args []string, stdout, stderr io.Writer) error {
			if len(args) == 0 || isHelp(args[0]) {
				if len(args) == 0 {
					return usagef("train", "which task? valid tasks: %s", strings.Join(taskNames(), ", "))
				}
				fmt.Fprint(stdout, taskUsage("train"))
				return errHelp
			}
			t, ok := tasks[args[0]]
			if !ok {
				return usagef("train", "unknown task %q; valid tasks: %s", args[0], strings.Join(taskNames(), ", "))
			}
			return t.train(args[1:], stdout, stderr)
		},
	})
	register("eval", command{
		summary: "evaluate a trained model on its held-out test split (lossbook eval [<task>] --checkpoint DIR)",
		run: func(args []string, stdout, stderr io.Writer) error {
			if len(args) > 0 && isHelp(args[0]) {
				fmt.Fprint(stdout, taskUsage("eval"))
				return errHelp
			}
			name := ""
			if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
				name, args = args[0], args[1:]
			} else {
				dir := checkpointArg(args)
				if dir == "" {
					for _, a := range args {
						if isHelp(a) {
							fmt.Fprint(stdout, taskUsage("eval"))
							return errHelp
						}
					}
					return usagef("eval", "missing --checkpoint DIR (a run directory written by lossbook train)")
				}
				n, err := runTask(dir)
				if err != nil {
					return err
				}
				name = n
			}
			t, ok := tasks[name]
			if !ok || t.eval == nil {
				return usagef("eval", "unknown task %q; valid tasks: %s", name, strings.Join(taskNames(), ", "))
			}
			return t.eval(args, stdout, stderr)
		},
	})
}

func taskUsage(verb string) string {
	var b strings.Builder
	switch verb {
	case "train":
		b.WriteString("Usage: lossbook train <task> [flags]\n\nTrains a model for a task and writes a run directory (--out).\n")
	default:
		b.WriteString("Usage: lossbook eval [<task>] --checkpoint DIR [flags]\n\nEvaluates the model of a run directory on its held-out test split; the task is read from DIR/" + RunInfoFile + " when not given.\n")
	}
	b.WriteString("\nTasks:\n")
	for _, n := range taskNames() {
		fmt.Fprintf(&b, "  %-10s %s\n", n, tasks[n].summary)
	}
	fmt.Fprintf(&b, "\nRun `lossbook %s <task> -h` for a task's flags and their defaults.\n", verb)
	return b.String()
}
