// Command flowdesk runs the Flowdesk engine headless and manages its database:
//
//	flowdesk serve    [--db FILE] [--addr 127.0.0.1:8787] [--demo]  engine, webhook listener, API and UI
//	flowdesk worker   --db postgres://... [--workers 64]             run steps beside serve on PostgreSQL
//	flowdesk migrate  --from FILE|URL --to URL|FILE [--replace]       copy a database between SQLite and PostgreSQL
//	flowdesk import   [--db FILE] [--enable] WORKFLOW.json...        add or replace workflows
//	flowdesk export   [--db FILE] WORKFLOW-ID                        print a workflow's JSON
//	flowdesk run-once [--db FILE]                                    run every due step, then exit
//	flowdesk bench    [--mode all|core|listener|outbound|delays]     measure ingest, execution and webhooks
//	flowdesk test     [--db FILE] [--update] testdata/scenarios/     run workflow test scenarios
//	flowdesk token create [--db FILE] [--name LABEL]                 create an API token
//	flowdesk version                                                 print the version
//
// `flowdesk <command> -h` prints a command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/flowdesk/flowdesk/backend/settings"

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
	args  string // what follows the flags (a sub-command comes before them)
	usage string
	run   func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "", "run the engine, webhook listener, API and UI", runServe},
		{"worker", "", "run steps beside serve on a shared PostgreSQL database (dispatcher only)", runWorker},
		{"migrate", "", "copy a database between a SQLite file and PostgreSQL, either way, and check the row counts", runMigrate},
		{"import", "WORKFLOW.json...", "add or replace workflows from JSON files (refused while serve runs)", runImport},
		{"export", "WORKFLOW-ID", "print a workflow's JSON definition (refused while serve runs)", runExport},
		{"run-once", "", "run every step that is due now, then exit", runOnce},
		{"bench", "", "measure durable ingest, step execution and latency", runBench},
		{"test", "SCENARIO.json|DIR...", "run workflow test scenarios through the simulator (nothing is sent)", runTest},
		{"token", "create", "create an API token (needed to serve beyond loopback)", runToken},
		{"version", "", "print the version", runVersion},
	}
}

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("version: unexpected argument %q", fs.Arg(0))
	}
	fmt.Fprintln(stdout, "flowdesk", version)
	return nil
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
		fmt.Fprintf(w, "  %-26s %s\n", strings.TrimSpace(c.name+" "+c.args), c.usage)
	}
	fmt.Fprintln(w, "\nRun 'flowdesk <command> -h' for a command's flags.")
}

// newFlags makes the flag set of a command ("import") or sub-command ("token create"); its -h
// prints the synopsis and purpose from commands(), then the flags.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("flowdesk "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	word, sub, _ := strings.Cut(name, " ")
	var c command
	if i := slices.IndexFunc(commands(), func(c command) bool { return c.name == word }); i >= 0 {
		c = commands()[i]
	}
	fs.Usage = func() {
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		synopsis := "flowdesk " + name
		if n > 0 {
			synopsis += " [flags]"
		}
		if sub == "" && c.args != "" {
			synopsis += " " + c.args
		}
		fmt.Fprintf(stderr, "usage: %s\n", synopsis)
		if c.usage != "" {
			fmt.Fprintf(stderr, "\n%s%s.\n", strings.ToUpper(c.usage[:1]), c.usage[1:])
		}
		if n > 0 {
			fmt.Fprintln(stderr, "\nflags:")
			fs.PrintDefaults()
		}
	}
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

// secretsFlag adds --secrets to a command that opens the settings: the one flag (with
// FLOWDESK_SECRETS) naming the secrets file; settings.SecretsFile places it when both are empty.
func secretsFlag(fs *flag.FlagSet) *string {
	return fs.String("secrets", os.Getenv("FLOWDESK_SECRETS"), "file keeping the SMTP password, SMS token and Slack webhook, created with mode 0600 when one is first set; give every serve and worker of a PostgreSQL database the same file (default $FLOWDESK_SECRETS, else secrets.json beside a SQLite file, else flowdesk/secrets.json in the user's config directory, $XDG_CONFIG_HOME or ~/.config)")
}

// secretsFlagErr names --secrets in an error of the secrets file.
func secretsFlagErr(err error) error {
	if errors.Is(err, settings.ErrSecrets) {
		return fmt.Errorf("--secrets: %w", err)
	}
	return err
}
