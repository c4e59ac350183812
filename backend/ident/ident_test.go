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

func TestSlugAndUnique(t *testing.T) {
	for name, want := range map[string]string{
		"Webinar follow-up": "webinar-follow-up", "  Élan -- Vital!! ": "lan-vital", "日本語": "workflow", "": "workflow",
	} {
		if got := Slug(name, "workflow"); got != want {
			t.Errorf("Slug(%q) = %q, want %q", name, got, want)
		}
	}
	taken := map[string]bool{"lead": true, "lead-2": true, "lead-4": true}
	is := func(id string) bool { return taken[id] }
	if got := Unique("lead", is); got != "lead-3" {
		t.Errorf("Unique(lead) = %q, want lead-3", got)
	}
	if got := Unique("fresh", is); got != "fresh" {
		t.Errorf("Unique(fresh) = %q", got)
	}
}
