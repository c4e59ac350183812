package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestWriteManyConcurrent(t *testing.T) {
	db := openTest(t)
	const n = 200
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Write(context.Background(), func(tx Tx) error {
				_, err := tx.UpsertRecord("contact", 0, fmt.Sprintf("c%03d@x.com", i), map[string]any{"n": i}, t0)
				return err
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if got := count(t, db, "SELECT COUNT(*) FROM records"); got != n {
		t.Fatalf("%d records committed, want %d", got, n)
	}
	if c := db.commits.Load(); c < 1 || c > n {
		t.Fatalf("%d commits for %d writes", c, n)
	}
	t.Logf("%d writes in %d commits", n, db.commits.Load())
}

// waitQueued waits until n writes sit in the writer's queue.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	for i := 0; len(db.writes) < n; i++ {
		if i > 10000 {
			t.Fatalf("only %d of %d writes queued", len(db.writes), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWriteBatchIsolation makes several writes share one transaction (a blocked write holds the
// writer while the others queue up) and checks that a failing, a panicking and a cancelled write
// change nothing while the others in the same batch commit.
func TestWriteBatchIsolation(t *testing.T) {
	// No time budget here: the six writes must share one batch however slow -race makes them.
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "flowdesk.db"), Options{BatchBudget: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	release, running := make(chan struct{}), make(chan struct{})
	blockerDone := make(chan error, 1)
	go func() {
		blockerDone <- db.Write(context.Background(), func(tx Tx) error {
			close(running)
			<-release
			_, err := tx.UpsertRecord("contact", 0, "blocker@x.com", nil, t0)
			return err
		})
	}()
	<-running
	commitsBefore := db.commits.Load()

	boom := errors.New("boom")
	cancelCtx, cancel := context.WithCancel(context.Background())
	var cancelledRan bool
	type result struct {
		email string
		err   error
	}
	scenarios := []struct {
		email   string
		ctx     context.Context
		fail    func() error // runs after the record was written
		wantErr string       // "" means the write commits
		wantIs  error
	}{
		{email: "ok1@x.com"},
		{email: "fails@x.com", fail: func() error { return boom }, wantErr: "boom", wantIs: boom},
		{email: "ok2@x.com"},
		{email: "panics@x.com", fail: func() error { panic("kaboom") }, wantErr: "write panicked: kaboom"},
		{email: "cancelled@x.com", ctx: cancelCtx, wantErr: "context canceled", wantIs: context.Canceled},
		{email: "ok3@x.com"},
	}
	results := make(chan result, len(scenarios))
	for i, sc := range scenarios {
		ctx := sc.ctx
		if ctx == nil {
			ctx = context.Background()
		}
		go func() {
			err := db.Write(ctx, func(tx Tx) error {
				if sc.ctx != nil {
					cancelledRan = true
				}
				if _, err := tx.UpsertRecord("contact", 0, sc.email, nil, t0); err != nil {
					return err
				}
				// counters are summed over the batch and written at its end: only the
				// committed writes' may be in them
				if err := tx.CountStep("wf", "shared", 1, 0); err != nil {
					return err
				}
				if err := tx.CountStep("wf", sc.email, 0, 1); err != nil {
					return err
				}
				if sc.fail != nil {
					return sc.fail()
				}
				return nil
			})
			results <- result{sc.email, err}
		}()
		waitQueued(t, db, i+1) // keep the queue order equal to the scenario order
	}
	cancel() // queued but not started: must be skipped
	close(release)
	if err := <-blockerDone; err != nil {
		t.Fatalf("blocking write: %v", err)
	}
	got := map[string]error{}
	for range scenarios {
		r := <-results
		got[r.email] = r.err
	}
	for _, sc := range scenarios {
		err := got[sc.email]
		if sc.wantErr == "" {
			if err != nil {
				t.Errorf("%s: %v, want committed", sc.email, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), sc.wantErr) || (sc.wantIs != nil && !errors.Is(err, sc.wantIs)) {
			t.Errorf("%s: error %v, want %q", sc.email, err, sc.wantErr)
		}
		n := count(t, db, "SELECT COUNT(*) FROM records WHERE email = ?", sc.email)
		if want := map[bool]int64{true: 1, false: 0}[sc.wantErr == ""]; n != want {
			t.Errorf("%s: %d rows, want %d", sc.email, n, want)
		}
		n = count(t, db, "SELECT COALESCE(SUM(failed), 0) FROM step_counts WHERE workflow_id = 'wf' AND step_id = ?", sc.email)
		if want := map[bool]int64{true: 1, false: 0}[sc.wantErr == ""]; n != want {
			t.Errorf("%s: step counter %d, want %d", sc.email, n, want)
		}
	}
	if n := count(t, db, "SELECT completed FROM step_counts WHERE workflow_id = 'wf' AND step_id = 'shared'"); n != 3 {
		t.Errorf("shared step counter %d, want 3 (one per committed write)", n)
	}
	if cancelledRan {
		t.Error("a write cancelled while queued still ran")
	}
	// The blocker's batch plus exactly one batch for all six queued writes.
	if c := db.commits.Load() - commitsBefore; c != 2 {
		t.Errorf("%d commits after the barrier, want 2 (the queued writes shared one)", c)
	}
}

func TestWriteIgnoresCancelOnceRunning(t *testing.T) {
	// Cancelling the caller's context while its fn runs must not interrupt SQLite: an
	// interrupted statement would roll back the shared transaction of the whole batch.
	db := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	err := db.Write(ctx, func(tx Tx) error {
		if _, err := tx.UpsertRecord("contact", 0, "before@x.com", nil, t0); err != nil {
			return err
		}
		cancel()
		_, err := tx.UpsertRecord("contact", 0, "after@x.com", nil, t0)
		return err
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM records"); n != 2 {
		t.Fatalf("%d records, want 2", n)
	}
	newContact(t, db, "next@x.com", nil) // the writer still works
}

func TestWriteCancelledBeforeQueueing(t *testing.T) {
	db := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	for i := 0; i < 50; i++ { // the select in Write must never pick the send
		err := db.Write(ctx, func(tx Tx) error { ran = true; return nil })
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Write with cancelled ctx = %v, want context.Canceled", err)
		}
	}
	if ran {
		t.Fatal("fn ran although ctx was cancelled before Write")
	}
}

func TestWriteAfterClose(t *testing.T) {
	db := openTest(t)
	newContact(t, db, "ann@x.com", nil)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	err := db.Write(context.Background(), func(tx Tx) error { return nil })
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close = %v, want ErrClosed", err)
	}
}

func TestWriteDuringClose(t *testing.T) {
	// Writes racing Close either commit or get ErrClosed; none panics or is lost silently.
	db := openTest(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	committed := 0
	for g := 0; g < 20; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				err := db.Write(context.Background(), func(tx Tx) error {
					_, err := tx.UpsertRecord("contact", 0, fmt.Sprintf("g%d-%d@x.com", g, i), nil, t0)
					return err
				})
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("write: %v", err)
					return
				}
				mu.Lock()
				committed++
				mu.Unlock()
			}
		}()
	}
	for i := 0; ; i++ { // let some writes commit first
		mu.Lock()
		c := committed
		mu.Unlock()
		if c >= 50 {
			break
		}
		if i > 10000 {
			t.Fatalf("only %d writes committed", c)
		}
		time.Sleep(time.Millisecond)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	db2 := openAt(t, db.Path())
	if n := count(t, db2, "SELECT COUNT(*) FROM records"); n != int64(committed) {
		t.Fatalf("%d records on disk, %d writes reported committed", n, committed)
	}
}

// TestWriteBrokenTransaction: when the shared transaction itself is lost (SQLite rolls it back
// on disk-full or I/O errors; here a raw ROLLBACK stands in), no write of the batch may be
// reported committed, none may be half-committed, and the writer must recover.
func TestWriteBrokenTransaction(t *testing.T) {
	// All three writes must share one batch: with the default budget a slow machine may commit
	// the first on its own before the broken one runs (rightly reported committed).
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "flowdesk.db"), Options{BatchBudget: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	release, running := make(chan struct{}), make(chan struct{})
	go func() {
		_ = db.Write(context.Background(), func(tx Tx) error { close(running); <-release; return nil })
	}()
	<-running
	emails := []string{"before@x.com", "killer@x.com", "after@x.com"}
	errs := make(chan error, len(emails))
	for i, email := range emails {
		go func() {
			errs <- db.Write(context.Background(), func(tx Tx) error {
				if _, err := tx.UpsertRecord("contact", 0, email, nil, t0); err != nil {
					return err
				}
				if email == "killer@x.com" {
					_, err := tx.(*sqlTx).exec("ROLLBACK")
					return err
				}
				return nil
			})
		}()
		waitQueued(t, db, i+1)
	}
	close(release)
	for range emails {
		if err := <-errs; err == nil {
			t.Error("a write of the broken batch was reported committed")
		}
	}
	if n := count(t, db, "SELECT COUNT(*) FROM records"); n != 0 {
		t.Fatalf("%d records of the broken batch on disk, want 0", n)
	}
	newContact(t, db, "next@x.com", nil)
	if n := count(t, db, "SELECT COUNT(*) FROM records"); n != 1 {
		t.Fatalf("writer did not recover: %d records", n)
	}
}

// Urgent writes (acknowledgements) run before background writes queued earlier, and a batch
// stops taking background writes once its time budget is spent.
func TestUrgentWritesLeadAndBudgetSplitsBatches(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "flowdesk.db"), Options{BatchBudget: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	release, running := make(chan struct{}), make(chan struct{})
	go db.Write(context.Background(), func(tx Tx) error {
		close(running)
		<-release
		return nil
	})
	<-running
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	write := func(ctx context.Context, name string, work time.Duration) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := db.Write(ctx, func(tx Tx) error {
				mu.Lock()
				order = append(order, name)
				mu.Unlock()
				time.Sleep(work)
				return nil
			}); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}()
	}
	for i := 1; i <= 3; i++ {
		write(context.Background(), fmt.Sprintf("background-%d", i), 20*time.Millisecond)
		waitQueued(t, db, i)
	}
	write(Urgent(context.Background()), "urgent", 0)
	for i := 0; len(db.urgent) == 0; i++ {
		if i > 10000 {
			t.Fatal("the urgent write never queued")
		}
		time.Sleep(time.Millisecond)
	}
	before := db.commits.Load()
	close(release)
	wg.Wait()
	if order[0] != "urgent" {
		t.Fatalf("run order %v, want the urgent write first", order)
	}
	// urgent+background-1 (then the budget is spent), background-2, background-3.
	if c := db.commits.Load() - before; c != 4 {
		t.Fatalf("%d commits after the blocker, want 4 (the blocker's, then batches cut by the budget)", c)
	}
}

// TestBackgroundWritesProgressUnderUrgentLoad: with urgent writes arriving faster than a batch
// budget can take them, background writes still commit (at least one per batch); before, they
// waited until the urgent lane ran dry.
func TestBackgroundWritesProgressUnderUrgentLoad(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "flowdesk.db"), Options{BatchBudget: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 16 { // each urgent write takes longer than a batch's whole budget
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_ = db.Write(Urgent(context.Background()), func(tx Tx) error { time.Sleep(time.Millisecond); return nil })
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
	time.Sleep(20 * time.Millisecond) // let the urgent lane fill up
	before := db.commits.Load()
	done := make(chan error, 10)
	for range 10 {
		go func() { done <- db.Write(context.Background(), func(tx Tx) error { return nil }) }()
	}
	// A liveness bound, not a speed target: starved writes would never finish.
	deadline := time.After(time.Minute)
	for i := 0; i < 10; i++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-deadline:
			t.Fatalf("%d of 10 background writes committed while urgent writes kept coming", i)
		}
	}
	// Each batch takes at least one of them, so ten need about ten batches (a few more while
	// they queue); starved, they wait for the rare moment the urgent lane is empty.
	if n := db.commits.Load() - before; n > 20 {
		t.Fatalf("the 10 background writes took %d batches to commit, want at most 20", n)
	}
	t.Logf("10 background writes committed within %d batches under constant urgent load", db.commits.Load()-before)
}

// TestPurgeDropsCountsOfItsBatch puts a write that counts a step of a workflow and the purge of
// that workflow in one batch: the counts summed before the purge must not bring its rows back.
func TestPurgeDropsCountsOfItsBatch(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "flowdesk.db"), Options{BatchBudget: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	newWorkflow(t, db, "doomed")
	newWorkflow(t, db, "kept")
	mustWrite(t, db, func(tx Tx) error {
		if err := tx.TrashWorkflow("doomed", true, t0); err != nil {
			return err
		}
		return tx.RequestPurge("doomed", t0)
	})
	release, running := make(chan struct{}), make(chan struct{})
	go func() {
		_ = db.Write(context.Background(), func(tx Tx) error {
			close(running)
			<-release
			return nil
		})
	}()
	<-running
	counted := make(chan error, 1)
	go func() {
		counted <- db.Write(context.Background(), func(tx Tx) error {
			if err := tx.CountStep("doomed", "a", 1, 0); err != nil {
				return err
			}
			return tx.CountStep("kept", "a", 1, 0)
		})
	}()
	waitQueued(t, db, 1)
	purged := make(chan error, 1)
	go func() {
		b, err := db.PurgeWorkflow(context.Background(), "doomed", 100)
		if err == nil && b.More {
			err = errors.New("purge wants another batch")
		}
		purged <- err
	}()
	waitQueued(t, db, 2)
	close(release)
	if err := <-counted; err != nil {
		t.Fatal(err)
	}
	if err := <-purged; err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM step_counts WHERE workflow_id = 'doomed'"); n != 0 {
		t.Errorf("%d step_counts rows of the purged workflow", n)
	}
	if n := count(t, db, "SELECT completed FROM step_counts WHERE workflow_id = 'kept'"); n != 1 {
		t.Errorf("kept workflow's counter %d, want 1", n)
	}
}
