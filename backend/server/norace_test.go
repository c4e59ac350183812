//go:build !race

package server

// The size of the workflow the delete-during-ingest test deletes, and how many clients post
// events meanwhile (see race_test.go).
const (
	deleteIngestEnrollments = 100_000
	ingestClients           = 8
)
