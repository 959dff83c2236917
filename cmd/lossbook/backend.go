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
		summary: "xla install [cuda]: download GoMLX's XLA PJRT plugins (CPU; CUDA where a GPU is found, or always with cuda); needs internet",
		run: func(args []string, stdout, _ io.Writer) error {
			cuda := len(args) == 2 && args[1] == "cuda"
			if len(args) == 0 || args[0] != "install" || (len(args) == 2 && !cuda) || len(args) > 2 {
				return errors.New(`usage: lossbook xla install [cuda]`)
			}
			if err := lib.InstallXLA(); err != nil {
				return err
			}
			if cuda {
				if err := lib.InstallXLACUDA(); err != nil {
					return err
				}
			}
			fmt.Fprintln(stdout, "XLA PJRT plugins installed; lossbook will now choose the XLA backend.")
			return nil
		},
	})
}
