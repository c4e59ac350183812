package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres"
	"github.com/flowdesk/flowdesk/backend/store/postgres/pgtest"
)

// eventually waits (bounded) until cond holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("gave up waiting until %s", what)
}

func leaders(ls ...*postgres.Leader) int {
	n := 0
	for _, l := range ls {
		if l.Leading() {
			n++
		}
	}
	return n
}

func TestOneProcessLeadsAndAnotherTakesOverWhenItGoes(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	open := func() *postgres.DB {
		db, err := postgres.Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b, c := open(), open(), open() // three processes' pools on one database
	every := 20 * time.Millisecond
	la := postgres.ElectEveryFor(ctx, a.Pool(), nil, every)
	lb := postgres.ElectEveryFor(ctx, b.Pool(), nil, every)
	lc := postgres.ElectEveryFor(ctx, c.Pool(), nil, every)
	defer la.Close()
	defer lb.Close()
	defer lc.Close()
	eventually(t, "one of three leads", func() bool { return leaders(la, lb, lc) == 1 })
	for range 20 { // and stays the only one
		if n := leaders(la, lb, lc); n != 1 {
			t.Fatalf("%d processes lead at once", n)
		}
		time.Sleep(every)
	}
	first := la
	switch {
	case lb.Leading():
		first = lb
	case lc.Leading():
		first = lc
	}
	first.Close() // the leader stops: its lock's connection closes
	if first.Leading() {
		t.Fatal("a closed leader still says it leads")
	}
	eventually(t, "another process leads", func() bool { return leaders(la, lb, lc) == 1 })
}

func TestALeaderWhoseConnectionDiesStopsLeading(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, store.Options{})
	l := postgres.ElectEveryFor(ctx, db.Pool(), nil, 20*time.Millisecond)
	defer l.Close()
	eventually(t, "the only process leads", l.Leading)
	// The server ends the lock's session (a network cut, an administrator): the lock is gone
	// with it, and the process must notice and stop running cluster-wide work.
	if _, err := db.Pool().Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND objid = hashtext(current_schema())::oid`); err != nil {
		t.Fatal(err)
	}
	eventually(t, "it stops leading", func() bool { return !l.Leading() })
	eventually(t, "it leads again on a new connection", l.Leading)
}
