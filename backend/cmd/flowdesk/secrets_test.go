package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres"
	"github.com/flowdesk/flowdesk/backend/store/postgres/pgtest"
)

// authMailbox is a real SMTP server (github.com/emersion/go-smtp) on 127.0.0.1 that offers
// STARTTLS and takes a message only after AUTH PLAIN with its user and password, over TLS.
type authMailbox struct {
	user, pass string
	port       int
	mu         sync.Mutex
	authed     []string // the user of each message taken
	refused    int      // AUTH attempts with the wrong credentials
}

func newAuthMailbox(t *testing.T, user, pass string, cert tls.Certificate) *authMailbox {
	t.Helper()
	mb := &authMailbox{user: user, pass: pass}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &authSession{mb: mb}, nil }))
	srv.Domain = "mx.test"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mb.port = ln.Addr().(*net.TCPAddr).Port
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	return mb
}

func (mb *authMailbox) taken() (authed []string, refused int) {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return append([]string(nil), mb.authed...), mb.refused
}

type authSession struct {
	mb   *authMailbox
	user string
}

func (s *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *authSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.mb.user || pass != s.mb.pass {
			s.mb.mu.Lock()
			s.mb.refused++
			s.mb.mu.Unlock()
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.user = user
		return nil
	}), nil
}

func (s *authSession) Mail(string, *smtp.MailOptions) error {
	if s.user == "" {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (s *authSession) Rcpt(string, *smtp.RcptOptions) error { return nil }

func (s *authSession) Data(r io.Reader) error {
	if _, err := io.ReadAll(r); err != nil {
		return err
	}
	s.mb.mu.Lock()
	defer s.mb.mu.Unlock()
	s.mb.authed = append(s.mb.authed, s.user)
	return nil
}

func (s *authSession) Reset()        {}
func (s *authSession) Logout() error { return nil }

// loopbackCert is a self-signed certificate for 127.0.0.1, and a PEM file of it for a process
// to trust (SSL_CERT_FILE).
func loopbackCert(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, file
}

// filesUnder lists every file and directory under dir (relative paths), for "nothing written".
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != dir {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// flowdeskCmd is the binary run in dir with the environment given on top of the test's, and
// neither FLOWDESK_DB nor FLOWDESK_SECRETS unless given.
func flowdeskCmd(ctx context.Context, bin, dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "FLOWDESK_DB=", "FLOWDESK_SECRETS="), env...)
	return cmd
}

const sharedSMTPPassword = "Sh4red-smtp-pa55word"

// TestServeAndWorkerShareTheSecretsFile: on PostgreSQL, serve keeps the secrets in the file
// --secrets names, never in a path made of the database's address, and writes nothing in its
// working directory; a worker given the same file (through FLOWDESK_SECRETS) sends an email
// with the SMTP password set through serve's API, authenticating to a real SMTP server over
// STARTTLS. Without --secrets, the file is in the user's config directory.
func TestServeAndWorkerShareTheSecretsFile(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED ON PURPOSE in -short mode: builds the binary and runs serve and a worker")
	}
	dsn := pgtest.DSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := buildFlowdesk(ctx, t, dir)
	secrets := filepath.Join(t.TempDir(), "shared", "secrets.json")
	config, work := t.TempDir(), t.TempDir() // the processes' config directory and working directory
	cert, certFile := loopbackCert(t)
	mb := newAuthMailbox(t, "mailer", sharedSMTPPassword, cert)
	client := newLoopbackClient()

	serve := flowdeskCmd(ctx, bin, work, []string{"XDG_CONFIG_HOME=" + config},
		"serve", "--db", dsn, "--secrets", secrets, "--addr", "127.0.0.1:0", "--log-level", "warn")
	srv := launchCmd(t, serve, filepath.Join(dir, "serve.log"), readyRe).wait(ctx, t)
	put := fmt.Sprintf(`{"smtp": {"host": "127.0.0.1", "port": %d, "tls": "starttls", "from": "news@acme.example", "username": "mailer", "password": %q}}`,
		mb.port, sharedSMTPPassword)
	if err := apiCall(ctx, client, http.MethodPut, srv.base+"/api/settings", put, http.StatusOK, nil); err != nil {
		t.Fatal(err)
	}
	if err := apiCall(ctx, client, http.MethodPost, srv.base+"/api/workflows", `{"id": "mail", "name": "Mail", "object": "contact",
	  "triggers": [{"type": "event", "event": "mail.me"}], "start": "mail",
	  "steps": [{"id": "mail", "type": "send_email", "subject": "Hello", "body": "Hello from a worker."}]}`, http.StatusCreated, nil); err != nil {
		t.Fatal(err)
	}
	if err := apiCall(ctx, client, http.MethodPost, srv.base+"/api/workflows/mail/enable", "", http.StatusOK, nil); err != nil {
		t.Fatal(err)
	}
	if err := srv.terminate(); err != nil {
		t.Fatalf("%v\n%s", err, logTail(srv.logPath))
	}
	if got := filesUnder(t, work); len(got) > 0 {
		t.Fatalf("serve on PostgreSQL wrote %v in its working directory", got)
	}
	if got := filesUnder(t, config); len(got) > 0 {
		t.Fatalf("serve given --secrets wrote %v in the config directory", got)
	}
	fi, err := os.Stat(secrets)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the secrets file %s: %v %v, want it with mode 0600", secrets, fi, err)
	}
	if raw, _ := os.ReadFile(secrets); !strings.Contains(string(raw), sharedSMTPPassword) {
		t.Fatalf("the SMTP password set through serve's API is not in %s", secrets)
	}

	// The event is stored while serve is stopped, so the step is the worker's to run.
	db, err := postgres.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	eng, err := engine.New(ctx, db, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Ingest(ctx, engine.EventInput{Type: "mail.me", Record: engine.RecordRef{Type: "contact", Email: "ann@example.com"}})
	if err != nil || len(res.Enrollments) != 1 {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	worker := flowdeskCmd(ctx, bin, work, []string{"XDG_CONFIG_HOME=" + config, "FLOWDESK_SECRETS=" + secrets, "SSL_CERT_FILE=" + certFile},
		"worker", "--db", dsn, "--log-level", "warn")
	w := launchCmd(t, worker, filepath.Join(dir, "worker.log"), workerReadyRe).wait(ctx, t)
	var trail []string
	if err := waitFor(ctx, func() (bool, error) {
		hist, err := db.History(ctx, res.Enrollments[0])
		trail = historyTrail(hist)
		return strings.Contains(strings.Join(trail, " "), "mail:"), err
	}); err != nil {
		t.Fatalf("the worker did not run the email step: %v\n%s", err, logTail(w.logPath))
	}
	authed, refused := mb.taken()
	if len(authed) != 1 || authed[0] != "mailer" || refused != 0 || !strings.Contains(strings.Join(trail, " "), "mail:ok") {
		t.Fatalf("the worker's email: trail %v, messages taken after AUTH as %v, %d AUTH refused; want one, as mailer\n%s", trail, authed, refused, logTail(w.logPath))
	}
	if err := w.terminate(); err != nil {
		t.Fatalf("%v\n%s", err, logTail(w.logPath))
	}
	if got := filesUnder(t, work); len(got) > 0 {
		t.Fatalf("the worker wrote %v in its working directory", got)
	}

	// No --secrets nor FLOWDESK_SECRETS: the user's config directory, still nothing in the
	// working directory.
	config2 := t.TempDir()
	serve = flowdeskCmd(ctx, bin, work, []string{"XDG_CONFIG_HOME=" + config2}, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-level", "warn")
	srv = launchCmd(t, serve, filepath.Join(dir, "serve-default.log"), readyRe).wait(ctx, t)
	if err := apiCall(ctx, client, http.MethodPut, srv.base+"/api/settings", `{"slack": {"default_channel": "#news", "webhook_url": "https://hooks.slack.com/services/T0/B0/default"}}`, http.StatusOK, nil); err != nil {
		t.Fatal(err)
	}
	if err := srv.terminate(); err != nil {
		t.Fatalf("%v\n%s", err, logTail(srv.logPath))
	}
	if raw, err := os.ReadFile(filepath.Join(config2, "flowdesk", "secrets.json")); err != nil || !strings.Contains(string(raw), "B0/default") {
		t.Fatalf("without --secrets the Slack webhook is not in the config directory's flowdesk/secrets.json (%v); there are %v", err, filesUnder(t, config2))
	}
	if got := filesUnder(t, work); len(got) > 0 {
		t.Fatalf("serve on PostgreSQL without --secrets wrote %v in its working directory", got)
	}
}

// TestBadSecretsFileIsRefused: serve (on PostgreSQL and on a SQLite file) and worker refuse a
// --secrets that is a directory, a damaged file or a path under a regular file, with exit
// status 2 and a message naming the flag and the file, before they open the database: the
// PostgreSQL database stays empty, the SQLite file is not created.
func TestBadSecretsFileIsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED ON PURPOSE in -short mode: builds the binary")
	}
	dsn := pgtest.Empty(t)
	ctx := context.Background()
	dir := t.TempDir()
	bin := buildFlowdesk(ctx, t, dir)
	bad := t.TempDir()
	damaged := filepath.Join(bad, "damaged.json")
	if err := os.WriteFile(damaged, []byte(`{"smtp.password": "`+sharedSMTPPassword), 0o600); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(bad, "plain")
	if err := os.WriteFile(plain, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	sqlite := filepath.Join(t.TempDir(), "flowdesk.db")
	for _, file := range []struct{ name, path, says string }{
		{"a directory", bad, "not a regular file"},
		{"a damaged file", damaged, "not a JSON object"},
		{"a path under a regular file", filepath.Join(plain, "secrets.json"), "not a directory"},
	} {
		for _, args := range [][]string{
			{"serve", "--db", dsn, "--addr", "127.0.0.1:0"},
			{"serve", "--db", sqlite, "--addr", "127.0.0.1:0"},
			{"worker", "--db", dsn},
		} {
			t.Run(file.name+"/"+args[0]+" "+filepath.Base(args[2]), func(t *testing.T) {
				work := t.TempDir()
				cmdCtx, cancel := context.WithTimeout(ctx, time.Minute)
				defer cancel()
				out, err := flowdeskCmd(cmdCtx, bin, work, []string{"XDG_CONFIG_HOME=" + t.TempDir()}, append(args, "--secrets", file.path)...).CombinedOutput()
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != 2 {
					t.Fatalf("%v --secrets %s: %v, want exit status 2\n%s", args, file.path, err, out)
				}
				for _, want := range []string{"--secrets", file.path, file.says} {
					if !strings.Contains(string(out), want) {
						t.Errorf("%v --secrets %s said %q, want it to say %q", args, file.path, out, want)
					}
				}
				if strings.Contains(string(out), sharedSMTPPassword) {
					t.Errorf("the message quotes the secrets file: %q", out)
				}
				if got := filesUnder(t, work); len(got) > 0 {
					t.Errorf("a refused %s wrote %v in its working directory", args[0], got)
				}
			})
		}
	}
	if rows := tableRows(t, dsn); len(rows) > 0 {
		t.Errorf("the PostgreSQL database was written under a refused --secrets: tables %v", rows)
	}
	if _, err := os.Stat(sqlite); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a serve refusing its --secrets created the SQLite file %s (%v)", sqlite, err)
	}
	if raw, _ := os.ReadFile(damaged); !strings.Contains(string(raw), sharedSMTPPassword) {
		t.Error("a refused secrets file was changed")
	}
}
