package api

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Any web page the user visits can make the browser send requests to 127.0.0.1. These checks
// keep such pages out of /api/*:
//   - DNS rebinding: a page on attacker.example whose name resolves to 127.0.0.1 sends
//     Host: attacker.example, so a Host that is not one of ours is refused;
//   - cross-site requests: a browser names the calling page in Origin (and Sec-Fetch-Site), so a
//     foreign origin is refused; CORS preflights are never granted.

// hostAllowed reports whether host (from the Host header) names this server. An empty allow
// list means the handler is not reachable from a browser by name (the desktop window's asset
// server) and any host is accepted.
func hostAllowed(host string, allowed []string) bool {
	if len(allowed) == 0 {
		return true
	}
	host = strings.ToLower(host)
	for _, a := range allowed {
		if host == a {
			return true
		}
	}
	return false
}

// AllowedHosts lists the Host values a server bound to addr answers to: the bound address and
// its loopback aliases with the same port. A wildcard address (0.0.0.0, ::) can be reached under
// any of the machine's names, so it gets no list (any host); such a server is beyond loopback
// and every API call carries a token, which a rebinding page does not have.
func AllowedHosts(addr string) []string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return []string{strings.ToLower(addr)}
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.IsUnspecified() {
		return nil
	}
	out := []string{strings.ToLower(net.JoinHostPort(host, port))}
	if host == "localhost" || (ip != nil && ip.IsLoopback()) {
		for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
			out = append(out, net.JoinHostPort(h, port))
		}
	}
	if port == "80" {
		out = append(out, strings.ToLower(host))
	}
	return out
}

// checkOrigin refuses cross-site and rebinding requests to /api/*.
func (s *Server) checkOrigin(r *http.Request) *Error {
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		return nil
	}
	if !hostAllowed(r.Host, s.allowedHosts) {
		return apiError(http.StatusForbidden, "forbidden_host", "this server does not answer to host %q; open it as http://%s", r.Host, s.allowedHosts[0])
	}
	if r.Method == http.MethodOptions {
		return apiError(http.StatusForbidden, "cors_refused", "cross-origin requests are not allowed")
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return apiError(http.StatusForbidden, "cross_site", "requests from other sites are refused")
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil // not sent by a browser page (curl, scripts) or a same-origin GET
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || !sameOrigin(u.Host, r.Host, s.allowedHosts) {
		return apiError(http.StatusForbidden, "cross_site", "requests from origin %q are refused", origin)
	}
	return nil
}

func sameOrigin(originHost, host string, allowed []string) bool {
	originHost = strings.ToLower(originHost)
	if len(allowed) == 0 {
		return originHost == strings.ToLower(host)
	}
	return hostAllowed(originHost, allowed)
}
