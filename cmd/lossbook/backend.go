package main

import (
	"fmt"
	"io"

	"github.com/lossbook/lossbook/lib"
)

func init() {
	register("backend", command{
		summary: "print the GoMLX backend lossbook would use, and why",
		run: func(args []string, stdout, _ io.Writer) error {
			fs := newFlags("backend")
			if err := parseFlags(fs, args, backendUsage, stdout); err != nil {
				return err
			}
			if fs.NArg() != 0 {
				return usagef("backend", "takes no arguments, got %q", fs.Args())
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
			fs := newFlags("xla")
			if err := parseParentFlags(fs, args, xlaUsage, stdout); err != nil {
				return err
			}
			switch args = fs.Args(); {
			case len(args) == 0:
				return usagef("xla", "needs a subcommand: install")
			case args[0] != "install":
				return usagef("xla", "unknown subcommand %q; valid: install", args[0])
			}
			fs = newFlags("xla install")
			if err := parseFlags(fs, args[1:], xlaUsage, stdout); err != nil {
				return err
			}
			args = fs.Args()
			if len(args) > 1 || (len(args) == 1 && args[0] != "cuda") {
				return usagef("xla install", "takes at most one argument, cuda; got %q", args)
			}
			cuda := len(args) == 1
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

const backendUsage = `Usage: lossbook backend

Prints the GoMLX backend that lossbook's programs and notebooks would use, and why it was chosen
(` + lib.EnvBackend + ` when set, else what is installed).`

const xlaUsage = `Usage: lossbook xla install [cuda]

Downloads GoMLX's XLA PJRT plugin for the CPU, and the CUDA one too where a GPU is found (or always, with
cuda). It needs internet; afterwards lossbook chooses the XLA backend.`
