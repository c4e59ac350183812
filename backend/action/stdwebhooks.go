package action

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"

	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Standard Webhooks (https://www.standardwebhooks.com) header names.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// secretKey decodes a step's signing secret (workflow.WebhookSecretKey; validation refuses a bad
// one at save, so this fails only for a definition stored before that check). The error never
// quotes the secret.
func secretKey(secret string) ([]byte, error) {
	key, err := workflow.WebhookSecretKey(secret)
	if err != nil {
		return nil, fmt.Errorf("the signing secret %v; paste the secret as the receiver gave it (\"whsec_\" followed by base64)", err)
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
