package hook

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // Twilio signs its callbacks with HMAC-SHA1; we check what it sends
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/flowdesk/flowdesk/backend/answer"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/ident"
	"github.com/flowdesk/flowdesk/backend/problem"
)

// SMSStatusPrefix is the route of SMS providers' status callbacks: POST
// /hooks/sms-status/{token}, a Twilio-style form with MessageSid and MessageStatus, signed in
// X-Twilio-Signature with the account's auth token. The sms step sends this address with each
// message and waits for the report (see engine.ReportDeliveryStatus).
const SMSStatusPrefix = "/hooks/sms-status/"

const maxStatusBody = 64 << 10

// StatusAnswer is the body of a status callback's 200.
type StatusAnswer struct {
	Outcome string `json:"outcome"` // "recorded" (a final status), "noted" (on the way)
	Status  string `json:"status,omitempty"`
	Message string `json:"message"`
}

// serveSMSStatus handles one provider status callback.
func (l *Listener) serveSMSStatus(w http.ResponseWriter, r *http.Request, token string) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		answer.Error(w, http.StatusMethodNotAllowed, "method_not_allowed", "status callbacks take POST, not "+clip(r.Method), map[string]any{"allow": []string{"POST"}})
		return
	}
	enrollmentID, key, ok := engine.ParseStatusToken(token)
	if !ok {
		answer.Error(w, http.StatusNotFound, "unknown_message", "no message Flowdesk sent has the status address "+clip(r.URL.Path), nil)
		return
	}
	if l.opts.SMSAuth == nil {
		answer.Error(w, http.StatusNotFound, "unknown_message", "this Flowdesk sends no SMS through a provider", nil)
		return
	}
	ctx := r.Context()
	authToken, publicBase, err := l.opts.SMSAuth(ctx)
	if err != nil {
		l.log.Error("read the SMS settings for a status callback", "err", err)
		answer.Error(w, http.StatusServiceUnavailable, "unavailable", "could not read the SMS settings; the provider may send the status again", nil)
		return
	}
	if authToken == "" {
		answer.Error(w, http.StatusForbidden, "not_configured", "no SMS auth token is set in Settings, so a status report cannot be checked; set the provider's auth token", map[string]any{"field": "sms.auth_token"})
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		answer.Error(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "a status callback is a form post (application/x-www-form-urlencoded), not "+clip(r.Header.Get("Content-Type")), map[string]any{"field": "Content-Type"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxStatusBody))
	if err != nil {
		answer.Error(w, http.StatusRequestEntityTooLarge, "too_large", "a status callback is at most 64 KiB", nil)
		return
	}
	if off := ident.InvalidUTF8At(body); off >= 0 {
		answer.Error(w, http.StatusBadRequest, "invalid_utf8", fmt.Sprintf("the form is not valid UTF-8 at byte %d", off), map[string]any{"field": "body", "offset": off})
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		answer.Error(w, http.StatusBadRequest, "bad_form", "the form does not parse: "+err.Error(), nil)
		return
	}
	if !validTwilioSignature(r, l.opts.BaseURL, publicBase, authToken, form) {
		answer.Error(w, http.StatusForbidden, "bad_signature", "X-Twilio-Signature does not match this request signed with the SMS auth token set in Settings", map[string]any{"field": "X-Twilio-Signature"})
		return
	}
	status := form.Get("MessageStatus")
	if status == "" {
		status = form.Get("SmsStatus") // Twilio's older name
	}
	if status == "" {
		answer.Error(w, http.StatusBadRequest, "invalid_input", "MessageStatus: is missing; a status callback names the message's status (delivered, failed, ...)", map[string]any{"field": "MessageStatus"})
		return
	}
	res, err := l.eng.ReportDeliveryStatus(ctx, enrollmentID, key, engine.StatusReport{Status: status, Code: form.Get("ErrorCode")})
	var pe *problem.Error
	switch {
	case errors.As(err, &pe):
		answer.Error(w, http.StatusBadRequest, "invalid_input", pe.Error(), map[string]any{"field": "MessageStatus"})
		return
	case errors.Is(err, engine.ErrUnknownMessage):
		answer.Error(w, http.StatusNotFound, "unknown_message", err.Error(), nil)
		return
	case err != nil:
		l.log.Error("record an SMS status", "enrollment", enrollmentID, "err", err)
		answer.Error(w, http.StatusServiceUnavailable, "unavailable", "could not record the status; the provider may send it again", nil)
		return
	}
	out := StatusAnswer{Outcome: "noted", Message: "the message is on its way; waiting for its final status"}
	if res.Final {
		out = StatusAnswer{Outcome: "recorded", Status: res.Status, Message: "the final status is recorded"}
		if res.Woke {
			out.Message += "; the waiting step goes on"
		}
	}
	answer.JSON(w, http.StatusOK, out)
}

// validTwilioSignature checks X-Twilio-Signature against the request. The URL signed is the
// one the step gave the provider, so it is tried with the public address from the settings,
// the listener's own, and the request's Host.
func validTwilioSignature(r *http.Request, base, publicBase, authToken string, form url.Values) bool {
	got, err := base64.StdEncoding.DecodeString(r.Header.Get("X-Twilio-Signature"))
	if err != nil || len(got) == 0 {
		return false
	}
	uri := r.URL.RequestURI()
	for _, b := range []string{publicBase, base, "https://" + r.Host, "http://" + r.Host} {
		if b = strings.TrimRight(strings.TrimSpace(b), "/"); b == "" || b == "https:" || b == "http:" {
			continue
		}
		if hmac.Equal(got, TwilioSignature(authToken, b+uri, form)) {
			return true
		}
	}
	return false
}

// TwilioSignature is what Twilio sends in X-Twilio-Signature for a form post to fullURL:
// HMAC-SHA1 with the auth token over the URL followed by each field's name and value, sorted
// by name.
func TwilioSignature(authToken, fullURL string, form url.Values) []byte {
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	sort.Strings(names)
	m := hmac.New(sha1.New, []byte(authToken))
	m.Write([]byte(fullURL))
	for _, k := range names {
		vals := append([]string(nil), form[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			m.Write([]byte(k + v))
		}
	}
	return m.Sum(nil)
}
