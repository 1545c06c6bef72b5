package detect

import (
	"hash/maphash"
	"time"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

// sweepEvery is how many additions pass between sweeps of expired keys:
// often enough that memory follows the window, rarely enough that sweeping
// costs nothing per event.
const sweepEvery = 4096

// burst counts events per key in a sliding window of event time. Each key
// keeps only its last threshold timestamps (a ring): the threshold-th most
// recent event being within the window is exactly "threshold events in the
// window". After firing, a key stays quiet for one window, so a burst is one
// finding, not one per event.
type burst struct {
	threshold int
	window    time.Duration
	keys      map[string]*ring
	adds      int
}

type ring struct {
	ts     []time.Time
	next   int
	full   bool
	newest time.Time
	quiet  time.Time // no new finding before this
}

func newBurst(threshold int, window time.Duration) *burst {
	return &burst{threshold: threshold, window: window, keys: map[string]*ring{}}
}

// add records an event at t for key and reports whether it completes a
// burst.
func (b *burst) add(key string, t time.Time) bool {
	b.adds++
	if b.adds%sweepEvery == 0 {
		b.sweep(t)
	}
	r := b.keys[key]
	if r == nil {
		r = &ring{ts: make([]time.Time, b.threshold)}
		b.keys[key] = r
	}
	r.ts[r.next] = t
	r.next = (r.next + 1) % b.threshold
	r.full = r.full || r.next == 0
	if t.After(r.newest) {
		r.newest = t
	}
	if !r.full || t.Before(r.quiet) {
		return false
	}
	oldest := r.ts[r.next] // the slot written threshold events ago
	if t.Sub(oldest) > b.window {
		return false
	}
	r.quiet = t.Add(b.window)
	return true
}

// sweep forgets keys with nothing in the window and no quiet period left.
func (b *burst) sweep(now time.Time) {
	for k, r := range b.keys {
		if now.Sub(r.newest) > b.window && !now.Before(r.quiet) {
			delete(b.keys, k)
		}
	}
}

// quiet remembers keys already reported, for a period of event time.
type quiet struct {
	period time.Duration
	until  map[string]time.Time
	adds   int
}

func newQuiet(period time.Duration) *quiet {
	return &quiet{period: period, until: map[string]time.Time{}}
}

// first reports whether key may be reported at t, and if so starts its
// quiet period.
func (q *quiet) first(key string, t time.Time) bool {
	q.adds++
	if q.adds%sweepEvery == 0 {
		for k, u := range q.until {
			if !t.Before(u) {
				delete(q.until, k)
			}
		}
	}
	if u, ok := q.until[key]; ok && t.Before(u) {
		return false
	}
	q.until[key] = t.Add(q.period)
	return true
}

// dedup remembers auditID+stage pairs for at least one window of event
// time, in two generations: when the current one is a window old it
// becomes the previous one and the old previous one is dropped. Memory is
// two windows of events at most. IDs are kept as two 64-bit hashes rather
// than strings, so an entry does not keep the event's ID string alive.
type dedup struct {
	window    time.Duration
	seed1     maphash.Seed
	seed2     maphash.Seed
	cur, prev map[dedupKey]struct{}
	curStart  time.Time
}

type dedupKey struct {
	h1, h2 uint64
	stage  uint8 // stageIndex: a string here would double the key's size
}

func stageIndex(s auditv1.Stage) uint8 {
	switch s {
	case auditv1.StageRequestReceived:
		return 1
	case auditv1.StageResponseStarted:
		return 2
	case auditv1.StageResponseComplete:
		return 3
	case auditv1.StagePanic:
		return 4
	}
	return 0
}

func newDedup(window time.Duration) *dedup {
	return &dedup{window: window, seed1: maphash.MakeSeed(), seed2: maphash.MakeSeed(),
		cur: map[dedupKey]struct{}{}, prev: map[dedupKey]struct{}{}}
}

func (d *dedup) seen(id string, stage auditv1.Stage, t time.Time) bool {
	if d.curStart.IsZero() {
		d.curStart = t
	}
	if t.Sub(d.curStart) > d.window {
		d.prev, d.cur, d.curStart = d.cur, make(map[dedupKey]struct{}, len(d.cur)), t
	}
	k := dedupKey{maphash.String(d.seed1, id), maphash.String(d.seed2, id), stageIndex(stage)}
	if _, ok := d.cur[k]; ok {
		return true
	}
	if _, ok := d.prev[k]; ok {
		return true
	}
	d.cur[k] = struct{}{}
	return false
}
