package explain

import (
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"
)

// closedAddr is an address on 127.0.0.1 that refuses connections.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// plainServer is a real 127.0.0.1 server that greets like an SMTP server without TLS.
func plainServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("220 mx.test ESMTP ready\r\n"))
			time.AfterFunc(5*time.Second, func() { c.Close() })
		}
	}()
	return ln.Addr().String()
}

func TestAClosedPortIsCouldNotReach(t *testing.T) {
	addr := closedAddr(t)
	_, err := net.Dial("tcp", addr)
	if err == nil {
		t.Fatal("the closed port answered")
	}
	raw := "dial failed: " + err.Error()
	got := Error("send_email", 0, raw)
	want := "Could not reach the mail server " + addr + " (connection refused): nothing answers at that address and port. Check Settings → Email."
	if got != want {
		t.Fatalf("%q\n gives %q\n want %q", raw, got, want)
	}
	if got := Error("webhook", 0, err.Error()); !strings.HasPrefix(got, "Could not reach the receiver "+addr+" (connection refused)") || !strings.Contains(got, "step's URL") {
		t.Fatalf("a webhook's closed port: %q", got)
	}
}

func TestTLSToAPlainServerSaysItDoesNotSpeakTLS(t *testing.T) {
	addr := plainServer(t)
	c, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "mx.test"})
	if err == nil {
		c.Close()
		t.Fatal("a TLS handshake with a plain server succeeded")
	}
	got := Error("send_email", 0, "dial failed: "+err.Error())
	if !strings.HasPrefix(got, "Could not start an encrypted connection: the mail server does not speak TLS on this port.") ||
		!strings.Contains(got, "Settings → Email") {
		t.Fatalf("%q gives %q", err, got)
	}
}

func TestANameThatDoesNotResolve(t *testing.T) {
	err := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "smtp.nope.invalid", Server: "127.0.0.53:53", IsNotFound: true}}
	got := Error("send_email", 0, "dial failed: "+err.Error())
	if !strings.HasPrefix(got, "Could not find the mail server smtp.nope.invalid: the name does not exist in DNS.") {
		t.Fatalf("%q gives %q", err, got)
	}
	// a name whose DNS server refused the query is not "the mail server refused"
	refused := "dial tcp: lookup smtp.acme.example on 127.0.0.53:53: no such host"
	if got := Error("send_email", 0, refused); !strings.HasPrefix(got, "Could not find the mail server smtp.acme.example") {
		t.Fatalf("%q gives %q", refused, got)
	}
}

func TestRepliesAndStatuses(t *testing.T) {
	for _, c := range []struct {
		typ    string
		status int
		raw    string
		want   string
	}{
		{"send_email", 550, `send failed: closing SMTP DATA writer: 550 "5.1.1 no such mailbox", affected message ID: <x@flowdesk.local>`,
			"The mail server refused the message (550: no such mailbox). It is not tried again; check the address."},
		{"send_email", 535, `dial failed: 535 5.7.8 authentication failed`, "The mail server refused the user name or password (535: authentication failed). Check Settings → Email."},
		{"send_email", 451, `send failed: 451 "4.3.0 try later"`, "The mail server asked to try later (451: try later). Flowdesk tries again."},
		{"webhook", 410, "HTTP 410", "The receiver has no such address (HTTP 410). Check the step's URL, and that the receiver is running."},
		{"webhook", 503, "HTTP 503", "The receiver had an error (HTTP 503). Flowdesk tries again."},
		{"webhook", 0, `Post "http://127.0.0.1:9/in": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
			"The receiver did not answer in time. It may be down or blocked by a firewall; Flowdesk tries again. Check the step's URL, and that the receiver is running."},
		{"send_email", 0, `"ann@" is not an email address; write one like ann@example.com`, ""},
		{"send_email", 0, "", ""},
	} {
		if got := Error(c.typ, c.status, c.raw); got != c.want {
			t.Errorf("%s %d %q\n gives %q\n want %q", c.typ, c.status, c.raw, got, c.want)
		}
	}
	if got := Or("send_email", 0, "the template is gone"); got != "the template is gone" {
		t.Fatalf("Or without words: %q", got)
	}
}
