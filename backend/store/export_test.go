package store

// ExecLater runs a statement as the store runs one whose answer it does not read (held for the
// next round trip on PostgreSQL), for the pipeline's tests.
func ExecLater(tx Tx, query string, args ...any) error { return tx.(*sqlTx).execLater(query, args...) }
