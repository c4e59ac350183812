package store_test

import (
	"testing"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/storetest"
)

// TestConformance runs the store conformance suite against SQLite: a real file in a temp dir.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return storetest.OpenSQLite(t, "") })
}
