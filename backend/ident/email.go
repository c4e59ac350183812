package ident

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// MaxEmailLen is the longest address accepted (RFC 5321's path limit).
const MaxEmailLen = 254

var folder = cases.Fold()

// EmailKey is the form in which two addresses are compared: trimmed, NFC-normalised and
// Unicode case-folded, so "jörg@bücher.de", "JÖRG@BÜCHER.DE" and a decomposed "jo\u0308rg@..."
// are one contact. What the user typed is kept for display; only the key is compared.
func EmailKey(s string) string {
	return norm.NFC.String(folder.String(norm.NFC.String(strings.TrimSpace(s))))
}

// CheckEmail says why s is not a usable email address (nil when it is): one "@" with a local
// part before it and a domain with a dot after it, valid UTF-8, no spaces or control characters
// (an escaped NUL in JSON is one), at most 254 bytes. A plausibility check, not RFC 5322.
func CheckEmail(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("the email address is empty")
	case !utf8.ValidString(s):
		return fmt.Errorf("the email address is not valid UTF-8")
	case len(s) > MaxEmailLen:
		return fmt.Errorf("the email address is %d bytes long; the limit is %d", len(s), MaxEmailLen)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return fmt.Errorf("%q has a space or control character; an email address has none", s)
		}
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return fmt.Errorf("%q is not an email address; write it like ann@example.com", s)
	}
	domain := s[at+1:]
	if strings.Contains(s[:at], "@") {
		return fmt.Errorf("%q has more than one @", s)
	}
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return fmt.Errorf("%q has no valid domain after the @; write it like ann@example.com", s)
	}
	return nil
}

// ValidEmail reports whether CheckEmail accepts s.
func ValidEmail(s string) bool { return CheckEmail(s) == nil }

// InvalidUTF8At returns the offset of the first byte of b that is not UTF-8, or -1 when b is
// valid UTF-8. Request bodies are checked with it so that an error can name the byte.
func InvalidUTF8At(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}
