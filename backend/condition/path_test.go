package condition

import (
	"reflect"
	"testing"
)

func TestEnvValue(t *testing.T) {
	env := Env{
		Record: map[string]any{"city": "Dublin", "utm.source": "dotted", "utm": map[string]any{"source": "nested"}, "n": 3},
		Event: map[string]any{"watch_pct": 80, "utm": map[string]any{"source": "google", "deep": map[string]any{"x": 1}},
			"a.b": "flat", "a": map[string]any{"b": "nested"}, "list": []any{1}},
	}
	cases := []struct {
		path string
		want any
	}{
		{"city", "Dublin"},
		{"record.city", "Dublin"},
		{"n", 3},
		{"missing", nil},
		{"utm.source", "dotted"},        // a property name with a dot wins over nesting
		{"record.utm.source", "dotted"}, // also behind record.
		{"event.watch_pct", 80},
		{"event.utm.source", "google"},
		{"event.utm.deep.x", 1},
		{"event.utm.deep.y", nil},
		{"event.utm.source.more", nil}, // through a non-map
		{"event.a.b", "flat"},
		{"event.list.0", nil},
		{"event.missing.x", nil},
		{"event.utm", map[string]any{"source": "google", "deep": map[string]any{"x": 1}}},
	}
	for _, tc := range cases {
		if got := env.Value(tc.path); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Value(%q) = %#v, want %#v", tc.path, got, tc.want)
		}
	}
	if got := (Env{}).Value("event.x"); got != nil {
		t.Errorf("nil event: %v", got)
	}
	if got := (Env{}).Value("x"); got != nil {
		t.Errorf("nil record: %v", got)
	}
	// A dotted key wins at every level, not only at the top, and string maps are read too.
	deep := map[string]any{"a": map[string]any{"b.c": "inner-flat", "b": map[string]any{"c": "inner-nested"}},
		"scope": map[string]string{"account": "acme"}}
	for path, want := range map[string]any{"a.b.c": "inner-flat", "scope.account": "acme", "scope.account.x": nil, "scope.none": nil} {
		if got := Lookup(deep, path); !reflect.DeepEqual(got, want) {
			t.Errorf("Lookup(%q) = %#v, want %#v", path, got, want)
		}
	}
}
