package api

import (
	"mime"
	"net/http"
	"strings"
)

// requireJSON enforces "state-changing calls only as application/json" (docs/security.md): a
// POST, PUT, PATCH or DELETE to /api/* that carries a body (or declares a content type) must be
// application/json, optionally with charset=utf-8, or it is refused with 415. A browser cannot
// send such a request cross-site without a CORS preflight, which this API never grants.
func requireJSON(r *http.Request) *Error {
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		return nil
	}
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return nil
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		// Even bodyless commands need it: a cross-site page can send a POST without a
		// Content-Type and no CORS preflight, but not one with application/json.
		return unsupported("state-changing requests must be sent as application/json (add the header Content-Type: application/json, even without a body)")
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return unsupported("Content-Type %q cannot be parsed; send application/json", ct)
	}
	if mt != "application/json" {
		return unsupported("Content-Type %q is not accepted; send application/json", mt)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return unsupported("charset %q is not accepted; JSON bodies are UTF-8", cs)
	}
	return nil
}

func unsupported(format string, args ...any) *Error {
	e := apiError(http.StatusUnsupportedMediaType, "unsupported_media_type", format, args...)
	e.Details = map[string]any{"accept": "application/json"}
	return e
}
