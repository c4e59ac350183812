package main

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// flagLine is a flag's first help line: its name, then the type of its value, or nothing for a
// switch. A back-quoted word in a flag's description would take the type's place (that is how
// the flag package names a value), so anything but a type here is a garbled line.
var flagLine = regexp.MustCompile(`^  -([a-z][a-z-]*)(?: (string|int|duration|float|uint|int64|uint64|value))?$`)

// TestCLIHelp runs -h for the top level and every command and checks each usage text: it starts
// with the command's synopsis and purpose, every flag line names a flag and its type, and every
// flag has a description.
func TestCLIHelp(t *testing.T) {
	_, top, err := cliRun(t, "-h")
	if err != nil {
		t.Fatalf("flowdesk -h: %v", err)
	}
	for _, c := range commands() {
		if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(strings.TrimSpace(c.name+" "+c.args)) + ` +` + regexp.QuoteMeta(c.usage) + `$`).MatchString(top) {
			t.Errorf("flowdesk -h does not list %q with its purpose:\n%s", c.name, top)
		}
	}

	for _, c := range commands() {
		args := []string{c.name, "-h"}
		name := c.name
		if c.name == "token" {
			args, name = []string{"token", "create", "-h"}, "token create"
		}
		t.Run(name, func(t *testing.T) {
			stdout, help, err := cliRun(t, args...)
			if !errors.Is(err, flag.ErrHelp) {
				t.Fatalf("%s -h: %v, want flag.ErrHelp (printed help, exit 0)", name, err)
			}
			if stdout != "" {
				t.Errorf("%s -h wrote to stdout: %q", name, stdout)
			}
			lines := strings.Split(strings.TrimRight(help, "\n"), "\n")
			if !strings.HasPrefix(lines[0], "usage: flowdesk "+name) {
				t.Errorf("first line %q, want the synopsis of %q", lines[0], name)
			}
			if c.args != "" && name == c.name && !strings.HasSuffix(lines[0], " "+c.args) {
				t.Errorf("synopsis %q does not name the arguments %q", lines[0], c.args)
			}
			if !strings.Contains(strings.ToLower(help), strings.ToLower(c.usage)+".") {
				t.Errorf("help does not say what %s does (%q):\n%s", name, c.usage, help)
			}
			flags := 0
			for i, l := range lines {
				if !strings.HasPrefix(l, "  -") {
					continue
				}
				flags++
				if !flagLine.MatchString(l) {
					t.Errorf("garbled flag line %q (want \"  -name\" and a type or nothing)", l)
				}
				if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "    \t") || len(strings.TrimSpace(lines[i+1])) < 10 {
					t.Errorf("flag line %q has no description", l)
				}
			}
			if strings.Contains(help, "\nflags:\n") != (flags > 0) {
				t.Errorf("%d flag lines, and the flags heading does not match:\n%s", flags, help)
			}
			if strings.Contains(help, "`") {
				t.Errorf("a back quote in the help text:\n%s", help)
			}
		})
	}

	// `token` alone explains its one sub-command.
	if _, help, err := cliRun(t, "token", "-h"); !errors.Is(err, flag.ErrHelp) || !strings.Contains(help, "flowdesk token create") {
		t.Errorf("token -h: %v\n%s", err, help)
	}
}

// TestCLIDatabaseFlagSaysWhatHappens: each command's --db help says "(must exist)" exactly when
// the command refuses a database file that is not there, and "(created if missing)" when it
// creates it.
func TestCLIDatabaseFlagSaysWhatHappens(t *testing.T) {
	example := filepath.Join("..", "..", "..", "testdata", "workflows", "sales-handoff.json")
	cases := map[string][]string{ // command → arguments after --db
		"import":       {example},
		"export":       {"sales-handoff"},
		"run-once":     {},
		"token create": {},
	}
	for name, rest := range cases {
		t.Run(name, func(t *testing.T) {
			_, help, _ := cliRun(t, append(strings.Fields(name), "-h")...)
			mustExist := strings.Contains(help, "SQLite database file (must exist)")
			creates := strings.Contains(help, "SQLite database file (created if missing)")
			if mustExist == creates {
				t.Fatalf("--db help says neither or both of (must exist) and (created if missing):\n%s", help)
			}
			dbPath := filepath.Join(t.TempDir(), "missing.db")
			_, _, err := cliRun(t, append(append(strings.Fields(name), "--db", dbPath), rest...)...)
			_, statErr := os.Stat(dbPath)
			if mustExist {
				if err == nil || !strings.Contains(err.Error(), "no database at") || statErr == nil {
					t.Errorf("help says the database must exist, but on a missing one: err %v, file created %v", err, statErr == nil)
				}
			} else if err != nil || statErr != nil {
				t.Errorf("help says the database is created if missing, but: err %v, stat %v", err, statErr)
			}
		})
	}
}
