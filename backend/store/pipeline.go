package store

import "context"

// Pipelining on a database server. SQLite runs a statement as a function call; PostgreSQL
// costs a round trip per statement, and a step's write is ten or more of them. A statement
// whose result the write does not read (an UPDATE whose count it ignores, a history INSERT,
// a SAVEPOINT) is run with PipeLater: the driver (backend/store/postgres) may hold it and send
// it in one batch with the next statement whose answer is needed. Its error then surfaces at
// that statement, or at the write's flush before its savepoint is released, so a write that
// fails still fails alone and nothing is reported committed that did not commit.

// PipeMode tells the driver how to run a statement (see Pipe).
type PipeMode int

const (
	// PipeOff runs the statement now (everything held goes with it).
	PipeOff PipeMode = iota
	// PipeLater may hold the statement; its result is never read (RowsAffected is an error).
	PipeLater
	// PipeFlush sends everything held and waits for its answers; the query itself is not run.
	PipeFlush
)

type pipeKey struct{}

// Pipe is the PipeMode the store ran a statement with, read by the PostgreSQL driver.
func Pipe(ctx context.Context) PipeMode {
	m, _ := ctx.Value(pipeKey{}).(PipeMode)
	return m
}

func withPipe(ctx context.Context, m PipeMode) context.Context {
	return context.WithValue(ctx, pipeKey{}, m)
}

// flushQuery is what a flush passes as its query; the driver does not run it.
const flushQuery = "-- flush"

// execLater runs a statement whose result the caller does not read: held for the next
// round trip on PostgreSQL (see Pipe), run now on SQLite.
func (t *sqlTx) execLater(query string, args ...any) error {
	if !t.pg {
		_, err := t.exec(query, args...)
		return err
	}
	if t.later == nil {
		t.later = withPipe(t.ctx, PipeLater)
	}
	_, err := t.tx.ExecContext(t.later, query, args...)
	return err
}

// flush sends the statements held by execLater and returns the first one's error.
func (t *sqlTx) flush() error {
	if !t.pg {
		return nil
	}
	_, err := t.tx.ExecContext(withPipe(t.ctx, PipeFlush), flushQuery)
	return err
}
