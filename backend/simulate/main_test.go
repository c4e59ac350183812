package simulate_test

import (
	"os"
	"testing"

	"github.com/flowdesk/flowdesk/backend/store/postgres/pgtest"
)

// TestMain drops this package's PostgreSQL scratch database after its tests (when
// FLOWDESK_TEST_STORE=postgres runs its test rigs there).
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
