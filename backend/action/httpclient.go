package action

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-resty/resty/v2"
)

// MaxRedirects is how many redirects an outgoing request follows.
const MaxRedirects = 5

// client returns the resty client for a policy set: one per distinct set, so a connection
// dialled under one workflow's policy is never reused by a workflow with another.
func (w *Webhook) client(ps policySet) *resty.Client {
	k := ps.key()
	if c, ok := w.clients.Load(k); ok {
		return c.(*resty.Client)
	}
	c, _ := w.clients.LoadOrStore(k, newClient(ps, w.cfg))
	return c.(*resty.Client)
}

// newClient builds a resty client whose dialer checks every address it connects to against the
// policies (after DNS resolution, so a name that resolves to a metadata address is refused too),
// and whose redirect policy re-checks each hop.
func newClient(ps policySet, cfg Config) *resty.Client {
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would make the dialer's checks meaningless
		DialContext:           guardedDial(ps),
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       cfg.TLS.Clone(),
	}
	hc := &http.Client{Transport: tr} // no cookie jar: deliveries share no state
	c := resty.NewWithClient(hc)
	c.SetRedirectPolicy(redirectPolicy(ps))
	c.SetRetryCount(0) // retries are the engine's durable jobs, never in-process loops
	c.SetLogger(quietLogger{})
	return c
}

// quietLogger drops resty's own log lines: outcomes go to the delivery log, and resty's
// messages could quote request details.
type quietLogger struct{}

func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}

// guardedDial resolves and dials like net.Dialer, refusing addresses the policies deny. The
// check runs in the dialer's Control hook, on the address actually being connected to (after DNS
// resolution, for each address tried), so neither a name that resolves to a refused address nor
// 0.0.0.0 or [::] (which reach this machine) gets through.
func guardedDial(ps policySet) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, p, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		port, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return nil, &PolicyError{Host: host, Reason: fmt.Sprintf("the port %q is not a number", p)}
		}
		if err := ps.check(host, uint16(port), netip.Addr{}); err != nil {
			return nil, err
		}
		d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second,
			Control: func(_, address string, _ syscall.RawConn) error {
				ap, err := netip.ParseAddrPort(address)
				if err != nil {
					return &PolicyError{Host: host, Reason: fmt.Sprintf("cannot read the dialled address %q", address)}
				}
				return ps.check(host, ap.Port(), ap.Addr())
			}}
		return d.DialContext(ctx, network, addr)
	}
}

// redirectPolicy follows at most MaxRedirects redirects, never from https to http, re-checking
// every hop's destination, and drops credentials and the step's custom headers on a hop to
// another origin (scheme, host or port) than the first request's.
func redirectPolicy(ps policySet) resty.RedirectPolicy {
	return resty.RedirectPolicyFunc(func(req *http.Request, via []*http.Request) error {
		if len(via) > MaxRedirects {
			return &PolicyError{Host: req.URL.Hostname(), Reason: fmt.Sprintf("more than %d redirects", MaxRedirects)}
		}
		prev := via[len(via)-1]
		if prev.URL.Scheme == "https" && req.URL.Scheme != "https" {
			return &PolicyError{Host: req.URL.Hostname(), Reason: "a redirect from https to http would send the data unencrypted"}
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return &PolicyError{Host: req.URL.Hostname(), Reason: fmt.Sprintf("a redirect to a %q address", req.URL.Scheme)}
		}
		if err := ps.checkURL(req.URL); err != nil {
			return err
		}
		if !sameOrigin(req.URL, via[0].URL) {
			for name := range req.Header {
				if !standardHeader(name) {
					req.Header.Del(name)
				}
			}
		}
		return nil
	})
}

// sameOrigin compares scheme, host and port (a missing port is the scheme's default).
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && urlPort(a) == urlPort(b)
}

// standardHeader reports whether a request header is one Flowdesk sets (kept across origins on a
// redirect); everything else is a user's custom header, possibly a credential.
func standardHeader(name string) bool {
	switch strings.ToLower(name) {
	case "content-type", "user-agent", "accept", "accept-encoding", HeaderID, HeaderTimestamp, HeaderSignature:
		return true
	}
	return false
}
