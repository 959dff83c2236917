// Command lossbook is lossbook's command line: it reports the backend, installs the XLA plugin on request,
// and (from the files beside this one) fetches data sets, scores translations and runs benchmarks.
//
// Usage:
//
//	lossbook <command> [arguments]
//
// Run `lossbook help` for the list of commands, and `lossbook <command> -h` (or --help, or `lossbook help
// <command>`) for one command's usage and flags with their defaults; help exits with status 0. Each command
// lives in its own file and registers itself in commands. A mistake in the command line (an unknown command,
// flag or subcommand, a missing or extra argument, a value out of range) is one line on stderr and exit status
// 2; a failure while running (a file that cannot be read, a download that fails, a panic from graph building)
// is reported on stderr with exit status 1.
package main

import (
	"errors"
	"flag"
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

// stdin is what commands that read texts (predict, translate) read when given none as arguments; tests replace it.
var stdin io.Reader = os.Stdin

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

// run dispatches to a subcommand and returns the exit status: 0 on success or help, 2 for a usage error, 1 for
// any other failure.
func run(args []string, stdout, stderr io.Writer) (status int) {
	if len(args) == 0 || args[0] == "help" || isHelp(args[0]) {
		if len(args) == 2 && args[0] == "help" {
			if _, ok := commands[args[1]]; ok {
				return run([]string{args[1], "-h"}, stdout, stderr)
			}
		}
		if len(args) > 1 && !(len(args) == 2 && isHelp(args[1])) {
			fmt.Fprintf(stderr, "lossbook help: unknown command %q; valid commands: %s\n", args[1], strings.Join(names(), ", "))
			return 2
		}
		usage(stdout)
		return 0
	}
	name := args[0]
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "lossbook: unknown command %q; valid commands: %s (see lossbook help)\n", name, strings.Join(names(), ", "))
		return 2
	}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "lossbook %s: %s\n", name, trimPackagePrefix(fmt.Sprint(r)))
			status = 1
		}
	}()
	err := c.run(args[1:], stdout, stderr)
	var ue *usageError
	switch {
	case err == nil || errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "lossbook %s: %s (see lossbook %s -h)\n", ue.cmd, oneLine(ue.msg), ue.cmd)
		return 2
	}
	fmt.Fprintf(stderr, "lossbook %s: %s\n", name, trimPackagePrefix(err.Error()))
	return 1
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
	fmt.Fprintln(w, "\nRun `lossbook <command> -h` (or `lossbook help <command>`) for a command's usage and flags.")
}

// errHelp is what a command returns after printing its usage because -h or --help was asked: exit status 0.
var errHelp = errors.New("help requested")

// usageError is a mistake in the command line: an unknown flag or subcommand, a missing or extra argument, a
// value out of range. run prints it as one line naming the command, and exits with status 2.
type usageError struct {
	cmd string // "bleu", "data fetch": the command whose -h explains the mistake
	msg string
}

func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError of command cmd.
func usagef(cmd, format string, a ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, a...)}
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

// newFlags returns the flag set of command name ("bleu", "data fetch"); it prints nothing itself: parseFlags
// reports help and mistakes.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses the args of a command that has no subcommands with fs. When -h or --help is among them
// (before or after the positional arguments) it prints head and the flags with their defaults to stdout and
// returns errHelp; a flag that is unknown or has a bad value is a usageError.
func parseFlags(fs *flag.FlagSet, args []string, head string, stdout io.Writer) error {
	return parse(fs, args, head, stdout, true)
}

// parseParentFlags is parseFlags for a command with subcommands ("data", "xla"): only a -h before the
// subcommand is its own; the subcommand answers the ones after it.
func parseParentFlags(fs *flag.FlagSet, args []string, head string, stdout io.Writer) error {
	return parse(fs, args, head, stdout, false)
}

func parse(fs *flag.FlagSet, args []string, head string, stdout io.Writer, leaf bool) error {
	err := fs.Parse(args)
	help := errors.Is(err, flag.ErrHelp)
	for _, a := range fs.Args() {
		if !leaf || a == "--" {
			break
		}
		help = help || isHelp(a)
	}
	if help {
		printUsage(fs, head, stdout)
		return errHelp
	}
	if err != nil {
		return usagef(fs.Name(), "%v", err)
	}
	return nil
}

// printUsage writes head, then the flags of fs with their defaults (if it has any).
func printUsage(fs *flag.FlagSet, head string, w io.Writer) {
	fmt.Fprintln(w, strings.TrimRight(head, "\n"))
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// packagePrefixes are the prefixes lossbook's packages put on their errors; the command's own name already
// says where an error comes from, so run drops them ("lossbook data: data: ..." would say it twice).
var packagePrefixes = []string{"data: ", "training: ", "metrics: ", "tokenize: ", "lib: ", "lossbook: ", "bench: ", "kernel: "}

func trimPackagePrefix(msg string) string {
	for _, p := range packagePrefixes {
		if rest, ok := strings.CutPrefix(msg, p); ok {
			return rest
		}
	}
	return msg
}

// oneLine keeps the first line of msg.
func oneLine(msg string) string {
	first, _, _ := strings.Cut(msg, "\n")
	return first
}
