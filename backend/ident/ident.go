// Package ident makes readable, unique ids from names ("Webinar follow-up" ->
// "webinar-follow-up-3fa9c1"), for workflows and webhook endpoints.
package ident

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// New returns a slug of name (lowercase ASCII letters and digits joined by "-", at most 40
// characters; fallback when nothing is left) followed by 6 random hex digits.
func New(name, fallback string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if b.Len() >= 40 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	slug := strings.Trim(b.String(), "-")
	if slug == "" {
		slug = fallback
	}
	var rnd [3]byte
	_, _ = rand.Read(rnd[:])
	return slug + "-" + hex.EncodeToString(rnd[:])
}
