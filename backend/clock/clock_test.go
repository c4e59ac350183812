package clock

import (
	"testing"
	"time"
)

func TestFakeAdvanceFiresDueWaitersOnly(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewFake(start)
	soon := f.After(time.Minute)
	later := f.After(time.Hour)
	f.Advance(2 * time.Minute)
	select {
	case got := <-soon:
		if !got.Equal(start.Add(2 * time.Minute)) {
			t.Fatalf("soon fired at %v", got)
		}
	default:
		t.Fatal("waiter due after 1m did not fire after advancing 2m")
	}
	select {
	case <-later:
		t.Fatal("waiter due after 1h fired after 2m")
	default:
	}
	f.Set(start) // backwards is ignored
	if !f.Now().Equal(start.Add(2 * time.Minute)) {
		t.Fatalf("clock moved backwards to %v", f.Now())
	}
}
