package api

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/engine"
)

// eventBody mirrors engine.EventInput; a field added to one must be added to the other.
func TestEventBodyMirrorsEventInput(t *testing.T) {
	names := func(typ reflect.Type) []string {
		var out []string
		for i := range typ.NumField() {
			tag := strings.Split(typ.Field(i).Tag.Get("json"), ",")[0]
			if tag != "-" {
				out = append(out, tag+":"+typ.Field(i).Name)
			}
		}
		sort.Strings(out)
		return out
	}
	got, want := names(reflect.TypeFor[eventBody]()), names(reflect.TypeFor[engine.EventInput]())
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("eventBody fields %v, engine.EventInput fields %v", got, want)
	}
}
