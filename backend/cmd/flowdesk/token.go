package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/flowdesk/flowdesk/backend/engine"
)

// runToken creates an API token, needed to serve beyond loopback. The token is printed once;
// only its hash is stored.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fs := newFlags("token", stderr)
		fs.Usage()
		fmt.Fprintln(stderr, "\nRun 'flowdesk token create -h' for its flags.")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			return flag.ErrHelp
		}
		return errors.New("token: the only sub-command is create")
	}
	fs := newFlags("token create", stderr)
	dbPath := fs.String("db", defaultDB(), "SQLite database file (created if missing)")
	name := fs.String("name", "", "a label for the token, e.g. who uses it")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("token create: unexpected argument %q", fs.Arg(0))
	}
	db, err := openStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	token := "fdt_" + base64.RawURLEncoding.EncodeToString(raw[:])
	eng, err := engine.New(ctx, db, engine.Options{})
	if err != nil {
		return err
	}
	if _, err := eng.AddAPIToken(ctx, *name, token); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", token)
	fmt.Fprintln(stderr, "This token is shown once; Flowdesk keeps only its hash. Send it as `Authorization: Bearer <token>`.")
	return nil
}
