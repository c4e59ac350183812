package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// Secret is a credential (a password, a token, a webhook URL with a key in it). Printing,
// logging or marshalling it shows "[secret]"; Reveal returns the value for the one place that
// must use it (the SMTP dial, the SMS request).
type Secret string

const masked = "[secret]"

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret has a value.
func (s Secret) IsSet() bool { return s != "" }

// String masks the secret.
func (s Secret) String() string { return masked }

// GoString masks the secret (%#v).
func (s Secret) GoString() string { return masked }

// Format masks the secret for every fmt verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(masked)) }

// MarshalJSON writes {"set": bool}, never the value.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(Mask(string(s))) }

// LogValue masks the secret in log/slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(masked) }

// Masked is how an API answer shows a secret: whether it is set, never its value.
type Masked struct {
	Set bool `json:"set"`
}

// Mask describes a secret value for an API answer.
func Mask(v string) Masked { return Masked{Set: v != ""} }

// Secrets stores credentials outside the plain database. FileSecrets is the implementation
// used today; an OS keyring backend can implement the same interface.
type Secrets interface {
	// Get returns a secret's value; ok is false when it is not set.
	Get(name string) (value string, ok bool, err error)
	// Set stores a secret; an empty value deletes it.
	Set(name, value string) error
	// Names lists the names of the secrets that are set, sorted.
	Names() ([]string, error)
	// Backend names the backend for the settings screen ("file", "keyring").
	Backend() string
}

// ErrSecrets marks errors of the secrets backend (errors.Is); their messages name the file
// and the problem, never a secret.
var ErrSecrets = errors.New("secrets store")

// FileSecrets keeps secrets in a JSON file readable only by its owner (mode 0600), written
// atomically (a temporary file in the same directory, fsynced, then renamed over the old one).
// A file found with wider permissions is narrowed to 0600 before it is read, or refused when
// that is not possible.
type FileSecrets struct {
	path string
	mu   sync.Mutex
}

// SecretsFileName is the secrets file's name where SecretsFile chooses it.
const SecretsFileName = "secrets.json"

// NewFileSecrets returns a file backend at path (created on the first Set).
func NewFileSecrets(path string) *FileSecrets { return &FileSecrets{path: path} }

// Path returns the file's path.
func (f *FileSecrets) Path() string { return f.path }

// Backend implements Secrets.
func (f *FileSecrets) Backend() string { return "file" }

// Check reports whether the file can be used, so that a process refuses a bad one at start
// rather than at its first send: it is a regular file of names and values that can be read
// (its permissions narrowed to 0600 as at every read), or there is none yet (it is created at
// the first Set).
func (f *FileSecrets) Check() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, err := f.load()
	return err
}

// Get implements Secrets.
func (f *FileSecrets) Get(name string) (string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.load()
	if err != nil {
		return "", false, err
	}
	v, ok := m[name]
	return v, ok && v != "", nil
}

// Names implements Secrets.
func (f *FileSecrets) Names() ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.load()
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(m))
	for k, v := range m {
		if v != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Set implements Secrets.
func (f *FileSecrets) Set(name, value string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.load()
	if err != nil {
		return err
	}
	if value == "" {
		if _, ok := m[name]; !ok {
			return nil
		}
		delete(m, name)
	} else {
		m[name] = value
	}
	return f.save(m)
}

// All returns every secret that is set, by name: for copying them to another file (flowdesk
// migrate), never for showing.
func (f *FileSecrets) All() (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.load()
	if err != nil {
		return nil, err
	}
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m, nil
}

// Merge sets every secret of values in one atomic write, keeping the file's other secrets.
func (f *FileSecrets) Merge(values map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.load()
	if err != nil {
		return err
	}
	for k, v := range values {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return f.save(m)
}

// load reads the file, checking (and narrowing) its permissions first. Errors never quote the
// file's content.
func (f *FileSecrets) load() (map[string]string, error) {
	st, err := os.Lstat(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, secretsErr("secrets file %s: %w", f.path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, secretsErr("secrets file %s is not a regular file (a link or a directory); refusing to use it", f.path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(f.path, 0o600); err != nil {
			return nil, secretsErr("secrets file %s can be read by other users (mode %04o) and could not be restricted to 0600: %w; refusing to use it", f.path, st.Mode().Perm(), err)
		}
		slog.Warn("secrets file permissions were too wide; restricted to 0600", "path", f.path, "was", fmt.Sprintf("%04o", st.Mode().Perm()))
	}
	raw, err := os.ReadFile(f.path)
	if err != nil {
		return nil, secretsErr("secrets file %s: %w", f.path, err)
	}
	m := map[string]string{}
	if len(raw) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		// The decoder's message may quote the file's content; say only where it is broken.
		return nil, secretsErr("secrets file %s is not a JSON object of names and values; fix or remove it", f.path)
	}
	return m, nil
}

// save writes m atomically with mode 0600.
func (f *FileSecrets) save(m map[string]string) error {
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return secretsErr("secrets file %s: %w", f.path, err)
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return secretsErr("secrets file %s: encode: %w", f.path, err)
	}
	tmp, err := os.CreateTemp(dir, ".secrets-*.tmp")
	if err != nil {
		return secretsErr("secrets file %s: %w", f.path, err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return secretsErr("secrets file %s: %w", f.path, err)
	}
	if _, err := tmp.Write(append(raw, '\n')); err != nil {
		return secretsErr("secrets file %s: write: %w", f.path, err)
	}
	if err := tmp.Sync(); err != nil {
		return secretsErr("secrets file %s: sync: %w", f.path, err)
	}
	if err := tmp.Close(); err != nil {
		return secretsErr("secrets file %s: %w", f.path, err)
	}
	if err := os.Rename(name, f.path); err != nil {
		return secretsErr("secrets file %s: %w", f.path, err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename durable
		d.Close()
	}
	return nil
}

// secretsErr formats a secrets-backend error that matches ErrSecrets.
func secretsErr(format string, args ...any) error {
	return &secretsError{fmt.Errorf(format, args...)}
}

type secretsError struct{ err error }

func (e *secretsError) Error() string   { return e.err.Error() }
func (e *secretsError) Unwrap() []error { return []error{e.err, ErrSecrets} }
