package main

import (
	"os"
	"testing"

	"github.com/flowdesk/flowdesk/backend/store/postgres/pgtest"
)

// TestMain drops this package's scratch PostgreSQL database after its tests.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
