// Flowdesk desktop app: one process with the window, the engine and the loopback webhook
// listener. The headless server and the other commands are backend/cmd/flowdesk
// (`flowdesk serve` with the same UI in a browser).
package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/flowdesk/flowdesk/app"
	"github.com/flowdesk/flowdesk/backend/server"
	"github.com/flowdesk/flowdesk/frontend"

	_ "time/tzdata" // delays and schedules name IANA zones; work where the OS has no zone database
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg := app.Config{
		Server: server.Config{DBPath: env("FLOWDESK_DB", defaultDB()), Secrets: env("FLOWDESK_SECRETS", ""), Addr: env("FLOWDESK_ADDR", "127.0.0.1:8787"), Demo: true, Log: log, Version: "dev"},
		Assets: frontend.Dist(),
	}
	if cfg.Assets == nil {
		fmt.Fprintln(os.Stderr, "flowdesk: this binary has no UI; build it with `wails build -tags \"webkit2_41 ui\"`")
		os.Exit(2)
	}
	if err := app.Run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "flowdesk:", err)
		os.Exit(1)
	}
}

// env reads a setting from the environment (FLOWDESK_DB, FLOWDESK_ADDR), else def.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func defaultDB() string {
	if dir := os.Getenv("XDG_DATA_HOME"); dir != "" {
		return dir + "/flowdesk/flowdesk.db"
	}
	if home, err := os.UserHomeDir(); err == nil {
		return home + "/.local/share/flowdesk/flowdesk.db"
	}
	return "flowdesk.db"
}
