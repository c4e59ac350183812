// Package app is the desktop shell: the Wails window, its lifecycle and the few OS features a
// browser cannot offer (file dialogs). Domain logic lives in backend/; the window talks to it
// through the same /api/* calls as the browser UI.
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/flowdesk/flowdesk/backend/server"
	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// Config is what the desktop app runs.
type Config struct {
	Server server.Config
	Assets fs.FS // the built frontend
}

// App is bound to the window: its exported methods are callable from the frontend.
type App struct {
	cfg Config
	ctx context.Context
	srv atomic.Pointer[server.Server]
	log *slog.Logger
}

// Run opens the window and blocks until it is closed. The engine starts after the window is
// created (so the window shows at once) and stops, letting steps in flight commit, on close.
func Run(cfg Config) error {
	if cfg.Server.Log == nil {
		cfg.Server.Log = slog.Default()
	}
	a := &App{cfg: cfg, log: cfg.Server.Log}
	return wails.Run(&options.App{
		Title:     "Flowdesk",
		Width:     1280,
		Height:    820,
		MinWidth:  900,
		MinHeight: 600,
		AssetServer: &assetserver.Options{
			Assets:  cfg.Assets,
			Handler: http.HandlerFunc(a.serveAPI),
		},
		OnStartup:  a.startup,
		OnShutdown: a.shutdown,
		Bind:       []any{a},
	})
}

func (a *App) startup(ctx context.Context) {
	a.ctx = ctx
	srv, err := server.Start(ctx, a.cfg.Server)
	if err != nil {
		a.log.Error("start flowdesk", "err", err)
		runtime.MessageDialog(ctx, runtime.MessageDialogOptions{Type: runtime.ErrorDialog, Title: "Flowdesk could not start", Message: err.Error()})
		runtime.Quit(ctx)
		return
	}
	a.srv.Store(srv)
	a.log.Info("flowdesk started", "listener", "http://"+srv.Addr(), "database", srv.DB.Path())
}

func (a *App) shutdown(ctx context.Context) {
	if srv := a.srv.Swap(nil); srv != nil {
		if err := srv.Close(ctx); err != nil {
			a.log.Error("stop flowdesk", "err", err)
		}
	}
}

// serveAPI hands the window's /api/* requests to the backend once it has started.
func (a *App) serveAPI(w http.ResponseWriter, r *http.Request) {
	srv := a.srv.Load()
	if srv == nil {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"error":{"code":"starting","message":"Flowdesk is starting; try again in a moment"}}`)
		return
	}
	srv.API.ServeHTTP(w, r)
}

// ListenerURL returns the loopback URL of the webhook listener and browser UI.
func (a *App) ListenerURL() string {
	if srv := a.srv.Load(); srv != nil {
		return "http://" + srv.Addr()
	}
	return ""
}

var jsonFilter = []runtime.FileFilter{{DisplayName: "Workflow JSON (*.json)", Pattern: "*.json"}}

// OpenWorkflowFile asks for a workflow JSON file and returns its contents ("" when cancelled).
func (a *App) OpenWorkflowFile() (string, error) {
	path, err := runtime.OpenFileDialog(a.ctx, runtime.OpenDialogOptions{Title: "Import workflow", Filters: jsonFilter})
	if err != nil || path == "" {
		return "", err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return string(b), nil
}

// SaveWorkflowFile asks where to save a workflow's JSON and writes it; it returns the chosen
// path ("" when cancelled).
func (a *App) SaveWorkflowFile(suggestedName, content string) (string, error) {
	if suggestedName == "" {
		return "", errors.New("no file name suggested")
	}
	path, err := runtime.SaveFileDialog(a.ctx, runtime.SaveDialogOptions{Title: "Export workflow", DefaultFilename: filepath.Base(suggestedName), Filters: jsonFilter})
	if err != nil || path == "" {
		return "", err
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}
