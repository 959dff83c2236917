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
}

const backendUsage = `Usage: lossbook backend

Prints the GoMLX backend that lossbook's programs and notebooks would use, and why it was chosen
(` + lib.EnvBackend + ` when set, else what is installed).`
