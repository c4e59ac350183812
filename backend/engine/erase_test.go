package engine

import "testing"

// TestEmptyRowsWith: a line holding the email keeps its cells, all empty; other lines, the
// header and the line endings stay as they were.
func TestEmptyRowsWith(t *testing.T) {
	in := "Email,Name,Note\r\nann@example.com,Ann,x\r\n\"ANN@example.com\",\"Ann, again\",y\r\nbob@example.com,Bob,\r\n"
	got, n := emptyRowsWith([]byte(in), "ann@example.com")
	want := "Email,Name,Note\r\n\"\",,\r\n\"\",,\r\nbob@example.com,Bob,\r\n"
	if string(got) != want || n != 2 {
		t.Fatalf("got %q (%d lines), want %q", got, n, want)
	}
	if f, err := parseCSV(got); err != nil || len(f.rows) != 3 {
		t.Fatalf("the emptied file parses to %v rows, %v; want 3", f, err)
	}
	if got, n := emptyRowsWith([]byte("Email\ncy@example.com\n"), "ann@example.com"); n != 0 || string(got) != "Email\ncy@example.com\n" {
		t.Fatalf("a file without the email changed: %q", got)
	}
	if got, n := emptyRowsWith([]byte("Email\nann@example.com\n"), "ann@example.com"); n != 1 || string(got) != "Email\n\"\"\n" {
		t.Fatalf("a one-column file: %q", got)
	}
}
