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
}
