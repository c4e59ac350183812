package api

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/flowdesk/flowdesk/backend/store"
)

// checkToken requires "Authorization: Bearer <token>" on /api/* when the server has tokens
// (it is bound beyond loopback). Tokens are compared by hash in constant time.
func (s *Server) checkToken(r *http.Request) *Error {
	if len(s.tokenHashes) == 0 || !strings.HasPrefix(r.URL.Path, "/api/") {
		return nil
	}
	auth := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || token == "" {
		e := apiError(http.StatusUnauthorized, "unauthorized", "this Flowdesk is reachable from the network, so the API needs a token: send Authorization: Bearer <token>")
		return e
	}
	got := []byte(store.HashToken(strings.TrimSpace(token)))
	match := 0
	for _, h := range s.tokenHashes {
		match |= subtle.ConstantTimeCompare(got, []byte(h))
	}
	if match != 1 {
		return apiError(http.StatusUnauthorized, "unauthorized", "the API token is not valid")
	}
	return nil
}
