package engine

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/flowdesk/flowdesk/backend/workflow"
)

// VersionInfo is one row of a workflow's version list: when it was published and what it
// changed against the version before it.
type VersionInfo struct {
	Version   int            `json:"version"`
	CreatedAt time.Time      `json:"created_at"`
	Active    bool           `json:"active"` // the version new enrollments start on
	Summary   string         `json:"summary"`
	Changes   *workflow.Diff `json:"changes"`
}

// Versions lists a workflow's published versions, newest first.
func (s *Workflows) Versions(ctx context.Context, id string) ([]VersionInfo, error) {
	w, err := s.db.Workflow(ctx, id)
	if err != nil {
		return nil, err
	}
	vs, err := s.db.WorkflowVersions(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]VersionInfo, 0, len(vs))
	var prev *workflow.Definition
	for _, v := range vs {
		def, err := workflow.Parse(v.Definition)
		if err != nil {
			return nil, fmt.Errorf("workflow %q version %d: %w", id, v.Version, err)
		}
		d := workflow.Compare(prev, def)
		out = append(out, VersionInfo{Version: v.Version, CreatedAt: v.CreatedAt, Active: w.Enabled && v.Version == w.ActiveVersion, Summary: d.Summary, Changes: d})
		prev = def
	}
	slices.Reverse(out)
	return out, nil
}

// revisionDefinition loads one definition of a workflow: a version number, "draft" (what is saved in
// the editor) or "live" (the version new enrollments start on; none while it is off).
func (s *Workflows) revisionDefinition(ctx context.Context, id, which, field string) (*workflow.Definition, error) {
	switch which {
	case "draft":
		w, err := s.db.Workflow(ctx, id)
		if err != nil {
			return nil, err
		}
		return workflow.Parse(w.Definition)
	case "live":
		w, err := s.db.Workflow(ctx, id)
		if err != nil {
			return nil, err
		}
		if !w.Enabled || w.ActiveVersion == 0 {
			return nil, nil
		}
		return s.rt.definition(ctx, id, w.ActiveVersion)
	}
	v, err := strconv.Atoi(which)
	if err != nil || v <= 0 {
		return nil, badInput(field, "%q is not a version: give a version number, draft or live", which)
	}
	return s.rt.definition(ctx, id, v)
}

// Compare says what changed from one definition of a workflow to another (see
// revisionDefinition for the names; "live" of a workflow that is off compares as nothing).
func (s *Workflows) Compare(ctx context.Context, id, from, to string) (*workflow.Diff, error) {
	a, err := s.revisionDefinition(ctx, id, from, "from")
	if err != nil {
		return nil, err
	}
	b, err := s.revisionDefinition(ctx, id, to, "to")
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, badInput("to", "workflow %q is off, so it has no live version to compare to", id)
	}
	return workflow.Compare(a, b), nil
}
