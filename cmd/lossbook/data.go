package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/lossbook/lossbook/lib/data"
)

func init() {
	register("data", command{
		summary: "data list | fetch NAME...|all | export -out DIR spamassassin: list, download and verify, or export the split",
		run:     runData,
	})
}

const dataUsage = `Usage: lossbook data <subcommand>

Subcommands (lossbook data <subcommand> -h for each):
  list                          list the data sets and where they come from
  fetch [-cache DIR] NAME...    download and verify data sets (NAME may be "all")
  export [-cache DIR] [-seed N] [-fractions F,F,F] -out DIR spamassassin
                                write the deduplicated split as DIR/{train,validation,test}.jsonl

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

const dataExportUsage = `Usage: lossbook data export [-cache DIR] [-seed N] [-fractions F,F,F] -out DIR spamassassin

Writes SpamAssassin's deduplicated split, as lossbook's tasks see it, to DIR/train.jsonl, validation.jsonl and
test.jsonl, one message a line: {"id","group","spam","subject","text"}. Peers (scripts/peers_spam.py) read it,
so that they train and test on exactly lossbook's data.`

func runData(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("data")
	if err := parseParentFlags(fs, args, dataUsage, stdout); err != nil {
		return err
	}
	args = fs.Args()
	if len(args) == 0 {
		return usagef("data", "needs a subcommand: list, fetch or export")
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
	case "export":
		return dataExport(args[1:], stdout, stderr)
	default:
		return usagef("data", "unknown subcommand %q; valid: list, fetch, export", args[0])
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

// splitNames names the parts of an exported split, in the order of the fractions.
var splitNames = []string{"train", "validation", "test"}

// dataExport writes SpamAssassin's deduplicated split as JSON lines, so that peers (scikit-learn, PyTorch)
// train and test on exactly the messages lossbook's tasks use.
func dataExport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("data export")
	cache := fs.String("cache", "", "cache folder (default $"+data.EnvCache+", else the user cache folder + /lossbook)")
	out := fs.String("out", "", "folder to write train.jsonl, validation.jsonl and test.jsonl into (required)")
	seed := fs.Uint64("seed", 1, "seed of the split (data.SpamAssassin.Split)")
	fractionsFlag := fs.String("fractions", "0.8,0.1,0.1", "train, validation and test fractions, summing to 1")
	if err := parseFlags(fs, args, dataExportUsage, stdout); err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) != "spamassassin" {
		return usagef("data export", "takes one data set name, spamassassin (the only one with a message split), got %q", fs.Args())
	}
	if *out == "" {
		return usagef("data export", "needs -out DIR")
	}
	var fractions []float64
	for _, f := range strings.Split(*fractionsFlag, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return usagef("data export", "-fractions %q: %q is not a number (want e.g. 0.8,0.1,0.1)", *fractionsFlag, f)
		}
		fractions = append(fractions, x)
	}
	if len(fractions) != len(splitNames) {
		return usagef("data export", "-fractions %q has %d values, want 3 (train, validation, test)", *fractionsFlag, len(fractions))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	s, err := data.LoadSpamAssassin(ctx, data.Options{CacheDir: *cache, Progress: stderr})
	if err != nil {
		return err
	}
	parts, err := s.Split(*seed, fractions...)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for i, part := range parts {
		name := filepath.Join(*out, splitNames[i]+".jsonl")
		if err := writeJSONL(name, part); err != nil {
			return err
		}
		ham, spam := 0, 0
		for _, m := range part {
			if m.Spam {
				spam++
			} else {
				ham++
			}
		}
		fmt.Fprintf(stdout, "%s: %d messages (%d ham, %d spam)\n", name, len(part), ham, spam)
	}
	return nil
}

// exportedMessage is one line of an exported split.
type exportedMessage struct {
	ID      string `json:"id"`
	Group   string `json:"group"`
	Spam    bool   `json:"spam"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// writeJSONL writes messages one JSON object a line to a temporary file beside name, then renames it.
func writeJSONL(name string, messages []data.Message) (err error) {
	f, err := os.CreateTemp(filepath.Dir(name), filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, m := range messages {
		if err = enc.Encode(exportedMessage{m.ID, m.Group, m.Spam, m.Subject, m.Text}); err != nil {
			return err
		}
	}
	if err = w.Flush(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}
