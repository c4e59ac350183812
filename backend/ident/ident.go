// Package ident makes readable, unique ids from names: "Webinar follow-up" ->
// "webinar-follow-up-3fa9c1" (New, for webhook endpoints) or "webinar-follow-up", then
// "webinar-follow-up-2" (Slug and Unique, for workflows, whose ids users see and may type).
package ident

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
)

// New returns a slug of name (lowercase ASCII letters and digits joined by "-", at most 40
// characters; fallback when nothing is left) followed by 6 random hex digits.
func New(name, fallback string) string {
	var rnd [3]byte
	_, _ = rand.Read(rnd[:])
	return Slug(name, fallback) + "-" + hex.EncodeToString(rnd[:])
}

// Slug returns name as lowercase ASCII letters and digits joined by "-" (at most 40
// characters), or fallback when nothing is left.
func Slug(name, fallback string) string {
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
	if slug := strings.Trim(b.String(), "-"); slug != "" {
		return slug
	}
	return fallback
}

// Unique returns slug when it is free, or else slug-2, slug-3, ... (the first free one).
func Unique(slug string, taken func(id string) bool) string {
	if !taken(slug) {
		return slug
	}
	for n := 2; ; n++ {
		if id := slug + "-" + strconv.Itoa(n); !taken(id) {
			return id
		}
	}
}
