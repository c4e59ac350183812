package ident

import (
	"regexp"
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	scenarios := []struct{ name, fallback, prefix string }{
		{"Webinar follow-up", "workflow", "webinar-follow-up-"},
		{"  Élan -- Vital!! ", "workflow", "lan-vital-"},
		{"日本語", "hook", "hook-"},
		{"", "workflow", "workflow-"},
		{strings.Repeat("abc ", 30), "workflow", strings.TrimSuffix(strings.Repeat("abc-", 10), "-") + "-"},
	}
	shape := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*-[0-9a-f]{6}$`)
	for _, sc := range scenarios {
		got := New(sc.name, sc.fallback)
		if !strings.HasPrefix(got, sc.prefix) || !shape.MatchString(got) {
			t.Errorf("New(%q) = %q, want prefix %q", sc.name, got, sc.prefix)
		}
	}
	first, second := New("x", "y"), New("x", "y")
	if first == second {
		t.Errorf("two ids for the same name are equal: %s", first)
	}
}
