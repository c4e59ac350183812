package settings

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"

	"github.com/flowdesk/flowdesk/backend/store"
)

// ServeAddresses is what `flowdesk serve` records in the database at start, so a `flowdesk
// worker` on the same database knows it: the worker runs the steps that render the webhook
// listener's address (SMS status callbacks) and must refuse requests into serve's own
// listeners as serve does.
type ServeAddresses struct {
	// Self are the listeners of every serve that started on this database (host:port): a
	// step's request must never reach one of them.
	Self []netip.AddrPort `json:"self"`
	// HooksURL is the webhook listener's base URL of the serve that started last.
	HooksURL string `json:"hooks_url"`
}

// serveKey is the setting's key; Load ignores it, and the API does not show it.
const serveKey = "serve_addresses"

// maxSelf bounds Self: addresses of earlier starts stay (a serve on another port may still
// run), the oldest drop off.
const maxSelf = 32

// RecordServe adds self to the recorded listeners and sets the webhook listener's URL.
func (s *Store) RecordServe(ctx context.Context, self []netip.AddrPort, hooksURL string) error {
	cur, _, err := s.Serve(ctx)
	if err != nil {
		return err
	}
	all := slices.DeleteFunc(cur.Self, func(a netip.AddrPort) bool { return slices.Contains(self, a) })
	all = append(all, self...)
	if len(all) > maxSelf {
		all = all[len(all)-maxSelf:]
	}
	raw, err := json.Marshal(ServeAddresses{Self: all, HooksURL: hooksURL})
	if err != nil {
		return err
	}
	if err := s.db.Write(ctx, func(tx store.Tx) error { return tx.PutSetting(serveKey, raw, s.now()) }); err != nil {
		return fmt.Errorf("record serve's addresses for the workers: %w", err)
	}
	return nil
}

// Serve returns what serve recorded; ok is false when no serve has started on this database.
func (s *Store) Serve(ctx context.Context) (addrs ServeAddresses, ok bool, err error) {
	raw, err := s.db.Settings(ctx)
	if err != nil {
		return addrs, false, err
	}
	v, ok := raw[serveKey]
	if !ok {
		return addrs, false, nil
	}
	if err := json.Unmarshal(v, &addrs); err != nil {
		return addrs, false, fmt.Errorf("setting %q is damaged: %w", serveKey, err)
	}
	return addrs, true, nil
}
