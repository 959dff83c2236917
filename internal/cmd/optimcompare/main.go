// Command optimcompare runs issue 23's optimizer experiment (tasks/optimcompare) and prints its table; with -json
// it also writes every run (loss curves included) to a file. `make experiment-optimizers` runs it at full size;
// LOSSBOOK_SMOKE=1 (or -smoke) runs the small configuration.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lossbook/lossbook/tasks/optimcompare"
)

func main() {
	cfg := optimcompare.ConfigFromEnv()
	smoke := flag.Bool("smoke", false, "run the small configuration (as LOSSBOOK_SMOKE=1)")
	steps := flag.Int("steps", 0, "steps per run (0: the configuration's)")
	optimizers := flag.String("optimizers", "", "comma-separated optimizer names (default AdamW,LAMB,Adafactor,Lion)")
	out := flag.String("json", "", "write the comparison, every run's curves included, to this JSON file")
	flag.Parse()
	if *smoke {
		cfg = optimcompare.Smoke()
	}
	if *steps > 0 {
		cfg.Steps = *steps
		cfg.WarmupSteps = max(1, *steps/10)
	}
	if *optimizers != "" {
		cfg.Optimizers = strings.Split(*optimizers, ",")
	}
	cfg.Progress = os.Stderr
	cmp, err := optimcompare.Compare(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("backend %s; %d training and %d held-out messages, vocabulary %d, %d parameters; %d steps of %d; "+
		"total %s\n\n", cmp.Backend, cmp.Train, cmp.HeldOut, cmp.Vocab, cmp.Params, cfg.Steps, cfg.BatchSize,
		cmp.Duration.Round(1e9))
	fmt.Print(cmp.Table())
	if *out != "" {
		if err := writeJSON(*out, cmp); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

// writeJSON writes v to path through a temporary file and a rename.
func writeJSON(path string, v any) error {
	raw, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".optimcompare-*.json")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(append(raw, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
