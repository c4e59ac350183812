package api

import (
	"encoding/json"

	"github.com/flowdesk/flowdesk/backend/explain"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// The delivery log and history are masked when written (backend/action), by workflow's one
// masking rule. These apply the same rule again when answering, for rows a Flowdesk before the
// rule wrote: their targets, logged URLs and headers could hold credentials in clear.

// maskedAttempt is a with its target, request URL and request headers masked.
func maskedAttempt(a *store.ActionAttempt) *store.ActionAttempt {
	out := *a
	out.Target = workflow.MaskURL(a.Target)
	var req map[string]any
	if len(a.Request) == 0 || json.Unmarshal(a.Request, &req) != nil {
		return &out
	}
	if u, ok := req["url"].(string); ok {
		req["url"] = workflow.MaskURL(u)
	}
	if h, ok := req["headers"].(map[string]any); ok {
		for k, v := range h {
			if s, ok := v.(string); ok && s != "" && workflow.Credential(k, s) {
				h[k] = workflow.Hidden
			}
		}
	}
	if b, err := json.Marshal(req); err == nil {
		out.Request = b
	}
	return &out
}

// maskedHistory masks the target named in each entry's detail.
func maskedHistory(hist []store.HistoryEntry) []store.HistoryEntry {
	for i, h := range hist {
		var d map[string]any
		if json.Unmarshal(h.Detail, &d) != nil {
			continue
		}
		changed := false
		if t, ok := d["target"].(string); ok && workflow.MaskURL(t) != t {
			d["target"], changed = workflow.MaskURL(t), true
		}
		if raw, ok := d["error"].(string); ok && h.StepType != "" && (h.Outcome == store.HistFailed || h.Outcome == "retrying") {
			status, _ := d["status"].(float64)
			if w := explain.Error(h.StepType, int(status), raw); w != "" {
				d["error_text"], changed = w, true
			}
		}
		if changed {
			hist[i].Detail, _ = json.Marshal(d)
		}
	}
	return hist
}
