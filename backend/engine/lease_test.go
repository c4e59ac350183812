package engine

import (
	"context"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store/storetest"
)

// A process on a shared database leases its claims for SharedLease unless told otherwise, so
// the steps a killed serve process had claimed run in another one within half a minute, not
// the single-process default of five minutes; an explicit lease wins either way.
func TestLeaseDefaultsBySharing(t *testing.T) {
	db := storetest.Open(t, "")
	for _, c := range []struct {
		opts Options
		want time.Duration
	}{
		{Options{}, 5 * time.Minute},
		{Options{Shared: true}, SharedLease},
		{Options{Shared: true, Lease: 10 * time.Second}, 10 * time.Second},
		{Options{Lease: time.Minute}, time.Minute},
	} {
		e, err := New(context.Background(), db, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		if e.opts.Lease != c.want {
			t.Errorf("Shared %v, Lease %v: the lease is %v, want %v", c.opts.Shared, c.opts.Lease, e.opts.Lease, c.want)
		}
	}
}
