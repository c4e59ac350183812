// Package answer writes JSON answers for the HTTP API and the webhook listener, so both encode
// bodies and errors the same way.
package answer

import (
	"encoding/json"
	"net/http"
)

// JSON answers status with v as JSON. HTML is not escaped (answers are data, not pages) and
// nothing is cached: answers carry workflow state that changes.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the status is sent; a failed write means the client went away
}

// Error answers status with {"error": {"code", "message", "details"}}, the one error shape of
// every Flowdesk answer; details is left out when nil.
func Error(w http.ResponseWriter, status int, code, message string, details any) {
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details any    `json:"details,omitempty"`
	}
	JSON(w, status, struct {
		Error body `json:"error"`
	}{body{code, message, details}})
}
