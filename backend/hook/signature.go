package hook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SecretPrefix starts every Standard Webhooks signing secret.
const SecretPrefix = "whsec_"

// Tolerance is how far webhook-timestamp may be from the listener's clock.
const Tolerance = 5 * time.Minute

// Standard Webhooks header names.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// NewSecret returns a fresh signing secret: "whsec_" + base64 of 32 random bytes.
func NewSecret() string {
	return SecretPrefix + base64.StdEncoding.EncodeToString(randomBytes(32))
}

// NewAPIKey returns a fresh API key (32 random bytes, base64url).
func NewAPIKey() string {
	return "fdk_" + base64.RawURLEncoding.EncodeToString(randomBytes(32))
}

// NewKey returns an unguessable endpoint key for the URL (32 random bytes, base64url).
func NewKey() string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(32))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return b
}

// HashAPIKey returns the SHA-256 (hex) of an API key, which is what is stored.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// decodeSecret returns the HMAC key of a "whsec_" secret.
func decodeSecret(secret string) ([]byte, error) {
	rest, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, errors.New("a signing secret starts with \"whsec_\" followed by base64")
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return nil, errors.New("the part after \"whsec_\" is not valid base64")
	}
	if len(key) < 16 || len(key) > 128 {
		return nil, fmt.Errorf("the secret decodes to %d bytes; use 16 to 128", len(key))
	}
	return key, nil
}

// Sign returns the webhook-signature value ("v1,<base64>") of a message under a whsec_ secret.
// Senders and tests use it; the listener uses Verify.
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	return "v1," + base64.StdEncoding.EncodeToString(mac(key, id, strconv.FormatInt(ts.Unix(), 10), body)), nil
}

// SignedHeaders returns the three Standard Webhooks headers for a body.
func SignedHeaders(secret, id string, ts time.Time, body []byte) (http.Header, error) {
	sig, err := Sign(secret, id, ts, body)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, sig)
	return h, nil
}

func mac(key []byte, id, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// AuthError is a failed authentication (401): Code says which check failed.
type AuthError struct {
	Code    string
	Message string
}

func (e *AuthError) Error() string { return e.Message }

func authErr(code, format string, args ...any) *AuthError {
	return &AuthError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// MaxWebhookIDLen caps webhook-id and Idempotency-Key.
const MaxWebhookIDLen = 255

// Verify checks a Standard Webhooks signature: webhook-id, webhook-timestamp within Tolerance
// of now, and a webhook-signature list ("v1,<base64> v1,<base64>") of which at least one is the
// HMAC-SHA256 of "id.timestamp.body" under the secret. The comparison is constant-time.
func Verify(secret string, h http.Header, body []byte, now time.Time) error {
	key, err := decodeSecret(secret)
	if err != nil {
		return authErr("bad_secret", "the endpoint's signing secret is unusable: %v", err)
	}
	id, ts, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Values(HeaderSignature)
	var missing []string
	if id == "" {
		missing = append(missing, HeaderID)
	}
	if ts == "" {
		missing = append(missing, HeaderTimestamp)
	}
	if len(sigs) == 0 || strings.TrimSpace(strings.Join(sigs, "")) == "" {
		missing = append(missing, HeaderSignature)
	}
	if len(missing) > 0 {
		return authErr("missing_signature", "this endpoint requires a Standard Webhooks signature; missing header(s): %s", strings.Join(missing, ", "))
	}
	if len(id) > MaxWebhookIDLen || !printable(id) {
		return authErr("malformed_signature", "webhook-id must be 1 to %d printable characters", MaxWebhookIDLen)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(ts) > 12 {
		return authErr("malformed_signature", "webhook-timestamp %q is not unix seconds", clip(ts))
	}
	sent := time.Unix(sec, 0)
	switch d := now.Sub(sent); {
	case d > Tolerance:
		return authErr("stale_timestamp", "webhook-timestamp is %s old; signed requests are accepted for %s (check the sender's clock or resend)", d.Round(time.Second), Tolerance)
	case d < -Tolerance:
		return authErr("future_timestamp", "webhook-timestamp is %s in the future; the sender's clock is off by more than %s", (-d).Round(time.Second), Tolerance)
	}
	expected := mac(key, id, ts, body)
	var sawV1 bool
	for _, header := range sigs {
		for _, part := range strings.Fields(header) {
			version, value, ok := strings.Cut(part, ",")
			if !ok || version != "v1" {
				continue // other schemes (v1a, ...) are not ours to check
			}
			sawV1 = true
			got, err := base64.StdEncoding.DecodeString(value)
			if err != nil {
				continue
			}
			if hmac.Equal(got, expected) {
				return nil
			}
		}
	}
	if !sawV1 {
		return authErr("malformed_signature", "webhook-signature has no \"v1,<base64>\" signature")
	}
	return authErr("bad_signature", "no signature in webhook-signature matches: the secret is wrong or the body was changed")
}

// VerifyAPIKey compares the API key header's SHA-256 with the stored hash in constant time.
func VerifyAPIKey(storedHash, header string, h http.Header) error {
	got := h.Get(header)
	if got == "" {
		return authErr("missing_api_key", "this endpoint requires an API key in the %s header", header)
	}
	want, err := hex.DecodeString(storedHash)
	if err != nil || len(want) != sha256.Size {
		return authErr("bad_secret", "the endpoint's API key is unusable; rotate it")
	}
	sum := sha256.Sum256([]byte(got))
	if subtle.ConstantTimeCompare(sum[:], want) != 1 {
		return authErr("bad_api_key", "the API key in the %s header is wrong", header)
	}
	return nil
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
