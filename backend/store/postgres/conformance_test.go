package postgres_test

import (
	"os"
	"testing"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres/pgtest"
	"github.com/flowdesk/flowdesk/backend/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestConformance runs the store conformance suite against PostgreSQL: a fresh schema of this
// package's scratch database per case.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return pgtest.Open(t, store.Options{}) })
}
