// Command flowdesk runs the Flowdesk engine headless and manages its database:
//
//	flowdesk serve   --db FILE --addr 127.0.0.1:8787 [--demo]   engine, webhook listener, API and UI
//	flowdesk import  --db FILE WORKFLOW.json...                  add or replace workflows
//	flowdesk export  --db FILE ID                                print a workflow's JSON
//	flowdesk run-once --db FILE                                  run every due step, then exit
//	flowdesk bench   [--mode all|core|listener|outbound] ...       measure ingest, execution and webhooks
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	_ "time/tzdata" // delays and schedules name IANA zones; work where the OS has no zone database
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // -h printed the flags; asking for help is not a failure
		}
		fmt.Fprintln(os.Stderr, "flowdesk:", err)
		os.Exit(2)
	}
}

type command struct {
	name  string
	usage string
	run   func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the engine, webhook listener, API and UI", runServe},
		{"import", "add or replace workflows from JSON files", runImport},
		{"export", "print a workflow's JSON definition", runExport},
		{"run-once", "run every step that is due now, then exit", runOnce},
		{"bench", "measure durable ingest, step execution and latency", runBench},
		{"token", "create an API token (needed to serve beyond loopback)", runToken},
		{"version", "print the version", func(_ context.Context, _ []string, stdout, _ io.Writer) error {
			fmt.Fprintln(stdout, "flowdesk", version)
			return nil
		}},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: flowdesk <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.usage)
	}
	fmt.Fprintln(w, "\nRun 'flowdesk <command> -h' for a command's flags.")
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("flowdesk "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// defaultDB is where the database lives when --db is not given: the user's data directory.
func defaultDB() string {
	if dir := os.Getenv("XDG_DATA_HOME"); dir != "" {
		return dir + "/flowdesk/flowdesk.db"
	}
	if home, err := os.UserHomeDir(); err == nil {
		return home + "/.local/share/flowdesk/flowdesk.db"
	}
	return "flowdesk.db"
}
