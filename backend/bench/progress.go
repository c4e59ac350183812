package bench

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Progress shows which bench phase runs and how far it got. On a terminal it redraws one line
// at most 10 times a second; elsewhere (CI logs) it prints a line at each quarter of a phase.
type Progress struct {
	w     io.Writer
	tty   bool
	label string     // what the lines start with off a terminal ("bench")
	mu    sync.Mutex // serialises writes
}

// NewProgress writes progress to w; tty says whether w is a terminal (IsTerminal).
func NewProgress(w io.Writer, tty bool) *Progress { return &Progress{w: w, tty: tty, label: "bench"} }

// NewLabeledProgress is NewProgress for another command: its lines off a terminal start with
// label ("migrate") instead of "bench".
func NewLabeledProgress(w io.Writer, tty bool, label string) *Progress {
	return &Progress{w: w, tty: tty, label: label}
}

// Phase is one counted part of long work, drawn as a bar with its count and elapsed time.
type Phase struct{ pp *phaseProgress }

// Phase starts showing a part of the work of total units (0: it cannot count them).
func (p *Progress) Phase(name string, total int) *Phase { return &Phase{p.phase(name, total)} }

// Add counts n more units done.
func (ph *Phase) Add(n int) { ph.pp.add(n) }

// Done ends the phase with its final line.
func (ph *Phase) Done() { ph.pp.done() }

// IsTerminal reports whether w is a character device (a terminal), without cgo or x/term.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// phaseProgress tracks one phase. total 0 means the phase cannot count its work.
type phaseProgress struct {
	p       *Progress
	name    string
	total   int
	start   time.Time
	n       atomic.Int64
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

func (p *Progress) phase(name string, total int) *phaseProgress {
	pp := &phaseProgress{p: p, name: name, total: total, start: time.Now(), stop: make(chan struct{}), stopped: make(chan struct{})}
	if p.w == io.Discard {
		close(pp.stopped)
		return pp
	}
	if !p.tty {
		p.printf("%s: %s ...\n", p.label, name)
	}
	go pp.loop()
	return pp
}

func (pp *phaseProgress) add(n int) { pp.n.Add(int64(n)) }
func (pp *phaseProgress) set(n int) { pp.n.Store(int64(n)) }

func (pp *phaseProgress) loop() {
	defer close(pp.stopped)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	nextQuarter := 1
	for {
		select {
		case <-pp.stop:
			return
		case <-tick.C:
		}
		n := int(pp.n.Load())
		switch {
		case pp.p.tty:
			pp.p.printf("\r\033[K%s", pp.line(n))
		case pp.total > 0 && nextQuarter < 4 && n*4 >= pp.total*nextQuarter:
			for nextQuarter < 4 && n*4 >= pp.total*nextQuarter {
				nextQuarter++
			}
			pp.p.printf("%s:   %s\n", pp.p.label, pp.line(n))
		}
	}
}

// line renders "name [#####.....]  42%  8,400/20,000  3.1 s".
func (pp *phaseProgress) line(n int) string {
	el := time.Since(pp.start).Seconds()
	if pp.total <= 0 {
		return fmt.Sprintf("%-48s %6.1f s", pp.name, el)
	}
	frac := min(float64(n)/float64(pp.total), 1)
	const width = 24
	filled := int(frac * width)
	bar := strings.Repeat("#", filled) + strings.Repeat(".", width-filled)
	return fmt.Sprintf("%-48s [%s] %3.0f%%  %s/%s  %.1f s", pp.name, bar, frac*100, countStr(n), countStr(pp.total), el)
}

// done ends the phase's display with a final line.
func (pp *phaseProgress) done() {
	pp.once.Do(func() {
		if pp.p.w == io.Discard {
			return
		}
		close(pp.stop)
		<-pp.stopped
		n := int(pp.n.Load())
		if pp.p.tty {
			pp.p.printf("\r\033[K%s\n", pp.line(n))
			return
		}
		pp.p.printf("%s:   %s done\n", pp.p.label, pp.line(n))
	})
}

func (p *Progress) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format, args...)
}

// count formats a whole number with thousands separators.
func countStr(n int) string {
	if n < 100 {
		return fmt.Sprint(n)
	}
	return thousands(float64(n))
}
