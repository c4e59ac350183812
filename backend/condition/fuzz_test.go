package condition

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/problem"
)

// FuzzCompile builds filters (and records) from fuzzed JSON, compiles and matches them.
// It must never panic; compile errors must be *problem.Error with at least one problem.
func FuzzCompile(f *testing.F) {
	seeds := []struct{ filter, record string }{
		{`{}`, `{}`},
		{`{"all":[{"property":"city","op":"eq","value":"Dublin"},{"property":"age","op":"gt","value":30}]}`, `{"city":"dublin","age":42}`},
		{`{"any":[{"all":[{"property":"lifecycle","op":"in","value":["lead","mql"]}]}]}`, `{"lifecycle":["MQL"]}`},
		{`{"property":"seen","op":"within_last","value":"3d"}`, `{"seen":"2026-03-14T00:00:00Z"}`},
		{`{"property":"seen","op":"before","value":"2026-01-31"}`, `{"seen":1700000000000}`},
		{`{"property":"event.webinar.id","op":"neq","value":"1"}`, `{}`},
		{`{"property":"x","op":"is_known"}`, `{"x":[]}`},
		{`{"expr":"record.age > 30 && len(record.tags) > 0"}`, `{"age":31,"tags":["a"]}`},
		{`{"expr":"any(record.tags, # == \"vip\")"}`, `{"tags":["vip"]}`},
		{`{"all":[{"property":"a","op":"contains","value":"b","all":[]}]}`, `{}`},
		{`{"expr":"len(1..100000000 | map(# * 2)) > 0"}`, `{}`},
	}
	for _, s := range seeds {
		f.Add([]byte(s.filter), []byte(s.record), false)
	}
	schema := func(p string) (Type, bool) {
		switch p {
		case "age":
			return TypeNumber, true
		case "city":
			return TypeString, true
		case "vip":
			return TypeBool, true
		case "seen":
			return TypeDate, true
		case "tags":
			return TypeMulti, true
		}
		return "", false
	}
	f.Fuzz(func(t *testing.T, filterJSON, recordJSON []byte, useSchema bool) {
		// A hang is a failure: panic with the input so the fuzzer records it.
		watchdog := time.AfterFunc(5*time.Second, func() {
			panic(fmt.Sprintf("hang on filter %q record %q schema %v", filterJSON, recordJSON, useSchema))
		})
		defer watchdog.Stop()
		var flt Filter
		dec := json.NewDecoder(bytes.NewReader(filterJSON))
		if useSchema {
			dec.UseNumber()
		}
		if err := dec.Decode(&flt); err != nil {
			return
		}
		var record map[string]any
		_ = json.Unmarshal(recordJSON, &record)
		opts := Options{}
		if useSchema {
			opts.Schema = schema
		}
		p, err := Compile(flt, opts)
		if err != nil {
			var ce *problem.Error
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("compile error is not a *problem.Error with problems: %v", err)
			}
			for _, pr := range ce.Problems {
				if pr.Message == "" {
					t.Fatalf("empty problem message: %+v", ce.Problems)
				}
			}
			return
		}
		_ = p.References()
		_, _ = p.Match(Env{Record: record, Event: record, Now: now})
		_, _ = p.Match(Env{})
	})
}
