package store

import (
	"context"
	"testing"

	"github.com/flowdesk/flowdesk/backend/ident"
)

// TestBackfillEmailKeys: the email-key migration gives non-ASCII addresses their folded key, and
// leaves an address whose key another record already holds as it was (no record is lost).
func TestBackfillEmailKeys(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	// As an older version stored them: the key folded ASCII only (what LOWER gives).
	for _, email := range []string{"jörg@bücher.de", "ann@example.com", "ÅSA@EXAMPLE.SE", "åsa@example.se"} {
		if _, err := db.w.ExecContext(ctx, "INSERT INTO records (type, email, email_key, properties, created_at, updated_at) VALUES ('contact', ?, LOWER(?), '{}', 0, 0)", email, email); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := backfillEmailKeys(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	rows, err := db.r.QueryContext(ctx, "SELECT email, email_key FROM records")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e, k string
		if err := rows.Scan(&e, &k); err != nil {
			t.Fatal(err)
		}
		keys[e] = k
	}
	if keys["jörg@bücher.de"] != ident.EmailKey("JÖRG@BÜCHER.DE") || keys["ann@example.com"] != "ann@example.com" {
		t.Errorf("keys %v", keys)
	}
	// "ÅSA@EXAMPLE.SE" and "åsa@example.se" fold to one key: only one of them may take it.
	if keys["ÅSA@EXAMPLE.SE"] == keys["åsa@example.se"] {
		t.Errorf("two records share the key %q", keys["åsa@example.se"])
	}
	if n := len(keys); n != 4 {
		t.Errorf("%d records, want 4", n)
	}
}
