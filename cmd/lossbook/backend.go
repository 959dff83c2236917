package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/lossbook/lossbook/lib"
)

func init() {
	register("backend", command{
		summary: "print the GoMLX backend lossbook would use, and why",
		run: func(args []string, stdout, _ io.Writer) error {
			if len(args) != 0 {
				return fmt.Errorf("takes no arguments, got %q", args)
			}
			choice, err := lib.Choose()
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, choice)
			return nil
		},
	})
	register("xla", command{
		summary: "xla install: download GoMLX's XLA PJRT plugins (CPU; CUDA where a GPU is found); needs internet",
		run: func(args []string, stdout, _ io.Writer) error {
			if len(args) != 1 || args[0] != "install" {
				return errors.New(`usage: lossbook xla install`)
			}
			if err := lib.InstallXLA(); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "XLA PJRT plugins installed; lossbook will now choose the XLA backend.")
			return nil
		},
	})
}
