//go:build !ui

// Package frontend exposes the built web UI to Go binaries. Builds without the "ui" tag carry
// no UI (Dist returns nil), so Go code builds and tests without frontend/dist existing.
package frontend

import "io/fs"

// Dist returns nil: this binary was built without the "ui" tag.
func Dist() fs.FS { return nil }
