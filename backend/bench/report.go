package bench

import (
	"fmt"
	"io"
	"math"
	"runtime/debug"
	"strings"
)

// WriteTable writes the report as an aligned table.
func (rep *Report) WriteTable(w io.Writer) error {
	header := fmt.Sprintf("flowdesk bench  %s  mode=%s events=%d concurrency=%d synchronous=%s  %s, %d CPUs, %s",
		rep.Started.Format("2006-01-02 15:04 UTC"), rep.Mode, rep.Events, rep.Concurrency, rep.Synchronous, rep.OS, rep.CPUs, rep.GoVersion)
	if rep.Revision != "" {
		header += ", commit " + rep.Revision
	}
	cols := [][]string{{"measure", "value", "unit", "x commit rate", "target", "", "note"}}
	for _, r := range rep.Rows {
		ratio := ""
		if r.Ratio > 0 {
			ratio = fmt.Sprintf("%.2fx", r.Ratio)
		}
		verdict := ""
		if r.Met != nil {
			verdict = "ok"
			if !*r.Met {
				verdict = "MISS"
			}
		}
		cols = append(cols, []string{r.Name, thousands(r.Value), r.Unit, ratio, r.Target, verdict, r.Note})
	}
	widths := make([]int, len(cols[0]))
	for _, row := range cols {
		for i, c := range row {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	b.WriteString(header + "\n\n")
	for ri, row := range cols {
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			switch i {
			case 1, 3: // numbers right-aligned
				b.WriteString(pad + c)
			default:
				b.WriteString(c + pad)
			}
			if i < len(row)-1 {
				b.WriteString("  ")
			}
		}
		b.WriteString("\n")
		if ri == 0 {
			b.WriteString(strings.Repeat("-", sumInts(widths)+2*(len(widths)-1)) + "\n")
		}
	}
	if len(rep.Truncated) > 0 {
		fmt.Fprintf(&b, "\nphases stopped by --phase-timeout (figures cover what finished): %s\n", strings.Join(rep.Truncated, "; "))
	}
	fmt.Fprintf(&b, "\nwhole run: %.1f s; load average %.2f before, %.2f after (on %d CPUs: above that, other work competed for them)\n",
		rep.Elapsed, rep.LoadBefore, rep.LoadAfter, rep.CPUs)
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n"))
	if err != nil {
		return fmt.Errorf("bench: write report: %w", err)
	}
	return nil
}

func sumInts(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}

// thousands formats a figure for the table: small values with decimals, large ones grouped.
func thousands(v float64) string {
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v < 100:
		return fmt.Sprintf("%.1f", v)
	}
	s := fmt.Sprintf("%d", int64(math.Round(v)))
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// buildRevision is the VCS commit stamped into the binary, if any.
func buildRevision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && dirty {
		rev += "+dirty"
	}
	return rev
}
