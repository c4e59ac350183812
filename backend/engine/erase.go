package engine

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// EraseRecord erases a record and its personal data everywhere (store.Tx.EraseRecord) in one
// write, cancelling its open enrollments; counters and an anonymous tombstone stay. Its links
// go, so the records that were linked to it are re-checked in the same write, as unlinking
// re-checks them (linksErased). The rows of running CSV imports that hold its email are
// emptied in the same write, so the import goes on without bringing the record back (those
// rows end in its report as having no email). A record that does not exist or was already
// erased is store.ErrNotFound.
func (e *Engine) EraseRecord(ctx context.Context, id int64) (*store.Erasure, error) {
	var out *store.Erasure
	var rewritten, enrolled []int64
	err := e.db.Write(store.Urgent(ctx), func(tx store.Tx) error { // a caller waits to acknowledge it
		rewritten, enrolled = nil, nil
		rec, err := tx.Record(id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		now := e.clock.Now()
		if out, err = tx.EraseRecord(id, now); err != nil {
			return err
		}
		if enrolled, err = e.linksErased(tx, rec, out.Associated, now); err != nil {
			return err
		}
		if rec.Email == "" {
			return nil
		}
		bodies, err := tx.RunningImportBodies()
		if err != nil {
			return err
		}
		for imp, body := range bodies {
			clean, n := emptyRowsWith(body, rec.Email)
			if n == 0 {
				continue
			}
			if err := tx.PutImportBody(imp, clean); err != nil {
				return err
			}
			// A batch committing after this write reads the file again (see RunImportBatch).
			if pi := e.imports.get(imp); pi != nil {
				pi.stale.Store(true)
			}
			rewritten = append(rewritten, imp)
			out.Rows["list_import_files"] += int64(n)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("erase record %d: %w", id, err)
	}
	for _, imp := range rewritten {
		e.imports.put(imp, nil)
	}
	if len(enrolled) > 0 {
		e.Wake()
	}
	e.log.Info("record erased", "record", id, "type", out.Type, "enrollments", out.Enrollments, "cancelled", out.Cancelled)
	return out, nil
}

// linksErased re-checks, in the erasure's transaction, the records that were linked to the
// erased one (links, the association as it was): erasing a company takes it away from its
// contacts as unlinking it would, so their active lists, open enrollments' goals and
// unenrollment rules and filter triggers that read "company.*" are re-checked the way a link
// removed from the record page re-checks them (recheckLinked). The erased record itself is not
// re-checked: it is a tombstone, with no enrollment left to keep and none to start. It returns
// the new enrollments.
func (e *Engine) linksErased(tx store.Tx, erased *store.Record, links []store.Association, now time.Time) ([]int64, error) {
	ix := e.index.Load()
	var ids []int64
	seen := map[int64]bool{}
	for _, l := range links {
		if seen[l.RecordID] { // one record linked under several labels is re-checked once
			continue
		}
		seen[l.RecordID] = true
		other, err := tx.Record(l.RecordID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		more, err := e.recheckLinked(tx, ix, other, erased, false, now)
		if err != nil {
			return nil, fmt.Errorf("re-check record %d, which was linked to it: %w", other.ID, err)
		}
		ids = append(ids, more...)
	}
	return ids, nil
}

// emptyRowsWith empties every line of a CSV file that holds needle (case-insensitively): the
// line keeps its number of cells, all empty, so the file keeps its rows and an import's cursor
// stays right. A line that does not parse on its own (a quoted cell over several lines) has just
// needle taken out. It returns the file and how many lines it changed.
func emptyRowsWith(body []byte, needle string) ([]byte, int) {
	low := []byte(strings.ToLower(needle))
	if !bytes.Contains(bytes.ToLower(body), low) {
		return body, 0
	}
	lines := bytes.SplitAfter(body, []byte("\n"))
	n := 0
	for i, line := range lines {
		if !bytes.Contains(bytes.ToLower(line), low) {
			continue
		}
		n++
		content := bytes.TrimRight(line, "\r\n")
		end := line[len(content):]
		r := csv.NewReader(bytes.NewReader(content))
		r.FieldsPerRecord, r.LazyQuotes = -1, true
		fields, err := r.Read()
		if err != nil {
			lines[i] = append(replaceFold(content, needle), end...)
			continue
		}
		// `""` first: a line of nothing would be skipped by the parser and shift the rows.
		lines[i] = append([]byte(`""`+strings.Repeat(",", len(fields)-1)), end...)
	}
	return bytes.Join(lines, nil), n
}

// replaceFold removes every case-insensitive occurrence of needle from b.
func replaceFold(b []byte, needle string) []byte {
	low, n := bytes.ToLower(b), []byte(strings.ToLower(needle))
	var out []byte
	for {
		i := bytes.Index(low, n)
		if i < 0 || len(n) == 0 {
			return append(out, b...)
		}
		out = append(out, b[:i]...)
		b, low = b[i+len(n):], low[i+len(n):]
	}
}
