package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/store"
)

func contactMapping() ImportSpec {
	return ImportSpec{Mapping: []ImportColumn{
		{Column: "E-mail", Property: "email"},
		{Column: "First name", Property: "first_name"},
		{Column: "Score", Property: "score"},
		{Column: "Plan", Property: "plan", Type: "string"},
	}}
}

// TestImportCreatesUpdatesAndReportsRows: a file with good and bad rows creates and updates
// contacts by email, puts them in the list, keeps every bad row with its column and reason, and
// writes nothing of a bad row.
func TestImportCreatesUpdatesAndReportsRows(t *testing.T) {
	h := newHarness(t)
	if _, err := h.eng.CreateList(h.ctx, ListInput{ID: "webinar", Name: "Webinar"}); err != nil {
		t.Fatal(err)
	}
	h.event("x", "ann@example.com", nil, nil, M{"first_name": "Annie", "score": 3})
	h.deployM(listFlow("welcome", "webinar", "join"))
	file := "E-mail,First name,Score,Plan\n" +
		"ANN@example.com,Ann,10,pro\n" + // updates ann, matched case-insensitively
		"bob@example.com,Bob,,free\n" + // creates bob; an empty cell is left out
		"not-an-address,Cat,5,pro\n" + // bad email
		"dan@example.com,Dan,lots,pro\n" + // a score that is not a number
		"\"eve@example.com,Eve,1,pro\n" // an unclosed quote swallows the rest
	preview, err := h.eng.PreviewImport("contact", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if preview.Total != 5 || len(preview.Rows) != 4 || preview.Suggested[0].Property != "email" || preview.Suggested[1].Property != "first_name" || preview.Suggested[2].Type != "number" {
		t.Fatalf("preview %+v", preview)
	}
	im, err := h.eng.StartImport(h.ctx, "webinar", []byte(file), contactMapping())
	if err != nil {
		t.Fatal(err)
	}
	if im.Status != store.ImportRunning || im.Total != 5 {
		t.Fatalf("started %+v", im)
	}
	h.run()
	im, _ = h.db.Import(h.ctx, im.ID)
	if im.Status != store.ImportDone || im.Cursor != 5 || im.Created != 1 || im.Updated != 1 || im.Failed != 3 || im.Joined != 2 {
		t.Fatalf("finished %+v", im)
	}
	errs, err := h.db.ImportErrors(h.ctx, im.ID)
	if err != nil || len(errs) != 3 {
		t.Fatalf("errors %+v, %v", errs, err)
	}
	for i, want := range []struct {
		row          int
		field, words string
	}{{4, "E-mail", "not-an-address"}, {5, "Score", "lots"}, {6, "row", "not closed"}} {
		if errs[i].Row != want.row || errs[i].Field != want.field || !strings.Contains(errs[i].Message, want.words) {
			t.Errorf("error %d = %+v, want row %d, %s, %q", i, errs[i], want.row, want.field, want.words)
		}
	}
	if p := h.props("ann@example.com"); p["first_name"] != "Ann" || fmt.Sprint(p["score"]) != "10" || p["plan"] != "pro" {
		t.Fatalf("ann %v", p)
	}
	if _, err := h.db.RecordByEmail(h.ctx, "contact", "dan@example.com"); err == nil {
		t.Fatal("a bad row was written")
	}
	if n := len(h.members("webinar")); n != 2 {
		t.Fatalf("%d members", n)
	}
	if n := len(h.enrollments("welcome")); n != 2 {
		t.Fatalf("the list trigger enrolled %d", n)
	}
}

// TestImportRefusesBadFilesWhole: a file that is not UTF-8, has no email column, is empty, or a
// mapping that names what the file lacks, is refused naming the field, and nothing is stored.
func TestImportRefusesBadFilesWhole(t *testing.T) {
	h := newHarness(t)
	if _, err := h.eng.CreateList(h.ctx, ListInput{ID: "l", Name: "L"}); err != nil {
		t.Fatal(err)
	}
	latin1 := []byte("E-mail,First name,Score,Plan\nj\xf6rg@example.com,J\xf6rg,1,pro\n")
	_, err := h.eng.StartImport(h.ctx, "l", latin1, contactMapping())
	wantField(t, err, "file", "not UTF-8: line 2")
	noEmail := ImportSpec{Mapping: []ImportColumn{{Column: "First name", Property: "first_name"}}}
	_, err = h.eng.StartImport(h.ctx, "l", []byte("E-mail,First name\na@x.com,A\n"), noEmail)
	wantField(t, err, "mapping", "no column is mapped to email")
	_, err = h.eng.StartImport(h.ctx, "l", []byte("Name\nA\n"), contactMapping())
	wantField(t, err, "mapping[0].column", `no column "E-mail"`)
	_, err = h.eng.StartImport(h.ctx, "l", []byte(""), contactMapping())
	wantField(t, err, "file", "empty")
	_, err = h.eng.StartImport(h.ctx, "l", []byte("email,email\na,b\n"), contactMapping())
	wantField(t, err, "file", "appears twice")
	bad := contactMapping()
	bad.Mapping[2].Type = "string" // score is declared as a number
	_, err = h.eng.StartImport(h.ctx, "l", []byte("E-mail,First name,Score,Plan\na@x.com,A,1,p\n"), bad)
	wantField(t, err, "mapping[2].type", "declared as number")
	_, err = h.eng.StartImport(h.ctx, "nope", []byte("E-mail\na@x.com\n"), contactMapping())
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("unknown list: %v", err)
	}
	if id, err := h.db.RunningImportID(h.ctx); err == nil {
		t.Fatalf("a refused file left import %d", id)
	}
	// A 10 MB line is one row's problem; the rows around it import.
	huge := "E-mail,First name,Score,Plan\na@x.com,A,1,p\nb@x.com," + strings.Repeat("x", 10<<20) + ",2,p\nc@x.com,C,3,p\n"
	im, err := h.eng.StartImport(h.ctx, "l", []byte(huge), contactMapping())
	if err != nil {
		t.Fatal(err)
	}
	h.run()
	im, _ = h.db.Import(h.ctx, im.ID)
	errs, _ := h.db.ImportErrors(h.ctx, im.ID)
	if im.Created != 2 || im.Failed != 1 || len(errs) != 1 || errs[0].Row != 3 || !strings.Contains(errs[0].Message, "the limit is 64 KiB") {
		t.Fatalf("huge line: %+v %+v", im, errs)
	}
}

// TestImportByUniqueProperty updates records found by a unique property instead of email.
func TestImportByUniqueProperty(t *testing.T) {
	h := newHarness(t)
	h.declareProp(store.Property{Object: "contact", Name: "member_no", Type: "string", Unique: true})
	if _, err := h.eng.CreateList(h.ctx, ListInput{ID: "l", Name: "L"}); err != nil {
		t.Fatal(err)
	}
	h.event("x", "ann@example.com", nil, nil, M{"member_no": "A-1"})
	spec := ImportSpec{Key: "member_no", Mapping: []ImportColumn{{Column: "No", Property: "member_no"}, {Column: "City", Property: "city"}}}
	im, err := h.eng.StartImport(h.ctx, "l", []byte("No,City\nA-1,Dublin\nB-2,Cork\n"), spec)
	if err != nil {
		t.Fatal(err)
	}
	h.run()
	im, _ = h.db.Import(h.ctx, im.ID)
	if im.Updated != 1 || im.Created != 1 || h.props("ann@example.com")["city"] != "Dublin" {
		t.Fatalf("%+v, ann %v", im, h.props("ann@example.com"))
	}
	_, err = h.eng.StartImport(h.ctx, "l", []byte("City\nCork\n"), ImportSpec{Key: "city", Mapping: []ImportColumn{{Column: "City", Property: "city"}}})
	wantField(t, err, "key", "not a unique contact property")
}

// TestImportResumesAfterRestart: an accepted import whose process stopped after one batch is
// finished by the next process from its stored file, each row imported once.
func TestImportResumesAfterRestart(t *testing.T) {
	h := newHarness(t)
	if _, err := h.eng.CreateList(h.ctx, ListInput{ID: "l", Name: "L"}); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("E-mail,First name,Score,Plan\n")
	for i := 0; i < 1500; i++ {
		fmt.Fprintf(&b, "r%d@example.com,R%d,%d,p\n", i, i, i%10)
	}
	im, err := h.eng.StartImport(h.ctx, "l", []byte(b.String()), contactMapping())
	if err != nil {
		t.Fatal(err)
	}
	if worked, err := h.eng.RunImportBatch(h.ctx); err != nil || !worked {
		t.Fatalf("first batch: %v %v", worked, err)
	}
	first, _ := h.db.Import(h.ctx, im.ID)
	if first.Cursor == 0 || first.Cursor >= 1500 {
		t.Fatalf("after one batch: %+v", first)
	}
	h.restart()
	h.run()
	done, _ := h.db.Import(h.ctx, im.ID)
	if done.Status != store.ImportDone || done.Created != 1500 || done.Cursor != 1500 || len(h.members("l")) != 1500 {
		t.Fatalf("after the restart: %+v, %d members", done, len(h.members("l")))
	}
	if _, err := h.db.ImportBody(h.ctx, im.ID); err == nil {
		t.Fatal("a finished import keeps its file")
	}
}
