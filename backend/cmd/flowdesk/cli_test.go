package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// cliRun runs the flowdesk command in-process and returns its output.
func cliRun(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// cliExamples lists testdata/workflows/*.json, sorted by name.
func cliExamples(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "workflows", "*.json"))
	if err != nil || len(files) < 2 {
		t.Fatalf("example workflows: %v %v", files, err)
	}
	return files
}

// cliWorkflows opens the database (the CLI has closed it) and returns its workflows by id.
func cliWorkflows(t *testing.T, dbPath string) map[string]*store.Workflow {
	t.Helper()
	db, err := store.Open(context.Background(), dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wfs, err := db.Workflows(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*store.Workflow{}
	for _, w := range wfs {
		out[w.ID] = w
	}
	return out
}

// cliCanonical is a definition file as the engine stores it: parsed, normalised, re-encoded.
func cliCanonical(t *testing.T, path string) any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	def, err := workflow.Parse(raw)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := json.Marshal(def.MaskSecrets()) // exports never carry secrets
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// cliReferences creates, in a new database at dbPath, the email templates and webhook
// endpoints the given workflow files name, as a user does before importing workflows that
// use them (validation refuses a reference to one that does not exist).
func cliReferences(t *testing.T, dbPath string, files ...string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	err = db.Write(ctx, func(tx store.Tx) error {
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			def, err := workflow.Parse(raw)
			if err != nil {
				return err
			}
			for _, s := range def.Steps {
				if s.Template != "" {
					if _, err := tx.PutEmailTemplate(&store.EmailTemplate{Name: s.Template, Subject: "Hello", BodyText: "Hello"}, now); err != nil {
						return err
					}
				}
			}
			for _, tr := range def.Triggers {
				if tr.Hook != "" {
					ep := &store.HookEndpoint{ID: tr.Hook, Key: "key-" + tr.Hook, Name: tr.Hook, Config: `{"name": "` + tr.Hook + `"}`, Enabled: true}
					if err := tx.CreateHookEndpoint(ep, now); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func cliID(t *testing.T, path string) string {
	t.Helper()
	v := cliCanonical(t, path).(map[string]any)
	return v["id"].(string)
}

// Every example imports in one call, even though lead-nurture (sorted first) enrolls into
// sales-handoff: import orders the files by their enroll steps.
func TestCLIImportEveryExample(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "flowdesk.db")
	files := cliExamples(t)
	cliReferences(t, dbPath, files...)
	out, _, err := cliRun(t, append([]string{"import", "--db", dbPath, "--enable"}, files...)...)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	var lines []string // warnings (indented) may follow a line
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(l, "  warning: ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != len(files) {
		t.Fatalf("%d output lines for %d files:\n%s", len(lines), len(files), out)
	}
	order := map[string]int{}
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) < 2 || f[0] != "imported" || !strings.HasSuffix(l, "revision 1") {
			t.Fatalf("line %q", l)
		}
		order[f[1]] = i
	}
	if order["sales-handoff"] > order["lead-nurture"] {
		t.Fatalf("lead-nurture was imported before the workflow it enrolls into:\n%s", out)
	}
	wfs := cliWorkflows(t, dbPath)
	if len(wfs) != len(files) {
		t.Fatalf("%d workflows stored, want %d", len(wfs), len(files))
	}
	for _, f := range files {
		w := wfs[cliID(t, f)]
		if w == nil || !w.Enabled || w.ActiveVersion != 1 || w.Revision != 1 {
			t.Fatalf("%s: stored %+v", f, w)
		}
	}

	// Importing again replaces the definitions (a new revision), it does not fail on the ids.
	out, _, err = cliRun(t, append([]string{"import", "--db", dbPath}, files...)...)
	if err != nil {
		t.Fatalf("re-import: %v", err)
	}
	if n := strings.Count(out, "revision 2"); n != len(files) {
		t.Fatalf("re-import output:\n%s", out)
	}
}

func TestCLIImportOneByOneNeedsTheTargetFirst(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "testdata", "workflows")
	dbPath := filepath.Join(t.TempDir(), "flowdesk.db")
	_, _, err := cliRun(t, "import", "--db", dbPath, filepath.Join(dir, "lead-nurture.json"))
	if err == nil || !strings.Contains(err.Error(), `"sales-handoff", which does not exist`) {
		t.Fatalf("lead-nurture alone: %v", err)
	}
	if n := len(cliWorkflows(t, dbPath)); n != 0 {
		t.Fatalf("%d workflows stored after a refused import", n)
	}
	for _, f := range []string{"sales-handoff.json", "lead-nurture.json"} {
		if _, _, err := cliRun(t, "import", "--db", dbPath, filepath.Join(dir, f)); err != nil {
			t.Fatalf("import %s: %v", f, err)
		}
	}
	if n := len(cliWorkflows(t, dbPath)); n != 2 {
		t.Fatalf("%d workflows stored, want 2", n)
	}
}

func TestCLIImportPrintsEveryProblem(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "flowdesk.db")
	file := filepath.Join("..", "..", "..", "testdata", "validate", "ten-problems.json")
	cliReferences(t, dbPath, file) // the golden file lists what is wrong in the file itself
	_, _, err := cliRun(t, "import", "--db", dbPath, file)
	if err == nil {
		t.Fatal("an invalid workflow was imported")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "import "+file+": 10 problem(s):\n") {
		t.Fatalf("error starts %q", msg[:min(len(msg), 120)])
	}
	golden, err := os.ReadFile(strings.TrimSuffix(file, ".json") + ".golden")
	if err != nil {
		t.Fatal(err)
	}
	var problems []workflow.Problem
	if err := json.Unmarshal(golden, &problems); err != nil {
		t.Fatal(err)
	}
	if len(problems) != 10 {
		t.Fatalf("golden has %d problems", len(problems))
	}
	for _, p := range problems {
		where := p.Step
		if where == "" {
			where = p.Trigger
		}
		line := "  - " + p.Message
		if where != "" {
			line = "  - [" + where + "] " + p.Message
		}
		if !strings.Contains(msg, line+"\n") && !strings.HasSuffix(msg, line) {
			t.Errorf("error does not list %q:\n%s", line, msg)
		}
	}
	if got := strings.Count(msg, "\n  - "); got != 10 {
		t.Errorf("%d problem lines, want 10", got)
	}
	if n := len(cliWorkflows(t, dbPath)); n != 0 {
		t.Fatalf("%d workflows stored", n)
	}
}

// A file that is not a workflow stops the whole import before anything is written.
func TestCLIImportBadFileWritesNothing(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "flowdesk.db")
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"id": "bad", "nmae": "typo"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join("..", "..", "..", "testdata", "workflows", "sales-handoff.json")
	_, _, err := cliRun(t, "import", "--db", dbPath, good, bad)
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), `unknown field "nmae"`) {
		t.Fatalf("import of a bad file: %v", err)
	}
	if n := len(cliWorkflows(t, dbPath)); n != 0 {
		t.Fatalf("%d workflows stored, want none", n)
	}
	_, _, err = cliRun(t, "import", "--db", dbPath, filepath.Join(dir, "missing.json"))
	if err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Fatalf("import of a missing file: %v", err)
	}
	if _, _, err := cliRun(t, "import", "--db", dbPath); err == nil || !strings.Contains(err.Error(), "name one or more") {
		t.Fatalf("import without files: %v", err)
	}
}

// import -> export gives back the canonical form of every example.
func TestCLIExportRoundTrips(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "flowdesk.db")
	files := cliExamples(t)
	cliReferences(t, dbPath, files...)
	if _, _, err := cliRun(t, append([]string{"import", "--db", dbPath}, files...)...); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		id := cliID(t, f)
		out, _, err := cliRun(t, "export", "--db", dbPath, id)
		if err != nil {
			t.Fatalf("export %s: %v", id, err)
		}
		var got any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("export %s is not JSON: %v\n%s", id, err, out)
		}
		if want := cliCanonical(t, f); !reflect.DeepEqual(got, want) {
			t.Errorf("export %s differs from the canonical file:\n%s", id, out)
		}
		// The export imports again unchanged.
		exported := filepath.Join(t.TempDir(), id+".json")
		if err := os.WriteFile(exported, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := cliRun(t, "import", "--db", dbPath, exported); err != nil {
			t.Fatalf("re-import of the export of %s: %v", id, err)
		}
		again, _, err := cliRun(t, "export", "--db", dbPath, id)
		if err != nil || again != out {
			t.Errorf("second export of %s differs (%v):\n%s", id, err, again)
		}
		// The secrets stayed in the database through the re-import, and out of the file.
		raw, _ := os.ReadFile(f)
		orig, _ := workflow.Parse(raw)
		db, err := store.Open(context.Background(), dbPath, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		w, err := db.Workflow(context.Background(), id)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		kept, _ := workflow.Parse(w.Definition)
		for i, st := range orig.Steps {
			if st.WebhookURL != "" && (kept.Steps[i].WebhookURL != st.WebhookURL || strings.Contains(out, st.WebhookURL)) {
				t.Errorf("%s step %s: webhook_url kept %q, in export %v", id, st.ID, kept.Steps[i].WebhookURL, strings.Contains(out, st.WebhookURL))
			}
		}
	}
	if _, _, err := cliRun(t, "export", "--db", dbPath, "ghost"); err == nil || !strings.Contains(err.Error(), `workflow "ghost": not found`) {
		t.Fatalf("export of an unknown id: %v", err)
	}
	if _, _, err := cliRun(t, "export", "--db", dbPath); err == nil || !strings.Contains(err.Error(), "exactly one") {
		t.Fatalf("export without an id: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "typo.db")
	if _, _, err := cliRun(t, "export", "--db", missing, "x"); err == nil || !strings.Contains(err.Error(), "no database at") {
		t.Fatalf("export from a missing database: %v", err)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatalf("export created %s", missing)
	}
}

func TestCLICommands(t *testing.T) {
	_, stderr, err := cliRun(t, "frobnicate")
	if err == nil || err.Error() != `unknown command "frobnicate"` {
		t.Fatalf("unknown command: %v", err)
	}
	if !strings.Contains(stderr, "usage: flowdesk <command>") || !strings.Contains(stderr, "import") {
		t.Fatalf("unknown command printed no usage:\n%s", stderr)
	}
	if _, stderr, err := cliRun(t); err == nil || !strings.Contains(stderr, "usage:") {
		t.Fatalf("no command: %v %q", err, stderr)
	}
	if _, stderr, err := cliRun(t, "help"); err != nil || !strings.Contains(stderr, "run-once") {
		t.Fatalf("help: %v %q", err, stderr)
	}
	if out, _, err := cliRun(t, "version"); err != nil || out != "flowdesk "+version+"\n" {
		t.Fatalf("version: %v %q", err, out)
	}
	if _, _, err := cliRun(t, "import", "--bogus"); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("bad flag: %v", err)
	}
	dbPath := filepath.Join(t.TempDir(), "flowdesk.db")
	if _, _, err := cliRun(t, "import", "--db", dbPath, filepath.Join("..", "..", "..", "testdata", "workflows", "sales-handoff.json")); err != nil {
		t.Fatal(err)
	}
	if out, _, err := cliRun(t, "run-once", "--db", dbPath); err != nil || out != "enrolled 0 record(s) by schedule, ran 0 job(s)\n" {
		t.Fatalf("run-once: %v %q", err, out)
	}
	if _, _, err := cliRun(t, "run-once", "--db", filepath.Join(t.TempDir(), "typo.db")); err == nil || !strings.Contains(err.Error(), "no database at") {
		t.Fatalf("run-once on a missing database: %v", err)
	}
}

// While a flowdesk process holds the database, the CLI says so instead of failing obscurely.
func TestCLILockedDatabase(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "flowdesk.db")
	file := filepath.Join("..", "..", "..", "testdata", "workflows", "sales-handoff.json")
	if _, _, err := cliRun(t, "import", "--db", dbPath, file); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"import", "--db", dbPath, file},
		{"export", "--db", dbPath, "sales-handoff"},
		{"run-once", "--db", dbPath},
	} {
		_, _, err := cliRun(t, args...)
		if err == nil || !strings.Contains(err.Error(), "database is in use by another flowdesk process: stop the running flowdesk") {
			t.Errorf("%s on a locked database: %v", args[0], err)
		}
	}
	db.Close()
	if _, _, err := cliRun(t, "export", "--db", dbPath, "sales-handoff"); err != nil {
		t.Fatalf("export after the lock was released: %v", err)
	}
}

func TestImportOrder(t *testing.T) {
	wf := func(id string, enrolls ...string) importFile {
		d := &workflow.Definition{ID: id}
		for _, e := range enrolls {
			d.Steps = append(d.Steps, workflow.Step{ID: "to-" + e, Type: workflow.StepEnroll, Workflow: e})
		}
		return importFile{path: id + ".json", def: d}
	}
	ids := func(fs []importFile) string {
		var out []string
		for _, f := range fs {
			out = append(out, f.def.ID)
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct {
		name string
		in   []importFile
		want string
	}{
		{"independent files keep their order", []importFile{wf("b"), wf("a"), wf("c")}, "b,a,c"},
		{"a chain is reversed", []importFile{wf("c", "b"), wf("b", "a"), wf("a")}, "a,b,c"},
		{"a target outside the batch is ignored", []importFile{wf("x", "elsewhere"), wf("y")}, "x,y"},
		{"a self-enroll is ignored", []importFile{wf("s", "s"), wf("t")}, "s,t"},
		{"a cycle terminates", []importFile{wf("p", "q"), wf("q", "p")}, "q,p"},
		{"a shared target comes once", []importFile{wf("m", "z"), wf("n", "z"), wf("z")}, "z,m,n"},
	} {
		if got := ids(importOrder(c.in)); got != c.want {
			t.Errorf("%s: order %s, want %s", c.name, got, c.want)
		}
	}
}

// An export masks every credential by the one rule (URL user info and token parameters,
// credential-like headers, the signing secret), and importing it over the same workflow keeps
// the stored values.
func TestCLIExportMasksCredentials(t *testing.T) {
	dir := t.TempDir()
	dbPath, file := filepath.Join(dir, "flowdesk.db"), filepath.Join(dir, "wf.json")
	def := `{"id": "creds", "name": "Creds", "object": "contact", "triggers": [{"type": "event", "event": "x.y"}], "start": "hook",
	  "steps": [{"id": "hook", "type": "webhook", "url": "https://bob:pw-777@crm.example/in?access_token=tok-111&list=7",
	    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "headers": {"X-Pass": "pass-444", "X-Pwd": "pwd-555", "X-Credentials": "cred-666"}}]}`
	if err := os.WriteFile(file, []byte(def), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cliRun(t, "import", "--db", dbPath, file); err != nil {
		t.Fatal(err)
	}
	out, _, err := cliRun(t, "export", "--db", dbPath, "creds")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"pw-777", "tok-111", "pass-444", "pwd-555", "cred-666", "MfKQ9r8"} {
		if strings.Contains(out, s) {
			t.Errorf("the export holds the credential %q:\n%s", s, out)
		}
	}
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cliRun(t, "import", "--db", dbPath, file); err != nil {
		t.Fatalf("re-import of the masked export: %v", err)
	}
	db, err := store.Open(context.Background(), dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := db.Workflow(context.Background(), "creds")
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"bob:pw-777@", "access_token=tok-111", "pass-444", "pwd-555", "cred-666", "MfKQ9r8"} {
		if !strings.Contains(string(w.Definition), s) {
			t.Errorf("the re-import lost %q: %s", s, w.Definition)
		}
	}
}

// TestCLITokenCreate: `token create` prints a new token once and stores only its hash, through
// the engine's write.
func TestCLITokenCreate(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "flowdesk.db")
	out, _, err := cliRun(t, "token", "create", "--db", dbPath, "--name", "ci")
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out)
	if !strings.HasPrefix(token, "fdt_") || len(token) < 40 {
		t.Fatalf("token create printed %q, want one fdt_ token", out)
	}
	db, err := store.Open(context.Background(), dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hashes, err := db.APITokenHashes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(hashes) != 1 || hashes[0] != store.HashToken(token) {
		t.Fatalf("stored %q for token %q, want its hash only", hashes, token)
	}
}
