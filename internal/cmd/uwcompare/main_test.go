package main

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

// TestConfig: the full comparison is the one the notebook and the Makefile describe, with no time budget.
func TestConfig(t *testing.T) {
	c := Config(false)
	if c.MaxSteps != 1000 || c.WarmupSteps != 100 || c.NumHiddenLayers != 4 || c.HiddenSize != 128 || !c.NormFirst ||
		c.NumAttentionHeads != 4 || c.LearningRate != 2e-3 || c.Minutes != 0 || c.EvalSteps != 100 {
		t.Errorf("Config(false) = %+v", c)
	}
	if s := Config(true); s.Minutes != 0 || s.MaxSteps >= c.MaxSteps {
		t.Errorf("Config(true) = %+v, want a short run with no time budget", s)
	}
}

// TestErrors: bad flags are refused before anything trains.
func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"extra"}, `unexpected arguments ["extra"]`},
		{[]string{"-steps", "0"}, "max_steps 0"},
		{[]string{"-smoke", "-heads", "3"}, "3 heads"},
		{[]string{"-lr", "-1"}, "learning rate -1"},
		{[]string{"-frob"}, "flag provided but not defined: -frob"},
	} {
		err := run(tc.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("uwcompare %q: error %v, want one containing %q", tc.args, err, tc.want)
		}
	}
	if err := run([]string{"-h"}, io.Discard, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("uwcompare -h: %v, want flag.ErrHelp (exit status 0)", err)
	}
}
