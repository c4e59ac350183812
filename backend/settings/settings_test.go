package settings

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store/storetest"
)

const pw = "hunter2-smtp-password"

func openStore(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := Open(storetest.OpenSQLite(t, filepath.Join(dir, "flowdesk.db")), "")
	if err != nil {
		t.Fatal(err)
	}
	return st, dir
}

func update(t *testing.T, raw string) *Update {
	t.Helper()
	u := &Update{}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(u); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSecretsLiveInA0600FileAndAreMasked(t *testing.T) {
	st, dir := openStore(t)
	ctx := context.Background()
	if err := st.Apply(ctx, update(t, `{"smtp": {"host": "smtp.acme.example", "port": 587, "username": "news", "from": "news@acme.example",
		"tls": "starttls", "password": "`+pw+`"}, "slack": {"default_channel": "#sales", "webhook_url": "https://hooks.slack.com/services/T/B/xyz"}}`)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, SecretsFileName)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("secrets file mode %04o, want 0600", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	if !bytes.Contains(raw, []byte(pw)) {
		t.Fatal("the password should be in the secrets file")
	}
	// Not in the database file (nor its WAL).
	for _, f := range []string{"flowdesk.db", "flowdesk.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		if bytes.Contains(b, []byte(pw)) || bytes.Contains(b, []byte("services/T/B/xyz")) {
			t.Fatalf("a secret is in %s", f)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".secrets-*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left behind: %v", leftovers)
	}
	cur, err := st.Load(ctx)
	if err != nil || cur.SMTP.Password.Reveal() != pw || cur.SMTP.Host != "smtp.acme.example" || cur.Slack.DefaultChannel != "#sales" {
		t.Fatalf("load %+v %v", cur, err)
	}
	view, err := st.View(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(view)
	if bytes.Contains(out, []byte(pw)) || bytes.Contains(out, []byte("xyz")) {
		t.Fatalf("view leaks a secret: %s", out)
	}
	for _, want := range []string{`"password":{"set":true}`, `"webhook_url":{"set":true}`, `"auth_token":{"set":false}`, `"configured":true`, `"secrets_backend":"file"`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Fatalf("view %s lacks %s", out, want)
		}
	}

	// Reading the view back unchanged keeps the secrets; null clears one.
	if err := st.Apply(ctx, update(t, string(out))); err != nil {
		t.Fatal(err)
	}
	if cur, _ := st.Load(ctx); cur.SMTP.Password.Reveal() != pw || cur.Slack.WebhookURL.Reveal() == "" {
		t.Fatal("a round trip of the view must keep the secrets")
	}
	if err := st.Apply(ctx, update(t, `{"smtp": {"host": "smtp.acme.example", "from": "news@acme.example", "password": null}}`)); err != nil {
		t.Fatal(err)
	}
	if cur, _ := st.Load(ctx); cur.SMTP.Password.IsSet() || cur.Slack.WebhookURL.Reveal() == "" {
		t.Fatal("null must clear the password and leave other secrets")
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := Secret(pw)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("smtp", "password", s, "conf", SMTP{Host: "h", Password: s})
	j, _ := json.Marshal(struct{ P Secret }{s})
	err := fmt.Errorf("dial failed with %v / %s / %q / %#v / %+v", s, s, s, s, SMTP{Password: s})
	for _, out := range []string{logs.String(), string(j), err.Error(), fmt.Sprint(s), fmt.Sprintf("%x", s)} {
		if strings.Contains(out, pw) || strings.Contains(out, fmt.Sprintf("%x", pw)) {
			t.Fatalf("secret printed: %s", out)
		}
	}
	if s.Reveal() != pw {
		t.Fatal("Reveal")
	}
}

func TestWidePermissionsAreNarrowed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, SecretsFileName)
	if err := os.WriteFile(path, []byte(`{"smtp.password": "x1"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644) // umask-proof
	fs := NewFileSecrets(path)
	v, ok, err := fs.Get("smtp.password")
	if err != nil || !ok || v != "x1" {
		t.Fatalf("get %q %v %v", v, ok, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %04o after reading, want 0600", fi.Mode().Perm())
	}
}

func TestSecretsFileRefusesLinksAndHidesBrokenContent(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "elsewhere.json")
	os.WriteFile(real, []byte(`{}`), 0o600)
	link := filepath.Join(dir, SecretsFileName)
	if err := os.Symlink(real, link); err != nil {
		t.Skip(err)
	}
	if _, _, err := NewFileSecrets(link).Get("x"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("symlink: %v", err)
	}
	broken := filepath.Join(dir, "broken.json")
	os.WriteFile(broken, []byte(`{"smtp.password": "`+pw+`"`), 0o600)
	_, _, err := NewFileSecrets(broken).Get("smtp.password")
	if err == nil || strings.Contains(err.Error(), pw) {
		t.Fatalf("a broken file must fail without quoting it: %v", err)
	}
}

func TestFileSecretsSetDeleteNames(t *testing.T) {
	fs := NewFileSecrets(filepath.Join(t.TempDir(), "sub", SecretsFileName))
	if err := fs.Set("b", "2"); err != nil {
		t.Fatal(err)
	}
	if err := fs.Set("a", "1"); err != nil {
		t.Fatal(err)
	}
	if err := fs.Set("b", ""); err != nil {
		t.Fatal(err)
	}
	names, err := fs.Names()
	if err != nil || strings.Join(names, ",") != "a" {
		t.Fatalf("names %v %v", names, err)
	}
	var _ Secrets = fs
}

func TestUpdateIsChecked(t *testing.T) {
	st, _ := openStore(t)
	err := st.Apply(context.Background(), update(t, `{"smtp": {"host": "smtp example", "port": 70000, "tls": "ssl", "from": "not an address", "password": "`+pw+`"},
		"sms": {"url": "ftp://x", "monthly_cap": -1, "status_callback_url": "hooks.example.com", "status_timeout_hours": 721}, "slack": {"webhook_url": "http://insecure.example/x"}}`))
	var inv *problem.Error
	if !errors.As(err, &inv) {
		t.Fatalf("want a *problem.Error, got %v", err)
	}
	var fields []string
	for _, p := range inv.Problems {
		fields = append(fields, p.Field)
	}
	if got := strings.Join(fields, " "); got != "smtp.host smtp.port smtp.tls smtp.from sms.url sms.monthly_cap sms.status_callback_url sms.status_timeout_hours slack.webhook_url" {
		t.Fatalf("fields %s", got)
	}
	if strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), "insecure.example") {
		t.Fatalf("error quotes a secret: %v", err)
	}
	if cur, _ := st.Load(context.Background()); cur.SMTP.Password.IsSet() || cur.SMTP.Host != "" {
		t.Fatal("nothing may be saved from an invalid update")
	}
}

func TestDefaults(t *testing.T) {
	if p := (SMTP{TLS: TLSImplicit}).PortOrDefault(); p != 465 {
		t.Fatal(p)
	}
	if p := (SMTP{}).PortOrDefault(); p != 587 {
		t.Fatal(p)
	}
	if c := (SMS{}).Cap(); c != DefaultSMSMonthlyCap {
		t.Fatal(c)
	}
}

// TestSecretsFileRule: the file given wins; else secrets.json beside a SQLite file; else, on a
// database server, in the user's config directory, never a path made of the server's address.
func TestSecretsFileRule(t *testing.T) {
	config := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", config)
	given := filepath.Join(t.TempDir(), "shared", "secrets.json")
	rel := filepath.Join("data", "flowdesk.db")
	absRel, err := filepath.Abs(rel)
	if err != nil {
		t.Fatal(err)
	}
	const addr = "postgres://flowdesk:xxxxx@db.example:5432/flowdesk?host=/var/run/postgresql"
	for _, c := range []struct {
		name, database string
		onServer       bool
		given, want    string
	}{
		{"a SQLite file", "/srv/flowdesk/flowdesk.db", false, "", "/srv/flowdesk/secrets.json"},
		{"a SQLite file named relatively", rel, false, "", filepath.Join(filepath.Dir(absRel), "secrets.json")},
		{"a SQLite file and a file given", "/srv/flowdesk/flowdesk.db", false, given, given},
		{"a database server", addr, true, "", filepath.Join(config, "flowdesk", "secrets.json")},
		{"a database server and a file given", addr, true, given, given},
	} {
		got, err := SecretsFile(c.database, c.onServer, c.given)
		if err != nil || got != c.want {
			t.Errorf("%s: %q, %v; want %q", c.name, got, err, c.want)
		}
	}

	// No config directory: a server's secrets need a file given, and the error says so.
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("HOME", "")
	if got, err := SecretsFile(addr, true, ""); err == nil || !errors.Is(err, ErrSecrets) || !strings.Contains(err.Error(), "give the secrets file's path") {
		t.Fatalf("no config directory: %q, %v", got, err)
	}
	if got, err := SecretsFile(addr, true, given); err != nil || got != given {
		t.Fatalf("no config directory, a file given: %q, %v", got, err)
	}
}

// TestOpenSecretsRefusesAnUnusableFile: a directory, a damaged file and a path under a regular
// file are refused at open (ErrSecrets, naming the path, quoting nothing of the file), and
// nothing is written; a missing file in a missing directory is fine (created at the first Set).
func TestOpenSecretsRefusesAnUnusableFile(t *testing.T) {
	dir := t.TempDir()
	damaged := filepath.Join(dir, "damaged.json")
	if err := os.WriteFile(damaged, []byte(`{"smtp.password": "`+pw), 0o600); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, path, want string
	}{
		{"a directory", dir, "not a regular file"},
		{"a damaged file", damaged, "is not a JSON object"},
		{"a path under a regular file", filepath.Join(plain, "secrets.json"), "not a directory"},
	} {
		_, err := OpenSecrets("/srv/flowdesk.db", false, c.path)
		if err == nil || !errors.Is(err, ErrSecrets) || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), pw) {
			t.Errorf("%s: %v, want an ErrSecrets naming %s and saying %q", c.name, err, c.path, c.want)
		}
	}
	if raw, _ := os.ReadFile(damaged); !bytes.Contains(raw, []byte(pw)) {
		t.Fatal("a refused file was changed")
	}
	fresh := filepath.Join(dir, "new", "secrets.json")
	file, err := OpenSecrets("/srv/flowdesk.db", false, fresh)
	if err != nil || file.Path() != fresh {
		t.Fatalf("a file not made yet: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(fresh)); !os.IsNotExist(err) {
		t.Fatalf("open created %s (%v); only the first Set may", filepath.Dir(fresh), err)
	}
}
