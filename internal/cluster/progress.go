package cluster

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress hears how a run advances. Implementations must be safe for
// concurrent use.
type Progress interface {
	// Listed reports one page of kind: n items, and the server's estimate
	// of the items still to come for that kind (0 when unknown or none).
	Listed(kind string, n int, remaining int64)
	// Evaluated reports done of total objects evaluated.
	Evaluated(done, total int)
	// Done ends the display.
	Done()
}

// Bar draws a one-line progress bar, redrawn in place with a carriage
// return, at most every Interval. It is meant for a terminal on stderr;
// the CLI uses it only when stderr is one.
type Bar struct {
	W        io.Writer
	Interval time.Duration
	Width    int
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	mu        sync.Mutex
	listed    int
	remaining map[string]int64
	last      time.Time
	drawn     bool
}

// NewBar returns a bar writing to w, redrawn at most ten times a second.
func NewBar(w io.Writer) *Bar {
	return &Bar{W: w, Interval: 100 * time.Millisecond, Width: 30}
}

func (b *Bar) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// Listed implements Progress.
func (b *Bar) Listed(kind string, n int, remaining int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.remaining == nil {
		b.remaining = map[string]int64{}
	}
	b.listed += n
	b.remaining[kind] = remaining
	var left int64
	for _, r := range b.remaining {
		left += r
	}
	total := b.listed + int(left)
	b.draw(false, "listing", b.listed, total, kind)
}

// Evaluated implements Progress.
func (b *Bar) Evaluated(done, total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.draw(done == total, "checking", done, total, "")
}

// Done implements Progress: it clears the line.
func (b *Bar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprint(b.W, "\r\x1b[K")
		b.drawn = false
	}
}

func (b *Bar) draw(force bool, verb string, done, total int, kind string) {
	now := b.now()
	if !force && b.drawn && now.Sub(b.last) < b.Interval {
		return
	}
	b.last, b.drawn = now, true
	fmt.Fprint(b.W, "\r\x1b[K"+Line(verb, done, total, kind, b.Width))
}

// Line renders one state of the bar: "[=====>    ]  52% listing 2600/5000 (Pod)".
func Line(verb string, done, total int, kind string, width int) string {
	if total < done {
		total = done
	}
	frac := 1.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	fill := int(frac * float64(width))
	bar := strings.Repeat("=", fill)
	if fill < width {
		bar += ">" + strings.Repeat(" ", width-fill-1)
	}
	s := fmt.Sprintf("[%s] %3d%% %s %d/%d", bar, int(frac*100), verb, done, total)
	if kind != "" {
		s += " (" + kind + ")"
	}
	return s
}
