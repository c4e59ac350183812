package action

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks (https://www.standardwebhooks.com) header names.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// errBadSecret never quotes the secret.
var errBadSecret = errors.New(`the signing secret is not valid: it must be "whsec_" followed by base64 (as Standard Webhooks secrets are)`)

// secretKey decodes a "whsec_<base64>" signing secret (the prefix may be left out).
func secretKey(secret string) ([]byte, error) {
	raw := strings.TrimPrefix(strings.TrimSpace(secret), "whsec_")
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(raw)
	}
	if err != nil || len(key) == 0 {
		return nil, errBadSecret
	}
	return key, nil
}

// signHeaders returns the Standard Webhooks headers for one try: webhook-id (stable across
// retries), webhook-timestamp (this try) and webhook-signature "v1,<base64 HMAC-SHA256 of
// id.timestamp.body>".
func signHeaders(key []byte, id string, at time.Time, body []byte) map[string]string {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return map[string]string{
		HeaderID:        id,
		HeaderTimestamp: ts,
		HeaderSignature: "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)),
	}
}
