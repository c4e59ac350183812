//go:build race

package server

// The race detector makes each write about twenty times dearer: the delete-during-ingest test
// then deletes a smaller workflow with fewer clients posting, so background writes still get
// their turn on a loaded machine.
const (
	deleteIngestEnrollments = 500
	ingestClients           = 2
)
