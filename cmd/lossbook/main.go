// Command lossbook is lossbook's command line: it reports the backend, installs the XLA plugin on request,
// and (from the files beside this one) fetches data sets and runs benchmarks.
//
// Usage:
//
//	lossbook <command> [arguments]
//
// Run `lossbook help` for the list of commands. Each command lives in its own file and registers itself in
// commands; errors, including panics from graph building, are reported on stderr with exit status 1.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand of lossbook.
type command struct {
	summary string                                              // one line for `lossbook help`
	run     func(args []string, stdout, stderr io.Writer) error // args exclude the command's name
}

// commands holds every subcommand, registered by the init functions of this package's files.
var commands = map[string]command{}

func register(name string, c command) {
	if _, dup := commands[name]; dup {
		panic("lossbook: command registered twice: " + name)
	}
	commands[name] = c
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the exit status.
func run(args []string, stdout, stderr io.Writer) (status int) {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "lossbook: unknown command %q; valid commands: %s\n", args[0], strings.Join(names(), ", "))
		return 2
	}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "lossbook %s: %v\n", args[0], r)
			status = 1
		}
	}()
	if err := c.run(args[1:], stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "lossbook %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func names() []string {
	var ns []string
	for n := range commands {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "lossbook: loss functions for language models, on GoMLX.\n\nUsage: lossbook <command> [arguments]\n\nCommands:")
	for _, n := range names() {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}
