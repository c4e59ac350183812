package engine

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/flowdesk/flowdesk/backend/store"
)

// Limits of a workflow's tags.
const (
	MaxTags      = 20
	MaxTagLength = 40
)

// SetTags replaces a workflow's tags: trimmed, each 1-40 characters, no two the same (ignoring
// case), at most 20. Every bad tag is named at once and nothing changes.
func (e *Engine) SetTags(ctx context.Context, id string, tags []string) (*store.Workflow, error) {
	var pr problems
	seen := map[string]bool{}
	clean := make([]string, 0, len(tags))
	for i, t := range tags {
		t = strings.TrimSpace(t)
		field := fmt.Sprintf("tags[%d]", i)
		switch {
		case t == "":
			pr.add(field, "a tag cannot be empty; remove it or give it a name")
		case utf8.RuneCountInString(t) > MaxTagLength:
			pr.add(field, "tag %q is longer than %d characters", t, MaxTagLength)
		case seen[strings.ToLower(t)]:
			pr.add(field, "tag %q is there twice", t)
		default:
			seen[strings.ToLower(t)] = true
			clean = append(clean, t)
		}
	}
	if len(tags) > MaxTags {
		pr.add("tags", "%d tags; give at most %d", len(tags), MaxTags)
	}
	if err := pr.err(); err != nil {
		return nil, err
	}
	if err := e.db.Write(ctx, func(tx store.Tx) error { return tx.SetWorkflowTags(id, clean) }); err != nil {
		return nil, fmt.Errorf("tag workflow %q: %w", id, err)
	}
	return e.db.Workflow(ctx, id)
}
