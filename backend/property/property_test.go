package property

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestConvert(t *testing.T) {
	cases := []struct {
		in   any
		typ  string
		opts []string
		want any
		err  string
	}{
		{"12,5", Number, nil, 12.5, ""},
		{json.Number("42"), Number, nil, 42.0, ""},
		{json.Number("9007199254740993"), Number, nil, nil, "2^53"},
		{"abc", Number, nil, nil, "not a number"},
		{json.Number("9223372036854775807"), Integer, nil, int64(9223372036854775807), ""},
		{json.Number("9223372036854775808"), Integer, nil, nil, "64 bits"},
		{"12.5", Integer, nil, nil, "not a whole number"},
		{12.0, Integer, nil, int64(12), ""},
		{"true", Bool, nil, true, ""},
		{"maybe", Bool, nil, nil, "true or false"},
		{"2026-12-02", Date, nil, "2026-12-02", ""},
		{"31-02-2026", Date, nil, nil, "not a date"},
		{"2026-02-31", Date, nil, nil, "not a date"},
		{"2026-12-02", Datetime, nil, "2026-12-02T00:00:00Z", ""},
		{"PRO", Enum, []string{"free", "pro"}, "pro", ""},
		{"gold", Enum, []string{"free", "pro"}, nil, "allowed values"},
		{"a;b", Multi, nil, []any{"a", "b"}, ""},
		{"ann@example.com", Email, nil, "ann@example.com", ""},
		{"ann-at-example", Email, nil, nil, "@"},
		{"+49 30 1234567", Phone, nil, "+49 30 1234567", ""},
		{"call me", Phone, nil, nil, "not a phone number"},
		{"https://example.com/x", URL, nil, "https://example.com/x", ""},
		{"example.com", URL, nil, nil, "web address"},
		{[]any{"a"}, String, nil, nil, "not text"},
		{nil, Number, nil, nil, ""},
	}
	for _, c := range cases {
		got, err := Convert(c.in, c.typ, c.opts)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Convert(%#v, %s) error = %v, want %q", c.in, c.typ, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("Convert(%#v, %s) = %#v, %v; want %#v", c.in, c.typ, got, err, c.want)
		}
	}
}

func TestCopyable(t *testing.T) {
	for _, c := range []struct {
		from, to string
		ok       bool
	}{{Multi, String, false}, {String, Multi, true}, {Integer, Number, true}, {Number, Integer, false}, {Date, Datetime, true}, {Bool, Number, false}, {Email, String, true}, {String, Email, false}} {
		if Copyable(c.from, c.to) != c.ok {
			t.Errorf("Copyable(%s, %s) != %v", c.from, c.to, c.ok)
		}
	}
}
